//! PSTI Sch. 1 para 3 / EN 303 645 5.3-13: is the defined support period published, as a
//! period ending on a specific date, alongside the invitation to purchase, in plain words, and
//! never shortened against earlier archives?

use crate::disclosure::clip;
use crate::fetch::{join_url, Source};
use crate::{
    finding, html, resource_evidence, text, time, verdict, Archive, Quote, SiteInput,
    SupportStatement,
};
use baseline_model::{Confidence, Evidence, Finding, Outcome, Verdict};
use std::collections::BTreeMap;

pub const REQUIREMENT: &str = "psti:sch1-p3";

const KEYS: &[&str] = &[
    "support period",
    "security update",
    "software update",
    "firmware update",
    "supported until",
    "support until",
    "updates until",
    "end of support",
    "end-of-support",
    "end of life",
    "end-of-life",
    "minimum support",
    "security support",
    "receive updates",
    "provide updates",
    "will be supported",
    "security patches",
];

const JARGON: &[&str] = &[
    "EOL", "EoL", "EOS", "EoS", "LTS", "CVE", "OTA", "SLA", "CVSS",
];

/// One statement with its parsed end, for comparisons.
#[derive(Debug, Clone)]
struct Found {
    st: SupportStatement,
    end: Option<i64>,
}

fn statements(url: &str, body: &[u8], content_type: Option<&str>) -> (Vec<Found>, html::Page) {
    let page = html::parse(&String::from_utf8_lossy(body), content_type);
    let mut out = Vec::new();
    for s in text::sentences(&page.text) {
        let l = s.to_lowercase();
        if !KEYS.iter().any(|k| l.contains(k)) {
            continue;
        }
        let dates = text::dates(&s);
        if let Some(best) = dates.iter().max_by_key(|d| d.at) {
            out.push(Found {
                st: SupportStatement {
                    url: url.to_owned(),
                    quote: clip(&s),
                    end_date: Some(time::format_date(best.at)),
                    year_only: best.partial,
                    relative: None,
                },
                end: Some(best.at),
            });
            continue;
        }
        let rel = text::durations(&s)
            .into_iter()
            .find(|(_, u)| *u == "years" || *u == "months")
            .map(|(n, u)| format!("{n} {u}"))
            .or_else(|| {
                ["lifetime", "life of the product", "for as long as"]
                    .iter()
                    .find(|k| l.contains(*k))
                    .map(|k| (*k).to_owned())
            });
        if let Some(rel) = rel {
            out.push(Found {
                st: SupportStatement {
                    url: url.to_owned(),
                    quote: clip(&s),
                    end_date: None,
                    year_only: false,
                    relative: Some(rel),
                },
                end: None,
            });
        }
    }
    (out, page)
}

/// The latest stated end in an archive, judged offline (for `--previous`).
fn archived_end(prev: &Archive) -> Option<(i64, SupportStatement, String)> {
    let input = &prev.index.input;
    let mut urls: Vec<&String> = input.support_url.iter().collect();
    urls.extend(input.purchase_urls.iter());
    let mut best: Option<(i64, SupportStatement, String)> = None;
    for u in urls {
        let Some((res, body)) = prev.lookup(u) else {
            continue;
        };
        if !res.ok() {
            continue;
        }
        let (found, _) = statements(u, &body, res.header("content-type"));
        for f in found {
            if let Some(end) = f.end {
                if best.as_ref().is_none_or(|b| end > b.0) {
                    best = Some((end, f.st, res.fetched_at.clone()));
                }
            }
        }
    }
    best
}

