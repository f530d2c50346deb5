//! Helpers shared by the server's HTTP tests: one runtime, a served register per back end
//! (SQLite, and PostgreSQL at `BASELINE_TEST_POSTGRES`, default the machine's `test`
//! database, schema `s_http_*`), and a client that reports statuses instead of failing.
#![allow(dead_code)] // each test file uses its own part

use baseline_register::Register;
use baseline_server::{AppState, Config};
use std::net::SocketAddr;

pub fn pg_url() -> String {
    std::env::var("BASELINE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// One runtime for the servers and the tests' own calls into the register (a pool's
/// connections belong to the runtime that opened them).
pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

pub fn block<F: std::future::Future>(f: F) -> F::Output {
    rt().block_on(f)
}

/// A served register per back end: (name, register, base URL). The servers run until the
/// test process ends.
pub fn servers(
    test: &str,
    dir: &std::path::Path,
    config: Config,
) -> Vec<(String, Register, String)> {
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
pub fn declared_post(base: &str, path: &str, len: usize) -> u16 {
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

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

pub fn body(mut r: ureq::http::Response<ureq::Body>) -> (u16, ureq::http::HeaderMap, String) {
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

/// Status, headers and the body's bytes.
pub fn body_bytes(
    mut r: ureq::http::Response<ureq::Body>,
) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r
        .body_mut()
        .with_config()
        .limit(20 << 20)
        .read_to_vec()
        .unwrap_or_default();
    (status, headers, bytes)
}
