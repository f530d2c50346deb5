//! Manufacturer web evidence: security.txt (RFC 9116), the vulnerability disclosure policy
//! (PSTI Sch. 1 para 2, EN 303 645 5.2-1) and the defined support period (PSTI Sch. 1 para 3,
//! EN 303 645 5.3-13).
//!
//! Owns fetching the manufacturer's pages (HTTPS, bounded, every response archived as
//! evidence), judging them into `DISC`/`SUPP` findings and an outcome per paragraph, and
//! re-judging an archive offline with the same result. Never reads firmware and never prints.
//!
//! Entry points: [`check`] (live), [`check_archive`] (offline), [`securitytxt::validate`]
//! (one file).

pub mod archive;
pub mod codes;
mod disclosure;
pub mod fetch;
pub mod html;
pub mod securitytxt;
mod support;
#[cfg(feature = "test-server")]
pub mod testserver;
pub mod text;
pub mod time;

use baseline_model::{Confidence, Evidence, Finding, Outcome, Severity, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use archive::{Archive, Resource};
pub use fetch::{FetchOptions, Source};

/// `schema` of a [`SiteReport`].
pub const REPORT_SCHEMA: &str = "baseline/site-report/v1";

/// Why the checks could not run (findings are never errors).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a usable evidence archive: {message}")]
    Archive { path: PathBuf, message: String },
    #[error("product file: {0}")]
    Product(String),
    #[error("{0}")]
    Config(String),
}

/// The manufacturer URLs to look at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInput {
    /// The manufacturer's site (any URL on it; its origin is used for security.txt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `[disclosure] security_txt_url`: where security.txt is, if not at the usual place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_txt_url: Option<String>,
    /// `[disclosure] policy_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_url: Option<String>,
    /// `[support] period_url`: the page publishing the defined support period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_url: Option<String>,
    /// `[support] purchase_url`: pages that invite purchase (string or list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purchase_urls: Vec<String>,
}

impl SiteInput {
    /// Read the `[disclosure]` and `[support]` tables of a product file (other tables are left
    /// to the product model). Unknown keys in these tables are refused so typos are seen.
    pub fn from_product_toml(text: &str) -> Result<SiteInput, Error> {
        let v: toml::Value = text
            .parse::<toml::Table>()
            .map(toml::Value::Table)
            .map_err(|e| Error::Product(e.to_string()))?;
        let mut input = SiteInput::default();
        let get_str = |t: &toml::Value, table: &str, key: &str| -> Result<Option<String>, Error> {
            match t.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::Product(format!("[{table}] {key} must be a string"))),
            }
        };
        if let Some(d) = v.get("disclosure") {
            if let Some(t) = d.as_table() {
                for k in t.keys() {
                    if !["policy_url", "security_txt_url", "contact"].contains(&k.as_str()) {
                        return Err(Error::Product(format!("unknown key [disclosure] {k}")));
                    }
                }
            }
            input.policy_url = get_str(d, "disclosure", "policy_url")?;
            input.security_txt_url = get_str(d, "disclosure", "security_txt_url")?;
        }
        if let Some(s) = v.get("support") {
            if let Some(t) = s.as_table() {
                for k in t.keys() {
                    if !["period_url", "purchase_url", "end_date"].contains(&k.as_str()) {
                        return Err(Error::Product(format!("unknown key [support] {k}")));
                    }
                }
            }
            input.support_url = get_str(s, "support", "period_url")?;
            match s.get("purchase_url") {
                None => {}
                Some(toml::Value::String(u)) => input.purchase_urls.push(u.clone()),
                Some(toml::Value::Array(a)) => {
                    for u in a {
                        match u.as_str() {
                            Some(u) => input.purchase_urls.push(u.to_owned()),
                            None => {
                                return Err(Error::Product(
                                    "[support] purchase_url entries must be strings".into(),
                                ))
                            }
                        }
                    }
                }
                Some(_) => {
                    return Err(Error::Product(
                        "[support] purchase_url must be a string or a list of strings".into(),
                    ))
                }
            }
        }
        Ok(input)
    }

    /// Fill fields this input lacks from `other` (command line over product file).
    pub fn or(mut self, other: SiteInput) -> SiteInput {
        self.site = self.site.or(other.site);
        self.security_txt_url = self.security_txt_url.or(other.security_txt_url);
        self.policy_url = self.policy_url.or(other.policy_url);
        self.support_url = self.support_url.or(other.support_url);
        if self.purchase_urls.is_empty() {
            self.purchase_urls = other.purchase_urls;
        }
        self
    }
}

