//! Background jobs, edit conflicts and representations, on SQLite and PostgreSQL.

mod common;

use baseline_register::jobs::{Worked, LEASE_SECONDS, MAX_ATTEMPTS};
use baseline_register::register::{NewCase, NewEvidence, NewNotice};
use baseline_register::Error;
use common::{block, new_case, registers, t};
use jiff::{SignedDuration, Timestamp};

fn demo_firmware() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/demo-firmware.bin"
    ))
    .unwrap()
}

fn demo_product() -> baseline_pipeline::ProductInput {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/demo-product.toml"
    ))
    .unwrap();
    baseline_pipeline::ProductInput::parse(&text, "demo-product.toml").unwrap()
}

fn after(now: Timestamp, secs: i64) -> Timestamp {
    now.checked_add(SignedDuration::from_secs(secs)).unwrap()
}

#[test]
fn a_job_is_held_by_one_worker_reclaimed_after_its_lease_and_failed_after_three_claims() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("jobs_lease", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let o = "officer@example.gov.uk";
            let id = r.open_case(now, o, &new_case()).await.unwrap();
            let (shas, job) = r
                .attach_and_assess(
                    now,
                    o,
                    &id,
                    &[NewEvidence {
                        data: b"not firmware at all",
                        name: "fw.bin",
                        kind: "firmware",
                        origin: "upload",
                    }],
                )
                .await
                .unwrap();
            assert_eq!(shas.len(), 1);
            assert_eq!(r.job(&job).await.unwrap().status, "queued", "{backend}");
            let a = r.claim(now, "a").await.unwrap().unwrap();
            assert_eq!((a.id.as_str(), a.attempts), (job.as_str(), 1), "{backend}");
            assert_eq!(
                r.claim(now, "b").await.unwrap(),
                None,
                "{backend}: held by a"
            );
            assert!(r.renew(now, &job, "a", "unpacking").await.unwrap());
            assert!(!r.renew(now, &job, "b", "x").await.unwrap(), "{backend}");
            // a stops renewing: after the lease b may claim it, and a has lost it.
            let later = after(now, LEASE_SECONDS + 1);
            let b = r.claim(later, "b").await.unwrap().unwrap();
            assert_eq!(
                (b.worker.as_deref(), b.attempts),
                (Some("b"), 2),
                "{backend}"
            );
            assert!(!r.renew(later, &job, "a", "x").await.unwrap(), "{backend}");
            let c = r
                .claim(after(later, LEASE_SECONDS + 1), "c")
                .await
                .unwrap()
                .unwrap();
            assert_eq!(c.attempts, MAX_ATTEMPTS, "{backend}");
            // The third worker dies too: the job is failed, not claimed a fourth time.
            let end = after(now, 4 * (LEASE_SECONDS + 1));
            assert_eq!(r.claim(end, "d").await.unwrap(), None, "{backend}");
            let j = r.job(&job).await.unwrap();
            assert_eq!(j.status, "failed", "{backend}");
            assert_eq!(
                j.error.as_deref(),
                Some("its worker stopped 3 times without finishing it")
            );
            assert_eq!(r.verify(None).await.unwrap().problem, None, "{backend}");
        }
    });
}

