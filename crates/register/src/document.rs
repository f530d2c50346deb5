//! Notices as documents: compliance, stop, recall and penalty notices built from the case
//! data ([`NoticeDocument`]) and rendered as HTML (an askama template,
//! `templates/notice.html`) and PDF (`baseline_report::pdf`).
//!
//! A document carries the statutory content — its legal basis, the reasons (s. 28(3)(a),
//! s. 29(3)(a)), what the person must do and by when (s. 28(2), (4); s. 29(2), (4)), the
//! consequences of not complying (s. 28(3)(b)) and how to appeal (s. 28(3)(c)) — the breached
//! requirements with their PSTI Sch. 1 paragraph and EN 303 645 provisions, the verdicts and
//! findings cited as the basis of each breach, and the evidence by SHA-256. Where
//! regulation.md marks a provision uncertain, the paragraph says so in the document itself.
//!
//! The documents sent with a notice of intent, a notice given and a penalty notice are stored
//! as evidence of kind `notice` in the same transaction as the event, which records their
//! SHA-256: what was sent is kept byte for byte and is in the chain. Rendering is
//! deterministic (no clock, no random ids), so re-rendering the same data gives the same bytes.

use crate::register::{NoticeRow, PenaltyRow, Register};
use crate::rules;
use crate::{Error, Result};
use askama::Template;
use baseline_catalogue::{Catalogue, Provenance};
use baseline_model::{Assessment, Outcome};
use baseline_report::pdf::{self, Line};
use serde::{Deserialize, Serialize};

/// Schema id of a notice document in JSON.
pub const NOTICE_SCHEMA: &str = "baseline/notice/v1";

/// Who gives the notices (regulation.md §1.8: OPSS acts as the Secretary of State).
pub const AUTHORITY: &str =
    "The Secretary of State, acting through the Office for Product Safety and Standards (OPSS)";

const ACT: &str = "the Product Security and Telecommunications Infrastructure Act 2022";

/// A verdict or findings of an attached assessment, cited as the basis of a breach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    /// SHA-256 of the assessment report (an evidence item of the case).
    pub evidence: String,
    /// `verdict` (of `requirement`) or `finding` (of check `code`).
    pub kind: String,
    pub reference: String,
    /// The verdict's outcome (`fail`), or the findings' highest severity.
    pub outcome: String,
    /// The verdict's rationale, or the findings' titles.
    pub statement: String,
    /// Where the findings are (artifact and path), at most [`MAX_PLACES`].
    #[serde(default)]
    pub places: Vec<String>,
    /// The verdict or its requirement is marked uncertain in the catalogue.
    #[serde(default)]
    pub uncertain: bool,
}

/// At most this many places are quoted per basis.
pub const MAX_PLACES: usize = 12;

/// A paragraph of statutory text with its citation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paragraph {
    pub text: String,
    pub citation: String,
    /// regulation.md marks the provision uncertain: the document says so.
    pub uncertain: bool,
}

fn para(text: impl Into<String>, citation: &str, uncertain: bool) -> Paragraph {
    Paragraph {
        text: text.into(),
        citation: citation.to_owned(),
        uncertain,
    }
}

/// A person the notice is given to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Addressee {
    pub legal_name: String,
    pub role: String,
    pub company_number: Option<String>,
    pub address: Option<String>,
    pub country: Option<String>,
}

/// A requirement of the catalogue a notice says was breached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breach {
    pub reference: String,
    pub title: String,
    pub citation: String,
    pub uncertain: bool,
    /// The PSTI Sch. 1 paragraphs and EN 303 645 provisions it corresponds to (legal and
    /// official mappings only), `reference — title (provenance)`.
    pub corresponds: Vec<String>,
}

/// An evidence item a notice rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EvidenceLine {
    pub sha256: String,
    pub kind: String,
    pub name: String,
    pub added_at: String,
    pub size: i64,
}

