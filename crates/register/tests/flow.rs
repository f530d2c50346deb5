//! The register on both back ends: the same tests against an SQLite file and a real PostgreSQL
//! server (`BASELINE_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`; each
//! test in its own schema). In CI (`CI` set) a missing server fails the run; elsewhere the
//! PostgreSQL half is skipped with a message.

#![allow(clippy::inconsistent_digit_grouping)] // pence as pounds_pence

mod common;

use baseline_register::chain::Problem;
use baseline_register::register::NewCase;
use baseline_register::{NewEvidence, NewNotice, NewPenalty};
use common::{block, new_case, registers, t, tamper};

#[test]
fn the_whole_flow_with_every_rule_refusing_and_allowing() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("flow", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let id = r.open_case(now, "officer@opss", &new_case()).await.unwrap();
            assert_eq!(id, "CASE-000001", "{backend}");
            let sha = r
                .add_evidence(
                    now,
                    "officer@opss",
                    &id,
                    &NewEvidence {
                        data: b"{\"schema\":\"baseline/assessment/v1\"}",
                        name: "report.json",
                        kind: "assessment",
                        origin: "baseline assess",
                    },
                )
                .await
                .unwrap();
            assert_eq!(sha.len(), 64);
            // s. 28(3): a notice without reasons is refused.
            let refused = r
                .draft_notice(
                    now,
                    "officer@opss",
                    &id,
                    &NewNotice {
                        kind: "compliance".into(),
                        breaches: vec!["psti:sch1-p1".into()],
                        evidence: vec![sha.clone()],
                        reasons: " ".into(),
                        ..NewNotice::default()
                    },
                )
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(refused.citation, "s. 28(3), s. 29(3)", "{backend}");
            let notice = NewNotice {
                kind: "compliance".into(),
                breaches: vec!["psti:sch1-p1".into()],
                evidence: vec![sha.clone()],
                reasons: "The firmware ships a fixed root password (CRED-001).".into(),
                comply_by: Some(t("2027-03-01T00:00:00Z")),
                ..NewNotice::default()
            };
            let n = r
                .draft_notice(now, "officer@opss", &id, &notice)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(n, "N-000001");
            // s. 28(5): no compliance notice without a notice of intent.
            let e = r
                .issue_notice(now, "officer@opss", &id, &n)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.citation, "s. 28(5)", "{backend}");
            // s. 28(6): the representations period may not end sooner than 10 days.
            let e = r
                .notice_intent(
                    now,
                    "officer@opss",
                    &id,
                    &n,
                    Some(t("2027-01-10T00:00:00Z")),
                )
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.citation, "s. 28(6)");
            let end = r
                .notice_intent(now, "officer@opss", &id, &n, None)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(end, "2027-01-14T10:00:00Z");
            let e = r
                .issue_notice(t("2027-01-14T09:59:59Z"), "officer@opss", &id, &n)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(
                e.to_string(),
                "s. 28(6): the representations period ends 2027-01-14T10:00:00Z"
            );
            r.issue_notice(t("2027-01-14T10:00:00Z"), "officer@opss", &id, &n)
                .await
                .unwrap()
                .unwrap();
            // s. 28(7): a second compliance notice for the same breach is refused.
            let n2 = r
                .draft_notice(now, "officer@opss", &id, &notice)
                .await
                .unwrap()
                .unwrap();
            r.notice_intent(now, "officer@opss", &id, &n2, None)
                .await
                .unwrap()
                .unwrap();
            let e = r
                .issue_notice(t("2027-02-01T00:00:00Z"), "officer@opss", &id, &n2)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.citation, "s. 28(7)");
            assert!(e.message.contains("N-000001"), "{}", e.message);
            // Penalties: the cap (s. 38), the daily cap (s. 36(5)), the payment period
            // (s. 36(7)), one per breach (s. 36(3)).
            let pen =
                |amount: i64, revenue: Option<i64>, daily: Option<i64>, days: i64| NewPenalty {
                    breach: "psti:sch1-p1".into(),
                    amount_pence: amount,
                    worldwide_revenue_pence: revenue,
                    daily_pence: daily,
                    payment_days: days,
                    ..NewPenalty::default()
                };
            let later = t("2027-03-01T00:00:00Z");
            let e = r
                .penalty(
                    later,
                    "officer@opss",
                    &id,
                    &pen(10_000_001_00, Some(100_000_000_00), None, 28),
                )
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.citation, "s. 36(4), s. 38(1)");
            // 4 % of £1bn is £40m: £20m is within the maximum.
            let e = r
                .penalty(
                    later,
                    "officer@opss",
                    &id,
                    &pen(20_000_000_00, Some(1_000_000_000_00), Some(20_000_01), 28),
                )
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.citation, "s. 36(5)");
            let e = r
                .penalty(
                    later,
                    "officer@opss",
                    &id,
                    &pen(20_000_000_00, Some(1_000_000_000_00), None, 27),
                )
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.citation, "s. 36(7)");
            let p = r
                .penalty(
                    later,
                    "officer@opss",
                    &id,
                    &pen(20_000_000_00, Some(1_000_000_000_00), Some(20_000_00), 28),
                )
                .await
                .unwrap()
                .unwrap();
            assert_eq!(p, "P-000001");
            let e = r
                .penalty(later, "officer@opss", &id, &pen(1_00, None, None, 28))
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.citation, "s. 36(3)");
            // Appeals: only of an issued notice.
            let e = r
                .appeal(later, "officer@opss", &id, &n2, later)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.citation, "s. 33");
            let a = r
                .appeal(later, "officer@opss", &id, &n, t("2027-02-01"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(a, "A-000001");
            r.close(
                later,
                "officer@opss",
                &id,
                "penalty",
                "penalty paid, firmware fixed",
            )
            .await
            .unwrap();
            let d = r.show_case(later, "officer@opss", &id).await.unwrap();
            assert_eq!(d.case.status, "closed");
            assert_eq!(d.case.outcome.as_deref(), Some("penalty"));
            assert_eq!(d.operators[0].role, "manufacturer");
            assert_eq!(d.evidence[0].sha256, sha);
            assert_eq!(d.penalties[0].maximum_pence, 40_000_000_00);
            assert_eq!(d.penalties[0].payment_due, "2027-03-29T00:00:00Z");
            let kinds: Vec<&str> = d.events.iter().map(|e| e.kind.as_str()).collect();
            assert_eq!(kinds.first(), Some(&"case.opened"));
            assert_eq!(kinds.last(), Some(&"case.closed"));
            assert!(
                d.cautions.iter().any(|c| c.starts_with("s. 33 (uncertain")),
                "{:?}",
                d.cautions
            );
            let v = r.verify(None).await.unwrap();
            assert_eq!(v.problem, None, "{backend}");
            assert_eq!(v.events, d.events.len() as i64);
            // The report, and the HTML and PDF of each document sent: two notices of intent,
            // one notice given, one penalty notice.
            assert_eq!(v.evidence, 9);
            assert_eq!(d.evidence.iter().filter(|e| e.kind == "notice").count(), 8);
            // Bad input writes nothing.
            let before = r.verify(None).await.unwrap().events;
            assert!(r
                .add_evidence(
                    later,
                    "o",
                    "CASE-999999",
                    &NewEvidence {
                        data: b"x",
                        name: "x",
                        kind: "photo",
                        origin: "o"
                    }
                )
                .await
                .is_err());
            assert!(r
                .open_case(
                    later,
                    "o",
                    &NewCase {
                        title: "t".into(),
                        operators: vec![("A".into(), "seller".into())],
                        ..NewCase::default()
                    }
                )
                .await
                .is_err());
            assert_eq!(r.verify(None).await.unwrap().events, before);
        }
    });
}