/// A quoted sentence the outcome rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// `contact`, `acknowledgement`, `status-updates`, `support-period`.
    pub kind: String,
    pub text: String,
    pub url: String,
}

/// The security.txt that was judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityTxtResult {
    pub url: String,
    pub final_url: String,
    pub report: securitytxt::Report,
}

/// A support-period statement found on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportStatement {
    pub url: String,
    pub quote: String,
    /// `YYYY-MM-DD` of the stated end, when the statement gives a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Only a year was given.
    #[serde(default)]
    pub year_only: bool,
    /// The relative period ("5 years") when no date is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative: Option<String>,
}

/// Everything one run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteReport {
    pub schema: String,
    /// RFC 3339 time the evidence was judged as of.
    pub judged_at: String,
    pub input: SiteInput,
    pub findings: Vec<Finding>,
    /// `psti:sch1-p2` outcome.
    pub disclosure: Verdict,
    /// `psti:sch1-p3` outcome.
    pub support: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_txt: Option<SecurityTxtResult>,
    #[serde(default)]
    pub quotes: Vec<Quote>,
    #[serde(default)]
    pub support_statements: Vec<SupportStatement>,
    /// What was fetched (the archive index's resources).
    pub resources: Vec<Resource>,
    /// Heuristics used for the judgements on prose, for the record.
    pub heuristics: Vec<String>,
    /// The evidence archive (written by the caller; not part of the JSON report).
    #[serde(skip)]
    pub archive: Option<Archive>,
}

/// Fetch and judge a manufacturer's site. `previous` are earlier archives (for shortening).
pub fn check(
    input: &SiteInput,
    opts: &FetchOptions,
    previous: &[Archive],
) -> Result<SiteReport, Error> {
    let started = time::now();
    let archive = new_archive(input, opts, started);
    let mut fetcher = fetch::Fetcher::new(opts, archive)?;
    let now = opts.now.unwrap_or(started);
    let mut report = run(input, &mut fetcher, now, previous);
    report.resources = fetcher.archive.index.resources.clone();
    report.archive = Some(fetcher.archive);
    Ok(report)
}

fn new_archive(input: &SiteInput, opts: &FetchOptions, started: i64) -> Archive {
    use sha2::Digest;
    let mut archive = Archive::new(input.clone(), started);
    for (i, key) in opts.keys.iter().enumerate() {
        archive.add(
            Resource {
                role: "user-key".into(),
                url: format!("user-key:{}", i + 1),
                fetched_at: time::format_rfc3339(started),
                sha256: Some(hex::encode(sha2::Sha256::digest(key))),
                size: key.len() as u64,
                ..Resource::default()
            },
            key,
        );
    }
    archive
}

/// Fetch and judge one security.txt URL (no policy or support checks). `None` when no file
/// could be fetched; the findings then say why (`DISC-001`).
pub fn check_security_txt_url(
    url: &str,
    opts: &FetchOptions,
) -> Result<(Option<SecurityTxtResult>, Vec<Finding>), Error> {
    let started = time::now();
    let input = SiteInput {
        security_txt_url: Some(url.to_owned()),
        ..SiteInput::default()
    };
    let mut fetcher = fetch::Fetcher::new(opts, new_archive(&input, opts, started))?;
    let mut findings = Vec::new();
    let r = security_txt(
        &input,
        &mut fetcher,
        opts.now.unwrap_or(started),
        &mut findings,
    );
    Ok((r, findings))
}

/// Judge an archive offline, as of its fetch time (or `now`).
pub fn check_archive(
    dir: &Path,
    now: Option<i64>,
    previous: &[Archive],
) -> Result<SiteReport, Error> {
    let mut archive = Archive::load(dir)?;
    let at = now.or(archive.started_at()).ok_or_else(|| Error::Archive {
        path: dir.to_path_buf(),
        message: "started_at is not an RFC 3339 time".into(),
    })?;
    let input = archive.index.input.clone();
    let mut report = run(&input, &mut archive, at, previous);
    report.resources = archive.index.resources.clone();
    report.archive = Some(archive);
    Ok(report)
}

