//! Notices as documents, the basis of a breach cited from an attached assessment, the notice
//! period rule, tasks, teams, users and operator details — on both back ends.

#![allow(clippy::inconsistent_digit_grouping)] // pence as pounds_pence

mod common;

use baseline_model::{Assessment, Finding, Verdict};
use baseline_register::chain::Problem;
use baseline_register::document::Format;
use baseline_register::people::{NewUser, OperatorRow};
use baseline_register::register::NewCase;
use baseline_register::{Error, NewEvidence, NewNotice, NewPenalty};
use common::{block, registers, t, tamper};
use sha2::{Digest as _, Sha256};

/// An assessment report with a failed 5.1-1 verdict resting on a CRED-001 finding in
/// /etc/shadow, and a passing verdict on psti:sch1-p2.
fn report() -> Vec<u8> {
    let mut a = Assessment::new("test");
    let f: Finding = serde_json::from_value(serde_json::json!({
        "code": "CRED-001", "name": "fixed-password", "severity": "high",
        "title": "Account root has a fixed password hash (md5crypt)",
        "requirements": ["en303645:5.1-1"],
        "evidence": [{"artifact": "fw.bin", "path": "/etc/shadow", "line": 1}],
        "confidence": "high"
    }))
    .unwrap();
    a.findings.push(f);
    for (req, outcome, why) in [
        (
            "psti:sch1-p1",
            "fail",
            "root has the same password hash in every unit (CRED-001)",
        ),
        (
            "psti:sch1-p2",
            "pass",
            "a security.txt with a contact was found",
        ),
    ] {
        let v: Verdict = serde_json::from_value(serde_json::json!({
            "requirement": req, "outcome": outcome, "rationale": why, "findings": ["CRED-001"]
        }))
        .unwrap();
        a.verdicts.push(v);
    }
    serde_json::to_vec(&a).unwrap()
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

#[test]
fn notices_are_documents_with_their_statutory_content_kept_as_given() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("documents", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let o = "officer@opss";
            r.set_operator(
                now,
                o,
                &OperatorRow {
                    legal_name: "Acme Devices Ltd".into(),
                    company_number: Some("01234567".into()),
                    address: Some("1 High Street, Leeds LS1 1AA".into()),
                    country: Some("GB".into()),
                    ..OperatorRow::default()
                },
            )
            .await
            .unwrap();
            let bad_country = r
                .set_operator(
                    now,
                    o,
                    &OperatorRow {
                        legal_name: "Acme Devices Ltd".into(),
                        country: Some("United Kingdom".into()),
                        ..OperatorRow::default()
                    },
                )
                .await;
            assert!(matches!(bad_country, Err(Error::Input(m)) if m.contains("ISO 3166-1")));
            let id = r
                .open_case(
                    now,
                    o,
                    &NewCase {
                        title: "Camera <X1> with a fixed root password".into(),
                        operators: vec![("Acme Devices Ltd".into(), "manufacturer".into())],
                        ..NewCase::default()
                    },
                )
                .await
                .unwrap();
            let report = report();
            let rsha = r
                .add_evidence(
                    now,
                    o,
                    &id,
                    &NewEvidence {
                        data: &report,
                        name: "report.json",
                        kind: "assessment",
                        origin: "baseline assess",
                    },
                )
                .await
                .unwrap();
            let photo = r
                .add_evidence(
                    now,
                    o,
                    &id,
                    &NewEvidence {
                        data: b"jpeg",
                        name: "label.jpg",
                        kind: "photo",
                        origin: "test purchase",
                    },
                )
                .await
                .unwrap();

            // The basis must be a failed verdict or findings of an attached assessment.
            let draft = |basis: Vec<String>, comply_by| NewNotice {
                kind: "compliance".into(),
                breaches: vec!["psti:sch1-p1".into()],
                evidence: vec![],
                reasons: "Every unit carries the same root password <script>alert(1)</script>."
                    .into(),
                steps: Some("Ship firmware that asks the user to set a password.".into()),
                comply_by,
                basis,
            };
            for (basis, says) in [
                (format!("{}/psti:sch1-p2", &rsha[..12]), "is pass, not fail"),
                (
                    format!("{}/CRED-099", &rsha[..12]),
                    "has no CRED-099 finding",
                ),
                (
                    format!("{}/psti:sch1-p3", &rsha[..12]),
                    "has no verdict for psti:sch1-p3",
                ),
                (
                    format!("{}/psti:sch1-p1", &photo[..12]),
                    "is a photo, not an assessment",
                ),
                (format!("{}/psti:sch1-p1", "deadbeef"), "no evidence of"),
                ("nothex/psti:sch1-p1".to_owned(), "is not a SHA-256"),
            ] {
                match r
                    .draft_notice(now, o, &id, &draft(vec![basis.clone()], None))
                    .await
                {
                    Err(Error::Input(m)) => assert!(m.contains(says), "{backend} {basis}: {m}"),
                    other => panic!("{backend} {basis}: {other:?}"),
                }
            }
            let n = r
                .draft_notice(
                    now,
                    o,
                    &id,
                    &draft(
                        vec![
                            format!("{}/psti:sch1-p1", &rsha[..12]),
                            format!("{rsha}/CRED-001"),
                        ],
                        None,
                    ),
                )
                .await
                .unwrap()
                .unwrap();

            // A draft renders marked DRAFT, as of --now, with the statutory content.
            let html = String::from_utf8(r.document(now, o, &id, &n, Format::Html).await.unwrap())
                .unwrap();
            for want in [
                "DRAFT — not given",
                "<h1>Compliance notice</h1>",
                "section 28 of the Product Security and Telecommunications Infrastructure Act 2022",
                "Acme Devices Ltd (manufacturer), company number 01234567, 1 High Street, Leeds LS1 1AA, GB",
                "psti:sch1-p1 — Passwords: every password is unique per product or defined by the user",
                "SI 2023/1007 Sch. 1 para. 1(2)",
                "corresponds to en303645:5.1-1",
                "verdict psti:sch1-p1 — fail",
                "root has the same password hash in every unit (CRED-001)",
                "<code>CRED-001 fw.bin /etc/shadow</code>",
                "finding CRED-001 — high",
                &rsha,
                "[the end of the period, to be specified]",
                "s. 28(3)(a)",
                "First-tier Tribunal",
                "s. 32",
                "Camera &#60;X1&#62;",
                "&#60;script&#62;alert(1)&#60;/script&#62;",
            ] {
                assert!(html.contains(want), "{backend}: no `{want}` in\n{html}");
            }
            assert!(!html.contains("<script>"), "{backend}: reasons not escaped");
            let json: serde_json::Value =
                serde_json::from_slice(&r.document(now, o, &id, &n, Format::Json).await.unwrap())
                    .unwrap();
            assert_eq!(json["schema"], "baseline/notice/v1");
            assert_eq!(json["stage"], "draft");
            assert_eq!(
                json["appeal"]["uncertain"], true,
                "s. 33 is not established"
            );
            assert_eq!(
                json["evidence"][0]["sha256"],
                rsha.as_str(),
                "the basis's report is evidence"
            );

            // s. 28(2): a compliance notice specifies its period.
            r.notice_intent(now, o, &id, &n, None)
                .await
                .unwrap()
                .unwrap();
            let e = r
                .issue_notice(t("2027-01-15"), o, &id, &n)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.citation, "s. 28(2), s. 29(2)", "{backend}");
            // ... and the period may not have ended when it is given.
            let n2 = r
                .draft_notice(
                    now,
                    o,
                    &id,
                    &NewNotice {
                        breaches: vec!["psti:sch1-p3".into()],
                        ..draft(vec![], Some(t("2027-01-10")))
                    },
                )
                .await
                .unwrap()
                .unwrap();
            r.notice_intent(now, o, &id, &n2, None)
                .await
                .unwrap()
                .unwrap();
            let e = r
                .issue_notice(t("2027-01-15"), o, &id, &n2)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(e.to_string(), format!("s. 28(2), s. 29(2): the period {n2} specifies ended 2027-01-10T00:00:00Z, before it is given"));
            assert!(matches!(
                r.draft_notice(now, o, &id, &draft(vec![], Some(t("2027-01-01")))).await,
                Err(Error::Input(m)) if m.contains("is not after now")
            ));

            // The notice of intent sent is stored and returned byte for byte.
            let n3 = r
                .draft_notice(
                    now,
                    o,
                    &id,
                    &NewNotice {
                        breaches: vec!["psti:sch1-p1-1".into()],
                        ..draft(vec![format!("{rsha}/psti:sch1-p1")], Some(t("2027-03-01")))
                    },
                )
                .await
                .unwrap()
                .unwrap();
            r.notice_intent(now, o, &id, &n3, None)
                .await
                .unwrap()
                .unwrap();
            let row = r.notice_row(&id, &n3).await.unwrap();
            let intent = r
                .document(t("2027-01-09"), o, &id, &n3, Format::Html)
                .await
                .unwrap();
            assert_eq!(Some(sha(&intent)), row.intent_html, "{backend}");
            let intent = String::from_utf8(intent).unwrap();
            assert!(intent.contains("NOTICE OF INTENT, 2027-01-04"), "{intent}");
            assert!(intent.contains("You may make representations until 2027-01-14T10:00:00Z"));
            assert!(intent.contains("s. 28(5)–(6)"));
            // The register's own task: consider the representations when the period ends.
            let tasks = r.list_tasks(Some(&id), true, None).await.unwrap();
            let consider: Vec<_> = tasks
                .iter()
                .filter(|t| {
                    t.title
                        .starts_with(&format!("Consider the representations on {n3}"))
                })
                .collect();
            assert_eq!(consider.len(), 1, "{tasks:?}");
            assert_eq!(consider[0].due_at, "2027-01-14T10:00:00Z");

            r.issue_notice(t("2027-01-15"), o, &id, &n3)
                .await
                .unwrap()
                .unwrap();
            let row = r.notice_row(&id, &n3).await.unwrap();
            let pdf = r
                .document(t("2027-06-01"), o, &id, &n3, Format::Pdf)
                .await
                .unwrap();
            assert!(pdf.starts_with(b"%PDF-"));
            assert_eq!(Some(sha(&pdf)), row.issued_pdf, "{backend}");
            let pdf_text = String::from_utf8_lossy(&pdf);
            assert!(pdf_text.contains("(Given on 2027-01-15.)"), "{pdf_text}");
            assert!(pdf_text.contains(&format!("(Compliance notice {id} {n3} - page 1 of ")));
            let given = String::from_utf8(
                r.document(t("2027-06-01"), o, &id, &n3, Format::Html)
                    .await
                    .unwrap(),
            )
            .unwrap();
            assert!(given.contains("Given on 2027-01-15."));
            assert!(given.contains("by 2027-03-01T00:00:00Z"));
            assert!(!given.contains("DRAFT"));
            let detail = r.show_case(t("2027-01-15"), o, &id).await.unwrap();
            let docs: Vec<_> = detail
                .evidence
                .iter()
                .filter(|e| e.kind == "notice")
                .map(|e| e.name.as_str())
                .collect();
            assert!(
                docs.contains(&format!("{id}-{n3}-compliance-given.pdf").as_str()),
                "{docs:?}"
            );
            assert!(
                docs.contains(&format!("{id}-{n3}-compliance-intent.html").as_str()),
                "{docs:?}"
            );
            assert!(detail.tasks.iter().any(|t| t.title
                == format!("Check compliance with {n3} (period ends 2027-03-01T00:00:00Z)")
                && t.due_at == "2027-03-01T00:00:00Z"));

            // A penalty notice is a document too, with its terms.
            let pid = r
                .penalty(
                    t("2027-03-02"),
                    o,
                    &id,
                    &NewPenalty {
                        breach: "psti:sch1-p1".into(),
                        amount_pence: 250_000_00,
                        worldwide_revenue_pence: Some(80_000_000_00),
                        daily_pence: Some(1_000_00),
                        payment_days: 30,
                        reasons: "The failure continued after the compliance notice.".into(),
                        evidence: vec![photo.clone()],
                        basis: vec![format!("{rsha}/CRED-001")],
                    },
                )
                .await
                .unwrap()
                .unwrap();
            let p = String::from_utf8(
                r.document(t("2027-03-02"), o, &id, &pid, Format::Html)
                    .await
                    .unwrap(),
            )
            .unwrap();
            for want in [
                "<h1>Penalty notice</h1>",
                "a penalty of £250,000 by 2027-04-01T00:00:00Z",
                "£1,000 for each day the failure continues after 2027-04-01T00:00:00Z",
                "£10,000,000 (the greater of £10,000,000 and 4% of the qualifying worldwide revenue of £80,000,000)",
                "s. 36(3)",
                "label.jpg",
                &photo,
                "s. 37 (uncertain)",
            ] {
                assert!(p.contains(want), "{backend}: no `{want}` in\n{p}");
            }
            assert!(r
                .list_tasks(Some(&id), true, None)
                .await
                .unwrap()
                .iter()
                .any(|t| t.title == format!("Check payment of {pid} (due 2027-04-01T00:00:00Z)")));
            assert_eq!(r.verify(None).await.unwrap().problem, None, "{backend}");

            // Editing the record of what was given is caught.
            tamper(
                &r,
                &format!(
                    "UPDATE notices SET issued_pdf = '{}' WHERE id = '{n3}'",
                    "0".repeat(64)
                ),
            )
            .await;
            assert!(
                matches!(r.verify(None).await.unwrap().problem, Some(Problem::Record { table, .. }) if table == "notices"),
                "{backend}"
            );
            tamper(
                &r,
                &format!(
                    "UPDATE notices SET issued_pdf = '{}' WHERE id = '{n3}'",
                    row.issued_pdf.clone().unwrap()
                ),
            )
            .await;
            tamper(
                &r,
                &format!("UPDATE penalties SET amount_pence = 100 WHERE id = '{pid}'"),
            )
            .await;
            assert!(
                matches!(r.verify(None).await.unwrap().problem, Some(Problem::Record { table, id: i, .. }) if table == "penalties" && i == pid),
                "{backend}"
            );
            tamper(
                &r,
                &format!("UPDATE penalties SET amount_pence = 25000000 WHERE id = '{pid}'"),
            )
            .await;
            assert_eq!(r.verify(None).await.unwrap().problem, None, "{backend}");
        }
    });
}

