//! The site checks against real HTTPS servers on loopback serving fixture manufacturers.
//! No test touches the internet.

use baseline_model::Outcome;
use baseline_site::testserver::{Reply, Server};
use baseline_site::{check, check_archive, time, Archive, FetchOptions, SiteInput, SiteReport};
use std::time::Duration;

const DAY: i64 = 86_400;

fn opts(server: &Server) -> FetchOptions {
    FetchOptions {
        extra_roots_pem: Some(server.ca_pem.clone().into_bytes()),
        timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(3),
        max_body: 1024 * 1024,
        ..FetchOptions::default()
    }
}

fn codes(r: &SiteReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

fn security_txt(server: &Server, expires: i64) -> String {
    format!(
        "Contact: mailto:psirt@maker.example\nExpires: {}\nPolicy: {}\nCanonical: {}\nPreferred-Languages: en\n",
        time::format_rfc3339(expires),
        server.url("/security"),
        server.url("/.well-known/security.txt"),
    )
}

const POLICY: &str = "<!DOCTYPE html><html lang=\"en\"><head><title>Vulnerability disclosure policy</title></head><body>\
<h1>Reporting security issues</h1><p>If you believe you have found a security vulnerability in any of our products, \
please email <a href=\"mailto:psirt@maker.example\">psirt@maker.example</a>. You do not need an account.</p>\
<p>We will acknowledge your report within 5 working days. We will send you status updates every 14 days until the issue is resolved.</p>\
</body></html>";

const SUPPORT: &str = "<html><body><h1>Support period</h1><p>The Maker Cam 2 will receive security updates until 31 December 2030.</p></body></html>";

fn compliant(server: &Server) -> SiteInput {
    let now = time::now();
    server.route(
        "/",
        Reply::html("<html><body><a href=\"/security\">Security</a></body></html>"),
    );
    server.route(
        "/.well-known/security.txt",
        Reply::text(&security_txt(server, now + 180 * DAY)),
    );
    server.route("/security", Reply::html(POLICY));
    server.route("/support-period", Reply::html(SUPPORT));
    server.route(
        "/shop/cam2",
        Reply::html("<html><body><h1>Maker Cam 2</h1><p>£49.99</p><a href=\"/support-period\">How long we provide updates</a></body></html>"),
    );
    let toml = format!(
        "name = \"Maker Cam 2\"\n[disclosure]\npolicy_url = \"{}\"\n[support]\nperiod_url = \"{}\"\npurchase_url = [\"{}\"]\n",
        server.url("/security"),
        server.url("/support-period"),
        server.url("/shop/cam2")
    );
    let mut input = SiteInput::from_product_toml(&toml).unwrap();
    input.site = Some(server.url("/"));
    input
}

#[test]
fn compliant_manufacturer_passes_and_the_archive_rechecks_identically() {
    let server = Server::start();
    let input = compliant(&server);
    let r = check(&input, &opts(&server), &[]).unwrap();
    assert_eq!(r.disclosure.outcome, Outcome::Pass, "{:#?}", r.findings);
    assert_eq!(r.support.outcome, Outcome::Pass, "{:#?}", r.findings);
    assert_eq!(codes(&r), vec!["DISC-108", "SUPP-007"]);
    let q: Vec<(&str, &str)> = r
        .quotes
        .iter()
        .map(|q| (q.kind.as_str(), q.text.as_str()))
        .collect();
    assert_eq!(
        q,
        vec![
            ("contact", "e-mail psirt@maker.example"),
            (
                "acknowledgement",
                "We will acknowledge your report within 5 working days."
            ),
            (
                "status-updates",
                "We will send you status updates every 14 days until the issue is resolved."
            ),
            (
                "support-period",
                "The Maker Cam 2 will receive security updates until 31 December 2030."
            ),
        ]
    );
    assert_eq!(
        r.support_statements[0].end_date.as_deref(),
        Some("2030-12-31")
    );
    // Honest user agent on every request.
    let log = server.log.lock().unwrap().clone();
    assert!(!log.is_empty());
    for (_, ua) in &log {
        assert_eq!(
            ua,
            &format!(
                "baseline/{} (+security assessment)",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    // Archive, then re-check offline: the same findings and outcomes.
    let dir = tempfile::tempdir().unwrap();
    let archive = r.archive.clone().unwrap();
    archive.write(dir.path()).unwrap();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    let stxt = index["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "security-txt")
        .unwrap();
    assert_eq!(stxt["status"], 200);
    assert_eq!(stxt["final_url"], server.url("/.well-known/security.txt"));
    let hash = stxt["sha256"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert!(dir.path().join("bodies").join(hash).is_file());
    drop(server);
    let again = check_archive(dir.path(), None, &[]).unwrap();
    assert_eq!(again.findings, r.findings);
    assert_eq!(again.disclosure, r.disclosure);
    assert_eq!(again.support, r.support);
    assert_eq!(again.judged_at, r.judged_at);

    // A tampered archive is refused.
    std::fs::write(
        dir.path().join("bodies").join(hash),
        b"Contact: mailto:evil@example.com\n",
    )
    .unwrap();
    let err = check_archive(dir.path(), None, &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not match the index"), "{err}");
}

#[test]
fn missing_and_expired_security_txt() {
    let server = Server::start();
    let input = compliant(&server);
    server.route("/.well-known/security.txt", Reply::status(404));
    let r = check(&input, &opts(&server), &[]).unwrap();
    assert_eq!(codes(&r), vec!["DISC-001", "DISC-108", "SUPP-007"]);
    // The policy from the product file still decides para 2.
    assert_eq!(r.disclosure.outcome, Outcome::Pass);

    let past = time::now() - 30 * DAY;
    server.route(
        "/.well-known/security.txt",
        Reply::text(&security_txt(&server, past)),
    );
    let r = check(&input, &opts(&server), &[]).unwrap();
    assert_eq!(codes(&r), vec!["DISC-010", "DISC-108", "SUPP-007"]);
    assert_eq!(r.findings[0].evidence[0].line, Some(2));
}

fn signing_key() -> pgp::composed::SignedSecretKey {
    use pgp::composed::{KeyType, SecretKeyParamsBuilder};
    use pgp::types::Password;
    let params = SecretKeyParamsBuilder::default()
        .key_type(KeyType::Ed25519Legacy)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id("Maker PSIRT <psirt@maker.example>".into())
        .build()
        .unwrap();
    let mut rng = rand::thread_rng();
    params
        .generate(&mut rng)
        .unwrap()
        .sign(&mut rng, &Password::empty())
        .unwrap()
}

#[test]
fn signed_security_txt_verifies_with_the_encryption_key_and_flags_tampering() {
    use pgp::composed::CleartextSignedMessage;
    use pgp::types::Password;
    let server = Server::start();
    let input = compliant(&server);
    let key = signing_key();
    let public = key
        .signed_public_key()
        .to_armored_string(Default::default())
        .unwrap();
    server.route("/pgp-key.txt", Reply::text(&public));
    let body = format!(
        "{}Encryption: {}\n",
        security_txt(&server, time::now() + 100 * DAY),
        server.url("/pgp-key.txt")
    );
    let signed = CleartextSignedMessage::sign(
        rand::thread_rng(),
        &body,
        &key.primary_key,
        &Password::empty(),
    )
    .unwrap()
    .to_armored_string(Default::default())
    .unwrap();
    server.route("/.well-known/security.txt", Reply::text(&signed));
    let r = check(&input, &opts(&server), &[]).unwrap();
    let st = r.security_txt.as_ref().unwrap();
    assert!(
        matches!(
            st.report.signature,
            baseline_site::securitytxt::Signature::Verified { .. }
        ),
        "{:?}",
        st.report.signature
    );
    assert_eq!(codes(&r), vec!["DISC-108", "SUPP-007"]);

    // Change one contact after signing: the signature no longer verifies.
    let tampered = signed.replace("psirt@maker.example", "evil@maker.example");
    server.route("/.well-known/security.txt", Reply::text(&tampered));
    let r = check(&input, &opts(&server), &[]).unwrap();
    assert_eq!(codes(&r), vec!["DISC-019", "DISC-108", "SUPP-007"]);

    // Key unreachable and none given: said plainly.
    server.route("/.well-known/security.txt", Reply::text(&signed));
    server.route("/pgp-key.txt", Reply::status(404));
    let r = check(&input, &opts(&server), &[]).unwrap();
    assert_eq!(codes(&r), vec!["DISC-020", "DISC-108", "SUPP-007"]);
    assert!(
        r.findings[0].title.contains("NOT checked"),
        "{}",
        r.findings[0].title
    );
    // ...and a key given by the user checks it.
    let o = FetchOptions {
        keys: vec![public.into_bytes()],
        ..opts(&server)
    };
    let r = check(&input, &o, &[]).unwrap();
    assert_eq!(codes(&r), vec!["DISC-108", "SUPP-007"]);
}

#[test]
fn redirect_loop_is_cut_off() {
    let server = Server::start();
    let input = compliant(&server);
    server.route(
        "/.well-known/security.txt",
        Reply::Redirect("/loop-a".into()),
    );
    server.route("/loop-a", Reply::Redirect(server.url("/loop-b")));
    server.route("/loop-b", Reply::Redirect("/loop-a".into()));
    server.route("/security.txt", Reply::status(404));
    let r = check(&input, &opts(&server), &[]).unwrap();
    let res = r
        .resources
        .iter()
        .find(|x| x.role == "security-txt")
        .unwrap();
    assert_eq!(res.error.as_deref(), Some("more than 5 redirects"));
    assert_eq!(res.chain.len(), 6);
    assert_eq!(codes(&r), vec!["DISC-001", "DISC-108", "SUPP-007"]);
}

#[test]
fn huge_page_is_cut_at_the_size_limit_and_silent_server_times_out() {
    let server = Server::start();
    let mut input = compliant(&server);
    server.route(
        "/support-period",
        Reply::Stream {
            size: 200 * 1024 * 1024,
        },
    );
    server.route("/slow-policy", Reply::Hang(Duration::from_secs(30)));
    input.policy_url = Some(server.url("/slow-policy"));
    server.route("/.well-known/security.txt", Reply::status(404));
    server.route("/security.txt", Reply::status(404));
    let r = check(&input, &opts(&server), &[]).unwrap();
    let big = r.resources.iter().find(|x| x.role == "support").unwrap();
    assert!(big.truncated);
    assert_eq!(big.size, 1024 * 1024);
    let slow = r.resources.iter().find(|x| x.role == "policy").unwrap();
    assert!(
        slow.error.as_deref().unwrap_or("").contains("timed out"),
        "{:?}",
        slow.error
    );
    assert_eq!(r.disclosure.outcome, Outcome::Fail);
    assert_eq!(codes(&r), vec!["DISC-001", "DISC-102", "SUPP-001"]);
}

#[test]
fn login_wall_and_policy_without_timelines() {
    let server = Server::start();
    let input = compliant(&server);
    server.route(
        "/security",
        Reply::Redirect("/account/login?next=/security".into()),
    );
    server.route(
        "/account/login",
        Reply::html("<html><body><h1>Sign in</h1><form><input name=user><input type=password name=pw></form></body></html>"),
    );
    let r = check(&input, &opts(&server), &[]).unwrap();
    assert_eq!(r.disclosure.outcome, Outcome::Fail);
    assert!(codes(&r).contains(&"DISC-103"), "{:?}", codes(&r));

    server.route(
        "/security",
        Reply::html("<html lang=en><body><p>Security matters to us. If you find a vulnerability, email security@maker.example and we will look into it.</p></body></html>"),
    );
    let r = check(&input, &opts(&server), &[]).unwrap();
    assert_eq!(
        codes(&r),
        vec!["DISC-105", "DISC-106", "DISC-108", "SUPP-007"]
    );
    assert_eq!(r.disclosure.outcome, Outcome::Fail);

    // Timelines mentioned without a time: inconclusive, with the words found.
    server.route(
        "/security",
        Reply::html("<html lang=en><body><p>Email security@maker.example. We will acknowledge your report promptly. We will keep you informed of progress until the issue is resolved.</p></body></html>"),
    );
    let r = check(&input, &opts(&server), &[]).unwrap();
    assert_eq!(r.disclosure.outcome, Outcome::Inconclusive);
    let ack = r.findings.iter().find(|f| f.code == "DISC-105").unwrap();
    assert_eq!(
        ack.evidence[0].excerpt.as_deref(),
        Some("We will acknowledge your report promptly.")
    );
}

#[test]
fn relative_support_period_and_shortening() {
    let server = Server::start();
    let input = compliant(&server);
    server.route(
        "/support-period",
        Reply::html("<html><body><p>We provide security updates for 5 years from the date of purchase.</p></body></html>"),
    );
    let r = check(&input, &opts(&server), &[]).unwrap();
    assert_eq!(r.support.outcome, Outcome::Fail);
    assert_eq!(codes(&r), vec!["DISC-108", "SUPP-003"]);

    // An earlier archive said 2030; the page now says 2028.
    server.route("/support-period", Reply::html(SUPPORT));
    let first = check(&input, &opts(&server), &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    first.archive.as_ref().unwrap().write(dir.path()).unwrap();
    server.route(
        "/support-period",
        Reply::html("<html><body><p>The Maker Cam 2 will receive security updates until 30 June 2028.</p></body></html>"),
    );
    let prev = Archive::load(dir.path()).unwrap();
    let r = check(&input, &opts(&server), &[prev]).unwrap();
    assert_eq!(r.support.outcome, Outcome::Fail);
    assert_eq!(codes(&r), vec!["DISC-108", "SUPP-005", "SUPP-007"]);
    let f = r.findings.iter().find(|f| f.code == "SUPP-005").unwrap();
    assert_eq!(f.details["previous_end_date"], "2030-12-31");
}
