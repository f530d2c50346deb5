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
