//! security.txt (RFC 9116): parse one file and judge it against every rule of the RFC.
//!
//! Owns the grammar (RFC 9116 §4 with RFC 5322 field names and folded extension values), the
//! field rules (§2.5), the OpenPGP cleartext signature check (§2.3, via rPGP) and the transport
//! rules that can be judged from a Content-Type. It never fetches: the caller passes the bytes,
//! the URL they came from, the keys to try and the time to judge them at, so archived evidence
//! is re-judged exactly as it was first judged.

use crate::codes::{self, Level};
use crate::time::{self, Leniency};
use serde::{Deserialize, Serialize};

/// Files larger than this get a `security-txt-too-large` warning.
pub const SIZE_WARN: usize = 32 * 1024;
const YEAR: i64 = 365 * 86_400;

/// One coded problem in a security.txt file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub code: String,
    pub name: String,
    pub level: Level,
    /// 1-based line in the file as served (signed files: counting the armour lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
    /// The offending line, trimmed, at most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

/// A field as read: the name as written, the value without surrounding whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub line: u32,
}

/// What became of an OpenPGP signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Signature {
    Unsigned,
    Verified { fingerprint: String },
    Invalid { reason: String },
    Unchecked { reason: String },
}

/// Inputs to judging one file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Judge as of this time (Unix seconds).
    pub now: i64,
    /// The URL the file was fetched from (and the final URL after redirects), for `Canonical`.
    pub fetched_from: Vec<String>,
    /// The Content-Type header, when the file came over HTTP.
    pub content_type: Option<String>,
    /// OpenPGP public keys (armoured or binary) to check a signature against.
    pub keys: Vec<Vec<u8>>,
    /// Why no key is available, said when a signed file cannot be checked.
    pub no_key_reason: Option<String>,
    /// The body was cut off by the fetch size limit.
    pub truncated: bool,
}

/// The judged file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub fields: Vec<Field>,
    pub problems: Vec<Problem>,
    pub signature: Signature,
    /// Unix seconds of the (first valid) Expires value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
    /// Unknown (extension) field names, as written.
    #[serde(default)]
    pub unknown_fields: Vec<String>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.level == Level::Error)
            .count()
    }
    /// Values of every field with this name (case-insensitive), in file order.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_str())
            .collect()
    }
    pub fn is_signed(&self) -> bool {
        self.signature != Signature::Unsigned
    }
}

struct Ctx<'a> {
    problems: Vec<Problem>,
    lines: &'a [String],
}

impl Ctx<'_> {
    fn push(&mut self, code: &str, line: Option<u32>, message: impl Into<String>) {
        self.push_level(code, None, line, message);
    }
    fn push_level(
        &mut self,
        code: &str,
        level: Option<Level>,
        line: Option<u32>,
        message: impl Into<String>,
    ) {
        let (name, default_level) = match codes::info(code) {
            Some(c) => (c.name, c.level),
            None => ("unknown", Level::Error),
        };
        let excerpt = line
            .and_then(|l| self.lines.get((l as usize).saturating_sub(1)))
            .map(|s| s.trim().chars().take(200).collect::<String>());
        self.problems.push(Problem {
            code: code.to_owned(),
            name: name.to_owned(),
            level: level.unwrap_or(default_level),
            line,
            message: message.into(),
            excerpt,
        });
    }
}

const KNOWN: &[&str] = &[
    "acknowledgments",
    "canonical",
    "contact",
    "encryption",
    "expires",
    "hiring",
    "policy",
    "preferred-languages",
    "csaf",
];

/// Unknown names that are near-misses of a known field.
const MISSPELT: &[(&str, &str)] = &[
    ("acknowledgements", "Acknowledgments"),
    ("acknowledgement", "Acknowledgments"),
    ("acknowledgment", "Acknowledgments"),
    ("contacts", "Contact"),
    ("expiry", "Expires"),
    ("expire", "Expires"),
    ("expiration", "Expires"),
    ("expiration-date", "Expires"),
    ("preferred-language", "Preferred-Languages"),
    ("preferred-lang", "Preferred-Languages"),
    ("policies", "Policy"),
    ("encryption-key", "Encryption"),
    ("canonical-url", "Canonical"),
];