/// The stage a document is rendered at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Not given: for review inside the authority.
    Draft,
    /// Sent with the notice of intent (s. 28(5)).
    Intent,
    /// Given.
    Issued,
}

/// A penalty notice's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PenaltyTerms {
    pub amount: String,
    pub payment_due: String,
    pub daily: Option<String>,
    pub maximum: String,
    pub maximum_basis: String,
}

/// Everything a notice document says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeDocument {
    pub schema: &'static str,
    /// compliance, stop, recall or penalty.
    pub kind: String,
    pub title: String,
    pub stage: Stage,
    /// What the reader must understand first ("DRAFT — not given", "Notice of intent…").
    pub stage_label: String,
    pub case_id: String,
    pub notice_id: String,
    pub case_title: String,
    pub authority: &'static str,
    /// The date of this document (UTC, RFC 3339).
    pub date: String,
    pub legal_basis: Paragraph,
    pub addressees: Vec<Addressee>,
    /// `brand model`, when the case has a product.
    pub product: Option<String>,
    pub breaches: Vec<Breach>,
    pub reasons: String,
    /// What the notice requires, with its sections.
    pub requires: Vec<Paragraph>,
    pub steps: Option<String>,
    pub comply_by: Option<String>,
    pub basis: Vec<Basis>,
    pub evidence: Vec<EvidenceLine>,
    pub representations: Option<Paragraph>,
    pub penalty: Option<PenaltyTerms>,
    pub consequences: Vec<Paragraph>,
    pub appeal: Paragraph,
    /// Uncertain provisions bearing on this document, as cautions for the officer.
    pub cautions: Vec<String>,
    pub generator: String,
}

/// A rendered document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Json,
}

fn kind_title(kind: &str) -> &'static str {
    match kind {
        "compliance" => "Compliance notice",
        "stop" => "Stop notice",
        "recall" => "Recall notice",
        _ => "Penalty notice",
    }
}

fn breaches(refs: &[String]) -> Vec<Breach> {
    let cat = Catalogue::embedded();
    refs.iter()
        .map(|r| {
            let Some(req) = cat.get(r) else {
                return Breach {
                    reference: r.clone(),
                    title: "(not in this build's catalogue)".into(),
                    citation: String::new(),
                    uncertain: true,
                    corresponds: Vec::new(),
                };
            };
            let other = if req.scheme == "psti" {
                "en303645"
            } else {
                "psti"
            };
            let corresponds = cat
                .map(r, other)
                .unwrap_or_default()
                .into_iter()
                .filter(|t| t.provenance <= Provenance::Official)
                .map(|t| {
                    format!(
                        "{} — {} ({}{})",
                        t.requirement,
                        t.title,
                        t.provenance.as_str(),
                        if t.uncertain { ", uncertain" } else { "" }
                    )
                })
                .collect();
            Breach {
                reference: r.clone(),
                title: req.title.clone(),
                citation: req.citation.clone(),
                uncertain: req.uncertain,
                corresponds,
            }
        })
        .collect()
}

