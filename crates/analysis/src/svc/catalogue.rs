//! Which programs are which kind of service. One table, documented in the SVC checks.

/// Kind of service a program provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Telnet,
    Ftp,
    Tftp,
    Web,
    Ssh,
    Upnp,
    Snmp,
    Mdns,
    /// A shell or remote-execution listener meant for debugging (`nc -l -e`, adbd).
    Debug,
    Other,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Telnet => "telnet",
            Class::Ftp => "ftp",
            Class::Tftp => "tftp",
            Class::Web => "web",
            Class::Ssh => "ssh",
            Class::Upnp => "upnp",
            Class::Snmp => "snmp",
            Class::Mdns => "mdns",
            Class::Debug => "debug-listener",
            Class::Other => "other",
        }
    }
}

const TABLE: &[(&str, Class)] = &[
    ("telnetd", Class::Telnet),
    ("utelnetd", Class::Telnet),
    ("in.telnetd", Class::Telnet),
    ("ftpd", Class::Ftp),
    ("vsftpd", Class::Ftp),
    ("proftpd", Class::Ftp),
    ("pure-ftpd", Class::Ftp),
    ("bftpd", Class::Ftp),
    ("in.ftpd", Class::Ftp),
    ("tftpd", Class::Tftp),
    ("in.tftpd", Class::Tftp),
    ("atftpd", Class::Tftp),
    ("httpd", Class::Web),
    ("lighttpd", Class::Web),
    ("boa", Class::Web),
    ("goahead", Class::Web),
    ("webs", Class::Web),
    ("uhttpd", Class::Web),
    ("mini_httpd", Class::Web),
    ("thttpd", Class::Web),
    ("nginx", Class::Web),
    ("apache2", Class::Web),
    ("mongoose", Class::Web),
    ("shttpd", Class::Web),
    ("dropbear", Class::Ssh),
    ("sshd", Class::Ssh),
    ("miniupnpd", Class::Upnp),
    ("upnpd", Class::Upnp),
    ("upnp", Class::Upnp),
    ("snmpd", Class::Snmp),
    ("mini_snmpd", Class::Snmp),
    ("avahi-daemon", Class::Mdns),
    ("mdnsd", Class::Mdns),
    ("mDNSResponder", Class::Mdns),
    ("umdns", Class::Mdns),
    ("adbd", Class::Debug),
    ("gdbserver", Class::Debug),
];

/// Daemon names looked for in boot-started binaries and in the binary directories.
pub fn daemon_names() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(n, _)| *n)
}

pub fn is_shell(prog: &str) -> bool {
    matches!(
        prog.trim_start_matches('-'),
        "sh" | "ash" | "bash" | "hush" | "msh" | "dash" | "zsh" | "ksh"
    )
}

/// The class of `prog` run with `argv` (argv may be empty for a bare binary).
pub fn classify(prog: &str, argv: &[String]) -> Class {
    match prog {
        "nc" | "netcat" | "ncat" => {
            let listen = argv.iter().any(|a| a.starts_with("-l"));
            let exec = argv.iter().any(|a| a.starts_with("-e") || a == "-c");
            if listen && exec {
                return Class::Debug;
            }
            return Class::Other;
        }
        "socat" => {
            if argv
                .iter()
                .any(|a| a.contains("EXEC:") || a.contains("SYSTEM:"))
            {
                return Class::Debug;
            }
            return Class::Other;
        }
        "dropbearmulti" => {
            return if argv.iter().any(|a| a.ends_with("dropbear")) || argv.len() <= 1 {
                Class::Ssh
            } else {
                Class::Other
            }
        }
        _ => {}
    }
    if let Some((_, c)) = TABLE.iter().find(|(n, _)| *n == prog) {
        return *c;
    }
    let lower = prog.to_ascii_lowercase();
    if lower.contains("backdoor") || lower.contains("shellback") || lower.contains("bindshell") {
        return Class::Debug;
    }
    Class::Other
}
