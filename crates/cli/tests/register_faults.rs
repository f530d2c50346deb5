//! Faults, from the command line, on SQLite and PostgreSQL: several processes writing the same
//! register at once lose nothing and keep one chain; a process killed (SIGKILL) in the middle
//! of a command leaves the register as it was before the command, or with the command whole.

use assert_cmd::cargo::CommandCargoExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn pg_url() -> String {
    std::env::var("BASELINE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A SQLite file, and a fresh PostgreSQL database when the server answers (required in CI).
fn databases(dir: &Path, name: &str) -> Vec<String> {
    let mut out = vec![dir.join(format!("{name}.db")).display().to_string()];
    let admin = pg_url();
    let db = format!("baseline_faults_{name}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ok = rt.block_on(async {
        sqlx::any::install_default_drivers();
        let Ok(pool) = sqlx::AnyPool::connect(&admin).await else {
            return false;
        };
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .execute(&pool)
            .await;
        sqlx::query(&format!("CREATE DATABASE {db}"))
            .execute(&pool)
            .await
            .is_ok()
    });
    if ok {
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        out.push(format!("{base}/{db}"));
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL not reachable in CI"
        );
    }
    out
}

fn baseline(db: &str, key: &Path) -> Command {
    let mut c = Command::cargo_bin("baseline").unwrap();
    c.env_remove("BASELINE_DATABASE")
        .args(["case", "--database", db, "--now", "2027-01-04T10:00:00Z"])
        .arg("--key")
        .arg(key)
        .stdin(Stdio::null());
    c
}

fn ok(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn verify(db: &str, key: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(baseline(db, key).args(["verify", "--format", "json"]))).unwrap()
}

#[test]
fn four_processes_writing_at_once_lose_nothing_and_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path(), "concurrent") {
        let key = dir.path().join(format!("c{}.key", db.len()));
        ok(Command::cargo_bin("baseline")
            .unwrap()
            .args(["register", "init", "--database", &db])
            .arg("--key")
            .arg(&key));
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let (db, key) = (db.clone(), key.clone());
                std::thread::spawn(move || {
                    let mut ids = Vec::new();
                    for i in 0..8 {
                        ids.push(ok(baseline(&db, &key).args([
                            "open",
                            "--title",
                            &format!("worker {w} case {i}"),
                        ])));
                    }
                    ids
                })
            })
            .collect();
        let mut ids: Vec<String> = workers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 32, "{db}: a case id was given twice");
        let v = verify(&db, &key);
        assert_eq!(v["events"], 32, "{db}");
        assert_eq!(v["problem"], serde_json::Value::Null, "{db}");
    }
}

#[test]
fn a_process_killed_mid_command_leaves_the_register_whole() {
    let dir = tempfile::tempdir().unwrap();
    // Large enough that adding it takes a while (hashing, writing the blob, committing).
    let big = dir.path().join("big.bin");
    let mut data = vec![0u8; 32 << 20];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for chunk in data.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    for db in databases(dir.path(), "killed") {
        let key = dir.path().join(format!("k{}.key", db.len()));
        ok(Command::cargo_bin("baseline")
            .unwrap()
            .args(["register", "init", "--database", &db])
            .arg("--key")
            .arg(&key));
        let case = ok(baseline(&db, &key).args(["open", "--title", "killed writers"]));
        // How long one whole command takes, to kill the others at points across it.
        let started = Instant::now();
        std::fs::write(&big, &data).unwrap();
        ok(baseline(&db, &key).args([
            "evidence",
            "add",
            &case,
            big.to_str().unwrap(),
            "--kind",
            "firmware",
        ]));
        let whole = started.elapsed();
        let mut killed_before_commit = 0;
        for k in 0..6u8 {
            // A different file each time (its hash is new to the register).
            data[0] = k.wrapping_add(1);
            std::fs::write(&big, &data).unwrap();
            let before = verify(&db, &key);
            let mut child = baseline(&db, &key)
                .args([
                    "evidence",
                    "add",
                    &case,
                    big.to_str().unwrap(),
                    "--kind",
                    "firmware",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(whole.mul_f64(f64::from(k) / 6.0));
            let _ = child.kill(); // SIGKILL
            let status = child.wait().unwrap();
            let after = verify(&db, &key);
            assert_eq!(
                after["problem"],
                serde_json::Value::Null,
                "{db}: kill {k} broke the register"
            );
            let (b, a) = (
                before["events"].as_i64().unwrap(),
                after["events"].as_i64().unwrap(),
            );
            assert!(
                a == b || a == b + 1,
                "{db}: kill {k}: {b} events before, {a} after"
            );
            assert_eq!(
                after["evidence"].as_i64().unwrap() - before["evidence"].as_i64().unwrap(),
                a - b,
                "{db}: kill {k}: an event without its evidence, or evidence without its event"
            );
            if a == b && !status.success() {
                killed_before_commit += 1;
            }
        }
        assert!(
            killed_before_commit >= 2,
            "{db}: only {killed_before_commit} of 6 kills landed mid-command; the test proves nothing"
        );
        // And the register still takes writes.
        ok(baseline(&db, &key).args(["open", "--title", "after the kills"]));
        assert_eq!(verify(&db, &key)["problem"], serde_json::Value::Null);
    }
}

fn sweep_cmd(db: &str, args: &[&str]) -> Command {
    let mut c = Command::cargo_bin("baseline").unwrap();
    c.env_remove("BASELINE_DATABASE")
        .arg("sweep")
        .args(args)
        .args(["--database", db])
        .stdin(Stdio::null());
    c
}

fn sweep_status(db: &str, id: &str) -> serde_json::Value {
    serde_json::from_str(&ok(&mut sweep_cmd(db, &["status", id, "--format", "json"]))).unwrap()
}

/// `SELECT` a list of (worker, attempts, status) of the sweep jobs, and the results' count.
fn jobs_and_results(db: &str) -> (Vec<(Option<String>, i64, String)>, i64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let (backend, url) = baseline_register::db::url_of(db);
        let url = if backend == baseline_register::db::Backend::Sqlite {
            format!("{url}?mode=ro")
        } else {
            url
        };
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let jobs: Vec<(Option<String>, i64, String)> = sqlx::query_as(
            "SELECT worker, attempts, status FROM jobs WHERE kind = 'sweep-assess' ORDER BY attempts DESC, id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let results: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM image_results")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        (jobs, results.0)
    })
}

