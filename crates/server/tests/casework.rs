//! Officers' casework forms over real HTTP on loopback, on SQLite and on PostgreSQL
//! (`BASELINE_TEST_POSTGRES`, default the machine's `test` database, schema `s_work_*`): each
//! protection of a change to a case shown refusing, and nothing saved when it does.

use baseline_register::auth::totp_code;
use baseline_register::people::NewUser;
use baseline_register::register::NewCase;
use baseline_register::Register;
use baseline_server::Config;
use jiff::{SignedDuration, Timestamp};
mod common;
use common::{agent, block, body_bytes as body, declared_post, servers};

/// Invite, enrol and sign in a user of `role`; returns the cookies of a signed-in browser
/// (session and CSRF, the CSRF token being `CSRF`).
fn signed_in(r: &Register, email: &str, role: &str) -> String {
    let now = Timestamp::now();
    block(r.add_user(
        now,
        "admin",
        &NewUser {
            email: email.into(),
            role: role.into(),
            team: Some("Connected products".into()),
            ..NewUser::default()
        },
    ))
    .unwrap();
    let inv = block(r.invite(now, "admin", email)).unwrap();
    let key = block(r.enrolment(now, &inv)).unwrap().totp_base32;
    let first = totp_code(&key, now).unwrap();
    assert!(
        block(r.enroll(now, &inv, "a long enough passphrase", &first))
            .unwrap()
            .is_ok()
    );
    let later = now + SignedDuration::from_secs(30);
    let code = totp_code(&key, later).unwrap();
    let secret = block(r.sign_in(later, email, "a long enough passphrase", &code))
        .unwrap()
        .unwrap();
    format!("baseline_session={secret}; baseline_csrf={CSRF}")
}

const CSRF: &str = "0123456789abcdef0123456789abcdef";
const BOUNDARY: &str = "----baseline-test-boundary";

/// A `multipart/form-data` body of text fields and files `(field, file name, bytes)`.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in fields {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, data) in files {
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

