//! CRYPTO-003 `weak-tls-ssh-config`.

use super::{finding, small_text};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRYPTO-003",
    name: "weak-tls-ssh-config",
    severity: Severity::Medium,
    summary: "A TLS or SSH configuration enables SSLv2/SSLv3/TLS 1.0/1.1 or weak ciphers, key exchanges or MACs",
    requirements: &["en303645:5.5-1"],
    doc: Doc::Markdown("\
**What it checks.** Configuration files of the usual servers and libraries: lighttpd \
(`ssl.use-sslv2`, `ssl.use-sslv3`, `ssl.cipher-list`), nginx (`ssl_protocols`, \
`ssl_ciphers`), Apache (`SSLProtocol`, `SSLCipherSuite`), stunnel (`sslVersion`, `ciphers`), \
`openssl.cnf` (`MinProtocol`, `CipherString`), and OpenSSH (`Ciphers`, `KexAlgorithms`, \
`MACs`, `Protocol 1`). A protocol list is weak when it enables SSLv2, SSLv3, TLSv1 or \
TLSv1.1; a cipher list when it enables (without `!`/`-`) `RC4`, `DES`, `3DES`, `NULL`, \
`EXPORT`, `aNULL`, `MD5`; SSH when it offers `arcfour*`, `*-cbc`, `3des`, \
`diffie-hellman-group1-sha1`, `hmac-md5*`.

**Why it matters.** Best-practice cryptography for communication (5.5-1) excludes these \
protocols and primitives, which have practical attacks (POODLE, BEAST, Sweet32, RC4 biases, \
Logjam).

**Evidence.** The file and line; details: `setting`, `weak` (the offending items).

**Known false positives.** A configuration file for a server that is not started (see the SVC \
findings); a server whose library no longer supports the enabled protocol.

**References.** ETSI EN 303 645 V2.1.1 provision 5.5-1; RFC 8996 (deprecating TLS 1.0/1.1); \
RFC 7568 (SSLv3); RFC 7465 (RC4); ETSI TS 103 701 5.5."),
};

const WEAK_PROTOCOLS: &[&str] = &[
    "sslv2", "sslv3", "tlsv1", "tlsv1.0", "tlsv1.1", "tls1", "tls1_1",
];
const WEAK_CIPHERS: &[&str] = &[
    "rc4", "des", "3des", "null", "export", "anull", "md5", "exp-",
];
const WEAK_SSH: &[&str] = &[
    "arcfour",
    "-cbc",
    "3des",
    "diffie-hellman-group1-sha1",
    "hmac-md5",
    "blowfish",
];

fn is_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    name.ends_with(".conf")
        || name.ends_with(".cnf")
        || name == "sshd_config"
        || name == "ssh_config"
        || path.contains("/nginx/")
        || path.contains("/lighttpd/")
        || path.contains("/apache")
}

fn weak_items(key: &str, value: &str) -> Vec<String> {
    let k = key.to_ascii_lowercase();
    let v = value.to_ascii_lowercase();
    let v = v.trim_matches(|c| c == '"' || c == '\'' || c == ';');
    match k.as_str() {
        "ssl.use-sslv2" | "ssl.use-sslv3" => {
            if v.contains("enable") {
                vec![k.trim_start_matches("ssl.use-").to_owned()]
            } else {
                Vec::new()
            }
        }
        "ssl_protocols"
        | "sslprotocol"
        | "sslversion"
        | "minprotocol"
        | "ssl.openssl.ssl-conf-cmd" => v
            .split(|c: char| c.is_whitespace() || c == ',' || c == ':')
            .filter(|t| !t.starts_with('-') && !t.starts_with('!'))
            .map(|t| t.trim_start_matches('+'))
            .filter(|t| WEAK_PROTOCOLS.contains(t) || *t == "all")
            .map(str::to_owned)
            .collect(),
        "ssl_ciphers" | "sslciphersuite" | "ssl.cipher-list" | "ciphers" | "cipherstring" => v
            .split([':', ',', ' '])
            .filter(|t| !t.is_empty() && !t.starts_with('!') && !t.starts_with('-'))
            .map(|t| t.trim_start_matches('+'))
            .filter(|t| {
                WEAK_CIPHERS.iter().any(|w| {
                    t.split('-')
                        .any(|p| p == *w || p == w.trim_end_matches('-'))
                }) || WEAK_SSH.iter().any(|w| t.contains(w))
            })
            .map(str::to_owned)
            .collect(),
        "kexalgorithms" | "macs" => v
            .split(',')
            .filter(|t| WEAK_SSH.iter().any(|w| t.contains(w)))
            .map(str::to_owned)
            .collect(),
        "protocol" if v.split(',').any(|p| p.trim() == "1") => vec!["ssh-1".to_owned()],
        _ => Vec::new(),
    }
}

pub(super) fn check(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    for (id, path) in ctx.fs_files() {
        if !is_config(&path) {
            continue;
        }
        let Some(text) = small_text(ctx, id) else {
            continue;
        };
        let mut off = 0u64;
        for (i, line) in text.lines().enumerate() {
            let here = off;
            off = off.saturating_add(line.len() as u64 + 1);
            let t = line.trim();
            if t.starts_with('#') || t.is_empty() {
                continue;
            }
            let (key, value) = match t.split_once('=') {
                Some((k, v)) if !k.trim().contains(' ') => (k.trim(), v.trim()),
                _ => match t.split_once(char::is_whitespace) {
                    Some((k, v)) => (k.trim(), v.trim()),
                    None => continue,
                },
            };
            let weak = weak_items(key, value);
            if weak.is_empty() {
                continue;
            }
            let mut f = finding(
                &INFO,
                Severity::Medium,
                Confidence::High,
                format!("{path} enables {} ({key})", weak.join(", ")),
            );
            f.evidence.push(
                ctx.evidence(id)
                    .line(u32::try_from(i + 1).unwrap_or(u32::MAX))
                    .offset(here)
                    .excerpt(t.chars().take(240).collect::<String>()),
            );
            f.details.insert("setting".into(), json!(key));
            f.details.insert("weak".into(), json!(weak));
            out.findings.push(f);
        }
    }
}