fn json_strings(s: Option<&str>) -> Vec<String> {
    s.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

fn json_basis(s: Option<&str>) -> Vec<Basis> {
    s.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

fn consequences(kind: &str) -> Vec<Paragraph> {
    let mut v = vec![para(
        "Failing to comply with an enforcement notice may be an offence.",
        "s. 32",
        true,
    )];
    v.push(para(
        format!("Whether or not this notice is complied with, the Secretary of State may give a penalty notice for a failure to comply with a duty under Chapter 2 of {ACT}, of up to the relevant maximum (the greater of £10 million and 4% of qualifying worldwide revenue) and a daily penalty of up to £20,000 for each day the failure continues."),
        "s. 36(1), (4), (5), (8); s. 38(1)",
        false,
    ));
    if kind != "penalty" {
        v.push(para(
            "Where there are reasonable grounds to believe there is a compliance failure, the Secretary of State may apply to the court for the forfeiture of the products.",
            "s. 42(2)",
            false,
        ));
    }
    v
}

fn appeal(kind: &str) -> Paragraph {
    let _ = kind;
    para(
        "You may appeal against this notice to the First-tier Tribunal. The time limit for appealing and the grounds of appeal must be stated here by the officer before the notice is given: Baseline's sources (regulation.md) have not established them.",
        "s. 28(3)(c), s. 29(3)(c), s. 33",
        true,
    )
}

impl Register {
    /// Resolve `--basis SHA/REF` citations against the case's attached assessment reports:
    /// `REF` a requirement (its verdict must be `fail`) or a check code (its findings).
    /// `SHA` may be a unique prefix of at least 8 hex digits.
    pub(crate) async fn resolve_basis(
        &self,
        case_id: &str,
        specs: &[String],
    ) -> Result<Vec<Basis>> {
        let mut out = Vec::new();
        if specs.is_empty() {
            return Ok(out);
        }
        let items: Vec<(String, String)> =
            sqlx::query_as("SELECT sha256, kind FROM evidence WHERE case_id = $1")
                .bind(case_id)
                .fetch_all(&self.db.pool)
                .await
                .map_err(|e| self.db.err(e))?;
        for spec in specs {
            let Some((prefix, reference)) = spec.split_once('/') else {
                return Err(Error::Input(format!(
                    "--basis {spec}: give EVIDENCE-SHA256/REQUIREMENT or EVIDENCE-SHA256/CHECK-CODE"
                )));
            };
            let prefix = prefix.to_ascii_lowercase();
            if prefix.len() < 8 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::Input(format!(
                    "--basis {spec}: `{prefix}` is not a SHA-256 (at least 8 hex digits)"
                )));
            }
            let matching: Vec<&(String, String)> = items
                .iter()
                .filter(|(s, _)| s.starts_with(&prefix))
                .collect();
            let (sha, kind) = match matching.as_slice() {
                [one] => (*one).clone(),
                [] => {
                    return Err(Error::Input(format!(
                        "--basis {spec}: no evidence of {case_id} has SHA-256 {prefix}…"
                    )))
                }
                _ => {
                    return Err(Error::Input(format!(
                        "--basis {spec}: {prefix}… matches {} evidence items; give more digits",
                        matching.len()
                    )))
                }
            };
            if kind != "assessment" {
                return Err(Error::Input(format!(
                    "--basis {spec}: evidence {sha} is a {kind}, not an assessment report"
                )));
            }
            let bytes = self.evidence_bytes(&sha).await?;
            let a: Assessment = serde_json::from_slice(&bytes).map_err(|e| {
                Error::Input(format!(
                    "--basis {spec}: evidence {sha} is not a readable assessment report: {e}"
                ))
            })?;
            if reference.contains(':') {
                let Some(v) = a.verdicts.iter().find(|v| v.requirement == reference) else {
                    return Err(Error::Input(format!(
                        "--basis {spec}: assessment {sha} has no verdict for {reference}"
                    )));
                };
                if v.outcome != Outcome::Fail {
                    return Err(Error::Input(format!(
                        "--basis {spec}: the verdict for {reference} in assessment {sha} is {}, not fail: it is not a basis for a breach",
                        v.outcome.as_str()
                    )));
                }
                let places = a
                    .findings
                    .iter()
                    .filter(|f| v.findings.contains(&f.code))
                    .flat_map(|f| f.evidence.iter().map(move |e| (f, e)))
                    .map(|(f, e)| {
                        format!(
                            "{} {}{}",
                            f.code,
                            e.artifact,
                            e.path
                                .as_deref()
                                .map(|p| format!(" {p}"))
                                .unwrap_or_default()
                        )
                    })
                    .take(MAX_PLACES)
                    .collect();
                out.push(Basis {
                    evidence: sha,
                    kind: "verdict".into(),
                    reference: reference.to_owned(),
                    outcome: v.outcome.as_str().into(),
                    statement: v.rationale.clone(),
                    places,
                    uncertain: v.uncertain,
                });
            } else {
                let found: Vec<_> = a.findings.iter().filter(|f| f.code == reference).collect();
                let Some(top) = found.iter().map(|f| f.severity).max() else {
                    return Err(Error::Input(format!(
                        "--basis {spec}: assessment {sha} has no {reference} finding"
                    )));
                };
                let mut titles: Vec<&str> = found.iter().map(|f| f.title.as_str()).collect();
                titles.dedup();
                let places = found
                    .iter()
                    .flat_map(|f| f.evidence.iter())
                    .map(|e| {
                        format!(
                            "{}{}",
                            e.artifact,
                            e.path
                                .as_deref()
                                .map(|p| format!(" {p}"))
                                .unwrap_or_default()
                        )
                    })
                    .take(MAX_PLACES)
                    .collect();
                out.push(Basis {
                    evidence: sha,
                    kind: "finding".into(),
                    reference: reference.to_owned(),
                    outcome: top.as_str().into(),
                    statement: titles.join("; "),
                    places,
                    uncertain: false,
                });
            }
        }
        Ok(out)
    }

    async fn document_parts(
        &self,
        case_id: &str,
        evidence: &[String],
    ) -> Result<(String, Vec<Addressee>, Option<String>, Vec<EvidenceLine>)> {
        let p = &self.db.pool;
        let e = |e| self.db.err(e);
        let (title, product): (String, Option<String>) =
            sqlx::query_as("SELECT c.title, p.brand || ' ' || p.model FROM cases c LEFT JOIN products p ON p.id = c.product_id WHERE c.id = $1")
                .bind(case_id)
                .fetch_optional(p)
                .await
                .map_err(e)?
                .ok_or_else(|| Error::NotFound(format!("no case {case_id}")))?;
        let addressees = sqlx::query_as::<_, Addressee>("SELECT o.legal_name AS legal_name, c.role AS role, o.company_number AS company_number, o.address AS address, o.country AS country FROM case_operators c JOIN operators o ON o.id = c.operator_id WHERE c.case_id = $1 ORDER BY o.legal_name, c.role")
            .bind(case_id)
            .fetch_all(p)
            .await
            .map_err(e)?;
        let mut lines = Vec::new();
        for sha in evidence {
            if let Some(l) = sqlx::query_as::<_, EvidenceLine>("SELECT e.sha256 AS sha256, e.kind AS kind, e.name AS name, e.added_at AS added_at, b.size AS size FROM evidence e JOIN blobs b ON b.sha256 = e.sha256 WHERE e.case_id = $1 AND e.sha256 = $2")
                .bind(case_id)
                .bind(sha)
                .fetch_optional(p)
                .await
                .map_err(e)?
            {
                lines.push(l);
            }
        }
        Ok((title, addressees, product, lines))
    }

    /// The document of an enforcement notice at `stage`, dated `date`.
    pub async fn notice_document(
        &self,
        n: &NoticeRow,
        stage: Stage,
        date: &str,
    ) -> Result<NoticeDocument> {
        let basis = json_basis(n.basis.as_deref());
        let mut evidence = json_strings(Some(&n.evidence));
        for b in &basis {
            if !evidence.contains(&b.evidence) {
                evidence.push(b.evidence.clone());
            }
        }
        let (case_title, addressees, product, evidence) =
            self.document_parts(&n.case_id, &evidence).await?;
        let by = n
            .comply_by
            .as_deref()
            .unwrap_or("[the end of the period, to be specified]");
        let (legal_basis, requires, mut cautions) = match n.kind.as_str() {
            "compliance" => (
                para(format!("This notice is given under section 28 of {ACT}."), "s. 28(1)", false),
                vec![
                    para(format!("The Secretary of State has reasonable grounds to believe that you have failed to comply with the duty or duties under Chapter 2 of the Act specified below, and requires you to comply with them by {by}."), "s. 28(1)–(2)", false),
                    para("The notice may require you to take the steps specified below and to provide evidence that you have complied.", "s. 28(4)", false),
                ],
                Vec::new(),
            ),
            "stop" => (
                para(format!("This notice is given under section 29 of {ACT}."), "s. 29(1)", false),
                vec![
                    para(format!("The Secretary of State has reasonable grounds to believe that you are carrying on, or are likely to carry on, an activity in breach of the duty or duties specified below, and requires you to stop that activity by {by}."), "s. 29(1)–(2)", false),
                    para("The notice may require you to take the steps specified below, to provide evidence of them, and to inform your customers of the risks of using the product.", "s. 29(4)", false),
                ],
                vec![format!("{} (uncertain): {}", rules::STOP_RECALL_INTENT.citation, rules::STOP_RECALL_INTENT.text)],
            ),
            _ => (
                para(format!("This notice is given under section 30 of {ACT}."), "s. 30", true),
                vec![para(format!("The Secretary of State requires you to make arrangements for the return of the products specified below from customers, by {by}."), "s. 30", true)],
                vec![format!("{} (uncertain): {}", rules::STOP_RECALL_INTENT.citation, rules::STOP_RECALL_INTENT.text)],
            ),
        };
        let representations = match (stage, n.kind.as_str(), &n.representations_end) {
            (Stage::Intent, "compliance", Some(end)) => Some(para(format!("The Secretary of State intends to give you the compliance notice below. You may make representations until {end}; the notice will not be given before then."), "s. 28(5)–(6)", false)),
            (Stage::Intent, _, Some(end)) => Some(para(format!("The Secretary of State intends to give you the notice below. You may make representations until {end}."), "s. 29–31", true)),
            _ => None,
        };
        cautions.push(format!(
            "{} (uncertain): {}",
            rules::APPEAL.citation,
            rules::APPEAL.text
        ));
        Ok(NoticeDocument {
            schema: NOTICE_SCHEMA,
            kind: n.kind.clone(),
            title: kind_title(&n.kind).into(),
            stage,
            stage_label: stage_label(stage, &n.kind, date),
            case_id: n.case_id.clone(),
            notice_id: n.id.clone(),
            case_title,
            authority: AUTHORITY,
            date: date.to_owned(),
            legal_basis,
            addressees,
            product,
            breaches: breaches(&n.breach_list()),
            reasons: n.reasons.clone(),
            requires,
            steps: n.steps.clone(),
            comply_by: n.comply_by.clone(),
            basis,
            evidence,
            representations,
            penalty: None,
            consequences: consequences(&n.kind),
            appeal: appeal(&n.kind),
            cautions,
            generator: format!("Baseline {}", env!("CARGO_PKG_VERSION")),
        })
    }

    /// The document of a penalty notice.
    pub async fn penalty_document(&self, p: &PenaltyRow) -> Result<NoticeDocument> {
        let basis = json_basis(p.basis.as_deref());
        let mut evidence = json_strings(p.evidence.as_deref());
        for b in &basis {
            if !evidence.contains(&b.evidence) {
                evidence.push(b.evidence.clone());
            }
        }
        let (case_title, addressees, product, evidence) =
            self.document_parts(&p.case_id, &evidence).await?;
        let amount = rules::format_gbp(p.amount_pence);
        let maximum_basis = match p.worldwide_revenue_pence {
            Some(r) => format!(
                "the greater of £10,000,000 and 4% of the qualifying worldwide revenue of {}",
                rules::format_gbp(r)
            ),
            None => "£10,000,000: no qualifying worldwide revenue was given".into(),
        };
        Ok(NoticeDocument {
            schema: NOTICE_SCHEMA,
            kind: "penalty".into(),
            title: kind_title("penalty").into(),
            stage: Stage::Issued,
            stage_label: stage_label(Stage::Issued, "penalty", &p.issued_at),
            case_id: p.case_id.clone(),
            notice_id: p.id.clone(),
            case_title,
            authority: AUTHORITY,
            date: p.issued_at.clone(),
            legal_basis: para(format!("This notice is given under section 36 of {ACT}."), "s. 36(1)–(2)", false),
            addressees,
            product,
            breaches: breaches(std::slice::from_ref(&p.breach)),
            reasons: p.reasons.clone().unwrap_or_default(),
            requires: vec![
                para(format!("The Secretary of State is satisfied, on the balance of probabilities, that you have failed to comply with the duty specified below, and requires you to pay a penalty of {amount} by {}.", p.payment_due), "s. 36(1)–(2), (7)", false),
                para("This is the only penalty notice that may be given in respect of this breach.", "s. 36(3)", false),
                para("A penalty notice may be given whether or not an enforcement notice was given; the sums received are paid into the Consolidated Fund.", "s. 36(8)–(9)", false),
            ],
            steps: None,
            comply_by: Some(p.payment_due.clone()),
            basis,
            evidence,
            representations: None,
            penalty: Some(PenaltyTerms {
                amount,
                payment_due: p.payment_due.clone(),
                daily: p.daily_pence.map(|d| format!("{} for each day the failure continues after {}", rules::format_gbp(d), p.payment_due)),
                maximum: rules::format_gbp(p.maximum_pence),
                maximum_basis,
            }),
            consequences: consequences("penalty"),
            appeal: appeal("penalty"),
            cautions: vec![
                format!("{} (uncertain): {}", rules::PENALTY_PROCEDURE.citation, rules::PENALTY_PROCEDURE.text),
                format!("{} (uncertain): {}", rules::APPEAL.citation, rules::APPEAL.text),
            ],
            generator: format!("Baseline {}", env!("CARGO_PKG_VERSION")),
        })
    }
}

