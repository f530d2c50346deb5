//! Sweeps on SQLite and PostgreSQL: submit, one assessment per distinct image, workers, the
//! dead-letter state, status and the cross-product report.

mod common;

use baseline_register::jobs::{Worked, LEASE_SECONDS, MAX_ATTEMPTS};
use baseline_register::sweep::ASSESSOR_VERSION;
use common::{block, registers, t};
use jiff::{SignedDuration, Timestamp};

fn demo_firmware() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/demo-firmware.bin"
    ))
    .unwrap()
}

/// Images: two variants of the demo (another SHA-256, the same key and root hash), a blob
/// with nothing in it, and one whose worker will "die" three times.
fn images(dir: &std::path::Path) {
    let demo = demo_firmware();
    std::fs::write(dir.join("acme-cam.bin"), &demo).unwrap();
    let mut other = demo.clone();
    other.extend_from_slice(b"white-label build for Bolt");
    std::fs::write(dir.join("bolt-cam.bin"), &other).unwrap();
    std::fs::write(dir.join("plain.bin"), b"nothing to see in this file").unwrap();
    std::fs::write(dir.join("poison.bin"), b"this one kills its worker").unwrap();
}

const MANIFEST: &str = r#"{"brand":"Acme","model":"Cam 1","category":"camera","firmware":["acme-cam.bin"]}
{"brand":"Acme","model":"Cam 1 Pro","category":"camera","firmware":["acme-cam.bin"]}
{"brand":"Bolt","model":"Eye","category":"camera","firmware":["bolt-cam.bin"]}
{"brand":"Calm","model":"Plug","category":"plug","firmware":["plain.bin"]}
{"brand":"Dud","model":"Hub","category":"hub","firmware":["poison.bin", "plain.bin"]}
"#;

fn after(now: Timestamp, secs: i64) -> Timestamp {
    now.checked_add(SignedDuration::from_secs(secs)).unwrap()
}