#[test]
fn a_worker_killed_mid_job_leaves_it_to_another_and_the_sweep_ends_with_one_result_per_image() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tplink = root.join("../shared/corpus/firmware/tplink-tl-wr841n-v10-3.16.9.bin");
    if !tplink.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the corpus is needed in CI"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = root.join("examples/demo-firmware.bin");
    let manifest = dir.path().join("m.jsonl");
    std::fs::write(
        &manifest,
        format!(
            "{{\"brand\":\"TP-Link\",\"model\":\"TL-WR841N\",\"firmware\":[{tp:?}]}}\n\
             {{\"brand\":\"Rebadge\",\"model\":\"R1\",\"firmware\":[{tp:?}]}}\n\
             {{\"brand\":\"Acme\",\"model\":\"Demo\",\"firmware\":[{demo:?}]}}\n",
            tp = tplink.display().to_string(),
            demo = demo.display().to_string()
        ),
    )
    .unwrap();
    for db in databases(dir.path(), "sweepkill") {
        let id = ok(&mut sweep_cmd(&db, &["submit", manifest.to_str().unwrap()]));
        assert_eq!(
            sweep_status(&db, &id)["queued"],
            2,
            "{db}: two distinct images"
        );
        let mut a = Command::cargo_bin("baseline")
            .unwrap()
            .env_remove("BASELINE_DATABASE")
            .args([
                "worker",
                "--database",
                &db,
                "--name",
                "A",
                "--idle-seconds",
                "1",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill A with SIGKILL while it holds a job.
        let start = Instant::now();
        loop {
            let st = sweep_status(&db, &id);
            if st["running"] == 1 {
                break;
            }
            assert!(
                st["done"].as_i64().unwrap() < 2 && start.elapsed().as_secs() < 120,
                "{db}: never saw A holding a job: {st}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        a.kill().unwrap();
        a.wait().unwrap();
        let st = sweep_status(&db, &id);
        assert_eq!(
            st["running"], 1,
            "{db}: the dead worker's lease still holds: {st}"
        );
        // Another worker, whose clock is past the dead one's lease, takes the job and the rest.
        ok(Command::cargo_bin("baseline")
            .unwrap()
            .env_remove("BASELINE_DATABASE")
            .args(["worker", "--database", &db, "--name", "B", "--drain"])
            .args(["--clock-offset", "2m"])
            .stdin(Stdio::null()));
        let st = sweep_status(&db, &id);
        assert_eq!(
            (
                st["done"].as_i64(),
                st["running"].as_i64(),
                st["queued"].as_i64(),
                st["failed"].as_i64()
            ),
            (Some(2), Some(0), Some(0), Some(0)),
            "{db}: {st}"
        );
        let (jobs, results) = jobs_and_results(&db);
        assert_eq!(results, 2, "{db}: exactly one result per image");
        assert_eq!(jobs.len(), 2, "{db}: no job lost or added");
        assert_eq!(
            (jobs[0].0.as_deref(), jobs[0].1, jobs[0].2.as_str()),
            (Some("B"), 2, "done"),
            "{db}: the killed job, claimed a second time, by B"
        );
        assert_eq!(jobs[1].2, "done");
        // Cases for the failing products, twice: no duplicate.
        let first = ok(&mut sweep_cmd(&db, &["cases", &id]));
        let opened = first.matches(" opened").count();
        assert!(
            opened >= 2,
            "{db}: the two TP-Link listings fail sch1-p1: {first}"
        );
        let again = ok(&mut sweep_cmd(&db, &["cases", &id]));
        assert_eq!(
            again.matches("(already open)").count(),
            opened,
            "{db}: {again}"
        );
    }
}
