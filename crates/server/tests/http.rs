//! `baseline serve` over real HTTP on loopback, on SQLite and on PostgreSQL
//! (`BASELINE_TEST_POSTGRES`, default the machine's `test` database, schema `s_http_*`): the
//! fixed points of the API, and each protection shown refusing.

use baseline_register::register::NewCase;
use baseline_server::Config;
use jiff::{SignedDuration, Timestamp};
mod common;
use common::{agent, block, body, declared_post, servers};

#[test]
fn allegations_are_acknowledged_only_when_stored_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        allegations_per_minute: 5,
        ..Config::default()
    };
    for (backend, r, base) in servers("allegations", dir.path(), config) {
        let a = agent();
        let post = |json: &str| {
            body(
                a.post(&format!("{base}/api/v1/allegations"))
                    .header("content-type", "application/json")
                    .send(json)
                    .unwrap(),
            )
        };
        let (s, h, text) = post(
            r#"{"brand":"Acme","model":"Cam 2","description":"admin/admin logs in","contact":"me@example.org"}"#,
        );
        assert_eq!(s, 201, "{backend}: {text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let reference = v["reference"].as_str().unwrap().to_owned();
        assert_eq!(h["location"], format!("/api/v1/allegations/{reference}"));
        let stored = block(r.allegation(&reference)).unwrap();
        assert_eq!(
            (
                stored.brand.as_str(),
                stored.source.as_str(),
                stored.contact.as_deref()
            ),
            ("Acme", "consumer", Some("me@example.org"))
        );
        let (s, _, text) = body(
            a.get(&format!("{base}/api/v1/allegations/{reference}"))
                .call()
                .unwrap(),
        );
        assert_eq!(s, 200);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["status"], "received");
        assert!(
            v.get("contact").is_none(),
            "the contact is never shown back"
        );
        assert_eq!(
            body(
                a.get(&format!("{base}/api/v1/allegations/AL-NOSUCHREFERENCE"))
                    .call()
                    .unwrap()
            )
            .0,
            404
        );

        let before = block(r.list_allegations(false)).unwrap().len();
        // Refused, and nothing stored: a missing field, an unknown field, a source the public
        // may not claim, a 10 MB body, an overlong brand.
        for (json, status, field) in [
            (
                r#"{"brand":"Acme","model":"Cam 2","description":"  "}"#.to_owned(),
                422,
                Some("description"),
            ),
            (
                r#"{"brand":"Acme","model":"Cam 2","description":"x","admin":true}"#.to_owned(),
                422,
                None,
            ),
            (
                r#"{"brand":"Acme","model":"Cam 2","description":"x","source":"regulator"}"#
                    .to_owned(),
                422,
                Some("source"),
            ),
            (
                format!(
                    r#"{{"brand":"Acme","model":"Cam 2","description":"{}"}}"#,
                    "x".repeat(100 << 10)
                ),
                413,
                None,
            ),
            (
                format!(
                    r#"{{"brand":"{}","model":"Cam 2","description":"x"}}"#,
                    "b".repeat(201)
                ),
                422,
                Some("brand"),
            ),
            // NUL, which PostgreSQL text cannot hold (found by schemathesis: it was a 500).
            (
                r#"{"brand":"Acme","model":"Cam 2","description":"a\u0000b"}"#.to_owned(),
                422,
                Some("description"),
            ),
            (
                r#"{"brand":"Acme","model":"Cam 2","description":"x","contact":"\u0000"}"#
                    .to_owned(),
                422,
                Some("contact"),
            ),
        ] {
            let (s, _, text) = post(&json);
            assert_eq!(s, status, "{backend}: {}", &text[..text.len().min(200)]);
            if let Some(f) = field {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["field"], f, "{backend}");
            }
        }
        // A 10 MB body is refused by its declared length, before it is sent.
        assert_eq!(
            declared_post(&base, "/api/v1/allegations", 10 << 20),
            413,
            "{backend}"
        );
        assert_eq!(
            block(r.list_allegations(false)).unwrap().len(),
            before,
            "{backend}: a refused allegation was stored"
        );

        // The rate limit: 5 a minute per client (one was taken above).
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(post(r#"{"brand":"A","model":"B","description":"c"}"#));
        }
        assert_eq!(
            statuses.iter().map(|s| s.0).collect::<Vec<_>>(),
            vec![201, 201, 201, 201, 429],
            "{backend}"
        );
        let retry: u64 = statuses[4].1["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry));
        assert_eq!(
            block(r.list_allegations(false)).unwrap().len(),
            before + 4,
            "{backend}: acknowledged = stored"
        );
    }
}

