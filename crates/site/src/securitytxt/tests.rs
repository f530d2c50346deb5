#![allow(clippy::print_stderr)]
use super::*;
use std::path::PathBuf;

fn at(s: &str) -> i64 {
    time::parse_rfc3339(s).map(|x| x.0).unwrap()
}

fn judge(text: &str, now: &str) -> Report {
    validate(
        text.as_bytes(),
        &Options {
            now: at(now),
            ..Options::default()
        },
    )
}

fn codes_of(r: &Report) -> Vec<(String, Option<u32>)> {
    r.problems
        .iter()
        .map(|p| (p.code.clone(), p.line))
        .collect()
}

fn errors_of(r: &Report) -> Vec<(String, Option<u32>)> {
    r.problems
        .iter()
        .filter(|p| p.level == Level::Error)
        .map(|p| (p.code.clone(), p.line))
        .collect()
}

#[allow(clippy::print_stderr)] // The corpus rule: say when corpus tests are skipped.
fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("BASELINE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        })
        .join("security-txt");
    if p.is_dir() {
        Some(p)
    } else if std::env::var_os("CI").is_some() {
        panic!("corpus missing at {}", p.display());
    } else {
        eprintln!("corpus absent at {}: skipping", p.display());
        None
    }
}

#[test]
fn minimal_valid_file_has_no_problems() {
    let r = judge(
        "Contact: mailto:security@example.com\nExpires: 2030-01-01T00:00:00Z\n",
        "2029-06-01T00:00:00Z",
    );
    assert_eq!(codes_of(&r), vec![]);
    assert_eq!(r.expires, Some(at("2030-01-01T00:00:00Z")));
    assert_eq!(r.signature, Signature::Unsigned);
}

#[test]
fn missing_required_fields_are_errors() {
    let r = judge("# nothing here\n", "2029-06-01T00:00:00Z");
    assert_eq!(
        errors_of(&r),
        vec![("DISC-005".into(), None), ("DISC-007".into(), None)]
    );
}

#[test]
fn expiry_rules() {
    let two = "Contact: https://example.com/report\nExpires: 2030-01-01T00:00:00Z\nexpires: 2031-01-01T00:00:00Z\n";
    let r = judge(two, "2029-06-01T00:00:00Z");
    assert_eq!(errors_of(&r), vec![("DISC-008".into(), Some(3))]);
    let r = judge(two, "2030-06-01T00:00:00Z");
    assert_eq!(
        errors_of(&r),
        vec![("DISC-010".into(), Some(2)), ("DISC-008".into(), Some(3))]
    );
    let far = judge(
        "Contact: tel:+44-20-0000-0000\nExpires: 2035-01-01T00:00:00Z\n",
        "2029-06-01T00:00:00Z",
    );
    assert_eq!(codes_of(&far), vec![("DISC-011".into(), Some(2))]);
    assert_eq!(far.errors(), 0);
    let bad = judge(
        "Contact: tel:+1\nExpires: 2030-01-01\n",
        "2029-06-01T00:00:00Z",
    );
    assert_eq!(errors_of(&bad), vec![("DISC-009".into(), Some(2))]);
}

#[test]
fn contact_and_uri_rules() {
    let r = judge(
        "Contact: security@example.com\nContact: http://example.com/x\nContact:mailto:a@b.c\n\
         Policy: http://example.com/p\nEncryption: dns:5d2d._openpgpkey.example.com?type=OPENPGPKEY\n\
         Encryption: openpgp4fpr:5f2de5521c63a801ab59ccb603d49de44b29100f\nHiring: not a uri\n\
         Expires: 2030-01-01T00:00:00Z\n",
        "2029-06-01T00:00:00Z",
    );
    assert_eq!(
        codes_of(&r),
        vec![
            ("DISC-006".into(), Some(1)),
            ("DISC-006".into(), Some(2)),
            ("DISC-017".into(), Some(3)),
            ("DISC-012".into(), Some(4)),
            ("DISC-013".into(), Some(7)),
        ]
    );
}

