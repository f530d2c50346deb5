//! What signed-in users do to cases in the browser: officers open a case from an allegation,
//! attach evidence (a firmware image is assessed by a background job), draft notices, send
//! the notice of intent, give the notice, give a penalty and close the case; respondents make
//! representations on a notice of intent within its period and send evidence of remedy.
//!
//! Every form carries the CSRF token and the case's version as the page showed it: a change
//! made on an older version is refused with 409 and nothing is saved (two officers never
//! silently overwrite each other). Statutory refusals come back as the form's error summary
//! with their citation. Who may do what: officers and team leads change their team's cases;
//! team admins and auditors only read; respondents act on their operator's cases only.

use crate::forms::{self, FormError, Submitted};
use crate::officers::{respondent_cases, signed_in, team_visible};
use crate::pages::{
    cookie_value, message, new_csrf, page, same, with_csrf_cookie, CSRF_COOKIE, VERSION,
};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use baseline_register::document::Format;
use baseline_register::jobs::JobRow;
use baseline_register::people::UserRow;
use baseline_register::register::{
    AllegationRow, CaseDetail, CaseRow, NewCase, NewEvidence, NewNotice, NewPenalty,
    EVIDENCE_KINDS, NOTICE_KINDS, OUTCOMES, ROLES,
};
use baseline_register::{Error, Refusal, Register};
use serde::Deserialize;

/// Roles that change cases.
const WRITERS: &[&str] = &["officer", "team-lead"];

/// A problem with a form field, shown in the error summary.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The id of the field it links to.
    pub field: String,
    pub message: String,
}

fn problem(field: &str, message: impl Into<String>) -> Problem {
    Problem {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Confirmations shown after a change (a fixed set: nothing from the query is echoed).
fn done_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "opened" => "The case was opened.",
        "evidence" => "The evidence was added.",
        "assessing" => "The firmware was added and its assessment is queued.",
        "drafted" => "The notice was drafted.",
        "intent" => "The notice of intent was sent.",
        "issued" => "The notice was given.",
        "penalty" => "The penalty notice was given.",
        "closed" => "The case was closed.",
        "representations" => "Your representations were received and recorded.",
        "remedy" => "Your evidence of remedy was received and recorded.",
        _ => return None,
    })
}

/// An assessment attached to the case, summarised for the case page.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    pub sha256: String,
    pub name: String,
    /// (requirement, outcome, rationale) of the PSTI verdicts.
    pub verdicts: Vec<(String, String, String)>,
    /// (code, severity, title, first path) of the findings.
    pub findings: Vec<(String, String, String, String)>,
    /// Suggested basis lines for a notice (`SHA12/REF` of each failed PSTI verdict).
    pub basis: Vec<String>,
}

fn assessment_view(sha: &str, name: &str, bytes: &[u8]) -> Option<AssessmentView> {
    let a: baseline_model::Assessment = serde_json::from_slice(bytes).ok()?;
    let outcome = |o: &baseline_model::Outcome| {
        serde_json::to_value(o)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let verdicts: Vec<_> = a
        .verdicts
        .iter()
        .filter(|v| v.requirement.starts_with("psti:"))
        .map(|v| {
            (
                v.requirement.clone(),
                outcome(&v.outcome),
                v.rationale.clone(),
            )
        })
        .collect();
    let basis = verdicts
        .iter()
        .filter(|v| v.1 == "fail")
        .map(|v| format!("{}/{}", &sha[..12.min(sha.len())], v.0))
        .collect();
    let findings = a
        .findings
        .iter()
        .map(|f| {
            let sev = serde_json::to_value(f.severity)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let path = f
                .evidence
                .first()
                .and_then(|e| serde_json::to_value(e).ok())
                .and_then(|v| v.get("path").and_then(|p| p.as_str()).map(str::to_owned))
                .unwrap_or_default();
            (f.code.clone(), sev, f.title.clone(), path)
        })
        .collect();
    Some(AssessmentView {
        sha256: sha.to_owned(),
        name: name.to_owned(),
        verdicts,
        findings,
        basis,
    })
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage<'a> {
    version: &'a str,
    csrf: &'a str,
    d: CaseDetail,
    /// The case's version, carried by every form.
    case_version: i64,
    /// Everything (officers, auditors) or the notices only (respondents).
    full: bool,
    /// May change the case (officers, team leads).
    writer: bool,
    /// A respondent of one of the case's operators.
    respondent: bool,
    jobs: Vec<JobRow>,
    assessments: Vec<AssessmentView>,
    errors: Vec<Problem>,
    done: Option<&'static str>,
    now: String,
    evidence_kinds: &'a [&'a str],
    notice_kinds: &'a [&'a str],
    outcomes: &'a [&'a str],
    /// Values typed into the form that failed, to show again.
    typed: Submitted,
}

