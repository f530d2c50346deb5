//! CRED-006 `config-default-credential`.

use super::{finding, line_evidence, redact_in, CredRun, Secret};
use crate::{AnalysisOutput, CheckInfo};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-006",
    name: "config-default-credential",
    severity: Severity::High,
    summary: "A configuration or factory-default file (or a flash parameter sector) holds a fixed password, Wi-Fi passphrase or SNMP community",
    requirements: &["psti:sch1-p1", "en303645:5.1-1", "en303645:5.1-2"],
    doc: Doc::Markdown("\
**What it checks.** Text configuration files in the image (`/etc`, `/etc_ro`, NVRAM and factory \
defaults such as `nvram.default`, `default.cfg`, UCI files, INI, XML, JSON, hostapd and \
wpa_supplicant files, `snmpd.conf`) for password, passphrase, PSK and SNMP community fields with \
a literal value; parsed header attributes of any node (e.g. ESP8266/ESP32 soft-AP and \
station parameter sectors) whose key names a password; and JSON members with secret-like names \
(`…key`, `…pwd`, `…psk`, `…secret`, `…password`) in raw flash outside any file system (vendor \
parameter sectors such as Tuya's). `category` tells which: `password`, `wifi-passphrase`, \
`snmp-community`, `device-secret` (a raw key or token), `open-wifi` (an access point configured \
with no passphrase).

**Why it matters.** A value in the image's defaults is the same on every unit until the user \
changes it: a universal default password for the web interface, the Wi-Fi network or SNMP \
(`public`/`private` are the classic defaults). A value in a raw flash parameter sector may \
instead be per unit: compare several units' dumps (CRED-008/CRED-009).

**Evidence.** File, line, redacted excerpt; details: `category`, `key`, `value` (redacted).

**Known false positives.** Example and documentation files; fields whose value is a variable \
or placeholder are skipped (`$VAR`, `%s`, `<…>`, `{{…}}`); a field that the firmware replaces \
with a per-unit value at first boot.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.1-1, 5.1-2; PSTI Regulations 2023 \
Schedule 1 §1; RFC 3414 (SNMP community defaults)."),
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
    raw_json(run, out);
}

/// `"name":"value"` members with secret-like names in leaves outside any file system (raw
/// flash, unextracted regions): vendor parameter sectors such as Tuya's on ESP8266.
fn raw_json(run: &mut CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    for (id, hits) in run.scan.with(crate::scan::Pattern::JsonSecret) {
        let Some(n) = ctx.tree.get(id) else { continue };
        if n.fs_root.is_some() {
            continue; // file-system files are parsed as configuration above
        }
        let data = &n.data;
        let mut seen = std::collections::BTreeSet::new();
        for &o in hits.offsets(crate::scan::Pattern::JsonSecret) {
            let Ok(at) = usize::try_from(o) else { continue };
            let Some(m) = json_member(data, at) else {
                continue;
            };
            if !seen.insert((m.key.clone(), m.value.clone())) {
                continue;
            }
            let near = data
                .get(m.start.saturating_sub(256)..(m.start + 256).min(data.len()))
                .unwrap_or(&[]);
            let ssid = memchr::memmem::find(&near.to_ascii_lowercase(), b"ssid\":").is_some();
            let mut f = match &m.value {
                None if ssid => {
                    let mut f = finding(
                        &INFO,
                        Severity::Low,
                        Confidence::Medium,
                        format!(
                            "Parameter sector sets '{}' to null next to an SSID: open access point",
                            m.key
                        ),
                    );
                    f.details.insert("category".into(), json!("open-wifi"));
                    f
                }
                None => continue,
                Some(v) => {
                    let lk = m.key.to_ascii_lowercase();
                    let cat = if lk.contains("pwd") || lk.contains("pass") {
                        if ssid {
                            "wifi-passphrase"
                        } else {
                            "password"
                        }
                    } else {
                        "device-secret"
                    };
                    let mut f = finding(
                        &INFO,
                        Severity::Medium,
                        Confidence::Low,
                        format!(
                            "Raw parameter '{}' holds a {cat} in clear (compare units to tell per-unit from universal)",
                            m.key
                        ),
                    );
                    f.details.insert("category".into(), json!(cat));
                    f.details.insert("value".into(), json!(ctx.redact(v)));
                    run.secrets.push(Secret {
                        kind: format!("raw:{cat}"),
                        locator: format!("raw#{}", m.key),
                        value: v.clone(),
                        input: ctx.tree.input_of(id),
                        evidence: ctx.evidence(id).offset(m.start as u64),
                    });
                    f
                }
            };
            f.details.insert("key".into(), json!(m.key));
            let excerpt = match &m.value {
                Some(v) => format!("\"{}\":\"{}\"", m.key, ctx.redact(v)),
                None => format!("\"{}\":null", m.key),
            };
            f.evidence
                .push(ctx.evidence(id).offset(m.start as u64).excerpt(excerpt));
            out.findings.push(f);
        }
    }
}