#[test]
fn a_sweep_assesses_each_image_once_dead_letters_a_poisoned_one_and_reports_what_products_share() {
    let dir = tempfile::tempdir().unwrap();
    images(dir.path());
    block(async {
        for (backend, r) in registers("sweep_flow", dir.path()).await {
            let now = t("2027-02-01T09:00:00Z");
            let poison = {
                use sha2::Digest as _;
                hex::encode(sha2::Sha256::digest(b"this one kills its worker"))
            };
            // A first sweep of the poisoned image alone; its worker dies twice (it claims the
            // job and never renews the lease).
            let first = r
                .submit_sweep(
                    now,
                    "officer",
                    "first look",
                    r#"{"brand":"Dud","model":"Hub","firmware":["poison.bin"]}"#,
                    "p.jsonl",
                    dir.path(),
                )
                .await
                .unwrap();
            for attempt in 1..=2 {
                let at = after(now, (attempt - 1) * (LEASE_SECONDS + 1));
                let job = r.claim(at, "dies").await.unwrap().unwrap();
                assert!(
                    job.input.contains(&poison) && job.attempts == attempt,
                    "{backend}"
                );
            }
            // The sweep proper, while the poisoned image's job is held: that job is shared,
            // not queued again.
            let at = after(now, LEASE_SECONDS + 2);
            let s = r
                .submit_sweep(at, "officer", "cameras", MANIFEST, "m.jsonl", dir.path())
                .await
                .unwrap();
            assert_eq!((s.products, s.images), (5, 4), "{backend}");
            assert_eq!(s.baseline_version, ASSESSOR_VERSION);
            let st = r.sweep_status(&s.id).await.unwrap();
            assert_eq!(
                (st.queued, st.running, st.done, st.failed),
                (3, 1, 0, 0),
                "{backend}"
            );
            let work_all = |at: Timestamp, name: &'static str| {
                let r = r.clone();
                async move {
                    let clock = move || at;
                    let mut ended = Vec::new();
                    while let Worked::Ended(j) = r.work_one(name, &clock).await.unwrap() {
                        ended.push(*j);
                    }
                    ended
                }
            };
            let ended = work_all(at, "worker-1").await;
            assert_eq!(ended.len(), 3, "{backend}: three images assessed");
            assert!(ended.iter().all(|j| j.status == "done"), "{backend}");
            // The third death, then the lease runs out: the job is dead-lettered, not retried.
            let third = after(now, 2 * (LEASE_SECONDS + 1));
            let job = r.claim(third, "dies").await.unwrap().unwrap();
            assert_eq!(job.attempts, MAX_ATTEMPTS);
            let at = after(third, LEASE_SECONDS + 1);
            assert!(work_all(at, "worker-1").await.is_empty());
            assert_eq!(r.sweep_status(&first.id).await.unwrap().failed, 1);
            let st = r.sweep_status(&s.id).await.unwrap();
            assert_eq!(
                (st.done, st.queued, st.running, st.failed),
                (3, 0, 0, 1),
                "{backend}"
            );
            assert_eq!(st.errors.len(), 1);
            assert_eq!(st.errors[0].0, poison);
            assert_eq!(st.errors[0].1, "poison.bin");
            assert!(
                st.errors[0].2.contains("stopped 3 times"),
                "{}",
                st.errors[0].2
            );

            let rep = r.sweep_report(&s.id).await.unwrap();
            assert_eq!(rep.products.len(), 5);
            let acme = &rep.products[0];
            assert!(acme.complete);
            assert!(
                acme.psti_failures.contains(&"psti:sch1-p1".to_owned()),
                "{backend}: {:?}",
                acme.psti_failures
            );
            let dud = &rep.products[4];
            assert!(
                !dud.complete,
                "{backend}: one of its images was dead-lettered"
            );
            // The demo's key and root hash are in three products of two brands.
            let key = rep
                .shared
                .iter()
                .find(|x| x.kind == "private-key")
                .expect("the shared key");
            assert!(key.value.starts_with("SHA256:"), "{}", key.value);
            assert_eq!(key.brands, 2);
            assert_eq!(
                key.products,
                vec![
                    ("Acme".to_owned(), "Cam 1".to_owned()),
                    ("Acme".to_owned(), "Cam 1 Pro".to_owned()),
                    ("Bolt".to_owned(), "Eye".to_owned())
                ]
            );
            let hash = rep
                .shared
                .iter()
                .find(|x| x.kind == "password-hash")
                .expect("the shared hash");
            assert!(hash.value.starts_with("sha256:"));
            assert_eq!(hash.detail.as_deref(), Some("root"));
            assert_eq!(hash.products.len(), 3);
            // Nothing of the plain image is shared; the plug shares no key.
            assert!(rep
                .shared
                .iter()
                .all(|x| !x.products.contains(&("Calm".to_owned(), "Plug".to_owned()))));
            // The market picture: sch1-p1 failed by the three camera products of three assessed.
            let p1 = rep
                .market
                .iter()
                .find(|m| m.requirement == "psti:sch1-p1")
                .unwrap();
            assert_eq!((p1.failing, p1.assessed), (3, 4), "{backend}");
            assert_eq!(p1.by_brand["Acme"], (2, 2));
            assert_eq!(p1.by_category["camera"], (3, 3));
            assert_eq!(p1.by_category["plug"], (0, 1));

            // The same manifest again: a second sweep, nothing assessed again.
            let again = r
                .submit_sweep(
                    after(at, 10),
                    "officer",
                    "cameras",
                    MANIFEST,
                    "m.jsonl",
                    dir.path(),
                )
                .await
                .unwrap();
            assert_ne!(again.id, s.id);
            let st2 = r.sweep_status(&again.id).await.unwrap();
            assert_eq!(
                (st2.done, st2.reused, st2.queued),
                (3, 3, 1),
                "{backend}: the dead-lettered image is queued again, the rest reused"
            );
            let ended = work_all(after(at, 20), "worker-2").await;
            assert_eq!(ended.len(), 1, "{backend}");
            assert!(ended[0].input.contains(&poison) && ended[0].status == "done");
            let st2 = r.sweep_status(&again.id).await.unwrap();
            assert_eq!((st2.done, st2.failed), (4, 0), "{backend}");
            // The first sweep sees the result too (one result per image and version).
            assert_eq!(r.sweep_status(&s.id).await.unwrap().done, 4);

            // Cases for the failing products: a dry run writes nothing; the run opens one per
            // product, with its image and assessment; a second run opens none.
            let dry = r.sweep_cases(at, "officer", &s.id, true).await.unwrap();
            assert_eq!(
                dry.iter().map(|c| c.line).collect::<Vec<_>>(),
                vec![1, 2, 3],
                "{backend}: the three camera products fail"
            );
            assert!(dry.iter().all(|c| c.case_id.is_none()));
            assert!(
                r.list_cases(None, 100).await.unwrap().is_empty(),
                "{backend}"
            );
            let opened = r.sweep_cases(at, "officer", &s.id, false).await.unwrap();
            assert_eq!(opened.len(), 3);
            assert!(opened.iter().all(|c| c.case_id.is_some() && !c.existing));
            let d = r
                .show_case(at, "check", opened[2].case_id.as_ref().unwrap())
                .await
                .unwrap();
            assert!(
                d.case.title.starts_with("Bolt Eye: fails psti:sch1-p1"),
                "{}",
                d.case.title
            );
            let kinds: Vec<(&str, &str)> = d
                .evidence
                .iter()
                .map(|e| (e.kind.as_str(), e.name.as_str()))
                .collect();
            assert_eq!(
                kinds,
                vec![
                    ("firmware", "bolt-cam.bin"),
                    ("assessment", "bolt-cam.bin.assessment.json")
                ],
                "{backend}"
            );
            let again = r.sweep_cases(at, "officer", &s.id, false).await.unwrap();
            assert!(again.iter().all(|c| c.existing), "{backend}: idempotent");
            assert_eq!(r.list_cases(None, 100).await.unwrap().len(), 3);
            assert_eq!(r.verify(None).await.unwrap().problem, None);
        }
    });
}