#[test]
fn tampering_of_every_kind_is_named_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("tamper", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let id = r.open_case(now, "officer", &new_case()).await.unwrap();
            r.add_evidence(
                now,
                "officer",
                &id,
                &NewEvidence {
                    data: b"firmware bytes",
                    name: "fw.bin",
                    kind: "firmware",
                    origin: "test",
                },
            )
            .await
            .unwrap();
            let n = r
                .draft_notice(
                    now,
                    "officer",
                    &id,
                    &NewNotice {
                        kind: "compliance".into(),
                        breaches: vec!["psti:sch1-p1".into()],
                        evidence: vec![],
                        reasons: "fixed password".into(),
                        ..NewNotice::default()
                    },
                )
                .await
                .unwrap()
                .unwrap();
            r.notice_intent(now, "officer", &id, &n, None)
                .await
                .unwrap()
                .unwrap();
            r.checkpoint(now, "officer").await.unwrap();
            assert_eq!(r.verify(None).await.unwrap().problem, None, "{backend}");

            // An event edited in place.
            tamper(&r, "UPDATE events SET actor = 'someone else' WHERE seq = 2").await;
            assert_eq!(
                r.verify(None).await.unwrap().problem,
                Some(Problem::EventEdited { seq: 2 }),
                "{backend}"
            );
            tamper(&r, "UPDATE events SET actor = 'officer' WHERE seq = 2").await;
            assert_eq!(r.verify(None).await.unwrap().problem, None);

            // A record edited without its event: the notice's status.
            tamper(&r, "UPDATE notices SET status = 'issued'").await;
            let p = r.verify(None).await.unwrap().problem.unwrap();
            assert!(
                matches!(&p, Problem::Record { table, .. } if table == "notices"),
                "{p:?}"
            );
            tamper(&r, "UPDATE notices SET status = 'intent'").await;

            // Evidence bytes replaced.
            sqlx::query("UPDATE blobs SET data = $1")
                .bind(b"other bytes".to_vec())
                .execute(&r.db_pool())
                .await
                .unwrap();
            assert!(
                matches!(
                    r.verify(None).await.unwrap().problem,
                    Some(Problem::Evidence { .. })
                ),
                "{backend}"
            );
        }
    });
}

