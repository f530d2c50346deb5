//! COMP-002 `version-signature`: components identified from the bytes of binaries.

use super::{cpe_string, purl_string};
use crate::CheckInfo;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use baseline_model::checks::Doc;
use baseline_model::Severity;
use regex::bytes::Regex;
use serde::Deserialize;
use std::sync::OnceLock;

pub const INFO: CheckInfo = CheckInfo {
    code: "COMP-002",
    name: "version-signature",
    severity: Severity::Info,
    summary: "A component and its version identified from version strings in a binary",
    requirements: &["en303645:5.2-3", "en303645:5.3-8"],
    doc: Doc::Markdown(
        "\
**What it checks.** Every file of every extracted file system, and every decompressed stream \
(kernel images), in one aho-corasick pass over the literal anchors of all rules in \
`crates/analysis/data/components.toml`; each anchor hit is confirmed by the rule's small regex \
on a window around it, which also captures the version. Some rules read the version from the \
file name (`libuClibc-0.9.33.2.so`). Covers BusyBox, Dropbear, OpenSSH, OpenSSL, wolfSSL, Mbed \
TLS/PolarSSL, lighttpd, Boa, GoAhead, uhttpd, mini_httpd, thttpd, dnsmasq, hostapd, \
wpa_supplicant, miniupnpd/miniupnpc, libupnp, Samba, curl/libcurl, zlib, uClibc(-ng), glibc, \
musl, the Linux kernel, U-Boot, iptables, pppd, OpenVPN, ntp, Avahi, SQLite, libpcap, \
Mosquitto, the ESP8266 NONOS/RTOS SDKs, ESP-IDF and Nordic SoftDevices.

**Why it matters.** Most vendor images carry no package database: the binaries are the only \
record of what shipped. Known vulnerabilities (the VULN family, provisions 5.2-3 and 5.3-8) \
can only be matched to components whose name and version are known.

**Evidence.** The file, the byte offset and the matched string; confidence is high when the \
file's name is the program's own (`busybox`, `dropbear`), medium otherwise (e.g. a version \
string quoted by another program). Components are deduplicated per (name, version) with all \
their evidence. A BusyBox binary's applet list is kept as property `busybox:applets`; a Linux \
kernel image whose symbol table (kallsyms) decodes gets `linux:kallsyms` (symbols decoded), \
`linux:kallsyms-source`, `linux:modules`, `linux:root-filesystems` and \
`linux:symbol-prefixes` (symbol prefixes of the kernel and of the `.ko` modules in the file \
systems), which vulnerability matching uses to set CVEs of code not built `not_affected`.

**Known false positives.** A program that quotes another's banner (a web UI listing \
`OpenSSL 1.0.2`, a client that prints the server versions it knows) yields a medium-confidence \
component. Vendors sometimes patch without changing the version string (backports), so \
version-based matches can overstate; they can also rename or strip banners (misses).

**References.** ETSI EN 303 645 V2.1.1 provisions 5.2-3, 5.3-8; NTIA minimum elements of an \
SBOM; CycloneDX 1.6 `evidence.identity`.",
    ),
};

/// Rule data, embedded.
pub const RULES_TOML: &str = include_str!("../../data/components.toml");

/// One signature rule (see the header of `components.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    pub vendor: String,
    pub product: String,
    #[serde(default = "default_part")]
    pub part: String,
    #[serde(default = "default_purl")]
    pub purl: String,
    #[serde(default = "default_kind")]
    pub kind: String,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub anchors: Vec<String>,
    #[serde(default)]
    pub regex: String,
    #[serde(default)]
    pub before: usize,
    #[serde(default)]
    pub file_version: Option<String>,
    #[serde(default)]
    pub versionless: bool,
}

fn default_part() -> String {
    "a".into()
}
fn default_purl() -> String {
    "generic".into()
}
fn default_kind() -> String {
    "application".into()
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    rule: Vec<Rule>,
}

/// The compiled rule set: one automaton over every anchor of every rule.
#[derive(Debug)]
pub struct Signatures {
    pub rules: Vec<Rule>,
    regexes: Vec<Option<Regex>>,
    file_regexes: Vec<Option<Regex>>,
    ac: AhoCorasick,
    /// Pattern index → rule index.
    pattern_rule: Vec<usize>,
}

/// Bytes after an anchor included in the regex window.
const WINDOW_AFTER: usize = 160;
/// Anchor hits examined per rule and file (bounds work on files full of one banner).
const MAX_TRIES_PER_RULE: usize = 64;

/// One version sighting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: usize,
    pub version: Option<String>,
    pub offset: Option<u64>,
    pub excerpt: String,
    /// The file's name is one the rule names (`busybox`).
    pub named: bool,
}

impl Signatures {
    /// Compile rule text.
    pub fn parse(text: &str) -> Result<Signatures, String> {
        let file: RuleFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut regexes = Vec::new();
        let mut file_regexes = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rule = Vec::new();
        for (i, r) in file.rule.iter().enumerate() {
            regexes.push(if r.regex.is_empty() {
                None
            } else {
                Some(Regex::new(&r.regex).map_err(|e| format!("rule {} {}: {e}", i, r.name))?)
            });
            file_regexes.push(match &r.file_version {
                Some(f) => Some(Regex::new(f).map_err(|e| format!("rule {} {}: {e}", i, r.name))?),
                None => None,
            });
            for a in &r.anchors {
                patterns.push(a.clone());
                pattern_rule.push(i);
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // A DFA scans several times faster than the default NFA; this runs over every byte.
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .map_err(|e| e.to_string())?;
        Ok(Signatures {
            rules: file.rule,
            regexes,
            file_regexes,
            ac,
            pattern_rule,
        })
    }

    /// The bundled rules, compiled once.
    pub fn bundled() -> Result<&'static Signatures, String> {
        static SIGS: OnceLock<Result<Signatures, String>> = OnceLock::new();
        SIGS.get_or_init(|| Signatures::parse(RULES_TOML))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Anchor hits a rule's regex examines per file (see [`MAX_TRIES_PER_RULE`]).
    pub const MAX_TRIES_PER_RULE: usize = MAX_TRIES_PER_RULE;

    /// Every sighting in one file (`name` is its file name).
    pub fn scan(&self, name: &str, data: &[u8]) -> Vec<Hit> {
        let anchors = self
            .ac
            .find_overlapping_iter(data)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()));
        self.scan_anchors(name, data, anchors)
    }