#[test]
fn tasks_teams_and_users() {
    let dir = tempfile::tempdir().unwrap();
    block(async {
        for (backend, r) in registers("people", dir.path()).await {
            let now = t("2027-01-04T10:00:00Z");
            let o = "lead@opss";
            // A case names a team that exists.
            let unknown = r
                .open_case(
                    now,
                    o,
                    &NewCase {
                        title: "t".into(),
                        team: Some("Connected products".into()),
                        ..NewCase::default()
                    },
                )
                .await;
            assert!(
                matches!(unknown, Err(Error::Input(m)) if m.contains("is not a team")),
                "{backend}"
            );
            r.add_team(now, o, "Connected products").await.unwrap();
            assert!(r.add_team(now, o, "Connected products").await.is_err());
            let id = r
                .open_case(
                    now,
                    o,
                    &NewCase {
                        title: "t".into(),
                        team: Some("Connected products".into()),
                        operators: vec![("Acme Ltd".into(), "importer".into())],
                        ..NewCase::default()
                    },
                )
                .await
                .unwrap();

            r.add_user(
                now,
                o,
                &NewUser {
                    email: "Officer@OPSS.gov.uk".into(),
                    role: "officer".into(),
                    team: Some("Connected products".into()),
                    ..NewUser::default()
                },
            )
            .await
            .unwrap();
            assert_eq!(
                r.user("officer@opss.gov.uk").await.unwrap().team.as_deref(),
                Some("Connected products")
            );
            for (u, says) in [
                (
                    NewUser {
                        email: "x@opss.gov.uk".into(),
                        role: "admin".into(),
                        ..NewUser::default()
                    },
                    "is not one of",
                ),
                (
                    NewUser {
                        email: "not-an-email".into(),
                        role: "officer".into(),
                        ..NewUser::default()
                    },
                    "is not an email",
                ),
                (
                    NewUser {
                        email: "r@acme.example".into(),
                        role: "respondent".into(),
                        ..NewUser::default()
                    },
                    "give --operator",
                ),
                (
                    NewUser {
                        email: "r@acme.example".into(),
                        role: "respondent".into(),
                        operator: Some("Nobody Ltd".into()),
                        ..NewUser::default()
                    },
                    "is not an operator",
                ),
                (
                    NewUser {
                        email: "officer@opss.gov.uk".into(),
                        role: "officer".into(),
                        ..NewUser::default()
                    },
                    "exists",
                ),
            ] {
                match r.add_user(now, o, &u).await {
                    Err(Error::Input(m)) => assert!(m.contains(says), "{backend}: {m}"),
                    other => panic!("{backend}: {other:?}"),
                }
            }
            r.add_user(
                now,
                o,
                &NewUser {
                    email: "r@acme.example".into(),
                    role: "respondent".into(),
                    operator: Some("Acme Ltd".into()),
                    ..NewUser::default()
                },
            )
            .await
            .unwrap();
            assert_eq!(r.users().await.unwrap().len(), 2);

            let t1 = r
                .add_task(
                    now,
                    o,
                    &id,
                    "Request the source of the firmware",
                    t("2027-01-11"),
                    Some("officer@opss.gov.uk"),
                )
                .await
                .unwrap();
            let t2 = r
                .add_task(now, o, &id, "Test purchase", t("2027-01-20"), None)
                .await
                .unwrap();
            assert!(r
                .add_task(
                    now,
                    o,
                    &id,
                    "x",
                    t("2027-01-20"),
                    Some("nobody@opss.gov.uk")
                )
                .await
                .is_err());
            let overdue = r
                .list_tasks(None, true, Some(t("2027-01-12")))
                .await
                .unwrap();
            assert_eq!(
                overdue.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
                vec![t1.as_str()],
                "{backend}"
            );
            r.complete_task(t("2027-01-12"), o, &id, &t1, "received")
                .await
                .unwrap();
            assert!(
                matches!(r.complete_task(t("2027-01-12"), o, &id, &t1, "again").await, Err(Error::Input(m)) if m.contains("already done"))
            );
            let open = r.list_tasks(Some(&id), true, None).await.unwrap();
            assert_eq!(
                open.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
                vec![t2.as_str()]
            );
            assert_eq!(r.verify(None).await.unwrap().problem, None, "{backend}");
            tamper(
                &r,
                &format!("UPDATE tasks SET status = 'done' WHERE id = '{t2}'"),
            )
            .await;
            assert!(
                matches!(r.verify(None).await.unwrap().problem, Some(Problem::Record { table, id: i, .. }) if table == "tasks" && i == t2),
                "{backend}"
            );
        }
    });
}