#[test]
fn a_submit_that_cannot_read_an_image_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    images(dir.path());
    block(async {
        for (backend, r) in registers("sweep_missing", dir.path()).await {
            let m = "brand,model,firmware\nAcme,Cam,acme-cam.bin\nAcme,Gone,missing.bin\n";
            let e = r
                .submit_sweep(t("2027-02-01T09:00:00Z"), "o", "x", m, "m.csv", dir.path())
                .await
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("m.csv:3: firmware:") && e.contains("missing.bin"),
                "{e}"
            );
            assert!(r.sweeps().await.unwrap().is_empty(), "{backend}");
            assert_eq!(
                r.claim(t("2027-02-01T09:00:00Z"), "w").await.unwrap(),
                None,
                "{backend}: no job queued"
            );
        }
    });
}

#[test]
fn an_assessment_over_the_job_time_limit_is_dead_lettered_with_that_reason() {
    let dir = tempfile::tempdir().unwrap();
    images(dir.path());
    block(async {
        for (backend, r) in registers("sweep_slow", dir.path()).await {
            let now = t("2027-02-01T09:00:00Z");
            let s = r
                .submit_sweep(
                    now,
                    "o",
                    "slow",
                    r#"{"brand":"Acme","model":"Cam","firmware":["acme-cam.bin"]}"#,
                    "m.jsonl",
                    dir.path(),
                )
                .await
                .unwrap();
            let strict = r.with_job_time_limit(std::time::Duration::from_millis(1));
            let clock = move || now;
            let Worked::Ended(job) = strict.work_one("w", &clock).await.unwrap() else {
                panic!("{backend}: the job was not run");
            };
            assert_eq!(job.status, "failed", "{backend}");
            assert_eq!(job.attempts, 1, "{backend}: failed at once, not retried");
            let err = job.error.unwrap_or_default();
            assert!(
                err.contains("longer than the job time limit (0.001 s)"),
                "{err}"
            );
            let st = r.sweep_status(&s.id).await.unwrap();
            assert_eq!((st.failed, st.done), (1, 0), "{backend}");
            assert!(st.errors[0].2.contains("job time limit"));
        }
    });
}