fn run(input: &SiteInput, src: &mut dyn Source, now: i64, previous: &[Archive]) -> SiteReport {
    let mut findings = Vec::new();
    let mut quotes = Vec::new();
    let stxt = security_txt(input, src, now, &mut findings);
    let disclosure = disclosure::assess(input, src, stxt.as_ref(), &mut findings, &mut quotes);
    let (support, support_statements) =
        support::assess(input, src, now, previous, &mut findings, &mut quotes);
    findings.sort_by(|a, b| {
        (a.code.as_str(), a.title.as_str()).cmp(&(b.code.as_str(), b.title.as_str()))
    });
    SiteReport {
        schema: REPORT_SCHEMA.to_owned(),
        judged_at: time::format_rfc3339(now),
        input: input.clone(),
        findings,
        disclosure,
        support,
        security_txt: stxt,
        quotes,
        support_statements,
        resources: Vec::new(),
        heuristics: HEURISTICS.iter().map(|s| (*s).to_owned()).collect(),
        archive: None,
    }
}

const HEURISTICS: &[&str] = &[
    "contact: an e-mail address, a mailto:/tel: link, a link to a reporting platform or form, or a security.txt Contact",
    "acknowledgement: a sentence about acknowledging/confirming receipt/responding that names a time (\"within 5 working days\", \"72 hours\"); such a sentence without a time is inconclusive",
    "status updates: a sentence about updates/progress/keeping the reporter informed that names a time or frequency (\"every 14 days\", \"weekly\"); without one it is inconclusive",
    "access barrier: HTTP 401/402/403/407, a redirect to a login/sign-in/SSO URL, a password field, or sign-in wording on a page of under 300 words",
    "English: at least 10% of words are common English words (pages of 30 words or more), and no non-English html lang with under 20%",
    "support period: a sentence naming a support period/security updates/end of support that gives a date (31 December 2027, 2027-12-31, 31/12/2027, December 2027, until 2028 = year only); a length without a date (\"5 years from purchase\") does not end on a specific date",
    "purchase page: states the period itself or links to the support-period page (by URL, or link text naming the support period or security updates)",
    "understandable: sentences of at most 35 words and no unexplained jargon (EOL, EoS, LTS, CVE, OTA, SLA)",
];

/// The site's origin, from `site` or any other URL given.
fn site_origin(input: &SiteInput) -> Option<String> {
    input
        .site
        .as_deref()
        .or(input.policy_url.as_deref())
        .or(input.support_url.as_deref())
        .and_then(fetch::origin)
}

pub(crate) fn finding(
    code: &str,
    title: impl Into<String>,
    evidence: Vec<Evidence>,
    confidence: Confidence,
    details: BTreeMap<String, serde_json::Value>,
) -> Finding {
    let mut f = match codes::info(code) {
        Some(info) => info
            .check()
            .finding(info.severity, confidence, title.into()),
        // Unreachable for the codes this crate uses (a test checks every code it emits is
        // in the table); kept total so a typo cannot panic on hostile input.
        None => Finding {
            code: code.to_owned(),
            name: "unknown".to_owned(),
            severity: Severity::Info,
            title: title.into(),
            requirements: Vec::new(),
            evidence: Vec::new(),
            confidence,
            details: BTreeMap::new(),
        },
    };
    f.evidence = evidence;
    f.details = details;
    f
}

/// Evidence for a whole fetched resource.
pub(crate) fn resource_evidence(res: &Resource) -> Evidence {
    let mut e = Evidence::new(res.final_url.clone().unwrap_or_else(|| res.url.clone()))
        .note(format!("fetched {}: {}", res.fetched_at, res.describe()));
    if let Some(h) = &res.sha256 {
        e = e.path(format!("bodies/{h}"));
    }
    e
}

fn looks_like_html(body: &[u8], content_type: Option<&str>) -> bool {
    let head = String::from_utf8_lossy(body.get(..512).unwrap_or(body)).to_ascii_lowercase();
    content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"))
        && (head.trim_start().starts_with("<!doctype") || head.trim_start().starts_with("<html"))
}