#[test]
fn deleted_reordered_and_truncated_events_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("delete", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            for _ in 0..4 {
                r.open_case(now, "officer", &new_case()).await.unwrap();
            }
            r.checkpoint(now, "officer").await.unwrap();
            // Swap two events' bodies and hashes (a reordering).
            tamper(&r, "UPDATE events SET seq = 100 WHERE seq = 2").await;
            tamper(&r, "UPDATE events SET seq = 2 WHERE seq = 3").await;
            tamper(&r, "UPDATE events SET seq = 3 WHERE seq = 100").await;
            assert_eq!(
                r.verify(None).await.unwrap().problem,
                Some(Problem::BrokenLink { seq: 2 }),
                "{backend}"
            );
            tamper(&r, "UPDATE events SET seq = 100 WHERE seq = 2").await;
            tamper(&r, "UPDATE events SET seq = 2 WHERE seq = 3").await;
            tamper(&r, "UPDATE events SET seq = 3 WHERE seq = 100").await;
            assert_eq!(r.verify(None).await.unwrap().problem, None);
            // A deleted event.
            tamper(&r, "DELETE FROM events WHERE seq = 3").await;
            assert_eq!(
                r.verify(None).await.unwrap().problem,
                Some(Problem::Gap { after: 2, next: 4 }),
                "{backend}"
            );
        }
    });
}

#[test]
fn truncating_the_tail_and_rewinding_the_head_is_caught_by_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("trunc", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            for _ in 0..3 {
                r.open_case(now, "officer", &new_case()).await.unwrap();
            }
            r.checkpoint(now, "officer").await.unwrap();
            // Cut the last event and make the head agree: only the signed checkpoint knows.
            tamper(&r, "DELETE FROM events WHERE seq = 3").await;
            tamper(
                &r,
                "UPDATE chain_head SET seq = 2, hash = (SELECT hash FROM events WHERE seq = 2)",
            )
            .await;
            let p = r.verify(None).await.unwrap().problem;
            assert!(
                matches!(p, Some(Problem::Checkpoint { seq: 3, .. })),
                "{backend}: {p:?}"
            );
        }
    });
}