#[test]
fn changes_to_a_case_are_refused_when_stale_forged_or_not_the_users_to_make() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, r, base) in servers("changes", dir.path(), Config::default()) {
        let now = Timestamp::now();
        block(r.add_team(now, "admin", "Connected products")).unwrap();
        let case = block(r.open_case(
            now,
            "admin",
            &NewCase {
                title: "Camera with a fixed password".into(),
                team: Some("Connected products".into()),
                ..NewCase::default()
            },
        ))
        .unwrap();
        let officer = signed_in(&r, "officer@opss.example", "officer");
        let auditor = signed_in(&r, "auditor@opss.example", "auditor");
        let a = agent();
        let post = |cookies: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]| {
            body(
                a.post(&format!("{base}/cases/{case}/evidence"))
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={BOUNDARY}"),
                    )
                    .header("cookie", cookies)
                    .send(multipart(fields, files))
                    .unwrap(),
            )
        };
        let evidence = || block(r.show_case(now, "check", &case)).unwrap().evidence;
        let version = block(r.case_version(&case)).unwrap().to_string();

        // A file name that is a path is stored as its last component, never as a path.
        let (s, h, _) = post(
            &officer,
            &[("csrf", CSRF), ("version", &version), ("kind", "photo")],
            &[("files", "../../etc/passwd", b"root:x:0:0::/root:/bin/sh\n")],
        );
        assert_eq!(s, 303, "{backend}");
        assert_eq!(
            h["location"].to_str().unwrap(),
            format!("/cases/{case}?done=evidence")
        );
        let stored = evidence();
        assert_eq!(stored.len(), 1, "{backend}");
        assert_eq!(stored[0].name, "passwd", "{backend}");
        assert_eq!(stored[0].kind, "photo");
        assert_eq!(stored[0].sha256, {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(b"root:x:0:0::/root:/bin/sh\n"))
        });

        // The download is an attachment of opaque bytes in a sandbox, not a page of this site.
        let (s, h, bytes) = body(
            a.get(&format!(
                "{base}/cases/{case}/evidence/{}",
                stored[0].sha256
            ))
            .header("cookie", &officer)
            .call()
            .unwrap(),
        );
        assert_eq!(s, 200, "{backend}");
        assert_eq!(bytes, b"root:x:0:0::/root:/bin/sh\n");
        assert_eq!(h["content-type"], "application/octet-stream");
        assert_eq!(h["content-disposition"], "attachment; filename=\"passwd\"");
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox"));
        assert_eq!(
            body(
                a.get(&format!("{base}/cases/{case}/evidence/{}", "0".repeat(64)))
                    .header("cookie", &officer)
                    .call()
                    .unwrap()
            )
            .0,
            404,
            "{backend}: a hash not in this case"
        );

        // The form of the page before that change is stale: 409, nothing saved.
        let (s, _, page) = post(
            &officer,
            &[("csrf", CSRF), ("version", &version), ("kind", "photo")],
            &[("files", "second.png", b"\x89PNG second")],
        );
        assert_eq!(s, 409, "{backend}");
        assert!(String::from_utf8_lossy(&page)
            .contains("was changed by someone else since you opened it"));
        assert_eq!(
            evidence().len(),
            1,
            "{backend}: nothing saved on a conflict"
        );

        let version = block(r.case_version(&case)).unwrap().to_string();
        // No CSRF token, or a different one from the cookie's: 403.
        for csrf in ["", "ffffffffffffffffffffffffffffffff"] {
            let (s, _, _) = post(
                &officer,
                &[("csrf", csrf), ("version", &version), ("kind", "photo")],
                &[("files", "third.png", b"third")],
            );
            assert_eq!(s, 403, "{backend}: csrf {csrf:?}");
        }
        // An auditor reads but cannot change a case.
        let (s, _, page) = post(
            &auditor,
            &[("csrf", CSRF), ("version", &version), ("kind", "photo")],
            &[("files", "third.png", b"third")],
        );
        assert_eq!(s, 403, "{backend}");
        assert!(String::from_utf8_lossy(&page).contains("Your role does not allow"));
        // Eleven files are more than the form takes: 413, none saved.
        let eleven: Vec<(String, Vec<u8>)> = (0..11)
            .map(|i| (format!("f{i}.png"), vec![b'a' + i as u8; 10]))
            .collect();
        let files: Vec<(&str, &str, &[u8])> = eleven
            .iter()
            .map(|(n, d)| ("files", n.as_str(), d.as_slice()))
            .collect();
        let (s, _, _) = post(
            &officer,
            &[("csrf", CSRF), ("version", &version), ("kind", "photo")],
            &files,
        );
        assert_eq!(s, 413, "{backend}");
        assert_eq!(
            evidence().len(),
            1,
            "{backend}: nothing saved over the limit"
        );
        // Without a session the form goes to sign-in, and nothing is saved.
        let (s, h, _) = post(
            &format!("baseline_csrf={CSRF}"),
            &[("csrf", CSRF), ("version", &version), ("kind", "photo")],
            &[("files", "third.png", b"third")],
        );
        assert_eq!((s, h["location"].to_str().unwrap()), (303, "/sign-in"));
        assert_eq!(evidence().len(), 1, "{backend}");

        // Firmware is queued for assessment; the case page shows the job.
        let (s, h, _) = post(
            &officer,
            &[("csrf", CSRF), ("version", &version), ("kind", "firmware")],
            &[("files", "fw.bin", b"not really firmware")],
        );
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (303, format!("/cases/{case}?done=assessing").as_str()),
            "{backend}"
        );
        let (s, _, page) = body(
            a.get(&format!("{base}/cases/{case}"))
                .header("cookie", &officer)
                .call()
                .unwrap(),
        );
        let page = String::from_utf8_lossy(&page);
        assert_eq!(s, 200);
        assert!(page.contains("fw.bin"), "{backend}");
        assert!(page.contains("queued"), "{backend}: {page}");
    }
}

#[test]
fn an_allegation_body_over_its_limit_is_refused_and_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, r, base) in servers("big", dir.path(), Config::default()) {
        assert_eq!(
            declared_post(&base, "/api/v1/allegations", 10 << 20),
            413,
            "{backend}: refused by its declared length"
        );
        // Six files on the public form (it takes five): refused, nothing stored.
        let files: Vec<(String, Vec<u8>)> = (0..6)
            .map(|i| (format!("s{i}.png"), vec![b'0' + i as u8; 100]))
            .collect();
        let files: Vec<(&str, &str, &[u8])> = files
            .iter()
            .map(|(n, d)| ("files", n.as_str(), d.as_slice()))
            .collect();
        let (s, _, _) = body(
            agent()
                .post(&format!("{base}/report"))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .header("cookie", format!("baseline_csrf={CSRF}"))
                .send(multipart(
                    &[
                        ("csrf", CSRF),
                        ("brand", "Acme"),
                        ("model", "Cam"),
                        ("description", "Fixed password admin/admin"),
                    ],
                    &files,
                ))
                .unwrap(),
        );
        assert_eq!(s, 413, "{backend}");
        assert!(
            block(r.list_allegations(false)).unwrap().is_empty(),
            "{backend}: nothing stored"
        );
    }
}
