//! CRED-006 `config-default-credential`.

use super::{finding, line_evidence, redact_in, CredRun, Secret};
use crate::{AnalysisOutput, CheckInfo};
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-006",
    name: "config-default-credential",
    summary: "A configuration or factory-default file (or a flash parameter sector) holds a fixed password, Wi-Fi passphrase or SNMP community",
    requirements: &["psti:sch1-p1", "en303645:5.1-1", "en303645:5.1-2"],
    doc: "\
**What it checks.** Text configuration files in the image (`/etc`, `/etc_ro`, NVRAM and factory \
defaults such as `nvram.default`, `default.cfg`, UCI files, INI, XML, JSON, hostapd and \
wpa_supplicant files, `snmpd.conf`) for password, passphrase, PSK and SNMP community fields with \
a literal value; and parsed header attributes of any node (e.g. ESP8266/ESP32 soft-AP and \
station parameter sectors) whose key names a password. `category` tells which: \
`password`, `wifi-passphrase`, `snmp-community`, `open-wifi` (an access point configured with \
no passphrase).

**Why it matters.** A value in the image's defaults is the same on every unit until the user \
changes it: a universal default password for the web interface, the Wi-Fi network or SNMP \
(`public`/`private` are the classic defaults). A value in a raw flash parameter sector may \
instead be per unit: compare several units' dumps (CRED-008/CRED-009).

**Evidence.** File, line, redacted excerpt; details: `category`, `key`, `value` (redacted).

**Known false positives.** Example and documentation files; fields whose value is a variable \
or placeholder are skipped (`$VAR`, `%s`, `<…>`, `{{…}}`); a field that the firmware replaces \
with a per-unit value at first boot.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.1-1, 5.1-2; PSTI Regulations 2023 \
Schedule 1 §1; RFC 3414 (SNMP community defaults).",
};

const MAX_CONFIG: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Password,
    Wifi,
    Snmp,
}

impl Category {
    fn as_str(self) -> &'static str {
        match self {
            Category::Password => "password",
            Category::Wifi => "wifi-passphrase",
            Category::Snmp => "snmp-community",
        }
    }
}

fn classify(key: &str, wireless_file: bool) -> Option<Category> {
    let k: String = key
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    const NOT: &[&str] = &[
        "min", "max", "len", "file", "path", "policy", "enable", "expire", "hint", "prompt",
        "type", "change", "mode", "field", "label", "check", "strength", "reset", "url", "cmd",
        "encrypt", "index", "format", "required", "timeout", "retry", "length", "auth",
    ];
    if NOT.iter().any(|n| k.contains(n)) {
        return None;
    }
    if k.contains("community") || k == "rocommunity" || k == "rwcommunity" {
        return Some(Category::Snmp);
    }
    if k.contains("passphrase")
        || k.ends_with("psk")
        || k == "wpakey"
        || k.starts_with("wlkey")
        || (wireless_file && k == "key")
    {
        return Some(Category::Wifi);
    }
    if k.ends_with("password") || k.ends_with("passwd") || k.ends_with("pwd") || k.ends_with("pass")
    {
        return Some(Category::Password);
    }
    None
}

fn placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    v.is_empty()
        || v.len() > 128
        || v.starts_with('$')
        || v.contains("%s")
        || v.starts_with('<')
        || v.contains("{{")
        || v.starts_with('`')
        || matches!(
            l.as_str(),
            "none" | "null" | "nil" | "*" | "x" | "\"\"" | "''" | "-" | "0"
        )
        || v.chars().all(|c| c == '*' || c == 'x' || c == 'X')
}