pub fn assess(
    input: &SiteInput,
    src: &mut dyn Source,
    now: i64,
    previous: &[Archive],
    findings: &mut Vec<Finding>,
    quotes: &mut Vec<Quote>,
) -> (Verdict, Vec<SupportStatement>) {
    let mut codes: Vec<String> = Vec::new();
    let mut pages: Vec<(&str, &String)> = Vec::new();
    if let Some(u) = &input.support_url {
        pages.push(("support", u));
    }
    for u in &input.purchase_urls {
        pages.push(("purchase", u));
    }
    if pages.is_empty() {
        return (
            verdict(
                REQUIREMENT,
                Outcome::Inconclusive,
                "No support-period page or purchase page was given ([support] period_url / purchase_url, --support-url / --purchase-url); the support period was not looked for.".into(),
                codes,
            ),
            Vec::new(),
        );
    }
    let mut all: Vec<Found> = Vec::new();
    let mut reachable = Vec::new();
    let mut purchase_missing = Vec::new();
    let mut support_final: Vec<String> = input.support_url.iter().cloned().collect();
    let mut fetched = Vec::new();
    for (role, url) in &pages {
        let (res, body) = src.get(role, url);
        if *role == "support" {
            if let Some(f) = &res.final_url {
                support_final.push(f.clone());
            }
        }
        fetched.push((*role, (*url).clone(), res, body));
    }
    for (role, url, res, body) in &fetched {
        if !res.ok() {
            findings.push(finding(
                "SUPP-002",
                format!("the {role} page could not be fetched: {}", res.describe()),
                vec![resource_evidence(res)],
                Confidence::High,
                BTreeMap::new(),
            ));
            codes.push("SUPP-002".into());
            continue;
        }
        reachable.push(resource_evidence(res));
        let (found, page) = statements(url, body, res.header("content-type"));
        if *role == "purchase" {
            let base = res.final_url.clone().unwrap_or_else(|| url.clone());
            let links_support = page.links.iter().any(|(href, label)| {
                let target = join_url(&base, href);
                let l = label.to_lowercase();
                support_final.contains(&target)
                    || l.contains("support period")
                    || l.contains("security update")
            });
            if found.is_empty() && !links_support {
                purchase_missing.push(res.clone());
            }
        }
        all.extend(found);
    }

    if reachable.is_empty() {
        return (
            verdict(
                REQUIREMENT,
                Outcome::Fail,
                "None of the support-period or purchase pages could be fetched, so the support period is not shown to be published.".into(),
                codes,
            ),
            Vec::new(),
        );
    }
    let statements_out: Vec<SupportStatement> = all.iter().map(|f| f.st.clone()).collect();
    let mut outcome = Outcome::Pass;
    let mut why: Vec<String> = Vec::new();
    let best = all
        .iter()
        .filter(|f| f.end.is_some())
        .max_by_key(|f| f.end.unwrap_or(i64::MIN))
        .cloned();
    match &best {
        None if all.is_empty() => {
            findings.push(finding(
                "SUPP-001",
                "no statement of a support period was found",
                reachable.clone(),
                Confidence::Medium,
                BTreeMap::new(),
            ));
            codes.push("SUPP-001".into());
            outcome = Outcome::Fail;
            why.push("no support-period statement found".into());
        }
        None => {
            let f = all.first().cloned();
            if let Some(f) = f {
                findings.push(finding(
                    "SUPP-003",
                    format!(
                        "the support period is stated as a length ({}), not as a period ending on a specific date: \"{}\"",
                        f.st.relative.clone().unwrap_or_default(),
                        f.st.quote
                    ),
                    vec![Evidence::new(f.st.url.clone()).excerpt(f.st.quote.clone())],
                    Confidence::Medium,
                    BTreeMap::new(),
                ));
                codes.push("SUPP-003".into());
                quotes.push(Quote {
                    kind: "support-period".into(),
                    text: f.st.quote.clone(),
                    url: f.st.url.clone(),
                });
            }
            outcome = Outcome::Fail;
            why.push("the period does not end on a specific date".into());
        }
        Some(f) => {
            let end = f.end.unwrap_or(i64::MIN);
            let mut fi = finding(
                "SUPP-007",
                format!(
                    "support period stated, ending {}: \"{}\"",
                    f.st.end_date.clone().unwrap_or_default(),
                    f.st.quote
                ),
                vec![Evidence::new(f.st.url.clone()).excerpt(f.st.quote.clone())],
                Confidence::Medium,
                BTreeMap::new(),
            );
            fi.details
                .insert("end_date".into(), serde_json::json!(f.st.end_date));
            findings.push(fi);
            codes.push("SUPP-007".into());
            quotes.push(Quote {
                kind: "support-period".into(),
                text: f.st.quote.clone(),
                url: f.st.url.clone(),
            });
            if f.st.year_only {
                outcome = Outcome::Inconclusive;
                why.push("the end is given as a year only; whether that is a specific date is for a person to judge".into());
            }
            if end < now {
                findings.push(finding(
                    "SUPP-008",
                    format!(
                        "the stated support period ended on {} (judged as of {})",
                        f.st.end_date.clone().unwrap_or_default(),
                        time::format_date(now)
                    ),
                    vec![Evidence::new(f.st.url.clone()).excerpt(f.st.quote.clone())],
                    Confidence::Medium,
                    BTreeMap::new(),
                ));
                codes.push("SUPP-008".into());
            }
            // Plain words.
            let wc = f.st.quote.split_whitespace().count();
            let jargon: Vec<&str> = JARGON
                .iter()
                .filter(|j| {
                    f.st.quote
                        .split(|c: char| !c.is_alphanumeric())
                        .any(|w| w == **j)
                })
                .copied()
                .collect();
            if wc > 35 || !jargon.is_empty() {
                let mut why_unclear = Vec::new();
                if wc > 35 {
                    why_unclear.push(format!("{wc} words in one sentence (over 35)"));
                }
                if !jargon.is_empty() {
                    why_unclear.push(format!("jargon: {}", jargon.join(", ")));
                }
                findings.push(finding(
                    "SUPP-006",
                    format!("the support-period statement may not be clear to a non-technical reader: {}", why_unclear.join("; ")),
                    vec![Evidence::new(f.st.url.clone()).excerpt(f.st.quote.clone())],
                    Confidence::Low,
                    BTreeMap::new(),
                ));
                codes.push("SUPP-006".into());
            }
            for prev in previous {
                if let Some((pend, pst, pat)) = archived_end(prev) {
                    if end < pend {
                        let mut fi = finding(
                            "SUPP-005",
                            format!(
                                "the support period was shortened: {} now, {} in the archive of {}",
                                f.st.end_date.clone().unwrap_or_default(),
                                time::format_date(pend),
                                pat
                            ),
                            vec![
                                Evidence::new(f.st.url.clone())
                                    .excerpt(f.st.quote.clone())
                                    .note("now"),
                                Evidence::new(pst.url.clone())
                                    .excerpt(pst.quote.clone())
                                    .note(format!("earlier, fetched {pat}")),
                            ],
                            Confidence::Medium,
                            BTreeMap::new(),
                        );
                        fi.details.insert(
                            "previous_end_date".into(),
                            serde_json::json!(time::format_date(pend)),
                        );
                        findings.push(fi);
                        codes.push("SUPP-005".into());
                        outcome = Outcome::Fail;
                        why.push("shorter than an earlier published period".into());
                    }
                }
            }
        }
    }
    for res in &purchase_missing {
        findings.push(finding(
            "SUPP-004",
            format!(
                "the purchase page {} neither states the support period nor links to it",
                res.url
            ),
            vec![resource_evidence(res)],
            Confidence::Medium,
            BTreeMap::new(),
        ));
        codes.push("SUPP-004".into());
        outcome = Outcome::Fail;
        why.push("not published alongside the invitation to purchase".into());
    }
    if input.purchase_urls.is_empty() && outcome == Outcome::Pass {
        outcome = Outcome::Inconclusive;
        why.push("no purchase page was given, so publication alongside the invitation to purchase was not checked".into());
    }
    codes.dedup();
    let rationale = if outcome == Outcome::Pass {
        format!(
            "The support period is published with an end date ({}) and appears with the invitation to purchase.",
            best.and_then(|b| b.st.end_date).unwrap_or_default()
        )
    } else {
        format!("{}.", why.join("; "))
    };
    (
        verdict(REQUIREMENT, outcome, rationale, codes),
        statements_out,
    )
}