impl CasePage<'_> {
    fn typed(&self, name: &str) -> &str {
        self.typed.get(name)
    }
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
    fn suggested_breaches(&self) -> String {
        let mut refs: Vec<&str> = Vec::new();
        for a in &self.assessments {
            for v in &a.verdicts {
                if v.1 == "fail" && !refs.contains(&v.0.as_str()) {
                    refs.push(&v.0);
                }
            }
        }
        refs.join(" ")
    }
    fn suggested_basis(&self) -> String {
        self.assessments
            .iter()
            .flat_map(|a| a.basis.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n")
    }
    fn open_for_representations(&self, n: &baseline_register::register::NoticeRow) -> bool {
        n.status == "intent"
            && n.representations_end
                .as_deref()
                .is_some_and(|end| self.now.as_str() <= end)
    }
}

/// Who is acting on a case.
struct Acting {
    user: UserRow,
    case: CaseRow,
    respondent: bool,
}

async fn may_see(state: &AppState, user: &UserRow, case: &CaseRow) -> bool {
    if user.role == "respondent" {
        respondent_cases(state, user).await.contains(&case.id)
    } else {
        team_visible(user, case.team.as_deref(), case.restricted != 0)
    }
}

fn no_case() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such case",
        "There is no case with this number that you can see.",
        Some("/cases"),
    )
}

async fn acting(state: &AppState, headers: &HeaderMap, id: &str) -> Result<Acting, Response> {
    let Some((user, _)) = signed_in(state, headers).await else {
        return Err(Redirect::to("/sign-in").into_response());
    };
    let Ok(case) = state.register.case(id).await else {
        return Err(no_case());
    };
    if !may_see(state, &user, &case).await {
        return Err(no_case());
    }
    let respondent = user.role == "respondent";
    Ok(Acting {
        user,
        case,
        respondent,
    })
}

/// Render the case page for `a` with `status`, the form's problems and a confirmation.
async fn render_case(
    state: &AppState,
    a: &Acting,
    status: StatusCode,
    errors: Vec<Problem>,
    done: Option<&'static str>,
    typed: Submitted,
) -> Response {
    let id = &a.case.id;
    let Ok(mut d) = state
        .register
        .show_case(state.now(), &a.user.email, id)
        .await
    else {
        return no_case();
    };
    let case_version = state.register.case_version(id).await.unwrap_or(0);
    let full = !a.respondent;
    let mut assessments = Vec::new();
    let jobs = if full {
        for e in d.evidence.iter().filter(|e| e.kind == "assessment") {
            if let Ok(bytes) = state.register.evidence_bytes(&e.sha256).await {
                if let Some(v) = assessment_view(&e.sha256, &e.name, &bytes) {
                    assessments.push(v);
                }
            }
        }
        state.register.jobs_of_case(id).await.unwrap_or_default()
    } else {
        d.notices.retain(|n| n.status != "draft");
        Vec::new()
    };
    let csrf = new_csrf();
    let res = page(
        status,
        &CasePage {
            version: VERSION,
            csrf: &csrf,
            d,
            case_version,
            full,
            writer: WRITERS.contains(&a.user.role.as_str()),
            respondent: a.respondent,
            jobs,
            assessments,
            errors,
            done,
            now: baseline_register::time::format(state.now()),
            evidence_kinds: EVIDENCE_KINDS,
            notice_kinds: NOTICE_KINDS,
            outcomes: OUTCOMES,
            typed,
        },
    );
    with_csrf_cookie(res, &csrf, state.config.secure_cookies)
}

