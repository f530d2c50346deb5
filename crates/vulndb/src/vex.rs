//! VEX refinement: a CPE match says the *product version* is affected; the evidence may say
//! the vulnerable code is not in this build.
//!
//! Owns: BusyBox applet reasoning. A BusyBox binary contains only the applets it was
//! configured with; its applet name table is read by the COMP family into the component
//! property `busybox:applets`. A BusyBox CVE whose vulnerable code lives in applets none of
//! which is present is reported `not_affected` with justification `code_not_present`.
//! Which applets a CVE concerns comes from [`BUSYBOX_APPLETS`] (checked against each CVE's
//! description and the BusyBox fix commits) and otherwise from the description's
//! "… in the X applet" / "X applet" wording.
//!
//! Also owns: Linux kernel symbol reasoning ([`kernel_cve_prefixes`], [`refine_kernel`]). The
//! COMP family decodes the kernel's own symbol table (kallsyms) and reads the symbols defined
//! by the `.ko` modules of the file systems; the component carries `linux:kallsyms` (count),
//! `linux:root-filesystems`, `linux:modules` and `linux:symbol-prefixes` (the distinct
//! prefixes, text before the first `_` after leading underscores, lower-case). From a kernel
//! CVE's description come function names (`foo_bar()`, "the foo_bar function", "the a_b and
//! c_d functions") and source paths (`net/rds/page.c` → subsystem `rds`, the last directory:
//! `drivers/net/wireless/ath/ath9k/x.c` → `ath9k`, `fs/ext4/x.c` → `ext4`). The CVE is
//! `not_affected` / `code_not_present` only when ALL of these hold:
//! - the table is full: `linux:kallsyms` ≥ [`MIN_KALLSYMS`], and at least one root file
//!   system was unpacked (so the modules that could carry the code were seen);
//! - at least one function name was derived (a path alone is not enough: directory names are
//!   not always symbol prefixes — `net/bluetooth` code is `hci_*`, `l2cap_*`);
//! - no path is in a core directory ([`is_core_path`]: `kernel/`, `mm/`, `lib/`, `arch/`,
//!   `net/core`, `net/ipv4`, `net/netfilter`…, or a single-level path like `fs/namei.c`),
//!   whose code is always built and whose file names say nothing of a subsystem;
//! - none of the derived prefixes (of the functions and of the path subsystems) is a symbol
//!   prefix of the kernel or its modules.
//!
//! Anything else stays `affected`. Known false negatives (a CVE wrongly set not affected): a
//! static function inlined by the compiler whose prefix no other symbol of the built code
//! shares; code in a module that is not in the unpacked file systems (another partition, a
//! module fetched at run time) — give every partition of the product. Known false positives
//! (stays affected although absent): descriptions naming no function, generic prefixes
//! (`do_`, `sys_`, `get_`) that are always present, core-directory paths, descriptions naming
//! a helper of another subsystem. Kernel configuration (`IKCONFIG`) is not read.
//!
//! Never does: mark anything not affected without positive evidence (an unknown applet list,
//! a kernel without a decoded symbol table, keep the match `affected`).

use crate::record::CveRecord;
use baseline_model::{Component, Vulnerability};