#[test]
fn tokens_are_checked_for_existence_expiry_revocation_scope_and_team() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, r, base) in servers("tokens", dir.path(), Config::default()) {
        let now = Timestamp::now();
        let month = SignedDuration::from_hours(24 * 30);
        block(async {
            r.add_team(now, "admin", "Connected products")
                .await
                .unwrap();
            r.add_team(now, "admin", "Radio").await.unwrap();
        });
        let case = |title: &str, team: Option<&str>, restricted: bool| {
            block(r.open_case(
                now,
                "officer",
                &NewCase {
                    title: title.into(),
                    team: team.map(str::to_owned),
                    restricted,
                    ..NewCase::default()
                },
            ))
            .unwrap()
        };
        let ours = case("ours", Some("Connected products"), false);
        let theirs = case("theirs", Some("Radio"), true);
        let unassigned = case("unassigned", None, false);
        let token = |role: &str,
                     scopes: &[&str],
                     life: SignedDuration,
                     team: Option<&str>,
                     at: Timestamp| {
            let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
            block(r.create_token(at, "admin", role, &scopes, life, team)).unwrap()
        };
        let (_, all) = token("officer", &[], month, None, now);
        let (_, team) = token("officer", &[], month, Some("Connected products"), now);
        let (_, narrow) = token("officer", &["allegations:read"], month, None, now);
        let (_, expired) = token(
            "officer",
            &[],
            SignedDuration::from_hours(1),
            None,
            now - SignedDuration::from_hours(2),
        );
        let (revoked_row, revoked) = token("auditor", &[], month, None, now);
        block(r.revoke_token(now, "admin", &revoked_row.id)).unwrap();

        let a = agent();
        let get = |path: &str, secret: Option<&str>| {
            let mut req = a.get(&format!("{base}{path}"));
            if let Some(s) = secret {
                req = req.header("authorization", &format!("Bearer {s}"));
            }
            body(req.call().unwrap())
        };
        let (s, h, _) = get("/api/v1/cases", None);
        assert_eq!(
            (s, h["www-authenticate"].to_str().unwrap()),
            (401, "Bearer"),
            "{backend}"
        );
        assert_eq!(get("/api/v1/cases", Some("bl_0000")).0, 401);
        let (s, _, text) = get("/api/v1/cases", Some(&expired));
        assert!(
            s == 401 && text.contains("expired"),
            "{backend}: {s} {text}"
        );
        let (s, _, text) = get("/api/v1/cases", Some(&revoked));
        assert!(
            s == 401 && text.contains("revoked"),
            "{backend}: {s} {text}"
        );
        let (s, _, text) = get("/api/v1/cases", Some(&narrow));
        assert!(
            s == 403 && text.contains("cases:read"),
            "{backend}: {s} {text}"
        );

        let ids = |secret: &str| -> Vec<String> {
            let (s, _, text) = get("/api/v1/cases", Some(secret));
            assert_eq!(s, 200, "{text}");
            serde_json::from_str::<Vec<serde_json::Value>>(&text)
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            ids(&all),
            vec![unassigned.clone(), theirs.clone(), ours.clone()],
            "{backend}"
        );
        assert_eq!(
            ids(&team),
            vec![unassigned.clone(), ours.clone()],
            "{backend}: a team sees its own and unassigned cases"
        );
        assert_eq!(
            get(&format!("/api/v1/cases/{theirs}"), Some(&team)).0,
            404,
            "{backend}: another team's restricted case"
        );
        assert_eq!(get(&format!("/api/v1/cases/{ours}"), Some(&team)).0, 200);

        // A read of a restricted case is an event naming the token.
        let (s, _, text) = get(&format!("/api/v1/cases/{theirs}"), Some(&all));
        assert_eq!(s, 200, "{text}");
        let d = block(r.show_case(now, "check", &theirs)).unwrap();
        let reads: Vec<&str> = d
            .events
            .iter()
            .filter(|e| e.kind == "case.read")
            .map(|e| e.actor.as_str())
            .collect();
        assert!(
            reads.iter().any(|a| a.starts_with("token:TK-")),
            "{backend}: {reads:?}"
        );
        assert_eq!(block(r.verify(None)).unwrap().problem, None);
    }
}

