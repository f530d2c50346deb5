//! Register throughput and the two figures issue 16 sets goals for, on SQLite and (when
//! `BASELINE_BENCH_POSTGRES` names a server URL) PostgreSQL:
//!
//! - `open_case`, `add_evidence` (4 KiB items) and event appends (reads of a restricted case)
//!   per second through the API, one transaction each;
//! - `verify` of a register of `BASELINE_BENCH_EVENTS` events (default 1,000,000; goal under
//!   10 s), the chain written in bulk with correct hashes (what a register of that age holds);
//! - listing a page of 100 cases with a status filter out of 100,000 cases (goal under 50 ms
//!   on PostgreSQL), median of 11.
//!
//! `cargo bench -p baseline-register --bench register`. Not a test: nothing is asserted
//! but that verification succeeds.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use baseline_register::chain;
use baseline_register::register::{NewCase, NewEvidence};
use baseline_register::Register;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn bulk_events(r: &Register, n: i64) {
    let pool = r.db_pool();
    let at = "2027-01-04T10:00:00Z";
    let mut prev = chain::GENESIS.to_owned();
    let mut seq = 0i64;
    while seq < n {
        let mut tx = pool.begin().await.unwrap();
        let mut sql = String::from(
            "INSERT INTO events (seq, at, actor, case_id, kind, body, prev_hash, hash) VALUES ",
        );
        let batch = (n - seq).min(500);
        for i in 0..batch {
            seq += 1;
            let case = format!("CASE-{:06}", seq % 5000 + 1);
            let body = chain::canonical(&serde_json::json!({"note": "bench", "n": seq}));
            let hash = chain::hash(&prev, seq, at, "bench", Some(&case), "case.note", &body);
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({seq}, '{at}', 'bench', '{case}', 'case.note', '{body}', '{prev}', '{hash}')"
            ));
            prev = hash;
        }
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    sqlx::query("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&prev)
        .execute(&pool)
        .await
        .unwrap();
}

async fn bulk_cases(r: &Register, n: i64) {
    let pool = r.db_pool();
    let others = ["triage", "outcome", "closed"];
    let mut done = 0i64;
    while done < n {
        let mut sql = String::from("INSERT INTO cases (id, title, status, outcome, product_id, team, restricted, opened_at, updated_at) VALUES ");
        let batch = (n - done).min(1000);
        for i in 0..batch {
            done += 1;
            if i > 0 {
                sql.push(',');
            }
            // One in ten is under investigation: the filter selects 10,000 rows.
            let status = if done % 10 == 0 {
                "investigation"
            } else {
                others[(done % 3) as usize]
            };
            sql.push_str(&format!("('BULK-{done:07}', 'case {done}', '{status}', NULL, NULL, NULL, 0, '2027-01-04T10:00:00Z', '2027-01-04T10:00:00Z')"));
        }
        sqlx::query(&sql).execute(&pool).await.unwrap();
    }
}

async fn run(label: &str, r: Register, events: i64) {
    let now = baseline_register::time::parse("2027-01-04T10:00:00Z", "now").unwrap();
    let n = 200;
    let t = Instant::now();
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            r.open_case(
                now,
                "bench",
                &NewCase {
                    title: format!("case {i}"),
                    restricted: i == 0,
                    ..NewCase::default()
                },
            )
            .await
            .unwrap(),
        );
    }
    let open = t.elapsed();
    let mut blob = vec![0u8; 4096];
    let t = Instant::now();
    for i in 0..n {
        blob[..8].copy_from_slice(&(i as u64).to_le_bytes());
        r.add_evidence(
            now,
            "bench",
            &ids[(i as usize) % ids.len()],
            &NewEvidence {
                data: &blob,
                name: "e.bin",
                kind: "other",
                origin: "bench",
            },
        )
        .await
        .unwrap();
    }
    let evidence = t.elapsed();
    let t = Instant::now();
    for _ in 0..n {
        r.show_case(now, "bench", &ids[0]).await.unwrap();
    }
    let reads = t.elapsed();
    let per_s = |d: Duration| f64::from(n) / d.as_secs_f64();
    println!("{label}: open_case {:.0}/s, add_evidence (4 KiB) {:.0}/s, event append (restricted read) {:.0}/s", per_s(open), per_s(evidence), per_s(reads));

    // A fresh register for the large figures.
    let pool = r.db_pool();
    for table in ["events", "checkpoints", "evidence", "blobs", "cases"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    let t = Instant::now();
    bulk_events(&r, events).await;
    println!(
        "{label}: wrote {events} events in bulk in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let v = r.verify(None).await.unwrap();
        times.push(t.elapsed());
        assert_eq!((v.events, v.problem), (events, None));
    }
    println!(
        "{label}: verify {events} events: median {:.2} s of 3 (goal < 10 s for 1,000,000)",
        median(times).as_secs_f64()
    );
    bulk_cases(&r, 100_000).await;
    let mut times = Vec::new();
    for _ in 0..11 {
        let t = Instant::now();
        let page = r.list_cases(Some("investigation"), 100).await.unwrap();
        times.push(t.elapsed());
        assert_eq!(page.len(), 100);
    }
    println!("{label}: list 100 of 100,000 cases filtered by status: median {:.2} ms of 11 (goal < 50 ms on PostgreSQL)", median(times).as_secs_f64() * 1e3);
}

fn main() {
    let events: i64 = std::env::var("BASELINE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bench.db");
        let r = Register::open(db.to_str().unwrap(), Some(chain::new_key()))
            .await
            .unwrap();
        run("sqlite", r, events).await;
        if let Ok(url) = std::env::var("BASELINE_BENCH_POSTGRES") {
            if let Ok(pool) = sqlx::AnyPool::connect(&url).await {
                sqlx::query("DROP SCHEMA IF EXISTS bench CASCADE")
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            let r = Register::open_in_schema(&url, "bench", Some(chain::new_key()))
                .await
                .unwrap();
            run("postgres", r, events).await;
        }
    });
}
