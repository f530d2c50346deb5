//! The job queue's own cost per job, on SQLite and (when `BASELINE_BENCH_POSTGRES` names a
//! server URL) PostgreSQL: a sweep of `BASELINE_BENCH_JOBS` tiny distinct images (default
//! 2,000) is submitted, then each job is claimed and ended (`claim` then `fail_job`: the two
//! statements every job costs besides its work and its result), one worker; median and mean
//! per job. Issue 18's goal: under 2 ms, so that the assessment, not the queue, is the cost.
//! Then the same number of jobs worked end to end by `work_one` (assessment of a 20-byte image,
//! its result written) for scale.
//!
//! `cargo bench -p baseline-register --bench queue`. Not a test: nothing is asserted.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use baseline_register::Register;
use std::time::{Duration, Instant};

async fn run(name: &str, r: Register, dir: &std::path::Path, n: usize) {
    let manifest: String = (0..n)
        .map(|i| {
            format!(
                "{{\"brand\":\"B{}\",\"model\":\"M{i}\",\"firmware\":[\"t{i}.bin\"]}}\n",
                i % 7
            )
        })
        .collect();
    let now = jiff::Timestamp::now();
    let t0 = Instant::now();
    r.submit_sweep(now, "bench", "queue", &manifest, "m.jsonl", dir)
        .await
        .unwrap();
    let submit = t0.elapsed();
    let mut per = Vec::with_capacity(n);
    let t0 = Instant::now();
    loop {
        let t = Instant::now();
        let Some(job) = r.claim(now, "bench").await.unwrap() else {
            break;
        };
        r.fail_job(now, &job.id, "bench", "bench").await.unwrap();
        per.push(t.elapsed());
    }
    let total = t0.elapsed();
    per.sort();
    let median = per[per.len() / 2];
    let p99 = per[per.len() * 99 / 100];
    println!(
        "{name}: submit of {n} images {:.2} s; claim + end per job: median {:.3} ms, p99 {:.3} ms, mean {:.3} ms ({} jobs)",
        submit.as_secs_f64(),
        ms(median),
        ms(p99),
        ms(total) / per.len() as f64,
        per.len()
    );
    // End to end: the same images again under a new sweep (the failed ones are queued again).
    r.submit_sweep(now, "bench", "queue again", &manifest, "m.jsonl", dir)
        .await
        .unwrap();
    let clock = || jiff::Timestamp::now();
    let t0 = Instant::now();
    let mut done = 0usize;
    while let baseline_register::jobs::Worked::Ended(_) = r.work_one("bench", &clock).await.unwrap()
    {
        done += 1;
    }
    let total = t0.elapsed();
    println!(
        "{name}: work_one end to end (claim, assess a 20-byte image, write its result and end): {:.2} ms per job ({done} jobs, {:.1} jobs/s)",
        ms(total) / done.max(1) as f64,
        done as f64 / total.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let n: usize = std::env::var("BASELINE_BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        std::fs::write(
            dir.path().join(format!("t{i}.bin")),
            format!("tiny image {i:08}"),
        )
        .unwrap();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let r = Register::open(dir.path().join("q.db").to_str().unwrap(), None)
            .await
            .unwrap();
        run("sqlite", r, dir.path(), n).await;
        if let Ok(url) = std::env::var("BASELINE_BENCH_POSTGRES") {
            if let Ok(pool) = sqlx::AnyPool::connect(&url).await {
                sqlx::query("DROP SCHEMA IF EXISTS bench_queue CASCADE")
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            let r = Register::open_in_schema(&url, "bench_queue", None)
                .await
                .unwrap();
            run("postgres", r, dir.path(), n).await;
        }
    });
}