fn unquote(v: &str) -> &str {
    let v = v.trim().trim_end_matches(';').trim_end_matches(',').trim();
    for q in ['\'', '"'] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

/// `(key, value)` pairs of one config line in the common syntaxes.
fn pairs(line: &str) -> Vec<(String, String)> {
    let l = line.trim();
    if l.starts_with('#') || l.starts_with("//") || l.starts_with(';') || l.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    // UCI: option key 'value'
    if let Some(rest) = l.strip_prefix("option ") {
        let rest = rest.trim();
        if let Some((k, v)) = rest.split_once(char::is_whitespace) {
            out.push((unquote(k).to_owned(), unquote(v).to_owned()));
        }
        return out;
    }
    // snmpd.conf: rocommunity public [source]; com2sec name source community
    let words: Vec<&str> = l.split_whitespace().collect();
    match words.first().copied() {
        Some("rocommunity" | "rwcommunity" | "rocommunity6" | "rwcommunity6") => {
            if let Some(v) = words.get(1) {
                out.push(("community".into(), (*v).to_owned()));
            }
            return out;
        }
        Some("com2sec") => {
            if let Some(v) = words.get(3) {
                out.push(("community".into(), (*v).to_owned()));
            }
            return out;
        }
        _ => {}
    }
    // XML element: <Password>value</Password>
    if let Some(rest) = l.strip_prefix('<') {
        if let Some((tag, after)) = rest.split_once('>') {
            let tag = tag.split_whitespace().next().unwrap_or("");
            if let Some(val) = after.strip_suffix(&format!("</{tag}>")) {
                out.push((tag.to_owned(), val.to_owned()));
                return out;
            }
        }
    }
    // JSON "key": "value"
    if l.starts_with('"') {
        if let Some((k, v)) = l.split_once("\":") {
            let v = unquote(v);
            if !v.starts_with('{') && !v.starts_with('[') {
                out.push((k.trim_start_matches('"').to_owned(), v.to_owned()));
            }
            return out;
        }
    }
    // key=value (INI, nvram defaults, shell, hostapd), key = value
    let l2 = l.strip_prefix("export ").unwrap_or(l);
    if let Some((k, v)) = l2.split_once('=') {
        let k = k.trim();
        if !k.is_empty() && !k.contains(char::is_whitespace) {
            out.push((k.to_owned(), unquote(v).to_owned()));
        }
    }
    out
}

fn configish(path: &str, name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let in_etc =
        path.starts_with("/etc") || path.starts_with("/usr/etc") || path.contains("/default");
    let ext = [
        ".conf", ".cfg", ".ini", ".xml", ".json", ".config", ".txt", ".default",
    ]
    .iter()
    .any(|e| n.ends_with(e));
    let named = n.contains("nvram") || n.contains("default") || n.contains("factory");
    let doc = path.contains("/doc/") || path.contains("/man/") || path.contains("/examples/");
    (in_etc || ext || named) && !doc
}

pub(super) fn check(run: &mut CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    for (id, path) in ctx.fs_files() {
        let Some(n) = ctx.tree.get(id) else { continue };
        if n.data.len() > MAX_CONFIG
            || !configish(&path, &n.name)
            || memchr::memchr(0, &n.data).is_some()
            || super::accounts::is_account_file(&n.name).is_some()
            || super::web_password_file_name(&n.name)
        {
            continue;
        }
        let Ok(text) = std::str::from_utf8(&n.data) else {
            continue;
        };
        let wireless = path.ends_with("/wireless")
            || n.name.contains("hostapd")
            || n.name.contains("wpa_supplicant");
        let mut open_ap: Option<(u32, u64, String)> = None;
        let mut off = 0u64;
        for (i, line) in text.lines().enumerate() {
            let here = off;
            off = off.saturating_add(line.len() as u64 + 1);
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for (k, v) in pairs(line) {
                if wireless && k == "encryption" && v == "none" {
                    open_ap = Some((line_no, here, line.trim().to_owned()));
                }
                let Some(cat) = classify(&k, wireless) else {
                    continue;
                };
                if placeholder(&v) {
                    continue;
                }
                let sev = match cat {
                    Category::Password | Category::Wifi => Severity::High,
                    Category::Snmp => Severity::Medium,
                };
                let mut f = finding(
                    &INFO,
                    sev,
                    Confidence::Medium,
                    format!("{path} sets {} '{k}' to a fixed value", cat.as_str()),
                );
                f.evidence.push(line_evidence(
                    ctx,
                    id,
                    line_no,
                    here,
                    redact_in(ctx, line.trim(), &v),
                ));
                f.details.insert("category".into(), json!(cat.as_str()));
                f.details.insert("key".into(), json!(k));
                f.details.insert("value".into(), json!(ctx.redact(&v)));
                out.findings.push(f);
                run.secrets.push(Secret {
                    kind: format!("config:{}", cat.as_str()),
                    locator: format!("{path}#{k}"),
                    value: v.clone(),
                    input: ctx.tree.input_of(id),
                    evidence: ctx.evidence(id).line(line_no),
                });
            }
        }
        if let Some((line_no, here, raw)) = open_ap {
            let mut f = finding(
                &INFO,
                Severity::Low,
                Confidence::Medium,
                format!("{path} configures a Wi-Fi access point with no passphrase"),
            );
            f.evidence.push(line_evidence(ctx, id, line_no, here, raw));
            f.details.insert("category".into(), json!("open-wifi"));
            f.details.insert("key".into(), json!("encryption"));
            out.findings.push(f);
        }
    }
    attrs(run, out);
}

/// Node attributes from format parsers (e.g. ESP soft-AP/station parameter sectors).
fn attrs(run: &mut CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    for (id, n) in ctx.tree.iter() {
        if n.attrs.is_empty() {
            continue;
        }
        let ssid = n
            .attrs
            .iter()
            .find(|(k, _)| k.to_ascii_lowercase().contains("ssid"))
            .map(|(k, v)| (k.clone(), v.clone()));
        for (k, v) in &n.attrs {
            let lk = k.to_ascii_lowercase();
            if !(lk.contains("password") || lk.contains("passphrase") || lk.ends_with("psk")) {
                continue;
            }
            let wifi = ssid.is_some() || lk.contains("ap") || lk.contains("sta");
            if v.is_empty() {
                if let Some((sk, sv)) = &ssid {
                    let mut f = finding(
                        &INFO,
                        Severity::Low,
                        Confidence::Medium,
                        format!("Access point '{sv}' ({sk}) has no passphrase"),
                    );
                    f.evidence
                        .push(ctx.evidence(id).note(format!("attribute {k} is empty")));
                    f.details.insert("category".into(), json!("open-wifi"));
                    f.details.insert("key".into(), json!(k));
                    out.findings.push(f);
                }
                continue;
            }
            let cat = if wifi { "wifi-passphrase" } else { "password" };
            let mut f = finding(
                &INFO,
                Severity::High,
                Confidence::Medium,
                format!("Parameter '{k}' holds a fixed {cat}"),
            );
            f.evidence.push(
                ctx.evidence(id)
                    .note(format!("attribute {k} = {}", ctx.redact(v))),
            );
            f.details.insert("category".into(), json!(cat));
            f.details.insert("key".into(), json!(k));
            f.details.insert("value".into(), json!(ctx.redact(v)));
            out.findings.push(f);
            let node_name = n.name.clone();
            run.secrets.push(Secret {
                kind: format!("attr:{cat}"),
                locator: format!("{node_name}#{k}"),
                value: v.clone(),
                input: ctx.tree.input_of(id),
                evidence: ctx.evidence(id),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn parses_common_syntaxes() {
        assert_eq!(
            pairs("\toption key 'secret123'"),
            vec![("key".into(), "secret123".into())]
        );
        assert_eq!(
            pairs("wpa_passphrase=hunter22"),
            vec![("wpa_passphrase".into(), "hunter22".into())]
        );
        assert_eq!(
            pairs("rocommunity public default"),
            vec![("community".into(), "public".into())]
        );
        assert_eq!(
            pairs("<AdminPassword>abc</AdminPassword>"),
            vec![("AdminPassword".into(), "abc".into())]
        );
        assert_eq!(
            pairs("  \"password\": \"abc\","),
            vec![("password".into(), "abc".into())]
        );
        assert_eq!(classify("key", true), Some(Category::Wifi));
        assert_eq!(classify("key", false), None);
        assert_eq!(classify("http_passwd", false), Some(Category::Password));
        assert_eq!(classify("password_min_len", false), None);
        assert!(placeholder("$PASS"));
    }
}