#[test]
fn languages_canonical_unknown_and_misspelt() {
    let text = "Contact: mailto:a@example.com\nExpires: 2030-01-01T00:00:00Z\n\
                Preferred-Languages: en, fr-CA ,zh-Hant-TW, e1\nPreferred-Languages: de\n\
                Canonical: https://example.com/.well-known/security.txt\n\
                Acknowledgements: https://example.com/thanks\nX-Custom: anything at all\n";
    let r = validate(
        text.as_bytes(),
        &Options {
            now: at("2029-06-01T00:00:00Z"),
            fetched_from: vec!["https://other.example/.well-known/security.txt".into()],
            ..Options::default()
        },
    );
    assert_eq!(
        codes_of(&r),
        vec![
            ("DISC-014".into(), Some(3)),
            ("DISC-008".into(), Some(4)),
            ("DISC-015".into(), Some(5)),
            ("DISC-017".into(), Some(6)),
        ]
    );
    assert_eq!(r.unknown_fields, vec!["Acknowledgements", "X-Custom"]);
    let ok = validate(
        text.as_bytes(),
        &Options {
            now: at("2029-06-01T00:00:00Z"),
            fetched_from: vec!["HTTPS://EXAMPLE.com/.well-known/security.txt".into()],
            ..Options::default()
        },
    );
    assert!(!codes_of(&ok).iter().any(|c| c.0 == "DISC-015"));
}

#[test]
fn folded_extension_values_and_invalid_lines() {
    let r = judge(
        "Contact: https://a.example/\r\nX-Note: one\r\n\tcontinued\r\nExpires: 2030-01-01T00:00:00Z\r\n  stray\r\nGenerated at: https://x\r\njust text\r\n",
        "2029-06-01T00:00:00Z",
    );
    assert_eq!(
        errors_of(&r),
        vec![
            ("DISC-016".into(), Some(5)),
            ("DISC-016".into(), Some(6)),
            ("DISC-016".into(), Some(7)),
        ]
    );
    assert_eq!(r.values("x-note"), vec!["one continued"]);
}

#[test]
fn content_type_and_encoding() {
    let mut o = Options {
        now: at("2029-06-01T00:00:00Z"),
        content_type: Some("text/html; charset=utf-8".into()),
        ..Options::default()
    };
    let body = b"\xEF\xBB\xBFContact: mailto:a@example.com\nExpires: 2030-01-01T00:00:00Z\n\xff\n";
    let r = validate(body, &o);
    assert_eq!(
        codes_of(&r),
        vec![
            ("DISC-003".into(), None),
            ("DISC-004".into(), Some(1)),
            ("DISC-004".into(), Some(3)),
            ("DISC-016".into(), Some(3)),
        ]
    );
    o.content_type = Some("text/plain".into());
    let r = validate(&body[3..body.len() - 2], &o);
    assert_eq!(
        r.problems
            .iter()
            .map(|p| (p.code.as_str(), p.level))
            .collect::<Vec<_>>(),
        vec![("DISC-003", Level::Warning)]
    );
}

#[test]
fn signed_without_key_is_said_unchecked() {
    let text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:a@example.com\nExpires: 2030-01-01T00:00:00Z\n-----BEGIN PGP SIGNATURE-----\n\niHUEARYKAB0WIQSsP2kEdoKDVFpSg6u3rK+YCkjapwUCY9qRaQAKCRC3rK+YCkja\npwALAP9LEHSYMDW4h8QRHg4MwCzUdnbjBLIvpq4QTo3dIqCUPwEA31MsEf95OKCh\nMTHYHajOzjwpwlQVrjkK419igx4imgk=\n=KONn\n-----END PGP SIGNATURE-----\nContact: mailto:evil@example.com\n";
    let r = judge(text, "2029-06-01T00:00:00Z");
    assert!(matches!(r.signature, Signature::Unchecked { .. }));
    assert_eq!(
        codes_of(&r),
        vec![("DISC-020".into(), None), ("DISC-019".into(), Some(13))]
    );
    // The line after the signature is not read as a field.
    assert_eq!(r.values("contact"), vec!["mailto:a@example.com"]);
}

/// The corpus's real files (eikendev-sectxt valid_*), judged a day before their Expires, have
/// no errors; judged today they fail for expiry alone.
#[test]
fn corpus_real_files_pass_before_expiry_and_fail_after() {
    let Some(dir) = corpus() else { return };
    let mut seen = 0;
    for sub in [
        "eikendev-sectxt/valid_signed",
        "eikendev-sectxt/valid_unsigned",
    ] {
        let mut names: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for path in names {
            let bytes = std::fs::read(&path).unwrap();
            let first = validate(&bytes, &Options::default());
            let exp = first
                .expires
                .unwrap_or_else(|| panic!("{}", path.display()));
            let before = validate(
                &bytes,
                &Options {
                    now: exp - 86_400,
                    ..Options::default()
                },
            );
            assert_eq!(errors_of(&before), vec![], "{}", path.display());
            let today = validate(
                &bytes,
                &Options {
                    now: time::now(),
                    ..Options::default()
                },
            );
            let errs: Vec<String> = errors_of(&today).into_iter().map(|e| e.0).collect();
            assert_eq!(errs, vec!["DISC-010".to_owned()], "{}", path.display());
            seen += 1;
        }
    }
    assert_eq!(seen, 8);
}