/// Judge one security.txt file.
pub fn validate(bytes: &[u8], opts: &Options) -> Report {
    let mut problems_pre: Vec<(String, Option<Level>, Option<u32>, String)> = Vec::new();
    let mut bytes = bytes;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        problems_pre.push((
            "DISC-004".into(),
            Some(Level::Warning),
            Some(1),
            "the file starts with a UTF-8 byte-order mark; some parsers then miss the first field"
                .into(),
        ));
        bytes = rest;
    }
    if bytes.len() > SIZE_WARN || opts.truncated {
        problems_pre.push((
            "DISC-018".into(),
            None,
            None,
            if opts.truncated {
                format!(
                    "the body was cut off at {} bytes by the size limit",
                    bytes.len()
                )
            } else {
                format!("the file is {} bytes (over 32 KiB)", bytes.len())
            },
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            let line = bytes
                .get(..e.valid_up_to())
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
                + 1;
            problems_pre.push((
                "DISC-004".into(),
                None,
                Some(u32::try_from(line).unwrap_or(u32::MAX)),
                format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            ));
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
        .collect();
    let mut ctx = Ctx {
        problems: Vec::new(),
        lines: &lines,
    };
    for (code, level, line, msg) in problems_pre {
        ctx.push_level(&code, level, line, msg);
    }
    if let Some(ct) = &opts.content_type {
        check_content_type(&mut ctx, ct);
    }

    // Locate the signed body, if any.
    let is_blank = |l: &str| l.trim_matches([' ', '\t']).is_empty();
    let first = lines.iter().position(|l| !is_blank(l));
    let signed = first.is_some_and(|i| {
        lines
            .get(i)
            .is_some_and(|l| l.trim_end() == "-----BEGIN PGP SIGNED MESSAGE-----")
    });
    let mut body: Vec<(u32, String)> = Vec::new();
    let mut signature = Signature::Unsigned;
    if signed {
        let start = first.unwrap_or(0);
        // Armour headers ("Hash: ...") run to the first empty line.
        let mut i = start + 1;
        while lines.get(i).is_some_and(|l| !is_blank(l)) {
            i += 1;
        }
        i += 1;
        let sig_begin = lines
            .iter()
            .enumerate()
            .skip(i)
            .find(|(_, l)| l.trim_end() == "-----BEGIN PGP SIGNATURE-----")
            .map(|(n, _)| n);
        let sig_end = lines
            .iter()
            .enumerate()
            .skip(sig_begin.unwrap_or(lines.len()))
            .find(|(_, l)| l.trim_end() == "-----END PGP SIGNATURE-----")
            .map(|(n, _)| n);
        match (sig_begin, sig_end) {
            (Some(b), Some(e)) => {
                for (n, l) in lines.iter().enumerate().take(b).skip(i) {
                    let l = l.strip_prefix("- ").unwrap_or(l);
                    body.push((line_no(n), l.to_owned()));
                }
                if let Some((n, _)) = lines
                    .iter()
                    .enumerate()
                    .skip(e + 1)
                    .find(|(_, l)| !is_blank(l))
                {
                    ctx.push(
                        "DISC-019",
                        Some(line_no(n)),
                        "content after the signature is not covered by it",
                    );
                }
                // Only the armoured block goes to the OpenPGP parser; trailing text was
                // reported above.
                let block: Vec<&str> = lines
                    .iter()
                    .take(e + 1)
                    .skip(start)
                    .map(String::as_str)
                    .collect();
                signature = check_signature(&block.join("\n"), opts);
            }
            _ => {
                ctx.push(
                    "DISC-019",
                    Some(line_no(start)),
                    "signed message without a complete signature block",
                );
                signature = Signature::Invalid {
                    reason: "no complete signature block".into(),
                };
                for (n, l) in lines.iter().enumerate().skip(i) {
                    body.push((line_no(n), l.clone()));
                }
            }
        }
    } else {
        for (n, l) in lines.iter().enumerate() {
            body.push((line_no(n), l.clone()));
        }
    }

    // Grammar: fields, comments, blank lines, folded continuations of extension fields.
    let mut fields: Vec<Field> = Vec::new();
    let mut unknown_fields: Vec<String> = Vec::new();
    let mut in_ext = false;
    for (no, raw) in &body {
        let line = raw.trim_end_matches([' ', '\t']);
        if line.is_empty() {
            in_ext = false;
            continue;
        }
        if line.starts_with('#') {
            in_ext = false;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if in_ext {
                if let Some(f) = fields.last_mut() {
                    f.value.push(' ');
                    f.value.push_str(line.trim());
                }
            } else {
                ctx.push(
                    "DISC-016",
                    Some(*no),
                    "a line starting with whitespace may only continue an extension field",
                );
            }
            continue;
        }
        if line.starts_with("-----BEGIN PGP") {
            ctx.push(
                "DISC-019",
                Some(*no),
                "an OpenPGP armour line where none belongs (the signed block must enclose the whole file)",
            );
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            ctx.push("DISC-016", Some(*no), "not a field, comment or blank line");
            in_ext = false;
            continue;
        };
        if name.is_empty() || !name.bytes().all(|b| (33..=126).contains(&b)) {
            ctx.push(
                "DISC-016",
                Some(*no),
                format!("`{name}` is not a valid field name (printable ASCII without spaces)"),
            );
            in_ext = false;
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let known = KNOWN.contains(&lower.as_str());
        if known && !value.is_empty() && !value.starts_with(' ') {
            ctx.push_level(
                "DISC-017",
                Some(Level::Warning),
                Some(*no),
                format!("no space after `{name}:`; RFC 9116 puts one space after the colon"),
            );
        }
        fields.push(Field {
            name: name.to_owned(),
            value: value.trim_matches([' ', '\t']).to_owned(),
            line: *no,
        });
        in_ext = !known;
        if !known {
            if let Some((_, want)) = MISSPELT.iter().find(|(m, _)| *m == lower) {
                ctx.push(
                    "DISC-017",
                    Some(*no),
                    format!(
                        "unknown field `{name}`: did you mean `{want}`? It is ignored as written"
                    ),
                );
            }
            if !unknown_fields.iter().any(|u| u.eq_ignore_ascii_case(name)) {
                unknown_fields.push(name.to_owned());
            }
        }
    }

    let mut expires = None;
    check_fields(&mut ctx, &fields, opts, &mut expires);

    let mut report = Report {
        fields,
        problems: ctx.problems,
        signature,
        expires,
        unknown_fields,
    };
    signature_problems(&mut report);
    report
}

fn line_no(index: usize) -> u32 {
    u32::try_from(index.saturating_add(1)).unwrap_or(u32::MAX)
}

fn check_content_type(ctx: &mut Ctx<'_>, ct: &str) {
    let mut parts = ct.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if media != "text/plain" {
        ctx.push(
            "DISC-003",
            None,
            format!("served as `{ct}`, not `text/plain`"),
        );
        return;
    }
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    });
    match charset.as_deref() {
        Some("utf-8") | Some("utf8") => {}
        Some(other) => ctx.push(
            "DISC-003",
            None,
            format!("served with charset `{other}`, not UTF-8"),
        ),
        None => ctx.push_level(
            "DISC-003",
            Some(Level::Warning),
            None,
            "Content-Type has no charset; RFC 9116 asks for `text/plain; charset=utf-8`",
        ),
    }
}

/// The URI scheme, lower-cased, if the value starts with one.
fn scheme(v: &str) -> Option<String> {
    let (s, rest) = v.split_once(':')?;
    let mut chars = s.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (ok && !rest.is_empty()).then(|| s.to_ascii_lowercase())
}

fn looks_like_uri(v: &str) -> bool {
    scheme(v).is_some() && !v.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn check_web_uri(ctx: &mut Ctx<'_>, f: &Field, extra_schemes: &[&str]) {
    if f.value.is_empty() {
        ctx.push(
            "DISC-013",
            Some(f.line),
            format!("`{}` has no value", f.name),
        );
        return;
    }
    if f.value.starts_with("-----BEGIN PGP") {
        ctx.push(
            "DISC-013",
            Some(f.line),
            "Encryption must point to a key, not contain it",
        );
        return;
    }
    if !looks_like_uri(&f.value) {
        ctx.push(
            "DISC-013",
            Some(f.line),
            format!("`{}` is not a URI", f.value),
        );
        return;
    }
    match scheme(&f.value).as_deref() {
        Some("https") => {}
        Some("http") => ctx.push(
            "DISC-012",
            Some(f.line),
            format!("`{}` must use https://", f.name),
        ),
        Some(s) if extra_schemes.contains(&s) => {}
        _ => {}
    }
}

fn check_fields(ctx: &mut Ctx<'_>, fields: &[Field], opts: &Options, expires: &mut Option<i64>) {
    let mut contacts = 0;
    let mut expires_seen = 0;
    let mut langs_seen = 0;
    let mut canonicals: Vec<&Field> = Vec::new();
    for f in fields {
        match f.name.to_ascii_lowercase().as_str() {
            "contact" => {
                contacts += 1;
                let v = &f.value;
                match scheme(v).as_deref() {
                    _ if v.is_empty() => ctx.push("DISC-006", Some(f.line), "Contact has no value"),
                    _ if !looks_like_uri(v) => {
                        ctx.push("DISC-006", Some(f.line), format!("`{v}` is not a URI"))
                    }
                    Some("https") | Some("tel") => {}
                    Some("mailto") => {
                        if !v.contains('@') {
                            ctx.push(
                                "DISC-006",
                                Some(f.line),
                                format!("`{v}` has no e-mail address"),
                            );
                        }
                    }
                    Some("http") => {
                        ctx.push("DISC-006", Some(f.line), "a web Contact must use https://")
                    }
                    _ if v.contains('@') && !v.contains("://") => ctx.push(
                        "DISC-006",
                        Some(f.line),
                        format!("`{v}` is a bare e-mail address; write `mailto:{v}`"),
                    ),
                    Some(s) => ctx.push(
                        "DISC-006",
                        Some(f.line),
                        format!("Contact uses `{s}:`; RFC 9116 expects mailto:, https: or tel:"),
                    ),
                    None => ctx.push("DISC-006", Some(f.line), format!("`{v}` is not a URI")),
                }
            }
            "expires" => {
                expires_seen += 1;
                if expires_seen > 1 {
                    ctx.push("DISC-008", Some(f.line), "Expires occurs more than once");
                    continue;
                }
                match time::parse_rfc3339(&f.value) {
                    None => ctx.push(
                        "DISC-009",
                        Some(f.line),
                        format!("`{}` is not an RFC 3339 date-time", f.value),
                    ),
                    Some((t, leniency)) => {
                        *expires = Some(t);
                        if leniency == Leniency::SpaceSeparator {
                            ctx.push(
                                "DISC-022",
                                Some(f.line),
                                "a space separates date and time; RFC 9116 expects `T`",
                            );
                        }
                        if t <= opts.now {
                            ctx.push(
                                "DISC-010",
                                Some(f.line),
                                format!(
                                    "expired on {} (judged as of {})",
                                    time::format_rfc3339(t),
                                    time::format_rfc3339(opts.now)
                                ),
                            );
                        } else if t - opts.now > YEAR {
                            ctx.push(
                                "DISC-011",
                                Some(f.line),
                                format!(
                                    "expires {} days after {}; RFC 9116 recommends less than a year",
                                    (t - opts.now) / 86_400,
                                    time::format_date(opts.now)
                                ),
                            );
                        }
                    }
                }
            }
            "preferred-languages" => {
                langs_seen += 1;
                if langs_seen > 1 {
                    ctx.push(
                        "DISC-008",
                        Some(f.line),
                        "Preferred-Languages occurs more than once",
                    );
                    continue;
                }
                for tag in f.value.split(',').map(|t| t.trim_matches([' ', '\t'])) {
                    if !is_language_tag(tag) {
                        ctx.push(
                            "DISC-014",
                            Some(f.line),
                            format!("`{tag}` is not a BCP 47 language tag"),
                        );
                    }
                }
            }
            "encryption" => check_web_uri(ctx, f, &["dns", "openpgp4fpr"]),
            "canonical" => {
                check_web_uri(ctx, f, &[]);
                canonicals.push(f);
            }
            "acknowledgments" | "policy" | "hiring" => check_web_uri(ctx, f, &[]),
            "csaf" => {
                check_web_uri(ctx, f, &[]);
                if looks_like_uri(&f.value) && !f.value.ends_with("provider-metadata.json") {
                    ctx.push_level(
                        "DISC-013",
                        Some(Level::Warning),
                        Some(f.line),
                        "CSAF should point to a provider-metadata.json",
                    );
                }
            }
            _ => {}
        }
    }
    if contacts == 0 {
        ctx.push(
            "DISC-005",
            None,
            "no Contact field (at least one is required)",
        );
    }
    if expires_seen == 0 {
        ctx.push(
            "DISC-007",
            None,
            "no Expires field (exactly one is required)",
        );
    }
    if !canonicals.is_empty() && !opts.fetched_from.is_empty() {
        let listed = canonicals
            .iter()
            .any(|c| opts.fetched_from.iter().any(|u| same_url(&c.value, u)));
        if !listed {
            ctx.push(
                "DISC-015",
                canonicals.first().map(|c| c.line),
                format!(
                    "fetched from {} but Canonical lists only {}",
                    opts.fetched_from.join(" → "),
                    canonicals
                        .iter()
                        .map(|c| c.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

/// URLs equal up to the case of scheme and host.
fn same_url(a: &str, b: &str) -> bool {
    let norm = |u: &str| -> String {
        match u.split_once("://") {
            Some((s, rest)) => {
                let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                format!(
                    "{}://{}{}",
                    s.to_ascii_lowercase(),
                    host.to_ascii_lowercase(),
                    if path.is_empty() { "/" } else { path }
                )
            }
            None => u.to_owned(),
        }
    };
    norm(a) == norm(b)
}

/// BCP 47 well-formedness (RFC 5646 §2.1), simplified: a primary language subtag of 2-3 or
/// 5-8 letters (or `i`/`x` for grandfathered and private use), then subtags of 1-8 letters or
/// digits. Also accepts `*` nowhere: RFC 9116 uses tags, not ranges.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let Some(first) = parts.next() else {
        return false;
    };
    let first_ok = first.chars().all(|c| c.is_ascii_alphabetic())
        && (matches!(first.len(), 2 | 3 | 5..=8)
            || first.eq_ignore_ascii_case("x")
            || first.eq_ignore_ascii_case("i"));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn check_signature(text: &str, opts: &Options) -> Signature {
    use pgp::composed::{CleartextSignedMessage, Deserializable, SignedPublicKey};
    let msg = match CleartextSignedMessage::from_string(text.trim_start()) {
        Ok((m, _)) => m,
        Err(e) => {
            return Signature::Invalid {
                reason: format!("the signed message could not be parsed: {e}"),
            }
        }
    };
    if opts.keys.is_empty() {
        return Signature::Unchecked {
            reason: opts
                .no_key_reason
                .clone()
                .unwrap_or_else(|| "no public key was given (--key) or reachable".into()),
        };
    }
    let mut tried = Vec::new();
    let mut unreadable = Vec::new();
    for key in &opts.keys {
        let parsed = match std::str::from_utf8(key) {
            Ok(s) if s.contains("-----BEGIN PGP") => {
                SignedPublicKey::from_string(s).map(|(k, _)| k)
            }
            _ => SignedPublicKey::from_bytes(key.as_slice()),
        };
        let pk = match parsed {
            Ok(k) => k,
            Err(e) => {
                unreadable.push(e.to_string());
                continue;
            }
        };
        let fp = hex::encode(pgp::types::KeyDetails::fingerprint(&pk).as_bytes());
        if msg.verify(&pk).is_ok() {
            return Signature::Verified { fingerprint: fp };
        }
        for sub in &pk.public_subkeys {
            if msg.verify(sub).is_ok() {
                return Signature::Verified {
                    fingerprint: hex::encode(pgp::types::KeyDetails::fingerprint(sub).as_bytes()),
                };
            }
        }
        tried.push(fp);
    }
    if tried.is_empty() {
        return Signature::Unchecked {
            reason: format!("the key could not be read: {}", unreadable.join("; ")),
        };
    }
    Signature::Invalid {
        reason: format!("does not verify against key {}", tried.join(", ")),
    }
}

/// Turn the signature status into problems (kept apart so callers can re-check with a key
/// fetched after a first parse, e.g. from the Encryption URI).
pub fn signature_problems(report: &mut Report) {
    report
        .problems
        .retain(|p| !(p.code == "DISC-020" || (p.code == "DISC-019" && p.line.is_none())));
    let (code, msg) = match &report.signature {
        Signature::Invalid { reason } => ("DISC-019", format!("signature invalid: {reason}")),
        Signature::Unchecked { reason } => (
            "DISC-020",
            format!("signed, but the signature was NOT checked: {reason}"),
        ),
        _ => {
            sort_problems(report);
            return;
        }
    };
    let Some(info) = codes::info(code) else {
        return;
    };
    report.problems.push(Problem {
        code: code.to_owned(),
        name: info.name.to_owned(),
        level: info.level,
        line: None,
        message: msg,
        excerpt: None,
    });
    sort_problems(report);
}

fn sort_problems(report: &mut Report) {
    report
        .problems
        .sort_by(|a, b| (a.line.unwrap_or(0), &a.code).cmp(&(b.line.unwrap_or(0), &b.code)));
}

#[cfg(test)]
mod tests;
