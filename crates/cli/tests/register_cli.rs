//! `baseline register` / `baseline case` from the command line, on SQLite and on the
//! PostgreSQL server (`BASELINE_TEST_POSTGRES`, default the machine's `test` database): the
//! issue's whole flow, the exit codes (1 refused by a rule, 2 input error) and `verify`
//! catching a row edited in the database.

use assert_cmd::Command;
use sha2::Digest as _;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pg_url() -> String {
    std::env::var("BASELINE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// The databases to run on: a SQLite file, and a fresh PostgreSQL database when the server
/// answers (required in CI).
fn databases(dir: &Path, name: &str) -> Vec<String> {
    let mut out = vec![dir.join("register.db").display().to_string()];
    let admin = pg_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = format!("baseline_cli_{name}");
    let ok = rt.block_on(async {
        sqlx::any::install_default_drivers();
        let Ok(pool) = sqlx::AnyPool::connect(&admin).await else {
            return false;
        };
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db}"))
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

fn case(db: &str, key: &Path, now: &str) -> Command {
    let mut c = Command::cargo_bin("baseline").unwrap();
    c.current_dir(root())
        .env_remove("BASELINE_DATABASE")
        .args([
            "case",
            "--database",
            db,
            "--now",
            now,
            "--actor",
            "officer@opss",
        ])
        .arg("--key")
        .arg(key);
    c
}

fn stdout(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn allegation_to_closed_case_from_the_cli_on_both_back_ends() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path(), "flow") {
        let key = dir.path().join(format!("{}.key", db.len()));
        let mut init = Command::cargo_bin("baseline").unwrap();
        init.args(["register", "init", "--database", &db])
            .arg("--key")
            .arg(&key);
        let out = stdout(&mut init);
        let ready = format!("ready (schema {})", baseline_register::db::SCHEMA_VERSION);
        assert!(out.contains(&ready), "{out}");
        let register = |args: &[&str]| {
            let mut c = Command::cargo_bin("baseline").unwrap();
            c.arg("register")
                .args(args)
                .args(["--database", &db, "--now", "2027-01-04T09:00:00Z"])
                .arg("--key")
                .arg(&key);
            stdout(&mut c)
        };
        assert_eq!(
            register(&[
                "operator",
                "Demo Devices Ltd",
                "--company-number",
                "09999999",
                "--address",
                "2 Example Road, Leeds",
                "--country",
                "GB"
            ]),
            "OP-000001 Demo Devices Ltd"
        );
        register(&["team", "add", "Connected products"]);
        register(&[
            "user",
            "add",
            "--email",
            "officer@opss.gov.uk",
            "--role",
            "officer",
            "--team",
            "Connected products",
        ]);
        assert!(register(&["user", "list"]).contains("officer@opss.gov.uk"));

        let t0 = "2027-01-04T10:00:00Z";
        let reference = stdout(case(&db, &key, t0).args([
            "allegation",
            "add",
            "--source",
            "consumer",
            "--brand",
            "Demo Devices",
            "--model",
            "DR-1",
            "--description",
            "The router's root password is the same on every unit.",
        ]));
        assert!(reference.starts_with("AL-"), "{reference}");
        let id = stdout(case(&db, &key, t0).args([
            "open",
            "--allegation",
            &reference,
            "--title",
            "Demo router: fixed root password (consumer allegation)",
            "--product",
            "examples/demo-product.toml",
            "--operator",
            "Demo Devices Ltd",
            "--role",
            "manufacturer",
            "--team",
            "Connected products",
        ]));
        assert_eq!(id, "CASE-000001", "{db}");
        let out = stdout(case(&db, &key, t0).args([
            "assess",
            &id,
            "examples/demo-firmware.bin",
            "--product",
            "examples/demo-product.toml",
            "--format",
            "json",
        ]));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let report = v["assessment"].as_str().unwrap().to_owned();
        assert_eq!(
            v["psti_failures"],
            serde_json::json!(["psti:sch1-p1"]),
            "{db}"
        );

        let n = stdout(case(&db, &key, t0).args([
            "notice",
            "draft",
            &id,
            "--kind",
            "compliance",
            "--breach",
            "psti:sch1-p1",
            "--evidence",
            &report,
            "--reasons",
            "A fixed root password hash in the firmware.",
            "--comply-by",
            "2027-03-01",
            "--steps",
            "Supply firmware that makes the user set the password.",
            "--basis",
            &format!("{}/psti:sch1-p1", &report[..12]),
        ]));
        assert_eq!(n, "N-000001");
        // A basis that is not a failed verdict of the case's assessment: exit 2.
        let out = case(&db, &key, t0)
            .args([
                "notice",
                "draft",
                &id,
                "--kind",
                "compliance",
                "--breach",
                "psti:sch1-p1",
                "--reasons",
                "r",
                "--basis",
                &format!("{report}/psti:sch1-p3"),
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Issuing before the notice of intent: refused by s. 28(5), exit 1.
        let out = case(&db, &key, t0)
            .args(["notice", "issue", &id, &n])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("refused: s. 28(5):"));
        stdout(case(&db, &key, t0).args(["notice", "intent", &id, &n]));
        let out = case(&db, &key, "2027-01-13T10:00:00Z")
            .args(["notice", "issue", &id, &n])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            "refused: s. 28(6): the representations period ends 2027-01-14T10:00:00Z"
        );
        let tasks: serde_json::Value =
            serde_json::from_str(&stdout(case(&db, &key, "2027-01-15").args([
                "task",
                "list",
                "--overdue",
                "--format",
                "json",
            ])))
            .unwrap();
        assert_eq!(
            tasks[0]["title"],
            "Consider the representations on N-000001 (the period ends 2027-01-14T10:00:00Z)",
            "{db}"
        );
        stdout(case(&db, &key, "2027-01-14T10:00:00Z").args([
            "task",
            "done",
            &id,
            tasks[0]["id"].as_str().unwrap(),
            "--note",
            "none received",
        ]));
        stdout(case(&db, &key, "2027-01-14T10:00:00Z").args(["notice", "issue", &id, &n]));
        let pdf = dir.path().join("notice.pdf");
        let mut render = case(&db, &key, "2027-06-01");
        render.args(["notice", "render", &id, &n, "-o"]).arg(&pdf);
        stdout(&mut render);
        let pdf = std::fs::read(&pdf).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let html = stdout(case(&db, &key, "2027-06-01").args(["notice", "render", &id, &n]));
        for want in [
            "Given on 2027-01-14.",
            "Demo Devices Ltd (manufacturer), company number 09999999, 2 Example Road, Leeds, GB",
            "verdict psti:sch1-p1 — fail",
            "by 2027-03-01T00:00:00Z",
            "Supply firmware that makes the user set the password.",
            report.as_str(),
        ] {
            assert!(html.contains(want), "{db}: no `{want}` in\n{html}");
        }
        let p = stdout(case(&db, &key, "2027-02-01").args([
            "penalty",
            &id,
            "--breach",
            "psti:sch1-p1",
            "--amount",
            "250000",
            "--worldwide-revenue",
            "80000000",
            "--reasons",
            "The failure went on after the compliance notice.",
        ]));
        assert_eq!(p, "P-000001");
        let json: serde_json::Value = serde_json::from_str(&stdout(
            case(&db, &key, "2027-02-01").args(["notice", "render", &id, &p, "--as", "json"]),
        ))
        .unwrap();
        assert_eq!(json["penalty"]["amount"], "£250,000");
        assert_eq!(json["penalty"]["payment_due"], "2027-03-01T00:00:00Z");
        stdout(case(&db, &key, "2027-02-05").args(["appeal", &id, &n, "--lodged", "2027-02-03"]));
        stdout(case(&db, &key, "2027-03-01").args([
            "close",
            &id,
            "--outcome",
            "penalty",
            "--reason",
            "paid; firmware 1.2 removes the account",
        ]));
        let show: serde_json::Value = serde_json::from_str(&stdout(
            case(&db, &key, "2027-03-01").args(["show", &id, "--format", "json"]),
        ))
        .unwrap();
        assert_eq!(show["case"]["status"], "closed");
        assert_eq!(show["notices"][0]["status"], "issued");
        let given = show["notices"][0]["issued_pdf"].as_str().unwrap();
        assert_eq!(
            given,
            hex::encode(sha2::Sha256::digest(&pdf)),
            "the PDF written is the one given"
        );
        // The report, the image, and HTML and PDF of the notice of intent, the notice given
        // and the penalty notice.
        assert_eq!(show["evidence"].as_array().unwrap().len(), 8);
        let kinds: Vec<&str> = show["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "case.opened",
                "evidence.added",
                "evidence.added",
                "notice.drafted",
                "evidence.added",
                "evidence.added",
                "notice.intent",
                "task.added",
                "task.done",
                "evidence.added",
                "evidence.added",
                "notice.issued",
                "task.added",
                "evidence.added",
                "evidence.added",
                "penalty.given",
                "task.added",
                "appeal.lodged",
                "case.closed"
            ],
            "{db}"
        );
        let mut cp = Command::cargo_bin("baseline").unwrap();
        cp.args(["register", "checkpoint", "--database", &db])
            .arg("--key")
            .arg(&key);
        stdout(&mut cp);
        let out = stdout(case(&db, &key, "2027-03-01").arg("verify"));
        assert_eq!(
            out, "verified: 23 events, 1 checkpoints, 8 evidence items",
            "{db}"
        );
        // Input errors: exit 2, nothing written.
        let out = case(&db, &key, "2027-03-01")
            .args(["show", "CASE-000404"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            "error: no case CASE-000404"
        );
        let out = case(&db, &key, "2027-03-01")
            .args(["open", "--title", "x", "--product", "Cargo.toml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("Cargo.toml"));
        let out = stdout(case(&db, &key, "2027-03-01").args(["list", "--format", "json"]));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
}

#[test]
fn a_sweep_from_a_csv_manifest_runs_reports_and_opens_cases_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read(root().join("examples/demo-firmware.bin")).unwrap();
    std::fs::write(dir.path().join("a.bin"), &demo).unwrap();
    let mut b = demo.clone();
    b.extend_from_slice(b"rebadged");
    std::fs::write(dir.path().join("b.bin"), &b).unwrap();
    std::fs::write(dir.path().join("c.bin"), b"no firmware here").unwrap();
    let manifest = dir.path().join("market.csv");
    std::fs::write(
        &manifest,
        "brand,model,category,firmware\nAcme,Cam,camera,a.bin\nBolt,Cam B,camera,b.bin\nCalm,Plug,plug,c.bin\n",
    )
    .unwrap();
    for db in databases(dir.path(), "sweep") {
        let sweep = |args: &[&str]| {
            let mut c = Command::cargo_bin("baseline").unwrap();
            c.arg("sweep").args(args).args(["--database", &db]);
            c
        };
        let id = stdout(
            sweep(&["run", manifest.to_str().unwrap(), "--jobs", "2"]).current_dir(dir.path()),
        );
        assert!(id.starts_with("SWEEP-"), "{id}");
        let status: serde_json::Value =
            serde_json::from_str(&stdout(&mut sweep(&["status", &id, "--format", "json"])))
                .unwrap();
        assert_eq!(
            (
                status["done"].as_i64(),
                status["failed"].as_i64(),
                status["images"].as_i64()
            ),
            (Some(3), Some(0), Some(3)),
            "{db}"
        );
        let report: serde_json::Value =
            serde_json::from_str(&stdout(&mut sweep(&["report", &id, "--format", "json"])))
                .unwrap();
        assert_eq!(report["schema"], "baseline/sweep-report/v1");
        let key = report["shared"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "private-key")
            .expect("the demo key is in two brands' images");
        assert_eq!(key["brands"], 2);
        assert_eq!(
            key["products"],
            serde_json::json!([["Acme", "Cam"], ["Bolt", "Cam B"]])
        );
        let csv = stdout(&mut sweep(&["report", &id, "--format", "csv"]));
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("line,brand,model,category,complete,psti_failures,images,case")
        );
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("2,Acme,Cam,camera,true,psti:sch1-p1"),
            "{csv}"
        );
        let html_path = dir.path().join("sweep.html");
        stdout(&mut sweep(&[
            "report",
            &id,
            "--format",
            "html",
            "-o",
            html_path.to_str().unwrap(),
        ]));
        let html = std::fs::read_to_string(&html_path).unwrap();
        assert!(
            html.contains("<svg role=\"img\"") && !html.contains("<script"),
            "{db}"
        );
        assert!(html.contains("Acme Cam; Bolt Cam B"));
        let dry = stdout(&mut sweep(&["cases", &id, "--dry-run"]));
        assert_eq!(dry.lines().count(), 2, "{dry}");
        assert!(dry.contains("would open a case"));
        let cases = stdout(&mut sweep(&["cases", &id]));
        assert_eq!(cases.matches(" opened").count(), 2, "{cases}");
        let again = stdout(&mut sweep(&["cases", &id]));
        assert_eq!(again.matches("(already open)").count(), 2, "{again}");
        // A manifest naming a missing image is refused with its line and field: exit 2.
        std::fs::write(
            dir.path().join("bad.csv"),
            "brand,model,firmware\nAcme,Cam,nowhere.bin\n",
        )
        .unwrap();
        let out = sweep(&["submit", dir.path().join("bad.csv").to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("bad.csv:2: firmware:") && err.contains("nowhere.bin"),
            "{err}"
        );
    }
}