#[test]
fn the_public_pages_work_without_javascript_and_refuse_forged_forms() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, r, base) in servers("pages", dir.path(), Config::default()) {
        let a = agent();
        // Every response, the 404 included, carries the security headers.
        for path in [
            "/",
            "/report",
            "/register",
            "/no/such/page",
            "/static/../Cargo.toml",
            "/report/..%2F..%2Fetc%2Fpasswd",
        ] {
            let (s, h, _) = body(a.get(&format!("{base}{path}")).call().unwrap());
            assert!(matches!(s, 200 | 404), "{path}: {s}");
            assert_eq!(h["content-security-policy"], baseline_server::CSP, "{path}");
            assert_eq!(h["x-content-type-options"], "nosniff");
            if path.contains("..") {
                assert_eq!(s, 404, "{backend} {path}");
            }
        }
        let (s, h, html) = body(a.get(&format!("{base}/report")).call().unwrap());
        assert_eq!(s, 200);
        let cookie = h["set-cookie"].to_str().unwrap().to_owned();
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!html.contains("<script"), "no JavaScript");
        assert!(html.contains(r#"<label for="brand">Brand</label>"#));
        let csrf = cookie
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_owned();
        assert!(html.contains(&format!(r#"name="csrf" value="{csrf}""#)));
        let form = |csrf_field: &str, cookie: Option<&str>, brand: &str| {
            let mut req = a
                .post(&format!("{base}/report"))
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(c) = cookie {
                req = req.header("cookie", &format!("baseline_csrf={c}"));
            }
            body(req.send(format!("csrf={csrf_field}&brand={brand}&model=Cam+2&description=admin%2Fadmin&source=consumer")).unwrap())
        };
        let before = block(r.list_allegations(false)).unwrap().len();
        assert_eq!(
            form("", Some(&csrf), "Acme").0,
            403,
            "{backend}: no CSRF token in the form"
        );
        assert_eq!(
            form(&csrf, None, "Acme").0,
            403,
            "{backend}: no CSRF cookie"
        );
        assert_eq!(
            form(&"0".repeat(64), Some(&csrf), "Acme").0,
            403,
            "{backend}: tokens differ"
        );
        assert_eq!(block(r.list_allegations(false)).unwrap().len(), before);
        let (s, _, html) = form(&csrf, Some(&csrf), "");
        assert_eq!(s, 422);
        assert!(
            html.contains("There is a problem")
                && html.contains(r##"<a href="#brand">Enter the product&#39;s brand</a>"##),
            "{html}"
        );
        assert!(html.contains(r#"aria-invalid="true" aria-describedby="brand-error""#));
        assert!(html.contains(r#"value="Cam 2""#), "what was typed is kept");
        let (s, h, _) = form(&csrf, Some(&csrf), "Acme");
        assert_eq!(s, 303, "{backend}");
        let location = h["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/report/AL-"), "{location}");
        let (s, _, html) = body(a.get(&format!("{base}{location}")).call().unwrap());
        assert_eq!(s, 200);
        assert!(html.contains(&location["/report/".len()..]) && html.contains("Acme Cam 2"));
        assert_eq!(block(r.list_allegations(false)).unwrap().len(), before + 1);

        let (s, _, doc) = body(
            a.get(&format!("{base}/api/v1/openapi.json"))
                .call()
                .unwrap(),
        );
        assert_eq!(s, 200);
        let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        for p in [
            "/api/v1/allegations",
            "/api/v1/allegations/{reference}",
            "/api/v1/cases",
            "/api/v1/cases/{id}",
            "/register.json",
        ] {
            assert!(
                doc["paths"].get(p).is_some(),
                "{p} missing from the OpenAPI document"
            );
        }
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }
}

#[test]
fn the_public_register_publishes_given_notices_of_unrestricted_cases_only() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, r, base) in servers("public", dir.path(), Config::default()) {
        let now = Timestamp::now();
        let seeded = block(baseline_server::demo::seed(&r, now, None))
            .unwrap()
            .unwrap();
        assert!(seeded.token.starts_with("bl_"));
        assert!(
            block(baseline_server::demo::seed(&r, now, None))
                .unwrap()
                .is_none(),
            "seeded once"
        );
        let a = agent();
        let (s, _, text) = body(a.get(&format!("{base}/register.json")).call().unwrap());
        assert_eq!(s, 200);
        let v: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        let kinds: Vec<(&str, &str)> = v
            .iter()
            .map(|a| (a["kind"].as_str().unwrap(), a["notice"].as_str().unwrap()))
            .collect();
        // The compliance notice given, and the penalty; not the notice only sent as intent.
        assert_eq!(
            kinds,
            vec![("compliance", "N-000001"), ("penalty", "P-000001")],
            "{backend}"
        );
        assert_eq!(v[0]["operators"][0], "Demo Devices Ltd (manufacturer)");
        let (s, h, csv) = body(a.get(&format!("{base}/register.csv")).call().unwrap());
        assert_eq!(s, 200);
        assert!(h["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(csv.starts_with("given_at,kind,notice,operators,product,breaches,amount\r\n"));
        assert_eq!(csv.lines().count(), 3, "{csv}");
        let (s, _, html) = body(a.get(&format!("{base}/register")).call().unwrap());
        assert_eq!(s, 200);
        assert!(
            html.contains("compliance notice N-000001")
                && html.contains("penalty notice P-000001: £25,000"),
            "{html}"
        );
        assert!(
            !html.contains("Baby monitor"),
            "a restricted case is not published"
        );
    }
}

/// The value of `name` in a page's `<code>` after `marker`.
fn code_after(html: &str, marker: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let rest = &html[at..];
    let start = rest.find("<code>").unwrap() + "<code>".len();
    let end = rest[start..].find("</code>").unwrap();
    rest[start..start + end].to_owned()
}

#[test]
fn officers_sign_in_with_password_and_totp_and_see_only_what_they_may() {
    use baseline_register::auth::totp_code;
    use baseline_register::people::{NewUser, OperatorRow};
    let dir = tempfile::tempdir().unwrap();
    for (backend, r, base) in servers("signin", dir.path(), Config::default()) {
        let now = Timestamp::now();
        block(async {
            r.add_team(now, "admin", "Connected products")
                .await
                .unwrap();
            r.set_operator(
                now,
                "admin",
                &OperatorRow {
                    legal_name: "Acme Ltd".into(),
                    ..OperatorRow::default()
                },
            )
            .await
            .unwrap();
            r.add_user(
                now,
                "admin",
                &NewUser {
                    email: "officer@opss.example".into(),
                    role: "officer".into(),
                    team: Some("Connected products".into()),
                    ..NewUser::default()
                },
            )
            .await
            .unwrap();
            r.add_user(
                now,
                "admin",
                &NewUser {
                    email: "r@acme.example".into(),
                    role: "respondent".into(),
                    operator: Some("Acme Ltd".into()),
                    ..NewUser::default()
                },
            )
            .await
            .unwrap();
        });
        let open =
            |title: &str, team: Option<&str>, restricted: bool, ops: Vec<(String, String)>| {
                block(r.open_case(
                    now,
                    "admin",
                    &NewCase {
                        title: title.into(),
                        team: team.map(str::to_owned),
                        restricted,
                        operators: ops,
                        ..NewCase::default()
                    },
                ))
                .unwrap()
            };
        let acme = open(
            "Acme camera",
            Some("Connected products"),
            true,
            vec![("Acme Ltd".into(), "manufacturer".into())],
        );
        let other = open("Other router", Some("Connected products"), false, vec![]);
        let a = agent();
        // Enrol from the invitation: the page shows the TOTP key; the code must be current.
        let invitation = block(r.invite(now, "admin", "officer@opss.example")).unwrap();
        let (s, h, html) = body(
            a.get(&format!("{base}/invitation/{invitation}"))
                .call()
                .unwrap(),
        );
        assert_eq!(s, 200, "{backend}");
        let key = code_after(&html, "Enter this key");
        let csrf = h["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_owned();
        let post = |path: &str, form: String, cookies: &str| {
            body(
                a.post(&format!("{base}{path}"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("cookie", cookies)
                    .send(form)
                    .unwrap(),
            )
        };
        let csrf_cookie = format!("baseline_csrf={csrf}");
        let (s, _, html) = post(
            &format!("/invitation/{invitation}"),
            format!(
                "csrf={csrf}&password=short&code={}",
                totp_code(&key, Timestamp::now()).unwrap()
            ),
            &csrf_cookie,
        );
        assert_eq!(s, 422, "{backend}");
        assert!(html.contains("at least 12 characters"));
        let (s, _, html) = post(
            &format!("/invitation/{invitation}"),
            format!("csrf={csrf}&password=a+long+enough+passphrase&code=000000"),
            &csrf_cookie,
        );
        assert!(
            s == 422 && html.contains("not the current one"),
            "{backend}: {s}"
        );
        let enrol_code = totp_code(&key, Timestamp::now()).unwrap();
        let (s, h, _) = post(
            &format!("/invitation/{invitation}"),
            format!("csrf={csrf}&password=a+long+enough+passphrase&code={enrol_code}"),
            &csrf_cookie,
        );
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (303, "/sign-in"),
            "{backend}"
        );
        assert_eq!(
            body(
                a.get(&format!("{base}/invitation/{invitation}"))
                    .call()
                    .unwrap()
            )
            .0,
            410,
            "an invitation works once"
        );

        // Sign in: the password alone is not enough; a code is accepted once.
        let sign_in = |password: &str, code: &str| {
            post(
                "/sign-in",
                format!("csrf={csrf}&email=officer%40opss.example&password={password}&code={code}"),
                &csrf_cookie,
            )
        };
        assert_eq!(
            sign_in("a+long+enough+passphrase", "").0,
            401,
            "{backend}: no code"
        );
        assert_eq!(
            sign_in("a+long+enough+passphrase", &enrol_code).0,
            401,
            "{backend}: the enrolment's code again"
        );
        assert_eq!(
            post(
                "/sign-in",
                "email=officer%40opss.example&password=x&code=1".to_owned(),
                ""
            )
            .0,
            403,
            "no CSRF token"
        );
        // A fresh code: the next step's, which the one step of skew accepts now.
        let code = totp_code(&key, Timestamp::now() + SignedDuration::from_secs(30)).unwrap();
        assert_ne!(code, enrol_code);
        let (s, h, _) = sign_in("a+long+enough+passphrase", &code);
        assert_eq!(s, 303, "{backend}");
        let set = h
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("baseline_session="))
            .unwrap();
        for part in ["HttpOnly", "SameSite=Strict", "Secure"] {
            assert!(set.contains(part), "{set}");
        }
        let session = set.split(';').next().unwrap().to_owned();
        let cookies = format!("{session}; {csrf_cookie}");
        let get = |path: &str, cookies: &str| {
            body(
                a.get(&format!("{base}{path}"))
                    .header("cookie", cookies)
                    .call()
                    .unwrap(),
            )
        };
        let (s, _, html) = get("/cases", &cookies);
        assert_eq!(s, 200, "{backend}");
        assert!(
            html.contains(&format!(r#"<a href="/cases/{acme}">"#))
                && html.contains(&format!(r#"<a href="/cases/{other}">"#))
        );
        assert_eq!(
            get("/cases", &csrf_cookie)
                .1
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned()),
            Some("/sign-in".into()),
            "no session: sign in"
        );
        let (s, _, html) = get(&format!("/cases/{acme}"), &cookies);
        assert!(s == 200 && html.contains("Timeline"), "{backend}");
        let d = block(r.show_case(now, "check", &acme)).unwrap();
        assert!(
            d.events
                .iter()
                .any(|e| e.kind == "case.read" && e.actor == "officer@opss.example"),
            "{backend}: the restricted read is in the chain under the officer"
        );

        // Five failures lock the account, even with the right password afterwards.
        for _ in 0..4 {
            assert_eq!(sign_in("wrong+password+entirely", "123456").0, 401);
        }
        let (s, _, html) = sign_in("wrong+password+entirely", "123456");
        assert!(s == 401 && html.contains("locked until"), "{backend}: {s}");
        let (s, _, html) = sign_in(
            "a+long+enough+passphrase",
            &totp_code(&key, Timestamp::now() + SignedDuration::from_secs(60)).unwrap(),
        );
        assert!(
            s == 401 && html.contains("locked until"),
            "{backend}: a locked account stays locked"
        );

        // Sign out everywhere ends the session.
        assert_eq!(
            post("/sign-out", format!("csrf={csrf}&everywhere=yes"), &cookies).0,
            303
        );
        assert_eq!(
            get("/cases", &cookies).0,
            303,
            "{backend}: the session ended"
        );

        // A respondent sees their operator's case and only its notices; another case is 404.
        let inv = block(r.invite(now, "admin", "r@acme.example")).unwrap();
        let key = block(r.enrolment(now, &inv)).unwrap().totp_base32;
        let first = totp_code(&key, Timestamp::now()).unwrap();
        assert!(
            block(r.enroll(Timestamp::now(), &inv, "respondent passphrase", &first))
                .unwrap()
                .is_ok()
        );
        let later = Timestamp::now() + SignedDuration::from_secs(30);
        let code = totp_code(&key, later).unwrap();
        let secret = block(r.sign_in(later, "r@acme.example", "respondent passphrase", &code))
            .unwrap()
            .unwrap();
        // The same code again is refused: a step is accepted once.
        assert_eq!(
            block(r.sign_in(later, "r@acme.example", "respondent passphrase", &code)).unwrap(),
            Err(baseline_register::auth::Refused::Wrong)
        );
        let cookies = format!("baseline_session={secret}");
        let (s, _, html) = get("/cases", &cookies);
        assert!(
            s == 200 && html.contains(&acme) && !html.contains(&other),
            "{backend}: {html}"
        );
        let (s, _, html) = get(&format!("/cases/{acme}"), &cookies);
        assert!(
            s == 200
                && !html.contains("Timeline")
                && !html.contains("<h2>Evidence</h2>")
                && html.contains("Send the evidence of remedy"),
            "{backend}"
        );
        assert_eq!(
            get(&format!("/cases/{other}"), &cookies).0,
            404,
            "{backend}: someone else's case"
        );
        // Sessions end after 30 idle minutes (and live until then).
        let seen = Timestamp::now();
        assert!(
            block(r.session_user(seen + SignedDuration::from_mins(31), &secret))
                .unwrap()
                .is_none()
        );
        assert_eq!(
            block(r.session_user(seen + SignedDuration::from_mins(29), &secret))
                .unwrap()
                .map(|u| u.email),
            Some("r@acme.example".into())
        );
        assert_eq!(block(r.verify(None)).unwrap().problem, None);
    }
}
