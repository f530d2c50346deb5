//! PSTI Sch. 1 para 2 / EN 303 645 5.2-1: is information on how to report security issues
//! published, with a point of contact and when acknowledgement and status updates follow,
//! reachable without login, payment or personal data, and in English?
//!
//! Finds the policy (product file or command line, security.txt `Policy`, links from the home
//! page), reads its prose with the heuristics listed in `HEURISTICS` (lib.rs), quotes what it
//! relied on, and says `inconclusive` where the words do not allow a confident answer.

use crate::fetch::{join_url, Source};
use crate::{finding, html, resource_evidence, text, verdict, Quote, SecurityTxtResult, SiteInput};
use baseline_model::{Confidence, Evidence, Finding, Outcome, Verdict};
use std::collections::BTreeMap;

pub const REQUIREMENT: &str = "psti:sch1-p2";

const ACK_KEYS: &[&str] = &[
    "acknowledg",
    "confirm receipt",
    "confirmation of receipt",
    "confirm that we have received",
    "receipt of your",
    "initial response",
    "first response",
    "respond to your report",
    "respond to you",
    "respond within",
    "reply within",
    "reply to you",
    "get back to you",
    "hear from us",
    "we will respond",
    "we will reply",
    "we'll respond",
    "we'll reply",
];

const UPDATE_KEYS: &[&str] = &[
    "status update",
    "update you",
    "updates on",
    "keep you informed",
    "keep you updated",
    "keep you up to date",
    "inform you of",
    "informed of",
    "progress",
    "regular update",
    "until the issue is resolved",
    "until it is resolved",
    "until resolution",
    "until the vulnerability",
    "notify you",
];

const PLATFORMS: &[&str] = &[
    "hackerone.com",
    "bugcrowd.com",
    "intigriti.com",
    "yeswehack.com",
    "openbugbounty.org",
    "zerocopter.com",
    "hackrate.com",
];

const LINK_HINTS: &[&str] = &[
    "security",
    "vulnerab",
    "disclosure",
    "responsible",
    "psirt",
    "bug bounty",
];

/// What one policy page says.
#[derive(Debug, Default)]
struct Reading {
    contacts: Vec<String>,
    ack: Vec<(String, bool)>,
    updates: Vec<(String, bool)>,
    words: usize,
    english_share: f64,
    lang: Option<String>,
    barrier: Option<String>,
}

fn read_page(url: &str, res: &crate::Resource, body: &[u8]) -> Reading {
    let raw = String::from_utf8_lossy(body);
    let page = html::parse(&raw, res.header("content-type"));
    let mut r = Reading {
        lang: page.lang.clone(),
        ..Reading::default()
    };
    let (share, n) = text::english_share(&page.text);
    r.english_share = share;
    r.words = n;
    for e in text::emails(&page.text) {
        r.contacts.push(format!("e-mail {e}"));
    }
    for (href, label) in &page.links {
        let h = href.to_ascii_lowercase();
        let l = label.to_ascii_lowercase();
        if let Some(m) = h.strip_prefix("mailto:") {
            r.contacts
                .push(format!("mailto link {}", m.split('?').next().unwrap_or(m)));
        } else if h.starts_with("tel:") {
            r.contacts.push(format!("telephone link {href}"));
        } else if PLATFORMS.iter().any(|p| h.contains(p)) {
            r.contacts
                .push(format!("reporting platform {}", join_url(url, href)));
        } else if (l.contains("report") || l.contains("submit") || l.contains("contact"))
            && (l.contains("vulnerab")
                || l.contains("security")
                || l.contains("form")
                || l.contains("issue"))
        {
            r.contacts.push(format!(
                "reporting link \"{label}\" {}",
                join_url(url, href)
            ));
        }
    }
    r.contacts.dedup();
    for s in text::sentences(&page.text) {
        let l = s.to_lowercase();
        let timed = !text::durations(&s).is_empty();
        if ACK_KEYS.iter().any(|k| l.contains(k)) {
            r.ack.push((s.clone(), timed));
        }
        if UPDATE_KEYS.iter().any(|k| l.contains(k)) {
            r.updates
                .push((s.clone(), timed || text::has_frequency(&s)));
        }
    }
    // Access barriers.
    let final_url = res.final_url.as_deref().unwrap_or(url).to_ascii_lowercase();
    let path = final_url.split_once("://").map_or("", |x| x.1);
    let path = path.find('/').and_then(|i| path.get(i..)).unwrap_or("");
    let lower = page.text.to_lowercase();
    if let Some(s) = res.status.filter(|s| [401, 402, 403, 407].contains(s)) {
        r.barrier = Some(format!("HTTP {s}"));
    } else if [
        "/login",
        "/signin",
        "/sign-in",
        "/sso",
        "/auth",
        "/account/login",
    ]
    .iter()
    .any(|p| path.contains(p))
    {
        r.barrier = Some(format!("redirected to a sign-in page {final_url}"));
    } else if page.password_inputs > 0 && r.words < 300 {
        r.barrier = Some("the page asks for a password".to_owned());
    } else if r.words < 300
        && [
            "log in to",
            "sign in to",
            "login required",
            "members only",
            "subscribe to view",
            "payment required",
        ]
        .iter()
        .any(|p| lower.contains(p))
    {
        r.barrier = Some("the page asks the reader to sign in or pay".to_owned());
    } else if r.words < 150
        && !page.personal_inputs.is_empty()
        && ["to view", "to access", "to continue", "to read"]
            .iter()
            .any(|p| lower.contains(p))
    {
        r.barrier = Some(format!(
            "the page asks for personal details ({}) before showing the information",
            page.personal_inputs.join(", ")
        ));
    }
    r
}