struct Member {
    start: usize,
    key: String,
    value: Option<String>,
}

/// The JSON member whose name ends at the pattern hit `at` (`…key":"value"`).
fn json_member(data: &[u8], at: usize) -> Option<Member> {
    let colon = at + memchr::memchr(b':', data.get(at..(at + 16).min(data.len()))?)?;
    let open = data
        .get(..colon.checked_sub(1)?)?
        .iter()
        .rposition(|b| *b == b'"')?;
    let key = std::str::from_utf8(data.get(open + 1..colon - 1)?).ok()?;
    if key.is_empty()
        || key.len() > 40
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return None;
    }
    let rest = data.get(colon + 1..)?;
    let value = if rest.starts_with(b"null") {
        None
    } else {
        let inner = rest.strip_prefix(b"\"")?;
        let end = memchr::memchr(b'"', inner.get(..inner.len().min(160))?)?;
        let v = std::str::from_utf8(inner.get(..end)?).ok()?;
        if placeholder(v) || !v.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return None;
        }
        Some(v.to_owned())
    };
    Some(Member {
        start: open,
        key: key.to_owned(),
        value,
    })
}

/// Node attributes from format parsers (e.g. ESP soft-AP/station parameter sectors).
fn attrs(run: &mut CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    for (id, n) in ctx.tree.iter() {
        if n.attrs.is_empty() {
            continue;
        }
        let attr = |key: &str| {
            n.attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        for (k, v) in &n.attrs {
            let lk = k.to_ascii_lowercase();
            if !(lk.contains("password") || lk.contains("passphrase") || lk.ends_with("psk")) {
                continue;
            }
            // A numbered Wi-Fi record (`wifi-N.password`) belongs with its own `wifi-N.ssid`
            // and `wifi-N.role`; other attributes fall back to the node's first SSID.
            let record = k
                .strip_suffix(".password")
                .filter(|p| p.starts_with("wifi-"));
            let ssid = match record {
                Some(prefix) => attr(&format!("{prefix}.ssid"))
                    .map(|s| (format!("{prefix}.ssid"), s.to_owned())),
                None => n
                    .attrs
                    .iter()
                    .find(|(k, _)| k.to_ascii_lowercase().contains("ssid"))
                    .map(|(k, v)| (k.clone(), v.clone())),
            };
            let role = record.and_then(|p| attr(&format!("{p}.role")));
            // A record that is not the SDK's default soft-AP is most likely the station
            // configuration: the network a used unit was joined to. That is the owner's data
            // captured with the dump, not a credential every unit ships with.
            if record.is_some() && role != Some("softap-default-name") && !v.is_empty() {
                let ssid_text = ssid.as_ref().map(|(_, s)| s.as_str()).unwrap_or("?");
                let mut f = finding(
                    &INFO,
                    Severity::Info,
                    Confidence::Medium,
                    format!(
                        "Wi-Fi record '{ssid_text}' with a passphrase is stored in flash \
                         (station configuration of a used unit, not a factory default)"
                    ),
                );
                f.evidence.push(
                    ctx.evidence(id)
                        .note(format!("attribute {k} = {}", ctx.redact(v))),
                );
                f.details
                    .insert("category".into(), json!("stored-station-credential"));
                f.details.insert("key".into(), json!(k));
                out.findings.push(f);
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
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]
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
        let d = br#"xx{"mac":"1","auz_key":"AbCd1234EfGh","ap_pwd":null}"#;
        let at = memchr::memmem::find(d, b"key\":\"").unwrap();
        let m = json_member(d, at).unwrap();
        assert_eq!(
            (m.key.as_str(), m.value.as_deref()),
            ("auz_key", Some("AbCd1234EfGh"))
        );
        let at = memchr::memmem::find(d, b"pwd\":").unwrap();
        assert_eq!(json_member(d, at).unwrap().value, None);
    }
}