#[derive(Debug, Deserialize)]
pub struct CaseQuery {
    #[serde(default)]
    done: String,
}

/// `GET /cases/{id}`.
pub async fn case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Response {
    match acting(&state, &headers, &id).await {
        Ok(a) => {
            render_case(
                &state,
                &a,
                StatusCode::OK,
                Vec::new(),
                done_text(&q.done),
                Submitted::default(),
            )
            .await
        }
        Err(r) => r,
    }
}

/// The outcome of a change: where to go, or what to show.
enum Outcome {
    Done(&'static str),
    Problems(StatusCode, Vec<Problem>),
}

fn from_error(e: Error, field: &str) -> Outcome {
    match e {
        Error::Input(m) | Error::NotFound(m) => {
            Outcome::Problems(StatusCode::UNPROCESSABLE_ENTITY, vec![problem(field, m)])
        }
        Error::Conflict(m) => Outcome::Problems(StatusCode::CONFLICT, vec![problem("main", m)]),
        Error::Database { .. } | Error::Pipeline(_) => Outcome::Problems(
            StatusCode::INTERNAL_SERVER_ERROR,
            vec![problem(
                "main",
                "The register could not be written; nothing was saved. Try again later.",
            )],
        ),
    }
}

fn from_refusal(r: &Refusal, field: &str) -> Outcome {
    Outcome::Problems(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![problem(
            field,
            format!("Refused by {}: {}", r.citation, r.message),
        )],
    )
}

fn csrf_ok(headers: &HeaderMap, sent: &Submitted) -> bool {
    let cookie = cookie_value(headers, CSRF_COOKIE).unwrap_or_default();
    !cookie.is_empty() && same(&cookie, sent.get("csrf"))
}

/// Read the form, check CSRF, the user's right to act and the version; run `change`.
async fn change<F, Fut>(
    state: AppState,
    id: String,
    req: Request,
    limits: forms::Limits,
    respondent_action: bool,
    change: F,
) -> Response
where
    F: FnOnce(AppState, Register, UserRow, Submitted) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let headers = req.headers().clone();
    let a = match acting(&state, &headers, &id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let sent = match forms::read(req, limits).await {
        Ok(s) => s,
        Err(FormError::TooLarge(m)) => {
            return render_case(
                &state,
                &a,
                StatusCode::PAYLOAD_TOO_LARGE,
                vec![problem("files", format!("Nothing was saved: {m}"))],
                None,
                Submitted::default(),
            )
            .await
        }
        Err(FormError::Unreadable(m)) => {
            return message(
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                &m,
                Some("/cases"),
            )
        }
    };
    if !csrf_ok(&headers, &sent) {
        return message(
            StatusCode::FORBIDDEN,
            "The form has expired",
            "Open the case again and resend the form.",
            Some(&format!("/cases/{id}")),
        );
    }
    let allowed = if respondent_action {
        a.respondent
    } else {
        WRITERS.contains(&a.user.role.as_str())
    };
    if !allowed {
        return message(
            StatusCode::FORBIDDEN,
            "You cannot do this",
            "Your role does not allow this change to the case.",
            Some(&format!("/cases/{id}")),
        );
    }
    let Ok(version) = sent.get("version").parse::<i64>() else {
        return message(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "It has no case version: open the case again and resend the form.",
            Some(&format!("/cases/{id}")),
        );
    };
    let register = state.register.expecting(&id, version);
    let typed = sent.clone();
    match change(state.clone(), register, a.user.clone(), sent).await {
        Outcome::Done(key) => Redirect::to(&format!("/cases/{id}?done={key}")).into_response(),
        Outcome::Problems(status, problems) => {
            let mut typed = typed;
            typed.files.clear();
            render_case(&state, &a, status, problems, None, typed).await
        }
    }
}

/// `POST /cases/{id}/evidence`: officers attach files; firmware is queued for assessment.
pub async fn add_evidence(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let case = id.clone();
    change(
        state,
        id,
        req,
        forms::CASE_UPLOADS,
        false,
        move |state, r, user, sent| async move {
            let kind = sent.get("kind").to_owned();
            if sent.files.is_empty() {
                return Outcome::Problems(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![problem("files", "Choose a file to add")],
                );
            }
            let origin = format!("uploaded by {}", user.email);
            let items: Vec<NewEvidence<'_>> = sent
                .files
                .iter()
                .map(|f| NewEvidence {
                    data: &f.data,
                    name: &f.name,
                    kind: &kind,
                    origin: &origin,
                })
                .collect();
            let now = state.now();
            if kind == "firmware" {
                match r.attach_and_assess(now, &user.email, &case, &items).await {
                    Ok(_) => Outcome::Done("assessing"),
                    Err(e) => from_error(e, "files"),
                }
            } else {
                match r.add_evidence_all(now, &user.email, &case, &items).await {
                    Ok(_) => Outcome::Done("evidence"),
                    Err(e) => from_error(e, "kind"),
                }
            }
        },
    )
    .await
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /cases/{id}/notices`: draft a notice.
pub async fn draft_notice(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let case = id.clone();
    change(
        state,
        id,
        req,
        forms::RESPONDENT_UPLOADS,
        false,
        move |state, r, user, sent| async move {
            let comply_by = match sent
                .opt("comply_by")
                .map(|s| baseline_register::time::parse(&s, "the compliance date"))
            {
                Some(Ok(t)) => Some(t),
                Some(Err(e)) => return from_error(e, "comply_by"),
                None => None,
            };
            let mut missing = Vec::new();
            if sent.opt("breaches").is_none() {
                missing.push(problem("breaches", "Enter the requirements breached"));
            }
            if sent.opt("reasons").is_none() {
                missing.push(problem("reasons", "Enter the reasons for the notice"));
            }
            if !missing.is_empty() {
                return Outcome::Problems(StatusCode::UNPROCESSABLE_ENTITY, missing);
            }
            let n = NewNotice {
                kind: sent
                    .opt("notice_kind")
                    .unwrap_or_else(|| "compliance".into()),
                breaches: words(sent.get("breaches")),
                evidence: Vec::new(),
                reasons: sent.get("reasons").trim().to_owned(),
                steps: sent.opt("steps"),
                comply_by,
                basis: words(sent.get("basis")),
            };
            match r.draft_notice(state.now(), &user.email, &case, &n).await {
                Ok(Ok(_)) => Outcome::Done("drafted"),
                Ok(Err(refusal)) => from_refusal(&refusal, "reasons"),
                Err(e) => from_error(e, "breaches"),
            }
        },
    )
    .await
}

/// `POST /cases/{id}/notices/{notice}/intent`.
pub async fn notice_intent(
    State(state): State<AppState>,
    Path((id, notice)): Path<(String, String)>,
    req: Request,
) -> Response {
    let case = id.clone();
    change(
        state,
        id,
        req,
        forms::RESPONDENT_UPLOADS,
        false,
        move |state, r, user, sent| async move {
            let end = match sent.opt("representations_end").map(|s| {
                baseline_register::time::parse(&s, "the end of the representations period")
            }) {
                Some(Ok(t)) => Some(t),
                Some(Err(e)) => return from_error(e, &format!("end-{notice}")),
                None => None,
            };
            match r
                .notice_intent(state.now(), &user.email, &case, &notice, end)
                .await
            {
                Ok(Ok(_)) => Outcome::Done("intent"),
                Ok(Err(refusal)) => from_refusal(&refusal, &format!("end-{notice}")),
                Err(e) => from_error(e, &format!("end-{notice}")),
            }
        },
    )
    .await
}

/// `POST /cases/{id}/notices/{notice}/issue`: give the notice.
pub async fn issue_notice(
    State(state): State<AppState>,
    Path((id, notice)): Path<(String, String)>,
    req: Request,
) -> Response {
    let case = id.clone();
    change(
        state,
        id,
        req,
        forms::RESPONDENT_UPLOADS,
        false,
        move |state, r, user, _| async move {
            match r
                .issue_notice(state.now(), &user.email, &case, &notice)
                .await
            {
                Ok(Ok(())) => Outcome::Done("issued"),
                Ok(Err(refusal)) => from_refusal(&refusal, &format!("issue-{notice}")),
                Err(e) => from_error(e, &format!("issue-{notice}")),
            }
        },
    )
    .await
}

fn pence(s: &str, field: &str) -> Result<Option<i64>, Outcome> {
    let s = s.trim().replace([',', '£'], "");
    if s.is_empty() {
        return Ok(None);
    }
    let (pounds, p) = s.split_once('.').unwrap_or((&s, "0"));
    let p = format!("{p:0<2}");
    match (
        pounds.parse::<i64>(),
        p.get(..2).and_then(|p| p.parse::<i64>().ok()),
        p.len(),
    ) {
        (Ok(pounds), Some(pp), 2) if pounds >= 0 => {
            Ok(pounds.checked_mul(100).and_then(|v| v.checked_add(pp)))
        }
        _ => Err(Outcome::Problems(
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![problem(
                field,
                "Enter an amount in pounds, such as 25000 or 25000.50",
            )],
        )),
    }
}

/// `POST /cases/{id}/penalties`: give a penalty notice.
pub async fn penalty(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let case = id.clone();
    change(
        state,
        id,
        req,
        forms::RESPONDENT_UPLOADS,
        false,
        move |state, r, user, sent| async move {
            let amount = match pence(sent.get("amount"), "amount") {
                Ok(Some(a)) => a,
                Ok(None) => {
                    return Outcome::Problems(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        vec![problem("amount", "Enter the amount of the penalty")],
                    )
                }
                Err(o) => return o,
            };
            let revenue = match pence(sent.get("revenue"), "revenue") {
                Ok(v) => v,
                Err(o) => return o,
            };
            let days = match sent.opt("payment_days").map(|d| d.parse::<i64>()) {
                Some(Ok(d)) => d,
                Some(Err(_)) => {
                    return Outcome::Problems(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        vec![problem(
                            "payment_days",
                            "Enter the payment period in whole days",
                        )],
                    )
                }
                None => baseline_register::rules::PAYMENT_DAYS,
            };
            let p = NewPenalty {
                breach: sent.get("breach").trim().to_owned(),
                amount_pence: amount,
                worldwide_revenue_pence: revenue,
                daily_pence: None,
                payment_days: days,
                reasons: sent.get("penalty_reasons").trim().to_owned(),
                evidence: Vec::new(),
                basis: words(sent.get("penalty_basis")),
            };
            match r.penalty(state.now(), &user.email, &case, &p).await {
                Ok(Ok(_)) => Outcome::Done("penalty"),
                Ok(Err(refusal)) => from_refusal(&refusal, "amount"),
                Err(e) => from_error(e, "breach"),
            }
        },
    )
    .await
}

/// `POST /cases/{id}/close`.
pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let case = id.clone();
    change(
        state,
        id,
        req,
        forms::RESPONDENT_UPLOADS,
        false,
        move |state, r, user, sent| async move {
            let reason = sent.get("close_reason").trim().to_owned();
            if reason.is_empty() {
                return Outcome::Problems(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![problem("close_reason", "Enter why the case is closed")],
                );
            }
            match r
                .close(
                    state.now(),
                    &user.email,
                    &case,
                    sent.get("outcome"),
                    &reason,
                )
                .await
            {
                Ok(()) => Outcome::Done("closed"),
                Err(e) => from_error(e, "outcome"),
            }
        },
    )
    .await
}

/// `POST /cases/{id}/notices/{notice}/representations`: a respondent's representations.
pub async fn representations(
    State(state): State<AppState>,
    Path((id, notice)): Path<(String, String)>,
    req: Request,
) -> Response {
    let case = id.clone();
    change(
        state,
        id,
        req,
        forms::RESPONDENT_UPLOADS,
        true,
        move |state, r, user, sent| async move {
            let field = format!("representations-{notice}");
            if sent.opt("text").is_none() {
                return Outcome::Problems(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![problem(&field, "Enter your representations")],
                );
            }
            let items: Vec<NewEvidence<'_>> = sent
                .files
                .iter()
                .map(|f| NewEvidence {
                    data: &f.data,
                    name: &f.name,
                    kind: "representations",
                    origin: "upload",
                })
                .collect();
            match r
                .representations(
                    state.now(),
                    &user.email,
                    &case,
                    &notice,
                    sent.get("text").trim(),
                    &items,
                )
                .await
            {
                Ok(Ok(_)) => Outcome::Done("representations"),
                Ok(Err(refusal)) => from_refusal(&refusal, &field),
                Err(e) => from_error(e, &field),
            }
        },
    )
    .await
}

/// `POST /cases/{id}/remedy`: a respondent's evidence of remedy.
pub async fn remedy(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let case = id.clone();
    change(
        state,
        id,
        req,
        forms::RESPONDENT_UPLOADS,
        true,
        move |state, r, user, sent| async move {
            if sent.files.is_empty() {
                return Outcome::Problems(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![problem(
                        "remedy-files",
                        "Choose the files that show the remedy",
                    )],
                );
            }
            let origin = format!("evidence of remedy from {}", user.email);
            let items: Vec<NewEvidence<'_>> = sent
                .files
                .iter()
                .map(|f| NewEvidence {
                    data: &f.data,
                    name: &f.name,
                    kind: "remedy",
                    origin: &origin,
                })
                .collect();
            match r
                .add_evidence_all(state.now(), &user.email, &case, &items)
                .await
            {
                Ok(_) => Outcome::Done("remedy"),
                Err(e) => from_error(e, "remedy-files"),
            }
        },
    )
    .await
}

/// `GET /cases/{id}/documents/{name}`: a notice's document (`N-000001-intent.pdf`,
/// `N-000001.html`…) as stored when it was sent or given; respondents get those of their
/// cases only, never a draft's.
pub async fn document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, name)): Path<(String, String)>,
) -> Response {
    let a = match acting(&state, &headers, &id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some((notice, ext)) = name.rsplit_once('.') else {
        return no_case();
    };
    let (format, kind) = match ext {
        "pdf" => (Format::Pdf, "application/pdf"),
        "html" => (Format::Html, "text/html; charset=utf-8"),
        _ => return no_case(),
    };
    if a.respondent && !notice.starts_with("P-") {
        match state.register.notice_row(&id, notice).await {
            Ok(n) if n.status != "draft" => {}
            _ => return no_case(),
        }
    }
    match state
        .register
        .document(state.now(), &a.user.email, &id, notice, format)
        .await
    {
        Ok(bytes) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(v) =
                HeaderValue::from_str(&format!("inline; filename=\"{id}-{notice}.{ext}\""))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(_) => no_case(),
    }
}

/// `GET /cases/{id}/evidence/{sha256}`: an evidence item's bytes, always as a download of
/// type `application/octet-stream` in a sandbox (an uploaded page or script is never run as
/// this site's content). Officers and auditors only.
pub async fn evidence(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    let a = match acting(&state, &headers, &id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if a.respondent {
        return no_case();
    }
    let Ok(d) = state
        .register
        .show_case(state.now(), &a.user.email, &id)
        .await
    else {
        return no_case();
    };
    let Some(item) = d.evidence.iter().find(|e| e.sha256 == sha) else {
        return no_case();
    };
    match state.register.evidence_bytes(&sha).await {
        Ok(bytes) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("sandbox; default-src 'none'"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            let ascii: String = forms::safe_name(&item.name)
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(_) => no_case(),
    }
}

#[derive(Template)]
#[template(path = "allegations.html")]
struct Allegations<'a> {
    version: &'a str,
    csrf: &'a str,
    allegations: Vec<AllegationRow>,
    teams: Vec<String>,
    roles: &'a [&'a str],
    errors: Vec<Problem>,
}

async fn officer(state: &AppState, headers: &HeaderMap) -> Result<UserRow, Response> {
    let Some((user, _)) = signed_in(state, headers).await else {
        return Err(Redirect::to("/sign-in").into_response());
    };
    if user.role == "respondent" {
        return Err(message(
            StatusCode::FORBIDDEN,
            "You cannot see this page",
            "Allegations are read by the enforcement authority.",
            Some("/cases"),
        ));
    }
    Ok(user)
}

async fn allegations_page(state: &AppState, status: StatusCode, errors: Vec<Problem>) -> Response {
    let allegations = state
        .register
        .list_allegations(true)
        .await
        .unwrap_or_default();
    let teams = state.register.teams().await.unwrap_or_default();
    let csrf = new_csrf();
    let res = page(
        status,
        &Allegations {
            version: VERSION,
            csrf: &csrf,
            allegations,
            teams,
            roles: ROLES,
            errors,
        },
    );
    with_csrf_cookie(res, &csrf, state.config.secure_cookies)
}

/// `GET /allegations`: the open allegations, each with a form to open a case from it.
pub async fn allegations(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match officer(&state, &headers).await {
        Ok(_) => allegations_page(&state, StatusCode::OK, Vec::new()).await,
        Err(r) => r,
    }
}

/// `POST /allegations/{reference}/case`: open a case from an allegation.
pub async fn open_case(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    let user = match officer(&state, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Ok(sent) = forms::read(req, forms::RESPONDENT_UPLOADS).await else {
        return message(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Open the page again.",
            Some("/allegations"),
        );
    };
    if !csrf_ok(&headers, &sent) {
        return message(
            StatusCode::FORBIDDEN,
            "The form has expired",
            "Open the page again and resend the form.",
            Some("/allegations"),
        );
    }
    if !WRITERS.contains(&user.role.as_str()) {
        return message(
            StatusCode::FORBIDDEN,
            "You cannot do this",
            "Your role does not allow opening cases.",
            Some("/allegations"),
        );
    }
    let field = |f: &str| format!("{f}-{reference}");
    let mut errors = Vec::new();
    if sent.opt("title").is_none() {
        errors.push(problem(&field("title"), "Enter a title for the case"));
    }
    if sent.opt("operator").is_none() {
        errors.push(problem(
            &field("operator"),
            "Enter the economic operator's legal name",
        ));
    }
    if !errors.is_empty() {
        return allegations_page(&state, StatusCode::UNPROCESSABLE_ENTITY, errors).await;
    }
    // A team lead or officer of a team opens cases in their team unless they choose another.
    let team = sent.opt("team").or_else(|| user.team.clone());
    if let (Some(mine), Some(t)) = (&user.team, &team) {
        if mine != t {
            return allegations_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![problem(
                    &field("team"),
                    "You can open cases in your own team only",
                )],
            )
            .await;
        }
    }
    let new = NewCase {
        title: sent.get("title").trim().to_owned(),
        operators: vec![(
            sent.get("operator").trim().to_owned(),
            sent.opt("role").unwrap_or_else(|| "manufacturer".into()),
        )],
        product: None,
        restricted: sent.get("restricted") == "yes",
        team,
        allegation: Some(reference.clone()),
    };
    match state
        .register
        .open_case(state.now(), &user.email, &new)
        .await
    {
        Ok(id) => Redirect::to(&format!("/cases/{id}?done=opened")).into_response(),
        Err(Error::Input(m)) | Err(Error::NotFound(m)) => {
            allegations_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![problem(&field("title"), m)],
            )
            .await
        }
        Err(_) => message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The case was not opened",
            "Nothing was saved. Try again later.",
            Some("/allegations"),
        ),
    }
}
