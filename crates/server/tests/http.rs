//! `baseline serve` over real HTTP on loopback, on SQLite and on PostgreSQL
//! (`BASELINE_TEST_POSTGRES`, default the machine's `test` database, schema `s_http_*`): the
//! fixed points of the API, and each protection shown refusing.

use baseline_register::register::NewCase;
use baseline_register::Register;
use baseline_server::{AppState, Config};
use jiff::{SignedDuration, Timestamp};
use std::net::SocketAddr;

fn pg_url() -> String {
    std::env::var("BASELINE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// One runtime for the servers and the tests' own calls into the register (a pool's
/// connections belong to the runtime that opened them).
fn rt() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    rt().block_on(f)
}

/// A served register per back end: (name, register, base URL). The servers run until the
/// test process ends.
fn servers(test: &str, dir: &std::path::Path, config: Config) -> Vec<(String, Register, String)> {
    block(async move {
        sqlx::any::install_default_drivers();
        let key = baseline_register::chain::new_key();
        let mut regs = vec![(
            "sqlite".to_owned(),
            Register::open(dir.join("r.db").to_str().unwrap(), Some(key.clone()))
                .await
                .unwrap(),
        )];
        let schema = format!("s_http_{test}");
        if let Ok(pool) = sqlx::AnyPool::connect(&pg_url()).await {
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
        match Register::open_in_schema(&pg_url(), &schema, Some(key)).await {
            Ok(r) => regs.push(("postgres".to_owned(), r)),
            Err(e) => assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL not reachable in CI: {e}"
            ),
        }
        let mut out = Vec::new();
        for (name, r) in regs {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr: SocketAddr = listener.local_addr().unwrap();
            let app = baseline_server::app(AppState::new(r.clone(), config.clone()));
            tokio::spawn(async move {
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .await
            });
            out.push((name, r, format!("http://{addr}")));
        }
        out
    })
}

/// Announce a body of `len` bytes with `Expect: 100-continue` and read the answer without
/// sending it (a server that refuses by the declared length answers at once).
fn declared_post(base: &str, path: &str, len: usize) -> u16 {
    use std::io::{Read as _, Write as _};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(s, "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nExpect: 100-continue\r\n\r\n").unwrap();
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

fn body(mut r: ureq::http::Response<ureq::Body>) -> (u16, ureq::http::HeaderMap, String) {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r
        .body_mut()
        .with_config()
        .limit(20 << 20)
        .read_to_string()
        .unwrap_or_default();
    (status, headers, text)
}

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
