//! Helpers shared by the register's integration tests.

#![allow(dead_code)] // each test file uses its own part

use baseline_register::register::NewCase;
use baseline_register::{time, Register};
use jiff::Timestamp;

pub fn t(s: &str) -> Timestamp {
    time::parse(s, "test").unwrap()
}

pub fn pg_url() -> String {
    std::env::var("BASELINE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Registers to run a test on: SQLite always, PostgreSQL when reachable.
pub async fn registers(test: &str, dir: &std::path::Path) -> Vec<(String, Register)> {
    sqlx::any::install_default_drivers();
    let key = baseline_register::chain::new_key();
    let sqlite = Register::open(dir.join("r.db").to_str().unwrap(), Some(key.clone()))
        .await
        .unwrap();
    let mut out = vec![("sqlite".to_owned(), sqlite)];
    let schema = format!("t_{test}");
    // A fresh schema per test run: what an earlier run left is dropped first.
    if let Ok(pool) = sqlx::AnyPool::connect(&pg_url()).await {
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    match Register::open_in_schema(&pg_url(), &schema, Some(key)).await {
        Ok(r) => out.push(("postgres".to_owned(), r)),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL not reachable in CI: {e}"
            );
            #[allow(clippy::print_stderr)]
            {
                eprintln!("PostgreSQL not reachable ({e}); testing SQLite only");
            }
        }
    }
    out
}

pub fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

pub fn new_case() -> NewCase {
    NewCase {
        title: "Camera with a fixed root password".into(),
        operators: vec![("Acme Devices Ltd".into(), "manufacturer".into())],
        ..NewCase::default()
    }
}

/// Run SQL directly against the register's database, as someone with database access would.
pub async fn tamper(r: &Register, sql: &str) {
    sqlx::query(sql).execute(&r.db_pool()).await.unwrap();
}