fn security_txt(
    input: &SiteInput,
    src: &mut dyn Source,
    now: i64,
    findings: &mut Vec<Finding>,
) -> Option<SecurityTxtResult> {
    let mut candidates: Vec<(&str, String)> = Vec::new();
    if let Some(u) = &input.security_txt_url {
        candidates.push(("security-txt", u.clone()));
    } else if let Some(o) = site_origin(input) {
        candidates.push(("security-txt", format!("{o}/.well-known/security.txt")));
        candidates.push(("security-txt-legacy", format!("{o}/security.txt")));
    }
    if candidates.is_empty() {
        return None;
    }
    let mut tried = Vec::new();
    let mut found = None;
    for (role, url) in &candidates {
        let (res, body) = src.get(role, url);
        let html = looks_like_html(&body, res.header("content-type"));
        let soft404 = html
            && !String::from_utf8_lossy(&body)
                .to_ascii_lowercase()
                .contains("contact:");
        if res.ok() && !soft404 {
            found = Some((*role, res, body));
            break;
        }
        let mut e = resource_evidence(&res);
        if res.ok() && soft404 {
            e = e.note(format!(
                "{}: an HTML page without a Contact field (soft 404)",
                res.describe()
            ));
        }
        tried.push(e);
    }
    let Some((role, res, body)) = found else {
        findings.push(finding(
            "DISC-001",
            format!(
                "no security.txt at {}",
                candidates
                    .iter()
                    .map(|c| c.1.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            tried,
            Confidence::High,
            BTreeMap::new(),
        ));
        return None;
    };
    let final_url = res.final_url.clone().unwrap_or_else(|| res.url.clone());
    if role == "security-txt-legacy" {
        findings.push(finding(
            "DISC-021",
            format!("security.txt only at the legacy location {final_url}"),
            vec![resource_evidence(&res)],
            Confidence::High,
            BTreeMap::new(),
        ));
    }
    if res.left_https() {
        findings.push(finding(
            "DISC-002",
            format!("security.txt fetched over plain HTTP: {}", res.describe()),
            vec![resource_evidence(&res)],
            Confidence::High,
            BTreeMap::new(),
        ));
    }
    let mut opts = securitytxt::Options {
        now,
        fetched_from: vec![res.url.clone(), final_url.clone()],
        content_type: Some(res.header("content-type").unwrap_or("").to_owned()),
        keys: src.user_keys(),
        no_key_reason: None,
        truncated: res.truncated,
    };
    let mut report = securitytxt::validate(&body, &opts);
    if report.is_signed() && opts.keys.is_empty() {
        let enc: Vec<String> = report
            .values("encryption")
            .into_iter()
            .filter(|v| v.to_ascii_lowercase().starts_with("https://"))
            .map(str::to_owned)
            .collect();
        let mut reasons = Vec::new();
        for uri in enc {
            let (kres, kbody) = src.get("encryption-key", &uri);
            if kres.ok() {
                opts.keys.push(kbody);
            } else {
                reasons.push(format!(
                    "the Encryption key at {} could not be fetched",
                    kres.describe()
                ));
            }
        }
        if opts.keys.is_empty() {
            opts.no_key_reason = Some(if reasons.is_empty() {
                "no key was given (--key) and the file has no https Encryption URI".to_owned()
            } else {
                format!("no key was given (--key); {}", reasons.join("; "))
            });
        }
        report = securitytxt::validate(&body, &opts);
    }
    for p in &report.problems {
        let mut e = Evidence::new(final_url.clone()).note(p.message.clone());
        if let Some(l) = p.line {
            e = e.line(l);
        }
        if let Some(x) = &p.excerpt {
            e = e.excerpt(x.clone());
        }
        let mut f = finding(
            &p.code,
            format!(
                "security.txt{}: {}",
                p.line.map(|l| format!(" line {l}")).unwrap_or_default(),
                p.message
            ),
            vec![e],
            Confidence::High,
            BTreeMap::new(),
        );
        if p.level != codes::Level::Error {
            f.severity = Severity::Info;
        }
        f.details.insert("level".into(), serde_json::json!(p.level));
        findings.push(f);
    }
    Some(SecurityTxtResult {
        url: res.url.clone(),
        final_url,
        report,
    })
}

pub(crate) fn verdict(
    requirement: &str,
    outcome: Outcome,
    rationale: String,
    mut codes: Vec<String>,
) -> Verdict {
    codes.sort();
    codes.dedup();
    Verdict {
        requirement: requirement.to_owned(),
        outcome,
        rationale,
        findings: codes,
        answers: Vec::new(),
        test_cases: Vec::new(),
        uncertain: false,
    }
}