/// CVE → BusyBox applets whose code it is in (any one present means affected).
pub const BUSYBOX_APPLETS: &[(&str, &[&str])] = &[
    ("CVE-2016-2147", &["udhcpc", "udhcpd", "dhcprelay"]),
    ("CVE-2016-2148", &["udhcpc", "udhcpd", "dhcprelay"]),
    // get_next_block() in the bunzip2 decompressor: every applet that can unpack bz2.
    (
        "CVE-2017-15873",
        &[
            "bunzip2", "bzcat", "bzip2", "tar", "rpm", "rpm2cpio", "dpkg", "dpkg-deb", "unzip",
        ],
    ),
    (
        "CVE-2017-15874",
        &["unlzma", "lzcat", "lzma", "tar", "unxz"],
    ),
    ("CVE-2017-16544", &["ash", "sh", "hush"]),
    ("CVE-2018-1000517", &["wget"]),
    ("CVE-2018-1000500", &["wget"]),
    ("CVE-2018-20679", &["udhcpc", "udhcpd"]),
    ("CVE-2019-5747", &["udhcpc", "udhcpd"]),
    (
        "CVE-2021-28831",
        &["gunzip", "zcat", "tar", "unzip", "rpm", "rpm2cpio", "dpkg"],
    ),
    ("CVE-2021-42373", &["man"]),
    ("CVE-2021-42374", &["unlzma", "lzcat", "lzma", "tar"]),
    ("CVE-2021-42375", &["ash", "sh"]),
    ("CVE-2021-42376", &["hush"]),
    ("CVE-2021-42377", &["hush"]),
    ("CVE-2021-42378", &["awk"]),
    ("CVE-2021-42379", &["awk"]),
    ("CVE-2021-42380", &["awk"]),
    ("CVE-2021-42381", &["awk"]),
    ("CVE-2021-42382", &["awk"]),
    ("CVE-2021-42383", &["awk"]),
    ("CVE-2021-42384", &["awk"]),
    ("CVE-2021-42385", &["awk"]),
    ("CVE-2021-42386", &["awk"]),
    ("CVE-2022-28391", &["netstat", "ash", "sh"]),
    ("CVE-2022-48174", &["ash", "sh"]),
    ("CVE-2023-42363", &["awk"]),
    ("CVE-2023-42364", &["awk"]),
    ("CVE-2023-42365", &["awk"]),
    ("CVE-2023-42366", &["awk"]),
];