#[test]
fn concurrent_writers_lose_nothing_and_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("concurrent", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let mut tasks = Vec::new();
            for i in 0..16 {
                let r = r.clone();
                tasks.push(tokio::spawn(async move {
                    let c = NewCase {
                        title: format!("case {i}"),
                        ..NewCase::default()
                    };
                    r.open_case(now, "officer", &c).await.unwrap()
                }));
            }
            let mut ids = Vec::new();
            for t in tasks {
                ids.push(t.await.unwrap());
            }
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), 16, "{backend}: duplicate case ids");
            assert_eq!(r.list_cases(None, i64::MAX).await.unwrap().len(), 16);
            let v = r.verify(None).await.unwrap();
            assert_eq!((v.events, v.problem), (16, None), "{backend}");
        }
    });
}

#[test]
fn reading_a_restricted_case_is_recorded_in_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("restricted", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let open = r.open_case(now, "officer", &new_case()).await.unwrap();
            let secret = r
                .open_case(
                    now,
                    "officer",
                    &NewCase {
                        restricted: true,
                        ..new_case()
                    },
                )
                .await
                .unwrap();
            r.show_case(now, "auditor", &open).await.unwrap();
            let d = r.show_case(now, "auditor", &secret).await.unwrap();
            let reads: Vec<(&str, &str)> = d
                .events
                .iter()
                .filter(|e| e.kind == "case.read")
                .map(|e| (e.actor.as_str(), e.case_id.as_deref().unwrap_or("")))
                .collect();
            assert_eq!(reads, [("auditor", secret.as_str())], "{backend}");
            let all = r.verify(None).await.unwrap();
            assert_eq!(
                all.events, 3,
                "{backend}: the unrestricted read is not an event"
            );
        }
    });
}

#[test]
fn an_exported_bundle_verifies_offline_and_tampering_with_it_is_named() {
    use baseline_register::bundle::verify_bundle;
    use std::io::{Cursor, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("bundle", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let other = r
                .open_case(
                    now,
                    "officer",
                    &NewCase {
                        title: "another case".into(),
                        ..NewCase::default()
                    },
                )
                .await
                .unwrap();
            let id = r.open_case(now, "officer", &new_case()).await.unwrap();
            let sha = r
                .add_evidence(
                    now,
                    "officer",
                    &id,
                    &NewEvidence {
                        data: b"firmware image bytes",
                        name: "fw.bin",
                        kind: "firmware",
                        origin: "test",
                    },
                )
                .await
                .unwrap();
            r.add_evidence(
                now,
                "officer",
                &other,
                &NewEvidence {
                    data: b"private to the other case",
                    name: "x",
                    kind: "photo",
                    origin: "test",
                },
            )
            .await
            .unwrap();
            let mut zip = Cursor::new(Vec::new());
            let m = r.export(now, "officer", &id, &mut zip).await.unwrap();
            assert_eq!(m.case, id);
            let pk = r.public_key().await.unwrap().unwrap();
            let bytes = zip.into_inner();
            let rep = verify_bundle(Cursor::new(&bytes), Some(&pk)).unwrap();
            assert_eq!(rep.problem, None, "{backend}");
            assert_eq!(
                (rep.events, rep.case_events, rep.evidence, rep.unsigned_tail),
                (5, 3, 1, 0),
                "{backend}"
            );
            // The other case's content is not in the bundle.
            let text = String::from_utf8_lossy(&bytes).to_string();
            assert!(!text.contains("another case"));
            // A key other than the register's: refused.
            let wrong = hex::encode(
                baseline_register::chain::new_key()
                    .verifying_key()
                    .as_bytes(),
            );
            let rep = verify_bundle(Cursor::new(&bytes), Some(&wrong)).unwrap();
            assert!(
                rep.problem.unwrap().starts_with("checkpoint at event"),
                "{backend}"
            );
            // Evidence bytes replaced and the (unsigned) manifest rewritten to match.
            let mut src = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
            let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let mut manifest: serde_json::Value = {
                let mut s = String::new();
                src.by_name("manifest.json")
                    .unwrap()
                    .read_to_string(&mut s)
                    .unwrap();
                serde_json::from_str(&s).unwrap()
            };
            let forged = b"other firmware";
            for f in manifest["files"].as_array_mut().unwrap() {
                if f["path"] == format!("evidence/{sha}") {
                    f["sha256"] =
                        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(forged)).into();
                }
            }
            let opts = zip::write::SimpleFileOptions::default();
            for i in 0..src.len() {
                let mut f = src.by_index(i).unwrap();
                let name = f.name().unwrap().to_string();
                let mut b = Vec::new();
                f.read_to_end(&mut b).unwrap();
                if name == "manifest.json" {
                    b = serde_json::to_vec(&manifest).unwrap();
                } else if name == format!("evidence/{sha}") {
                    b = forged.to_vec();
                }
                out.start_file(name, opts).unwrap();
                out.write_all(&b).unwrap();
            }
            let forged_zip = out.finish().unwrap().into_inner();
            let rep = verify_bundle(Cursor::new(&forged_zip), Some(&pk)).unwrap();
            assert_eq!(
                rep.problem.as_deref(),
                Some(
                    format!(
                        "evidence {sha}: its bytes hash to {}",
                        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(forged))
                    )
                    .as_str()
                ),
                "{backend}"
            );
            // Not a zip at all: an input error, not a panic.
            assert!(verify_bundle(Cursor::new(b"not a zip".to_vec()), None).is_err());
        }
    });
}