fn stage_label(stage: Stage, kind: &str, date: &str) -> String {
    let day = date.get(..10).unwrap_or(date);
    match stage {
        Stage::Draft => "DRAFT — not given. For review within the enforcement authority.".into(),
        Stage::Intent => format!(
            "NOTICE OF INTENT, {day} — the Secretary of State intends to give you the following {}.",
            kind_title(kind).to_lowercase()
        ),
        Stage::Issued => format!("Given on {day}."),
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticeHtml<'a> {
    d: &'a NoticeDocument,
}

impl NoticeDocument {
    /// The document as HTML (self-contained: inline style, no scripts, no network).
    pub fn html(&self) -> String {
        NoticeHtml { d: self }
            .render()
            .unwrap_or_else(|e| format!("<!doctype html><p>rendering failed: {e}</p>"))
    }

    /// The document as PDF (A4, Helvetica; every page footed with the reference and stage).
    pub fn pdf(&self) -> Vec<u8> {
        let mut v = vec![Line::heading(18.0, &self.title)];
        let p = |v: &mut Vec<Line>, size: f32, indent: f32, bold: bool, text: &str| {
            v.extend(pdf::paragraph(size, indent, bold, text));
        };
        p(&mut v, 10.0, 0.0, true, &self.stage_label);
        p(
            &mut v,
            9.0,
            0.0,
            false,
            &format!(
                "Reference {} / {} · {}",
                self.case_id, self.notice_id, self.date
            ),
        );
        p(
            &mut v,
            9.0,
            0.0,
            false,
            &format!("From: {}", self.authority),
        );
        v.push(Line::gap(6.0));
        let cite = |x: &Paragraph| {
            format!(
                "{} ({}{})",
                x.text,
                x.citation,
                if x.uncertain {
                    "; uncertain: to be confirmed before the notice is given"
                } else {
                    ""
                }
            )
        };
        p(&mut v, 10.0, 0.0, false, &cite(&self.legal_basis));
        v.push(Line::gap(6.0));
        v.push(Line::heading(12.0, "To"));
        if self.addressees.is_empty() {
            p(
                &mut v,
                10.0,
                0.0,
                false,
                "[no economic operator recorded in the case]",
            );
        }
        for a in &self.addressees {
            let mut s = format!("{} ({})", a.legal_name, a.role);
            if let Some(n) = &a.company_number {
                s.push_str(&format!(", company number {n}"));
            }
            if let Some(ad) = &a.address {
                s.push_str(&format!(", {ad}"));
            }
            if let Some(c) = &a.country {
                s.push_str(&format!(", {c}"));
            }
            p(&mut v, 10.0, 0.0, false, &s);
        }
        if let Some(prod) = &self.product {
            p(&mut v, 10.0, 0.0, false, &format!("Product: {prod}"));
        }
        if let Some(r) = &self.representations {
            v.push(Line::gap(6.0));
            v.push(Line::heading(12.0, "Representations"));
            p(&mut v, 10.0, 0.0, false, &cite(r));
        }
        v.push(Line::gap(6.0));
        v.push(Line::heading(12.0, "What this notice requires"));
        for r in &self.requires {
            p(&mut v, 10.0, 0.0, false, &cite(r));
        }
        if let Some(t) = &self.penalty {
            p(
                &mut v,
                10.0,
                12.0,
                false,
                &format!("Penalty: {}; payment due by {}.", t.amount, t.payment_due),
            );
            if let Some(d) = &t.daily {
                p(
                    &mut v,
                    10.0,
                    12.0,
                    false,
                    &format!("Daily penalty: {d} (s. 36(5))."),
                );
            }
            p(
                &mut v,
                10.0,
                12.0,
                false,
                &format!(
                    "Relevant maximum: {} ({}) (s. 38).",
                    t.maximum, t.maximum_basis
                ),
            );
        }
        if let Some(s) = &self.steps {
            p(&mut v, 10.0, 0.0, true, "Steps to take");
            p(&mut v, 10.0, 12.0, false, s);
        }
        v.push(Line::gap(6.0));
        v.push(Line::heading(12.0, "The duties not complied with"));
        for b in &self.breaches {
            p(
                &mut v,
                10.0,
                0.0,
                true,
                &format!("{} — {}", b.reference, b.title),
            );
            let mut c = b.citation.clone();
            if b.uncertain {
                c.push_str(" [uncertain]");
            }
            p(&mut v, 9.0, 12.0, false, &c);
            for x in &b.corresponds {
                p(&mut v, 9.0, 12.0, false, &format!("corresponds to {x}"));
            }
        }
        v.push(Line::gap(6.0));
        v.push(Line::heading(12.0, "Reasons"));
        p(
            &mut v,
            10.0,
            0.0,
            false,
            if self.reasons.is_empty() {
                "[no reasons stated]"
            } else {
                &self.reasons
            },
        );
        p(&mut v, 8.0, 0.0, false, "(s. 28(3)(a), s. 29(3)(a))");
        if !self.basis.is_empty() {
            v.push(Line::gap(6.0));
            v.push(Line::heading(12.0, "Findings relied on"));
            for b in &self.basis {
                p(
                    &mut v,
                    10.0,
                    0.0,
                    true,
                    &format!(
                        "{} {} — {}{}",
                        b.kind,
                        b.reference,
                        b.outcome,
                        if b.uncertain { " [uncertain]" } else { "" }
                    ),
                );
                p(&mut v, 9.0, 12.0, false, &b.statement);
                for pl in &b.places {
                    p(&mut v, 8.0, 24.0, false, pl);
                }
                p(
                    &mut v,
                    8.0,
                    12.0,
                    false,
                    &format!("from assessment report SHA-256 {}", b.evidence),
                );
            }
        }
        v.push(Line::gap(6.0));
        v.push(Line::heading(12.0, "Evidence"));
        if self.evidence.is_empty() {
            p(&mut v, 10.0, 0.0, false, "[no evidence cited]");
        }
        for e in &self.evidence {
            p(
                &mut v,
                9.0,
                0.0,
                false,
                &format!(
                    "{} ({}, {} bytes, added {})",
                    e.name, e.kind, e.size, e.added_at
                ),
            );
            p(&mut v, 8.0, 12.0, false, &format!("SHA-256 {}", e.sha256));
        }
        v.push(Line::gap(6.0));
        v.push(Line::heading(12.0, "If you do not comply"));
        for c in &self.consequences {
            p(&mut v, 10.0, 0.0, false, &cite(c));
        }
        v.push(Line::gap(6.0));
        v.push(Line::heading(12.0, "How to appeal"));
        p(&mut v, 10.0, 0.0, false, &cite(&self.appeal));
        if !self.cautions.is_empty() {
            v.push(Line::gap(6.0));
            v.push(Line::heading(
                10.0,
                "Cautions for the officer (remove none without checking)",
            ));
            for c in &self.cautions {
                p(&mut v, 8.0, 0.0, false, c);
            }
        }
        v.push(Line::gap(6.0));
        p(
            &mut v,
            8.0,
            0.0,
            false,
            &format!("Generated by {} from the case register.", self.generator),
        );
        let footer = format!(
            "{} {} {}{}",
            self.title,
            self.case_id,
            self.notice_id,
            if self.stage == Stage::Draft {
                " DRAFT"
            } else {
                ""
            }
        );
        pdf::render(&v, Some(&footer))
    }

    /// The document in `format`.
    pub fn render(&self, format: Format) -> Vec<u8> {
        match format {
            Format::Html => self.html().into_bytes(),
            Format::Pdf => self.pdf(),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
                s.push('\n');
                s.into_bytes()
            }
        }
    }
}