/// The 100 generated edge cases (case-mixed names, folded extension fields, CR/LF mixes,
/// stray whitespace) are all valid files with Expires 2030-04-12T23:20:50.52Z.
#[test]
fn corpus_generated_edge_cases_are_valid() {
    let Some(dir) = corpus() else { return };
    let mut n = 0;
    for e in std::fs::read_dir(dir.join("eikendev-sectxt/gen_unsigned")).unwrap() {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let r = validate(
            &bytes,
            &Options {
                now: at("2030-01-01T00:00:00Z"),
                ..Options::default()
            },
        );
        assert_eq!(errors_of(&r), vec![], "{}", path.display());
        assert_eq!(
            r.expires,
            Some(at("2030-04-12T23:20:50Z")),
            "{}",
            path.display()
        );
        n += 1;
    }
    assert_eq!(n, 100);
}

/// The two real broken files fail for the right reasons: the GOV.UK template has unfilled
/// placeholders (Expires is not a date) and a field name with a space; Home Assistant's file
/// has no Expires.
#[test]
fn corpus_real_broken_files_fail_for_the_right_reason() {
    let Some(dir) = corpus() else { return };
    let now = at("2024-01-01T00:00:00Z");
    let gov = std::fs::read(dir.join("real-in-repos/alphagov-template.security.txt")).unwrap();
    let r = validate(
        &gov,
        &Options {
            now,
            ..Options::default()
        },
    );
    assert_eq!(
        errors_of(&r),
        vec![("DISC-009".into(), Some(12)), ("DISC-016".into(), Some(14))]
    );
    assert_eq!(r.values("last-updated"), vec!["DATE_NOW"]);
    let ha = std::fs::read(dir.join("real-in-repos/home-assistant-io.security.txt")).unwrap();
    let r = validate(
        &ha,
        &Options {
            now,
            fetched_from: vec!["https://www.home-assistant.io/.well-known/security.txt".into()],
            ..Options::default()
        },
    );
    assert_eq!(errors_of(&r), vec![("DISC-007".into(), None)]);
}

/// Parser invariant: any bytes, no panic, every problem line within the file. A fixed-seed
/// generator mixes field names, separators, armour lines and random bytes.
#[test]
fn arbitrary_input_never_panics() {
    let parts: &[&[u8]] = &[
        b"Contact: ",
        b"Expires: ",
        b"2030-01-01T00:00:00Z",
        b"\r\n",
        b"\n",
        b" ",
        b"\t",
        b"#",
        b":",
        b"-----BEGIN PGP SIGNED MESSAGE-----\n",
        b"-----BEGIN PGP SIGNATURE-----\n",
        b"-----END PGP SIGNATURE-----\n",
        b"- ",
        b"https://",
        b"mailto:",
        b"\xff\xfe",
        "é".as_bytes(),
        b"Preferred-Languages: en, ",
        b"Canonical: ",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..2000 {
        let mut buf = Vec::new();
        for _ in 0..(next() % 40) {
            let r = next();
            if r % 5 == 0 {
                buf.push((r >> 8) as u8);
            } else {
                buf.extend_from_slice(parts[(r as usize >> 3) % parts.len()]);
            }
        }
        let r = validate(
            &buf,
            &Options {
                now: 1_700_000_000,
                fetched_from: vec!["https://a.example/.well-known/security.txt".into()],
                content_type: Some("text/plain".into()),
                ..Options::default()
            },
        );
        let lines = buf.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        for p in &r.problems {
            assert!(p.line.unwrap_or(1) <= lines, "{p:?}");
        }
        let text = String::from_utf8_lossy(&buf);
        let _ = crate::html::parse(&format!("<html>{text}"), None);
        let _ = crate::text::dates(&text);
        let _ = crate::text::durations(&text);
    }
}