#[test]
fn an_allegation_becomes_a_case_once_with_its_attachments_as_evidence() {
    use baseline_register::NewAllegation;
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("allegation", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let shot: &[u8] = b"PNG screenshot bytes";
            let reference = r
                .receive_allegation(
                    now,
                    "public",
                    &NewAllegation {
                        source: "consumer".into(),
                        brand: "Acme".into(),
                        model: "Cam 2".into(),
                        description: "The camera logs in with admin/admin.".into(),
                        contact: Some("reporter@example.org".into()),
                        where_bought: Some("online marketplace".into()),
                        attachments: vec![("login.png".into(), shot)],
                    },
                )
                .await
                .unwrap();
            assert!(
                reference.starts_with("AL-") && reference.len() == 19,
                "{reference}"
            );
            let bad = NewAllegation {
                source: "rumour".into(),
                brand: "A".into(),
                model: "B".into(),
                description: "C".into(),
                ..NewAllegation::default()
            };
            assert!(r.receive_allegation(now, "public", &bad).await.is_err());
            assert_eq!(
                r.list_allegations(true).await.unwrap().len(),
                1,
                "{backend}"
            );
            let id = r
                .open_case(
                    now,
                    "officer",
                    &NewCase {
                        allegation: Some(reference.clone()),
                        ..new_case()
                    },
                )
                .await
                .unwrap();
            let a = r.allegation(&reference).await.unwrap();
            assert_eq!(a.case_id.as_deref(), Some(id.as_str()));
            assert!(r.list_allegations(true).await.unwrap().is_empty());
            let e = r
                .open_case(
                    now,
                    "officer",
                    &NewCase {
                        allegation: Some(reference.clone()),
                        ..new_case()
                    },
                )
                .await
                .unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("allegation {reference} is already case {id}")
            );
            let d = r.show_case(now, "officer", &id).await.unwrap();
            assert_eq!(d.evidence.len(), 1);
            assert_eq!(d.evidence[0].name, "login.png");
            assert_eq!(d.evidence[0].origin, format!("allegation {reference}"));
            assert_eq!(r.verify(None).await.unwrap().problem, None, "{backend}");
        }
    });
}