impl Register {
    /// A notice's (`N-…`) or penalty notice's (`P-…`) document in `format`. A document that
    /// was sent (notice of intent) or given is returned byte for byte as stored; a draft is
    /// rendered as of `now`, marked DRAFT. Reading a restricted case's document is recorded
    /// in the chain like any read of the case.
    pub async fn document(
        &self,
        now: jiff::Timestamp,
        actor: &str,
        case_id: &str,
        id: &str,
        format: Format,
    ) -> Result<Vec<u8>> {
        let case = self.case(case_id).await?;
        let (doc, stored) = if id.starts_with("P-") {
            let p = self.penalty_row(case_id, id).await?;
            let stored = match format {
                Format::Html => p.issued_html.clone(),
                Format::Pdf => p.issued_pdf.clone(),
                Format::Json => None,
            };
            (self.penalty_document(&p).await?, stored)
        } else {
            let n = self.notice_row(case_id, id).await?;
            let (stage, date, html, pdf) = match n.status.as_str() {
                "issued" => (
                    Stage::Issued,
                    n.issued_at.clone().unwrap_or_default(),
                    n.issued_html.clone(),
                    n.issued_pdf.clone(),
                ),
                "intent" => (
                    Stage::Intent,
                    n.intent_at.clone().unwrap_or_default(),
                    n.intent_html.clone(),
                    n.intent_pdf.clone(),
                ),
                _ => (Stage::Draft, crate::time::format(now), None, None),
            };
            let stored = match format {
                Format::Html => html,
                Format::Pdf => pdf,
                Format::Json => None,
            };
            (self.notice_document(&n, stage, &date).await?, stored)
        };
        if case.restricted != 0 {
            let mut w = self.begin(now, actor).await?;
            self.event(
                &mut w,
                Some(case_id),
                "case.read",
                serde_json::json!({"restricted": true, "document": id}),
            )
            .await?;
            self.commit(w).await?;
        }
        match stored {
            Some(sha) => self.evidence_bytes(&sha).await,
            None => Ok(doc.render(format)),
        }
    }
}