/// The applets a BusyBox CVE concerns: the table, else the description's wording.
pub fn busybox_cve_applets(rec: &CveRecord) -> Vec<String> {
    if let Some((_, a)) = BUSYBOX_APPLETS.iter().find(|(id, _)| *id == rec.id) {
        return a.iter().map(|s| (*s).to_owned()).collect();
    }
    let d = rec.description.to_ascii_lowercase();
    let words: Vec<&str> = d
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for w in words.windows(2) {
        if let [name, "applet"] = w {
            if !matches!(*name, "the" | "an" | "a" | "busybox" | "this") {
                out.push((*name).to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A kernel symbol table smaller than this is not trusted to be complete.
pub const MIN_KALLSYMS: usize = 2000;

/// What a kernel CVE's description says about where its code is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelCve {
    /// Function names (`rds_page_copy_user`).
    pub functions: Vec<String>,
    /// Source paths (`net/rds/page.c`).
    pub paths: Vec<String>,
    /// Prefixes to look for: of the functions, then the path subsystems; sorted, distinct.
    pub prefixes: Vec<String>,
    /// A path is in a core directory: undecidable.
    pub core: bool,
}

/// A symbol prefix as COMP computes it: text before the first non-alphanumeric character
/// after leading underscores, lower-case, at least 2 characters.
fn symbol_prefix(name: &str) -> Option<String> {
    let s = name.trim_start_matches('_');
    let p: String = s
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (p.len() >= 2).then_some(p)
}

/// Core directories: always built, and their file names name no subsystem.
pub fn is_core_path(path: &str) -> bool {
    let dirs: Vec<&str> = path.split('/').collect();
    let dirs = dirs.get(..dirs.len().saturating_sub(1)).unwrap_or_default();
    match dirs {
        [] | [_] => true,
        [top, rest @ ..] => {
            matches!(
                *top,
                "kernel"
                    | "mm"
                    | "lib"
                    | "arch"
                    | "include"
                    | "init"
                    | "ipc"
                    | "block"
                    | "virt"
                    | "security"
                    | "crypto"
                    | "tools"
                    | "scripts"
                    | "usr"
            ) || matches!(
                (*top, rest.first().copied().unwrap_or_default()),
                (
                    "net",
                    "core" | "ipv4" | "ipv6" | "netfilter" | "sched" | "ethernet" | "unix"
                ) | ("drivers", "base" | "tty" | "char")
                    | ("fs", "proc" | "sysfs" | "kernfs")
            )
        }
    }
}

/// Is `w` a function-like identifier: lower-case C name with an underscore?
fn is_func_ident(w: &str) -> bool {
    w.len() >= 4
        && w.contains('_')
        && w.trim_start_matches('_').contains('_')
        && w.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && w.bytes().next().is_some_and(|b| !b.is_ascii_digit())
}

/// The functions, paths and prefixes a Linux kernel CVE's description names.
pub fn kernel_cve_prefixes(description: &str) -> KernelCve {
    let mut k = KernelCve::default();
    // Words with their following text, split on whitespace; punctuation trimmed per use.
    let words: Vec<&str> = description.split_whitespace().collect();
    let trim = |w: &str| -> String {
        let w = w.trim_end_matches("'s");
        w.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '(' | ')' | '"' | '\'' | '`'))
            .trim_end_matches('.')
            .to_owned()
    };
    for (i, raw) in words.iter().enumerate() {
        // foo_bar() / foo_bar(), — not struct members (a->foo_bar()) nor system calls.
        if let Some(head) = raw.split_once("()").map(|(h, _)| h) {
            let name = head.trim_start_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            let after = words.get(i + 1).copied().unwrap_or_default();
            if is_func_ident(name)
                && !head.contains("->")
                && !head.contains('.')
                && !matches!(after, "system" | "syscall" | "syscalls")
            {
                k.functions.push(name.to_owned());
            }
        }
        // "the foo_bar function", "the a_b, c_d, and e_f functions".
        let w = trim(raw);
        if w == "function" || w == "functions" {
            let mut j = i;
            while j > 0 {
                j -= 1;
                let Some(prev) = words.get(j) else { break };
                let p = trim(prev);
                if is_func_ident(&p) {
                    k.functions.push(p);
                } else if !matches!(p.as_str(), "and" | "or" | "") {
                    break;
                }
                if w == "function" {
                    break;
                }
            }
        }
        // Source paths: a/b/c.c or .h.
        if (w.ends_with(".c") || w.ends_with(".h")) && w.contains('/') {
            let p = w.trim_start_matches("linux/").trim_start_matches('/');
            if p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'))
            {
                k.paths.push(p.to_owned());
            }
        }
    }
    k.functions.sort();
    k.functions.dedup();
    k.paths.sort();
    k.paths.dedup();
    k.core = k.paths.iter().any(|p| is_core_path(p));
    let mut prefixes: Vec<String> = k
        .functions
        .iter()
        .filter_map(|f| symbol_prefix(f))
        .collect();
    for p in &k.paths {
        let mut parts: Vec<&str> = p.split('/').collect();
        parts.pop();
        if let Some(dir) = parts.last() {
            if let Some(sp) = symbol_prefix(dir) {
                prefixes.push(sp);
            }
        }
    }
    prefixes.sort();
    prefixes.dedup();
    k.prefixes = prefixes;
    k
}

fn is_linux_kernel(c: &Component) -> bool {
    c.cpe
        .as_deref()
        .is_some_and(|cpe| cpe.contains(":linux:linux_kernel:"))
}

/// The kernel rule (see the module docs).
pub fn refine_kernel(rec: &CveRecord, c: &Component, v: &mut Vulnerability) {
    let num = |k: &str| {
        c.properties
            .get(k)
            .and_then(|s| s.trim().parse::<usize>().ok())
    };
    let (Some(syms), Some(roots), Some(list)) = (
        num("linux:kallsyms"),
        num("linux:root-filesystems"),
        c.properties.get("linux:symbol-prefixes"),
    ) else {
        return;
    };
    if syms < MIN_KALLSYMS || roots == 0 {
        return;
    }
    let k = kernel_cve_prefixes(&rec.description);
    if k.functions.is_empty() || k.core || k.prefixes.is_empty() {
        return;
    }
    let present: std::collections::HashSet<&str> = list.split(',').map(str::trim).collect();
    let hit: Vec<&str> = k
        .prefixes
        .iter()
        .map(String::as_str)
        .filter(|p| present.contains(p))
        .collect();
    let modules = num("linux:modules").unwrap_or(0);
    if hit.is_empty() {
        v.state = "not_affected".into();
        v.justification = Some("code_not_present".into());
        let looked: Vec<String> = k.prefixes.iter().map(|p| format!("{p}_")).collect();
        let mut from = k.functions.clone();
        from.extend(k.paths.iter().cloned());
        v.reason.push_str(&format!(
            "; not affected: the vulnerable code ({}) is not in this kernel: no symbol with \
             prefix {} among its {syms} kallsyms symbols and {modules} modules",
            from.join(", "),
            looked.join(" or "),
        ));
    } else {
        v.reason.push_str(&format!(
            "; kernel symbols present with prefix {}",
            hit.iter()
                .map(|p| format!("{p}_"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// Refine `v` (matched against `c`) with the evidence `c` carries.
pub fn refine(rec: &CveRecord, c: &Component, v: &mut Vulnerability) {
    if is_linux_kernel(c) {
        refine_kernel(rec, c, v);
        return;
    }
    if !c.name.eq_ignore_ascii_case("busybox") {
        return;
    }
    let Some(list) = c.properties.get("busybox:applets") else {
        return;
    };
    let present: Vec<&str> = list.split(',').map(str::trim).collect();
    let concerned = busybox_cve_applets(rec);
    if concerned.is_empty() {
        return;
    }
    let hit: Vec<&String> = concerned
        .iter()
        .filter(|a| present.contains(&a.as_str()))
        .collect();
    if hit.is_empty() {
        v.state = "not_affected".into();
        v.justification = Some("code_not_present".into());
        v.reason.push_str(&format!(
            "; not affected: the vulnerable code is in {} and this BusyBox binary has none of \
             these applets ({} applets present)",
            concerned.join("/"),
            present.len()
        ));
    } else {
        let names: Vec<&str> = hit.iter().map(|s| s.as_str()).collect();
        v.reason
            .push_str(&format!("; applet present: {}", names.join(", ")));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use baseline_model::Confidence;
    use std::collections::BTreeMap;

    const RDS: &str = "The rds_page_copy_user function in net/rds/page.c in the Reliable \
        Datagram Sockets (RDS) protocol implementation in the Linux kernel before 2.6.36 does \
        not properly validate addresses obtained from user space, which allows local users to \
        gain privileges via crafted use of the sendmsg and recvmsg system calls.";

    fn kernel(syms: &str, roots: &str, prefixes: &str) -> Component {
        let mut p = BTreeMap::new();
        p.insert("linux:kallsyms".to_owned(), syms.to_owned());
        p.insert("linux:root-filesystems".to_owned(), roots.to_owned());
        p.insert("linux:modules".to_owned(), "65".to_owned());
        p.insert("linux:symbol-prefixes".to_owned(), prefixes.to_owned());
        Component {
            name: "Linux kernel".into(),
            version: Some("2.6.31".into()),
            purl: None,
            cpe: Some("cpe:2.3:o:linux:linux_kernel:2.6.31:*:*:*:*:*:*:*".into()),
            evidence: vec![],
            confidence: Confidence::High,
            kind: "operating-system".into(),
            vendor: Some("linux".into()),
            properties: p,
        }
    }

    fn run(desc: &str, c: &Component) -> Vulnerability {
        let rec = CveRecord {
            id: "CVE-0000-0001".into(),
            description: desc.into(),
            ..Default::default()
        };
        let mut v = Vulnerability {
            id: rec.id.clone(),
            component: "Linux kernel 2.6.31".into(),
            cvss: Default::default(),
            kev: false,
            epss: None,
            state: "affected".into(),
            justification: None,
            reason: "matched".into(),
            requirements: vec![],
        };
        refine(&rec, c, &mut v);
        v
    }

    const PRESENT: &str = "ip,packet,page,start,sys,tcp,udp";

    #[test]
    fn descriptions_to_prefixes() {
        let k = kernel_cve_prefixes(RDS);
        assert_eq!(k.functions, ["rds_page_copy_user"]);
        assert_eq!(k.paths, ["net/rds/page.c"]);
        assert_eq!(k.prefixes, ["rds"]);
        assert!(!k.core);
        let k = kernel_cve_prefixes(
            "The ext4_fill_super, __ext4_iget, and jbd2_journal_load functions in \
             fs/ext4/super.c, and drivers/net/wireless/ath/ath9k/htc_drv_main.c's ath9k_htc_tx() \
             via the ioctl() system call; a->ops_probe() and TCP_SKB_CB(skb)->tcp_gso_segs.",
        );
        assert_eq!(
            k.functions,
            [
                "__ext4_iget",
                "ath9k_htc_tx",
                "ext4_fill_super",
                "jbd2_journal_load"
            ]
        );
        assert_eq!(
            k.paths,
            [
                "drivers/net/wireless/ath/ath9k/htc_drv_main.c",
                "fs/ext4/super.c"
            ]
        );
        assert_eq!(k.prefixes, ["ath9k", "ext4", "jbd2"]);
        // Core directories make a CVE undecidable.
        assert!(kernel_cve_prefixes("Race condition in mm/gup.c allows COW").core);
        assert!(kernel_cve_prefixes("The futex_requeue function in kernel/futex.c").core);
        assert!(kernel_cve_prefixes("x in net/ipv4/tcp_input.c").core);
        assert!(kernel_cve_prefixes("x in fs/namei.c").core);
        assert!(!kernel_cve_prefixes("x in drivers/net/ppp/ppp_generic.c").core);
    }

    #[test]
    fn rds_absent_is_not_affected_with_a_reason() {
        let v = run(RDS, &kernel("8201", "1", PRESENT));
        assert_eq!(v.state, "not_affected");
        assert_eq!(v.justification.as_deref(), Some("code_not_present"));
        assert_eq!(
            v.reason,
            "matched; not affected: the vulnerable code (rds_page_copy_user, net/rds/page.c) \
             is not in this kernel: no symbol with prefix rds_ among its 8201 kallsyms symbols \
             and 65 modules"
        );
        // The newer NVD wording, a function with parentheses and no path.
        let v = run(
            "In the Linux kernel, the following vulnerability has been resolved: net/rds: \
             fix a NULL dereference in rds_tcp_accept_one()",
            &kernel("8201", "1", PRESENT),
        );
        assert_eq!(v.state, "not_affected");
    }

    #[test]
    fn undecidable_stays_affected() {
        let affected = |desc: &str, c: &Component| {
            let v = run(desc, c);
            assert_eq!(v.state, "affected", "{desc}");
            assert_eq!(v.justification, None);
            v.reason
        };
        // The subsystem is built.
        let r = affected(RDS, &kernel("8201", "1", "page,rds,tcp"));
        assert_eq!(r, "matched; kernel symbols present with prefix rds_");
        // A partial table, no file system (modules unseen), no table at all.
        assert_eq!(affected(RDS, &kernel("1999", "1", PRESENT)), "matched");
        assert_eq!(affected(RDS, &kernel("8201", "0", PRESENT)), "matched");
        let mut bare = kernel("8201", "1", PRESENT);
        bare.properties.clear();
        assert_eq!(affected(RDS, &bare), "matched");
        // A path without a function, a core path, nothing derivable.
        affected(
            "A flaw in net/rds/ib_send.c allows a crash.",
            &kernel("8201", "1", PRESENT),
        );
        affected(
            "Race condition in mm/gup.c in the Linux kernel 2.x through 4.x before 4.8.3 \
             allows local users to gain privileges (Dirty COW).",
            &kernel("8201", "1", PRESENT),
        );
        affected(
            "The xyz_helper function in net/core/dev.c mishandles things.",
            &kernel("8201", "1", PRESENT),
        );
        affected(
            "An integer overflow in TCP_SKB_CB(skb)->tcp_gso_segs (SACK Panic).",
            &kernel("8201", "1", PRESENT),
        );
        // Any one prefix present keeps it affected.
        affected(
            "The packet_set_ring function in net/packet/af_packet.c does not validate.",
            &kernel("8201", "1", PRESENT),
        );
        // Not a kernel component: untouched.
        let mut other = kernel("8201", "1", PRESENT);
        other.cpe = Some("cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*".into());
        other.name = "dropbear".into();
        assert_eq!(affected(RDS, &other), "matched");
    }
}