    /// Every sighting in one file from its anchor hits `(pattern, start, end)`, in match
    /// order (pattern numbering: the rules' anchors in rule order), found by [`Self::scan`]
    /// or by the analysers' shared pass.
    pub fn scan_anchors(
        &self,
        name: &str,
        data: &[u8],
        anchors: impl IntoIterator<Item = (usize, usize, usize)>,
    ) -> Vec<Hit> {
        let mut out: Vec<Hit> = Vec::new();
        let mut tries = vec![0usize; self.rules.len()];
        for (pattern, start, end) in anchors {
            let Some(&ri) = self.pattern_rule.get(pattern) else {
                continue;
            };
            let (Some(rule), Some(Some(re)), Some(t)) =
                (self.rules.get(ri), self.regexes.get(ri), tries.get_mut(ri))
            else {
                continue;
            };
            if *t >= MAX_TRIES_PER_RULE {
                continue;
            }
            *t += 1;
            let named = name_hint(rule, name);
            if rule.versionless && !named {
                continue;
            }
            let lo = start.saturating_sub(rule.before);
            let hi = end.saturating_add(WINDOW_AFTER).min(data.len());
            let Some(window) = data.get(lo..hi) else {
                continue;
            };
            let anchor_at = start.saturating_sub(lo);
            for caps in re.captures_iter(window) {
                let Some(whole) = caps.get(0) else { continue };
                if whole.start() > anchor_at || whole.end() <= anchor_at {
                    continue;
                }
                let version = caps
                    .name("v")
                    .or_else(|| caps.name("w"))
                    .or_else(|| caps.get(1))
                    .map(|g| String::from_utf8_lossy(g.as_bytes()).into_owned());
                if version.is_none() && !rule.versionless && !rule.regex.contains("(?P<v>") {
                    continue;
                }
                let version = match (version, caps.name("m")) {
                    // SoftDevices: the model is part of what is identified (S132 7.2.0).
                    (Some(v), Some(model)) => {
                        Some(format!("{} {v}", String::from_utf8_lossy(model.as_bytes())))
                    }
                    (v, _) => v,
                };
                let hit = Hit {
                    rule: ri,
                    version,
                    offset: Some((lo + whole.start()) as u64),
                    excerpt: printable(whole.as_bytes()),
                    named,
                };
                let same = |h: &Hit| {
                    h.version == hit.version
                        && self.rules.get(h.rule).map(|r| &r.name) == Some(&rule.name)
                };
                if !out.iter().any(same) {
                    out.push(hit);
                }
                break;
            }
        }
        for (ri, fr) in self.file_regexes.iter().enumerate() {
            let Some(fr) = fr else { continue };
            if let Some(c) = fr.captures(name.as_bytes()) {
                let version = c
                    .get(1)
                    .map(|g| String::from_utf8_lossy(g.as_bytes()).into_owned());
                out.push(Hit {
                    rule: ri,
                    version,
                    offset: None,
                    excerpt: name.to_owned(),
                    named: true,
                });
            }
        }
        out
    }

    /// CPE and purl of a rule's component at `version`.
    pub fn ids(&self, rule: &Rule, version: Option<&str>) -> (String, String) {
        (
            cpe_string(&rule.part, &rule.vendor, &rule.product, version),
            purl_string(&rule.purl, &rule.product, version),
        )
    }
}

fn name_hint(rule: &Rule, name: &str) -> bool {
    rule.files.iter().any(|f| name.starts_with(f.as_str()))
}

/// Printable rendering of matched bytes (NUL/newline as `\n`), at most 120 characters.
fn printable(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b.iter().take(120) {
        match c {
            0 | b'\n' => s.push_str("\\n"),
            0x20..=0x7e => s.push(char::from(c)),
            _ => s.push('.'),
        }
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn versions(name: &str, data: &[u8]) -> Vec<(String, Option<String>)> {
        let s = Signatures::bundled().unwrap();
        s.scan(name, data)
            .into_iter()
            .map(|h| (s.rules[h.rule].name.clone(), h.version))
            .collect()
    }

    #[test]
    fn bundled_rules_compile() {
        let s = Signatures::bundled().unwrap();
        assert_eq!(s.rules.len(), 51);
    }

    #[test]
    fn nul_separated_version_before_banner() {
        let v = versions("dropbear", b"junk\x002012.55\x00Dropbear sshd v%s\x00");
        assert_eq!(v, vec![("Dropbear SSH".into(), Some("2012.55".into()))]);
    }

    #[test]
    fn anchor_must_be_inside_the_match() {
        // "BusyBox v" followed by no version: nothing.
        assert!(versions("x", b"BusyBox vX").is_empty());
        assert_eq!(
            versions("busybox", b"\x00BusyBox v1.01 (2015.03.10-02:14+0000)\x00"),
            vec![("BusyBox".into(), Some("1.01".into()))]
        );
    }

    #[test]
    fn file_name_versions() {
        assert_eq!(
            versions("libuClibc-0.9.30.so", b""),
            vec![("uClibc".into(), Some("0.9.30".into()))]
        );
    }
}