#[test]
fn an_assessment_job_attaches_its_report_once_and_names_the_psti_failures() {
    let dir = tempfile::tempdir().unwrap();
    let firmware = demo_firmware();
    block(async {
        for (backend, r) in registers("jobs_assess", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let o = "officer@example.gov.uk";
            let id = r
                .open_case(
                    now,
                    o,
                    &NewCase {
                        product: Some(demo_product()),
                        ..new_case()
                    },
                )
                .await
                .unwrap();
            let (shas, job) = r
                .attach_and_assess(
                    now,
                    o,
                    &id,
                    &[NewEvidence {
                        data: &firmware,
                        name: "demo-firmware.bin",
                        kind: "firmware",
                        origin: "upload",
                    }],
                )
                .await
                .unwrap();
            // Two workers race for the one job: one runs it, the other finds nothing.
            let clock = move || now;
            let (x, y) = tokio::join!(r.work_one("x", &clock), r.work_one("y", &clock));
            let (x, y) = (x.unwrap(), y.unwrap());
            let ended: Vec<_> = [x, y]
                .into_iter()
                .filter_map(|w| match w {
                    Worked::Ended(j) => Some(j),
                    Worked::Idle => None,
                })
                .collect();
            assert_eq!(ended.len(), 1, "{backend}: {ended:?}");
            let j = &ended[0];
            assert_eq!(
                (j.id.as_str(), j.status.as_str()),
                (job.as_str(), "done"),
                "{backend}: {j:?}"
            );
            let result: serde_json::Value =
                serde_json::from_str(j.result.as_deref().unwrap()).unwrap();
            let report = result["assessment"].as_str().unwrap();
            // The demo image ships one fixed root password: PSTI Schedule 1 paragraph 1.
            assert!(
                result["psti_failures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f == "psti:sch1-p1"),
                "{backend}: {result}"
            );
            let d = r.show_case(now, o, &id).await.unwrap();
            let kinds: Vec<(&str, &str)> = d
                .evidence
                .iter()
                .map(|e| (e.sha256.as_str(), e.kind.as_str()))
                .collect();
            assert_eq!(
                kinds,
                vec![(shas[0].as_str(), "firmware"), (report, "assessment")],
                "{backend}"
            );
            let bytes = r.evidence_bytes(report).await.unwrap();
            let parsed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert!(
                parsed["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["code"] == "CRED-001"),
                "{backend}"
            );
            assert!(d.events.iter().any(|e| e.kind == "job.done"), "{backend}");
            // Nothing else is waiting.
            assert_eq!(r.work_one("x", &clock).await.unwrap(), Worked::Idle);
            assert_eq!(r.verify(None).await.unwrap().problem, None, "{backend}");
        }
    });
}

#[test]
fn two_officers_editing_one_case_get_one_change_and_one_conflict() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("conflict", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let id = r
                .open_case(
                    now,
                    "a@example.gov.uk",
                    &NewCase {
                        restricted: true,
                        ..new_case()
                    },
                )
                .await
                .unwrap();
            let v = r.case_version(&id).await.unwrap();
            assert!(v > 0, "{backend}");
            // A read of the restricted case is an event, but not a change.
            r.show_case(now, "c@example.gov.uk", &id).await.unwrap();
            assert_eq!(r.case_version(&id).await.unwrap(), v, "{backend}");
            let item = |data: &'static [u8]| NewEvidence {
                data,
                name: "letter.pdf",
                kind: "correspondence",
                origin: "post",
            };
            r.expecting(&id, v)
                .add_evidence(now, "a@example.gov.uk", &id, &item(b"first"))
                .await
                .unwrap();
            let e = r
                .expecting(&id, v)
                .add_evidence(now, "b@example.gov.uk", &id, &item(b"second"))
                .await
                .unwrap_err();
            assert!(
                matches!(&e, Error::Conflict(m) if m.contains("was changed by someone else")),
                "{backend}: {e:?}"
            );
            let d = r.show_case(now, "a@example.gov.uk", &id).await.unwrap();
            assert_eq!(
                d.evidence.len(),
                1,
                "{backend}: the second edit wrote nothing"
            );
        }
    });
}

#[test]
fn representations_are_taken_on_a_notice_of_intent_until_its_period_ends() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("representations", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let o = "officer@example.gov.uk";
            let resp = "security@acme.example";
            let id = r.open_case(now, o, &new_case()).await.unwrap();
            let n = r
                .draft_notice(
                    now,
                    o,
                    &id,
                    &NewNotice {
                        kind: "compliance".into(),
                        breaches: vec!["psti:sch1-p1".into()],
                        reasons: "Every unit has the same password.".into(),
                        steps: Some("Ship unique passwords.".into()),
                        comply_by: Some(t("2027-03-01")),
                        ..NewNotice::default()
                    },
                )
                .await
                .unwrap()
                .unwrap();
            let early = r
                .representations(now, resp, &id, &n, "We disagree.", &[])
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(early.citation, "s. 28(5)", "{backend}");
            assert!(early.message.contains("is draft"), "{backend}: {early}");
            r.notice_intent(now, o, &id, &n, None)
                .await
                .unwrap()
                .unwrap();
            let day = after(now, 86_400);
            let bad_name = r
                .representations(
                    day,
                    resp,
                    &id,
                    &n,
                    "See the attached.",
                    &[NewEvidence {
                        data: b"x",
                        name: "../../etc/passwd",
                        kind: "representations",
                        origin: "upload",
                    }],
                )
                .await
                .unwrap_err();
            assert!(
                bad_name.to_string().contains("not a plain file name"),
                "{backend}"
            );
            let shas = r
                .representations(
                    day,
                    resp,
                    &id,
                    &n,
                    "Units sold since June ask for a password.",
                    &[NewEvidence {
                        data: b"%PDF-1.4 test report",
                        name: "test-report.pdf",
                        kind: "representations",
                        origin: "upload",
                    }],
                )
                .await
                .unwrap()
                .unwrap();
            assert_eq!(shas.len(), 2, "{backend}");
            let text = r.evidence_bytes(&shas[0]).await.unwrap();
            assert_eq!(text, b"Units sold since June ask for a password.");
            let d = r.show_case(day, o, &id).await.unwrap();
            let mine: Vec<_> = d
                .evidence
                .iter()
                .filter(|e| e.kind == "representations")
                .map(|e| (e.name.as_str(), e.added_by.as_str()))
                .collect();
            assert_eq!(mine.len(), 2, "{backend}");
            assert_eq!(mine[1], ("test-report.pdf", resp), "{backend}");
            // Ten days on, the period has ended.
            let late = r
                .representations(after(now, 11 * 86_400), resp, &id, &n, "More.", &[])
                .await
                .unwrap()
                .unwrap_err();
            assert!(
                late.message.contains("ended 2027-01-14T10:00:00Z"),
                "{backend}: {late}"
            );
            assert_eq!(r.verify(None).await.unwrap().problem, None, "{backend}");
        }
    });
}
