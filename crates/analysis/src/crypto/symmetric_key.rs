//! CRYPTO-004 `hardcoded-symmetric-key`.

use super::{finding, small_text};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRYPTO-004",
    name: "hardcoded-symmetric-key",
    severity: Severity::Medium,
    summary: "A configuration file holds a fixed symmetric key (AES/DES/HMAC key material)",
    requirements: &["en303645:5.4-1", "en303645:5.4-3"],
    doc: Doc::Markdown(
        "\
**What it checks.** Configuration-like text files (`.conf`, `.cfg`, `.ini`, `.json`, \
`/etc/config/*`, up to 512 KiB) for settings whose name says key material (`aes`, `des`, \
`encrypt`, `cipher`, `crypt`, `hmac`, `secret_key`, `enc_key`, `sym_key`) with a value that \
has the shape of a key: 16, 24 or 32 bytes as hex (32/48/64 digits) or base64.

**Why it matters.** A symmetric key baked into the image is the same in every unit: anyone \
who reads one firmware can decrypt or forge what the key protects (5.4-3 forbids hard-coded \
critical security parameters used for security; 5.4-1 asks for secure storage).

**Evidence.** The file and line, the value redacted unless `--show-secrets`; details: \
`setting`, `bytes`.

**Known false positives.** Test vectors, sample configurations never used, keys replaced at \
first boot. Wi-Fi passphrases and passwords are CRED-006's, not reported here.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.4-1, 5.4-3; CWE-321.",
    ),
};

const NAME_WORDS: &[&str] = &[
    "aes",
    "des_key",
    "encrypt",
    "cipher",
    "crypt_key",
    "hmac",
    "secret_key",
    "enc_key",
    "sym_key",
    "aeskey",
];

fn key_bytes(v: &str) -> Option<usize> {
    let v = v
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == ';');
    if matches!(v.len(), 32 | 48 | 64) && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        // All-zero or all-same values are placeholders.
        let first = v.as_bytes().first().copied()?;
        return (!v.bytes().all(|b| b == first)).then_some(v.len() / 2);
    }
    if matches!(v.len(), 24 | 32 | 44)
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().any(|b| b.is_ascii_uppercase())
    {
        use base64::Engine;
        let d = base64::engine::general_purpose::STANDARD.decode(v).ok()?;
        return matches!(d.len(), 16 | 24 | 32).then_some(d.len());
    }
    None
}

fn is_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    [".conf", ".cfg", ".ini", ".json", ".config", ".xml"]
        .iter()
        .any(|e| name.ends_with(e))
        || path.starts_with("/etc/config/")
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
            if t.starts_with('#') || t.starts_with("//") {
                continue;
            }
            let (k, v) = if let Some((k, v)) = t.split_once(['=', ':']) {
                (k.trim().trim_matches('"'), v)
            } else {
                // UCI: option name 'value'
                let w: Vec<&str> = t.split_whitespace().collect();
                match w.as_slice() {
                    ["option", k, v, ..] => (*k, *v),
                    _ => continue,
                }
            };
            let kl = k.to_ascii_lowercase();
            if !NAME_WORDS.iter().any(|w| kl.contains(w))
                || kl.contains("pass")
                || kl.contains("psk")
            {
                continue;
            }
            let Some(bytes) = key_bytes(v) else { continue };
            let value = v
                .trim()
                .trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == ';');
            let mut f = finding(
                &INFO,
                Severity::Medium,
                Confidence::Medium,
                format!("Fixed {}-bit key '{k}' in {path}", bytes * 8),
            );
            f.evidence.push(
                ctx.evidence(id)
                    .line(u32::try_from(i + 1).unwrap_or(u32::MAX))
                    .offset(here)
                    .excerpt(
                        t.replace(value, &ctx.redact(value))
                            .chars()
                            .take(240)
                            .collect::<String>(),
                    ),
            );
            f.details.insert("setting".into(), json!(k));
            f.details.insert("bytes".into(), json!(bytes));
            out.findings.push(f);
        }
    }
}
