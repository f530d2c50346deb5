//! The applets a BusyBox binary was built with, for the vulnerability store's VEX reasoning
//! (a CVE in `wget` does not affect a BusyBox without `wget`).
//!
//! BusyBox keeps its applet names as NUL-terminated strings in one sorted table (1.17+:
//! one packed `applet_names` blob; older releases: one string per entry of the `applets[]`
//! array, laid out together by the compiler). We look for every name of a fixed vocabulary
//! as a whole NUL-delimited string, and accept the result only when enough are found to be
//! a table rather than stray words.

/// Applet names we look for (those that carry CVE history or are common on devices).
const VOCABULARY: &[&str] = &[
    "[",
    "[[",
    "addgroup",
    "adduser",
    "arp",
    "arping",
    "ash",
    "awk",
    "basename",
    "brctl",
    "bunzip2",
    "bzcat",
    "bzip2",
    "cat",
    "chmod",
    "chown",
    "cp",
    "cpio",
    "crond",
    "crontab",
    "cut",
    "date",
    "dd",
    "df",
    "dhcprelay",
    "dmesg",
    "dnsd",
    "dpkg",
    "dpkg-deb",
    "du",
    "echo",
    "egrep",
    "env",
    "expr",
    "false",
    "fdisk",
    "fgrep",
    "find",
    "free",
    "ftpd",
    "ftpget",
    "ftpput",
    "getty",
    "grep",
    "gunzip",
    "gzip",
    "halt",
    "head",
    "hostname",
    "httpd",
    "hush",
    "ifconfig",
    "inetd",
    "init",
    "insmod",
    "ip",
    "ipcalc",
    "kill",
    "killall",
    "klogd",
    "less",
    "ln",
    "logger",
    "login",
    "ls",
    "lsmod",
    "lzcat",
    "lzma",
    "man",
    "md5sum",
    "mkdir",
    "mknod",
    "modprobe",
    "more",
    "mount",
    "mv",
    "nc",
    "netstat",
    "nslookup",
    "ntpd",
    "passwd",
    "pidof",
    "ping",
    "ping6",
    "poweroff",
    "ps",
    "pwd",
    "reboot",
    "rm",
    "rmmod",
    "route",
    "rpm",
    "rpm2cpio",
    "sed",
    "sh",
    "sleep",
    "sort",
    "su",
    "sulogin",
    "sync",
    "syslogd",
    "tail",
    "tar",
    "telnet",
    "telnetd",
    "test",
    "tftp",
    "tftpd",
    "top",
    "touch",
    "tr",
    "traceroute",
    "true",
    "udhcpc",
    "udhcpd",
    "umount",
    "uname",
    "unlzma",
    "unxz",
    "unzip",
    "uptime",
    "vi",
    "wc",
    "wget",
    "which",
    "xargs",
    "xz",
    "zcat",
];

/// Names found, sorted; `None` when too few were found to be an applet table.
pub fn applets(data: &[u8]) -> Option<Vec<String>> {
    let mut found = Vec::new();
    for name in VOCABULARY {
        let needle: Vec<u8> = [&[0u8][..], name.as_bytes(), &[0u8][..]].concat();
        if memchr::memmem::find(data, &needle).is_some() {
            found.push((*name).to_owned());
        }
    }
    // Every real build has at least a shell and a dozen basics.
    (found.len() >= 12).then_some(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn finds_table_names_only() {
        let mut blob = b"x\0".to_vec();
        for n in [
            "ash", "cat", "cp", "echo", "grep", "ls", "mkdir", "mount", "ps", "rm", "sh", "udhcpc",
            "vi",
        ] {
            blob.extend_from_slice(n.as_bytes());
            blob.push(0);
        }
        blob.extend_from_slice(b"usage: wget [-c]\0");
        let a = applets(&blob).unwrap();
        assert!(a.contains(&"udhcpc".to_owned()));
        assert!(!a.contains(&"wget".to_owned()));
        assert_eq!(applets(b"\0ash\0cat\0"), None);
    }
}
