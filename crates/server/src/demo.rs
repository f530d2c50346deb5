//! `baseline serve --demo`: seed an empty register with a team, users, operators, allegations,
//! cases at each stage (one with the demo firmware assessed and a compliance notice given after
//! its representations period, one with a penalty), and an API token, so that a newcomer sees
//! a populated service at once. Dates are set in the past so the statutory periods have run.

use baseline_register::people::{NewUser, OperatorRow};
use baseline_register::register::{NewCase, NewEvidence, NewNotice, NewPenalty};
use baseline_register::{NewAllegation, Register, Result};
use jiff::{SignedDuration, Timestamp};

/// What the seeding made.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub cases: Vec<String>,
    /// An officer's API token (shown once).
    pub token: String,
    /// The demo officer's sign-in: email, password and TOTP key (base32). Demonstration only.
    pub officer: (String, String, String),
}

/// The demo officer's password (a demo register only).
pub const DEMO_PASSWORD: &str = "demo officer password";

fn days_ago(now: Timestamp, d: i64) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(24 * d))
        .unwrap_or(now)
}

/// Seed `r` unless it already has cases (then `None`). `firmware` is the demo image and its
/// product file (TOML text), assessed through the pipeline.
pub async fn seed(
    r: &Register,
    now: Timestamp,
    firmware: Option<(&[u8], &str)>,
) -> Result<Option<Seeded>> {
    if !r.list_cases(None, 1).await?.is_empty() {
        return Ok(None);
    }
    let o = "demo";
    let t0 = days_ago(now, 40);
    r.add_team(t0, o, "Connected products").await?;
    for (email, role) in [
        ("officer@opss.example", "officer"),
        ("lead@opss.example", "team-lead"),
        ("auditor@opss.example", "auditor"),
    ] {
        r.add_user(
            t0,
            o,
            &NewUser {
                email: email.into(),
                role: role.into(),
                team: Some("Connected products".into()),
                ..NewUser::default()
            },
        )
        .await?;
    }
    r.set_operator(
        t0,
        o,
        &OperatorRow {
            legal_name: "Demo Devices Ltd".into(),
            company_number: Some("09999999".into()),
            address: Some("2 Example Road, Leeds LS1 1AA".into()),
            country: Some("GB".into()),
            ..OperatorRow::default()
        },
    )
    .await?;
    r.set_operator(
        t0,
        o,
        &OperatorRow {
            legal_name: "Example Imports Ltd".into(),
            country: Some("GB".into()),
            ..OperatorRow::default()
        },
    )
    .await?;
    r.add_user(
        t0,
        o,
        &NewUser {
            email: "compliance@demo-devices.example".into(),
            role: "respondent".into(),
            operator: Some("Demo Devices Ltd".into()),
            ..NewUser::default()
        },
    )
    .await?;

    let al = r
        .receive_allegation(t0, "public", &NewAllegation {
            source: "consumer".into(),
            brand: "Demo Devices".into(),
            model: "DR-1".into(),
            description: "The router's admin page accepts the same password on my unit and my neighbour's.".into(),
            where_bought: Some("an online marketplace".into()),
            ..NewAllegation::default()
        })
        .await?;
    r.receive_allegation(
        days_ago(now, 2),
        "public",
        &NewAllegation {
            source: "security-researcher".into(),
            brand: "Example Cam".into(),
            model: "EC-200".into(),
            description: "Telnet is open on port 23 with a fixed root password.".into(),
            ..NewAllegation::default()
        },
    )
    .await?;

    let product = firmware
        .map(|(_, toml)| toml)
        .and_then(|t| baseline_pipeline::ProductInput::parse(t, "demo-product.toml").ok());
    let c1 = r
        .open_case(
            t0,
            o,
            &NewCase {
                title: "Demo Devices DR-1 router: fixed root password".into(),
                operators: vec![("Demo Devices Ltd".into(), "manufacturer".into())],
                product,
                team: Some("Connected products".into()),
                allegation: Some(al),
                ..NewCase::default()
            },
        )
        .await?;
    let mut basis = Vec::new();
    let mut evidence = Vec::new();
    if let Some((image, toml)) = firmware {
        let inputs = baseline_pipeline::Inputs {
            images: vec![baseline_pipeline::Image {
                name: "demo-firmware.bin".into(),
                data: bytes::Bytes::copy_from_slice(image),
            }],
            product: Some(baseline_pipeline::ProductInput::parse(
                toml,
                "demo-product.toml",
            )?),
            ..baseline_pipeline::Inputs::default()
        };
        let run = baseline_pipeline::run(
            &inputs,
            &baseline_pipeline::Options::default(),
            &baseline_pipeline::Silent,
        )?;
        let report = baseline_report::json::render(&run.assessment);
        let shas = r
            .add_evidence_all(
                t0,
                o,
                &c1,
                &[
                    NewEvidence {
                        data: image,
                        name: "demo-firmware.bin",
                        kind: "firmware",
                        origin: "demo",
                    },
                    NewEvidence {
                        data: report.as_bytes(),
                        name: "assessment.json",
                        kind: "assessment",
                        origin: "baseline assess",
                    },
                ],
            )
            .await?;
        if let Some(rsha) = shas.last() {
            if run.assessment.verdicts.iter().any(|v| {
                v.requirement == "psti:sch1-p1" && v.outcome == baseline_model::Outcome::Fail
            }) {
                basis.push(format!("{rsha}/psti:sch1-p1"));
            }
            evidence.push(rsha.clone());
        }
    }
    let t1 = days_ago(now, 35);
    let notice = |comply_days: i64| {
        NewNotice {
        kind: "compliance".into(),
        breaches: vec!["psti:sch1-p1".into()],
        evidence: evidence.clone(),
        reasons: "Every unit of the DR-1 carries the same root password hash, which is a universal default password.".into(),
        steps: Some("Supply firmware that makes the user set a password on first use, and tell existing owners.".into()),
        comply_by: Some(days_ago(now, -comply_days)),
        basis: basis.clone(),
    }
    };
    if let Ok(n) = r.draft_notice(t1, o, &c1, &notice(30)).await? {
        let _ = r.notice_intent(t1, o, &c1, &n, None).await?;
        let _ = r.issue_notice(days_ago(now, 20), o, &c1, &n).await?;
    }

    let c2 = r
        .open_case(
            days_ago(now, 12),
            o,
            &NewCase {
                title: "Example Imports: cameras without a vulnerability disclosure policy".into(),
                operators: vec![("Example Imports Ltd".into(), "importer".into())],
                team: Some("Connected products".into()),
                ..NewCase::default()
            },
        )
        .await?;
    if let Ok(n) = r
        .draft_notice(
            days_ago(now, 5),
            o,
            &c2,
            &NewNotice {
                breaches: vec!["psti:sch1-p2".into()],
                evidence: vec![],
                basis: vec![],
                reasons: "No point of contact for reporting security issues is published.".into(),
                ..notice(40)
            },
        )
        .await?
    {
        let _ = r.notice_intent(days_ago(now, 5), o, &c2, &n, None).await?;
    }
    let c3 = r
        .open_case(
            days_ago(now, 60),
            o,
            &NewCase {
                title: "Smart plug: no defined support period (closed)".into(),
                team: Some("Connected products".into()),
                operators: vec![("Demo Devices Ltd".into(), "manufacturer".into())],
                ..NewCase::default()
            },
        )
        .await?;
    let _ = r
        .penalty(
            days_ago(now, 50),
            o,
            &c3,
            &NewPenalty {
                breach: "psti:sch1-p3".into(),
                amount_pence: 25_000 * 100,
                worldwide_revenue_pence: None,
                daily_pence: None,
                payment_days: 28,
                reasons: "No support period was published after repeated requests.".into(),
                ..NewPenalty::default()
            },
        )
        .await?;
    r.close(
        days_ago(now, 10),
        o,
        &c3,
        "penalty",
        "penalty paid; support period now published",
    )
    .await?;
    r.open_case(
        days_ago(now, 1),
        o,
        &NewCase {
            title: "Baby monitor: restricted (a child-safety referral)".into(),
            restricted: true,
            team: Some("Connected products".into()),
            ..NewCase::default()
        },
    )
    .await?;

    let (_, token) = r
        .create_token(
            now,
            o,
            "officer",
            &[],
            SignedDuration::from_hours(24 * 30),
            None,
        )
        .await?;
    // The officer enrolled with a known password and key, so the demo can be signed in to.
    let email = "officer@opss.example";
    let invitation = r.invite(days_ago(now, 1), o, email).await?;
    let key = r
        .enrolment(days_ago(now, 1), &invitation)
        .await?
        .totp_base32;
    let code = baseline_register::auth::totp_code(&key, days_ago(now, 1))?;
    if let Err(m) = r
        .enroll(days_ago(now, 1), &invitation, DEMO_PASSWORD, &code)
        .await?
    {
        return Err(baseline_register::Error::Input(m));
    }
    Ok(Some(Seeded {
        cases: vec![c1, c2, c3],
        token,
        officer: (email.into(), DEMO_PASSWORD.into(), key),
    }))
}

/// The demo image and product file shipped in `examples/`.
pub const DEMO_FIRMWARE: &[u8] = include_bytes!("../../../examples/demo-firmware.bin");
pub const DEMO_PRODUCT: &str = include_str!("../../../examples/demo-product.toml");