pub fn assess(
    input: &SiteInput,
    src: &mut dyn Source,
    stxt: Option<&SecurityTxtResult>,
    findings: &mut Vec<Finding>,
    quotes: &mut Vec<Quote>,
) -> Verdict {
    let mut candidates: Vec<String> = Vec::new();
    let push = |c: &mut Vec<String>, u: String| {
        if !c.contains(&u) {
            c.push(u);
        }
    };
    if let Some(u) = &input.policy_url {
        push(&mut candidates, u.clone());
    }
    let mut stxt_contacts = Vec::new();
    if let Some(s) = stxt {
        for p in s.report.values("policy") {
            if p.to_ascii_lowercase().starts_with("https://")
                || p.to_ascii_lowercase().starts_with("http://")
            {
                push(&mut candidates, p.to_owned());
            }
        }
        for c in s.report.values("contact") {
            stxt_contacts.push(c.to_owned());
        }
    }
    let mut looked = Vec::new();
    if candidates.is_empty() {
        if let Some(site) = &input.site {
            let (res, body) = src.get("home", site);
            looked.push(resource_evidence(&res));
            if res.ok() {
                let page = html::parse(&String::from_utf8_lossy(&body), res.header("content-type"));
                let base = res.final_url.clone().unwrap_or_else(|| site.clone());
                for (href, label) in page.links {
                    let h = href.to_ascii_lowercase();
                    let l = label.to_ascii_lowercase();
                    if h.starts_with("mailto:")
                        || h.starts_with('#')
                        || h.starts_with("javascript:")
                    {
                        continue;
                    }
                    if LINK_HINTS.iter().any(|k| h.contains(k) || l.contains(k))
                        && candidates.len() < 3
                    {
                        push(&mut candidates, join_url(&base, &href));
                    }
                }
            }
        }
    }

    let mut codes = Vec::new();
    if candidates.is_empty() {
        let mut f = finding(
            "DISC-101",
            if stxt_contacts.is_empty() {
                "no vulnerability disclosure policy found".to_owned()
            } else {
                format!(
                    "no vulnerability disclosure policy found (security.txt gives a contact, {}, but no Policy)",
                    stxt_contacts.join(", ")
                )
            },
            looked,
            Confidence::Medium,
            BTreeMap::new(),
        );
        f.details.insert(
            "security_txt_contacts".into(),
            serde_json::json!(stxt_contacts),
        );
        findings.push(f);
        return verdict(
            REQUIREMENT,
            Outcome::Fail,
            "No published vulnerability disclosure policy was found: give its URL with --policy-url or [disclosure] policy_url if it exists.".to_owned(),
            vec!["DISC-101".into()],
        );
    }

    let mut readings = Vec::new();
    let mut unreachable = Vec::new();
    let mut barriers = Vec::new();
    for url in &candidates {
        let (res, body) = src.get("policy", url);
        let reading = read_page(url, &res, &body);
        if let Some(b) = &reading.barrier {
            barriers.push((res.clone(), b.clone()));
            continue;
        }
        if !res.ok() {
            unreachable.push(res);
            continue;
        }
        readings.push((url.clone(), res, reading));
    }
    if readings.is_empty() {
        for (res, why) in &barriers {
            findings.push(finding(
                "DISC-103",
                format!(
                    "the disclosure policy at {} is behind a barrier: {why}",
                    res.url
                ),
                vec![resource_evidence(res)],
                Confidence::Medium,
                BTreeMap::new(),
            ));
            codes.push("DISC-103".to_owned());
        }
        for res in &unreachable {
            findings.push(finding(
                "DISC-102",
                format!(
                    "the disclosure policy could not be fetched: {}",
                    res.describe()
                ),
                vec![resource_evidence(res)],
                Confidence::High,
                BTreeMap::new(),
            ));
            codes.push("DISC-102".to_owned());
        }
        let why = if barriers.is_empty() {
            "The disclosure policy could not be fetched, so it is not shown to be published."
        } else {
            "The disclosure policy is only reachable after signing in, paying or giving personal details."
        };
        return verdict(REQUIREMENT, Outcome::Fail, why.to_owned(), codes);
    }

    // Aggregate what the reachable pages say.
    let mut contacts: Vec<(String, String)> = Vec::new();
    let mut ack: Vec<(String, String, bool)> = Vec::new();
    let mut upd: Vec<(String, String, bool)> = Vec::new();
    let mut evidence = Vec::new();
    let mut english_fail = Vec::new();
    for (url, res, r) in &readings {
        evidence.push(resource_evidence(res));
        for c in &r.contacts {
            contacts.push((url.clone(), c.clone()));
        }
        for (s, t) in &r.ack {
            ack.push((url.clone(), s.clone(), *t));
        }
        for (s, t) in &r.updates {
            upd.push((url.clone(), s.clone(), *t));
        }
        let lang_other = r
            .lang
            .as_deref()
            .is_some_and(|l| !l.to_ascii_lowercase().starts_with("en"));
        if (r.words >= 30 && r.english_share < 0.10) || (lang_other && r.english_share < 0.20) {
            english_fail.push((res.clone(), r.english_share, r.lang.clone()));
        }
    }
    for c in &stxt_contacts {
        if let Some(s) = stxt {
            contacts.push((s.final_url.clone(), format!("security.txt Contact {c}")));
        }
    }

    let mut outcome = Outcome::Pass;
    let mut why: Vec<String> = Vec::new();
    if contacts.is_empty() {
        findings.push(finding(
            "DISC-104",
            "the disclosure policy gives no point of contact",
            evidence.clone(),
            Confidence::Medium,
            BTreeMap::new(),
        ));
        codes.push("DISC-104".into());
        outcome = Outcome::Fail;
        why.push("no point of contact".into());
    } else if let Some((url, c)) = contacts.first() {
        quotes.push(Quote {
            kind: "contact".into(),
            text: c.clone(),
            url: url.clone(),
        });
    }
    for (res, share, lang) in &english_fail {
        findings.push(finding(
            "DISC-107",
            format!(
                "the policy at {} does not appear to be in English ({:.0}% common English words{})",
                res.url,
                share * 100.0,
                lang.as_ref()
                    .map(|l| format!(", lang={l}"))
                    .unwrap_or_default()
            ),
            vec![resource_evidence(res)],
            Confidence::Medium,
            BTreeMap::new(),
        ));
        codes.push("DISC-107".into());
        outcome = Outcome::Fail;
        why.push("not in English".into());
    }
    let mut judge = |items: &[(String, String, bool)],
                     code: &str,
                     kind: &str,
                     what: &str,
                     outcome: &mut Outcome| {
        if let Some((url, s, _)) = items.iter().find(|i| i.2) {
            quotes.push(Quote {
                kind: kind.into(),
                text: s.clone(),
                url: url.clone(),
            });
            return;
        }
        let (title, conf) = match items.first() {
            Some((_, s, _)) => (
                format!(
                    "the policy mentions {what} but names no time: \"{}\"",
                    clip(s)
                ),
                Confidence::Low,
            ),
            None => (
                format!("the policy does not say when {what} will follow"),
                Confidence::Medium,
            ),
        };
        let mut ev = evidence.clone();
        if let Some((url, s, _)) = items.first() {
            ev = vec![Evidence::new(url.clone()).excerpt(clip(s))];
        }
        findings.push(finding(code, title, ev, conf, BTreeMap::new()));
        codes.push(code.to_owned());
        if items.is_empty() {
            *outcome = Outcome::Fail;
            why.push(format!("no information on when {what} follows"));
        } else {
            if *outcome == Outcome::Pass {
                *outcome = Outcome::Inconclusive;
            }
            why.push(format!("{what} mentioned without a time"));
        }
    };
    judge(
        &ack,
        "DISC-105",
        "acknowledgement",
        "an acknowledgement",
        &mut outcome,
    );
    judge(
        &upd,
        "DISC-106",
        "status-updates",
        "status updates",
        &mut outcome,
    );

    let found: Vec<&Quote> = quotes.iter().collect();
    if !found.is_empty() {
        let mut f = finding(
            "DISC-108",
            format!(
                "disclosure commitments found: {}",
                found
                    .iter()
                    .map(|q| format!("{}: \"{}\"", q.kind, clip(&q.text)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            found
                .iter()
                .map(|q| {
                    Evidence::new(q.url.clone())
                        .excerpt(clip(&q.text))
                        .note(q.kind.clone())
                })
                .collect(),
            Confidence::Medium,
            BTreeMap::new(),
        );
        f.details.insert("quotes".into(), serde_json::json!(found));
        findings.push(f);
        codes.push("DISC-108".into());
    }
    let rationale = match outcome {
        Outcome::Pass => format!(
            "The policy at {} gives a point of contact and says when an acknowledgement and status updates follow (quoted).",
            readings.iter().map(|r| r.0.as_str()).collect::<Vec<_>>().join(", ")
        ),
        _ => format!("Policy read at {}: {}.", readings.iter().map(|r| r.0.as_str()).collect::<Vec<_>>().join(", "), why.join("; ")),
    };
    verdict(REQUIREMENT, outcome, rationale, codes)
}

pub(crate) fn clip(s: &str) -> String {
    if s.chars().count() <= 300 {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(300).collect::<String>())
    }
}
