#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::type_complexity
)]
use super::*;

/// Formats whose every libxcrypt known-answer row must reproduce exactly.
const SUPPORTED: &[&str] = &[
    "descrypt",
    "bsdicrypt",
    "md5crypt",
    "sha1crypt",
    "sha256crypt",
    "sha512crypt",
    "bcrypt",
    "bcrypt_a",
    "bcrypt_y",
    "bcrypt_x",
    "nt",
];

fn ka_rows() -> Option<Vec<(String, String, String, Vec<u8>)>> {
    let dir = crate::testutil::corpus_dir();
    let Some(dir) = dir else {
        assert!(std::env::var_os("CI").is_none(), "corpus missing in CI");
        return None;
    };
    let text = std::fs::read_to_string(dir.join("credentials/hash-vectors/libxcrypt/ka-table.tsv"))
        .expect("ka-table.tsv");
    let rows = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_owned(),
                f[1].to_owned(),
                f[2].to_owned(),
                hex::decode(f.get(3).copied().unwrap_or("")).unwrap(),
            )
        })
        .collect();
    Some(rows)
}

/// bcrypt `$2a$`/`$2x$` differ from `$2b$` for 8-bit passwords (sign-extension bug and
/// libxcrypt's countermeasure); those are not attempted, so `crypt` must decline them.
fn declined(fmt: &str, phrase: &[u8]) -> bool {
    matches!(fmt, "bcrypt_a" | "bcrypt_x") && !phrase.is_ascii()
}

#[test]
fn libxcrypt_known_answers_for_every_supported_format() {
    use rayon::prelude::*;
    let Some(rows) = ka_rows() else { return };
    let rows: Vec<_> = rows
        .iter()
        .filter(|r| SUPPORTED.contains(&r.0.as_str()))
        .collect();
    let bad: Vec<String> = rows
        .par_iter()
        .filter_map(|(fmt, setting, expected, phrase)| {
            let got = crypt(phrase, setting);
            let want = (!declined(fmt, phrase)).then_some(expected.as_str());
            (got.as_deref() != want).then(|| {
                format!(
                    "{fmt} {setting} {} -> {got:?} want {want:?}",
                    hex::encode(phrase)
                )
            })
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} mismatches, first: {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    let mut checked = std::collections::BTreeMap::<&str, usize>::new();
    for r in &rows {
        *checked.entry(r.0.as_str()).or_default() += 1;
    }
    assert_eq!(checked["md5crypt"], 184);
    assert_eq!(checked["sha512crypt"], 368);
    assert_eq!(checked["descrypt"], 184);
    assert_eq!(checked["nt"], 184);
    assert_eq!(checked["bcrypt_x"], 368);
    assert_eq!(checked.len(), SUPPORTED.len());
    // verify() agrees with crypt() on the stored form.
    for (fmt, _, expected, phrase) in rows.iter().step_by(97) {
        assert_eq!(
            verify(phrase, expected),
            !declined(fmt, phrase),
            "{fmt} {expected}"
        );
    }
}

#[test]
fn libxcrypt_yescrypt_known_answers_verify() {
    use rayon::prelude::*;
    let Some(rows) = ka_rows() else { return };
    let rows: Vec<_> = rows.iter().filter(|r| r.0 == "yescrypt").collect();
    assert_eq!(rows.len(), 368);
    let bad: Vec<String> = rows
        .par_iter()
        .filter(|(_, _, expected, phrase)| !verify(phrase, expected))
        .map(|(_, _, expected, phrase)| format!("{expected} {}", hex::encode(phrase)))
        .collect();
    assert!(
        bad.is_empty(),
        "{} fail, first {:?}",
        bad.len(),
        bad.first()
    );
    // A wrong password does not verify.
    assert!(!verify(b"wrong", &rows[0].2));
}

#[test]
fn yescrypt_memory_bound() {
    // Debian's default j9T: N = 4096, r = 32 → 16 MiB.
    assert_eq!(super::yescrypt_memory("$y$j9T$salt$hash"), Some(16 << 20));
    assert!(affordable("$y$j9T$salt$hash"));
    assert!(!affordable("$y$jzT$salt$hash"));
    assert!(!affordable("$2b$31$abcdefghijklmnopqrstuu"));
}

#[test]
fn detects_formats() {
    assert_eq!(
        HashFormat::detect("$1$79bz0K8z$Ii6Q/if83F1QodGmkb4Ah."),
        HashFormat::Md5Crypt
    );
    assert_eq!(HashFormat::detect("abmF1QH4PEr.E"), HashFormat::DesCrypt);
    assert_eq!(HashFormat::detect("$y$j9T$abc$def"), HashFormat::Yescrypt);
    assert_eq!(
        HashFormat::detect("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="),
        HashFormat::LdapSha
    );
    assert_eq!(HashFormat::detect("x"), HashFormat::Unknown);
}

#[test]
fn iotgoat_user_md5crypt_and_ldap_sha() {
    assert!(verify(
        b"7ujMko0vizxv",
        "$1$79bz0K8z$Ii6Q/if83F1QodGmkb4Ah."
    ));
    assert!(!verify(
        b"7ujMko0vizxw",
        "$1$79bz0K8z$Ii6Q/if83F1QodGmkb4Ah."
    ));
    // {SHA} of "password" (RFC 2307 style, as in .htpasswd).
    assert!(verify(b"password", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="));
    // apr1 of "password" with salt "saltsalt" (Apache htpasswd -m).
    let h = crypt(b"password", "$apr1$saltsalt$").unwrap();
    assert!(h.starts_with("$apr1$saltsalt$"));
    assert!(verify(b"password", &h));
}
