//! Signing in and the pages of signed-in users: invitation (password and TOTP enrolment),
//! sign-in (password and TOTP code, both required; lock-out after repeated failures; a rate
//! limit per client), sign-out here or everywhere, the case list and the case page.
//!
//! Officers, team leads, admins and auditors see their team's cases and the unassigned ones
//! (an authority-wide user, with no team, sees all); respondents see only the cases of the
//! operator they answer for, and of those only the notices. Reading a restricted case is an
//! event in the chain under the user's email.

use crate::pages::{
    cookie_value, message, new_csrf, page, same, with_csrf_cookie, CSRF_COOKIE, VERSION,
};
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baseline_register::auth::{Enrolment, Refused};
use baseline_register::people::UserRow;
use baseline_register::register::{CaseIndex, CaseRow};
use serde::Deserialize;
use std::net::SocketAddr;

const SESSION_COOKIE: &str = "baseline_session";

fn session_cookie(value: &str, secure: bool, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in user of a request, if any.
pub(crate) async fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<(UserRow, String)> {
    let secret = cookie_value(headers, SESSION_COOKIE)?;
    let user = state
        .register
        .session_user(state.now(), &secret)
        .await
        .ok()??;
    Some((user, secret))
}

fn csrf_ok(headers: &HeaderMap, field: &str) -> bool {
    let cookie = cookie_value(headers, CSRF_COOKIE).unwrap_or_default();
    !cookie.is_empty() && same(&cookie, field)
}

fn forged() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "The form has expired",
        "Open the page again and resend the form.",
        Some("/cases"),
    )
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignIn<'a> {
    version: &'a str,
    csrf: &'a str,
    email: &'a str,
    error: Option<String>,
}

fn sign_in_page(
    state: &AppState,
    status: StatusCode,
    email: &str,
    error: Option<String>,
) -> Response {
    let csrf = new_csrf();
    let res = page(
        status,
        &SignIn {
            version: VERSION,
            csrf: &csrf,
            email,
            error,
        },
    );
    with_csrf_cookie(res, &csrf, state.config.secure_cookies)
}

pub async fn sign_in_form(State(state): State<AppState>) -> Response {
    sign_in_page(&state, StatusCode::OK, "", None)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Response {
    if !csrf_ok(&headers, &f.csrf) {
        return forged();
    }
    if let Err(wait) = state
        .sign_in_limit
        .check(client.ip(), std::time::Instant::now())
    {
        let mut res = message(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts",
            "Too many sign-in attempts from your connection. Wait a minute and try again.",
            None,
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return res;
    }
    match state
        .register
        .sign_in(state.now(), &f.email, &f.password, &f.code)
        .await
    {
        Ok(Ok(secret)) => {
            let mut res = Redirect::to("/cases").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(
                    &secret,
                    state.config.secure_cookies,
                    baseline_register::auth::SESSION_HOURS * 3600,
                ),
            );
            res
        }
        Ok(Err(Refused::Wrong)) => sign_in_page(
            &state,
            StatusCode::UNAUTHORIZED,
            &f.email,
            Some("The email address, password or code is not right".into()),
        ),
        Ok(Err(Refused::Locked(until))) => sign_in_page(
            &state,
            StatusCode::UNAUTHORIZED,
            &f.email,
            Some(format!(
                "Too many failed attempts: the account is locked until {until}"
            )),
        ),
        Err(_) => message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in is unavailable",
            "Please try again later.",
            None,
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    everywhere: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SignOutForm>,
) -> Response {
    if !csrf_ok(&headers, &f.csrf) {
        return forged();
    }
    if let Some(secret) = cookie_value(&headers, SESSION_COOKIE) {
        let _ = state
            .register
            .sign_out(state.now(), &secret, f.everywhere == "yes")
            .await;
    }
    let mut res = Redirect::to("/sign-in").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session_cookie("", state.config.secure_cookies, 0),
    );
    res
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct Invitation<'a> {
    version: &'a str,
    csrf: &'a str,
    secret: &'a str,
    enrolment: Enrolment,
    error: Option<String>,
}

async fn invitation_page(
    state: &AppState,
    secret: &str,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    match state.register.enrolment(state.now(), secret).await {
        Ok(enrolment) => {
            let csrf = new_csrf();
            let mut res = page(
                status,
                &Invitation {
                    version: VERSION,
                    csrf: &csrf,
                    secret,
                    enrolment,
                    error,
                },
            );
            res = with_csrf_cookie(res, &csrf, state.config.secure_cookies);
            res
        }
        Err(baseline_register::Error::Input(m)) => {
            message(StatusCode::GONE, "Invitation no longer valid", &m, None)
        }
        Err(_) => message(
            StatusCode::NOT_FOUND,
            "No such invitation",
            "Check the address you were sent.",
            None,
        ),
    }
}

pub async fn invitation(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    invitation_page(&state, &secret, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub async fn enrol(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    headers: HeaderMap,
    Form(f): Form<EnrolForm>,
) -> Response {
    if !csrf_ok(&headers, &f.csrf) {
        return forged();
    }
    match state
        .register
        .enroll(state.now(), &secret, &f.password, &f.code)
        .await
    {
        Ok(Ok(_)) => Redirect::to("/sign-in").into_response(),
        Ok(Err(problem)) => {
            invitation_page(
                &state,
                &secret,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(problem),
            )
            .await
        }
        Err(baseline_register::Error::Input(m)) => {
            message(StatusCode::GONE, "Invitation no longer valid", &m, None)
        }
        Err(_) => message(
            StatusCode::NOT_FOUND,
            "No such invitation",
            "Check the address you were sent.",
            None,
        ),
    }
}

/// May `user` see a case of `team`? As for tokens ([`crate::api::team_sees`]); respondents
/// are checked against the case's operators instead.
pub(crate) fn team_visible(user: &UserRow, team: Option<&str>, restricted: bool) -> bool {
    crate::api::team_sees(user.team.as_deref(), team, restricted)
}

pub(crate) async fn respondent_cases(state: &AppState, user: &UserRow) -> Vec<String> {
    let Some(op) = &user.operator_id else {
        return Vec::new();
    };
    state
        .register
        .cases_of_operator(op)
        .await
        .unwrap_or_default()
}

/// A case of the list, with what it is searched on.
pub(crate) struct Listed {
    pub row: CaseRow,
    pub ix: CaseIndex,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct Cases<'a> {
    version: &'a str,
    csrf: &'a str,
    user: UserRow,
    cases: Vec<Listed>,
    q: CasesQuery,
    statuses: &'a [&'a str],
    export: String,
}

/// Filters of the case list (all optional, combined with "and").
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CasesQuery {
    #[serde(default)]
    pub status: String,
    /// Part of an operator's legal name (any case).
    #[serde(default)]
    pub operator: String,
    /// Part of the product's brand and model.
    #[serde(default)]
    pub product: String,
    /// A requirement breached (in a notice or penalty), such as `psti:sch1-p1`.
    #[serde(default)]
    pub breach: String,
    /// Cases with an open task due on or before this date (`YYYY-MM-DD`).
    #[serde(default)]
    pub due_before: String,
    /// Words of the title or case number.
    #[serde(default)]
    pub search: String,
}

const STATUSES: &[&str] = &["triage", "investigation", "outcome", "closed"];

impl CasesQuery {
    fn export_link(&self) -> String {
        let pairs = [
            ("status", &self.status),
            ("operator", &self.operator),
            ("product", &self.product),
            ("breach", &self.breach),
            ("due_before", &self.due_before),
            ("search", &self.search),
        ];
        let mut out = String::from("/cases.csv");
        let mut first = true;
        for (k, v) in pairs {
            if v.trim().is_empty() {
                continue;
            }
            out.push(if first { '?' } else { '&' });
            first = false;
            out.push_str(k);
            out.push('=');
            for b in v.trim().bytes() {
                if b.is_ascii_alphanumeric() || b"-_.:".contains(&b) {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
        out
    }
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.trim().to_lowercase())
}

/// The cases `user` may see that match `q`, newest first.
pub(crate) async fn visible_cases(state: &AppState, user: &UserRow, q: &CasesQuery) -> Vec<Listed> {
    let status = STATUSES.iter().find(|s| **s == q.status).copied();
    let rows: Vec<CaseRow> = if user.role == "respondent" {
        let mine = respondent_cases(state, user).await;
        state
            .register
            .list_cases(status, 100_000)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|c| mine.contains(&c.id))
            .collect()
    } else {
        state
            .register
            .list_cases_visible(user.team.as_deref(), status, 100_000)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|c| team_visible(user, c.team.as_deref(), c.restricted != 0))
            .collect()
    };
    let mut index = state.register.case_index().await.unwrap_or_default();
    let due =
        (!q.due_before.trim().is_empty()).then(|| format!("{}T23:59:59Z", q.due_before.trim()));
    rows.into_iter()
        .map(|row| {
            let ix = index.remove(&row.id).unwrap_or_default();
            Listed { row, ix }
        })
        .filter(|l| {
            q.operator.trim().is_empty()
                || l.ix.operators.iter().any(|o| contains_ci(o, &q.operator))
        })
        .filter(|l| {
            q.product.trim().is_empty()
                || l.ix
                    .product
                    .as_deref()
                    .is_some_and(|p| contains_ci(p, &q.product))
        })
        .filter(|l| {
            q.breach.trim().is_empty() || l.ix.breaches.iter().any(|b| b == q.breach.trim())
        })
        .filter(|l| {
            due.as_deref()
                .is_none_or(|d| l.ix.next_due.as_deref().is_some_and(|n| n <= d))
        })
        .filter(|l| {
            q.search.trim().is_empty()
                || contains_ci(&l.row.title, &q.search)
                || contains_ci(&l.row.id, &q.search)
        })
        .collect()
}

pub async fn cases(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CasesQuery>,
) -> Response {
    let Some((user, _)) = signed_in(&state, &headers).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let list = visible_cases(&state, &user, &q).await;
    let csrf = new_csrf();
    let res = page(
        StatusCode::OK,
        &Cases {
            version: VERSION,
            csrf: &csrf,
            user,
            cases: list,
            export: q.export_link(),
            q,
            statuses: STATUSES,
        },
    );
    let mut res = with_csrf_cookie(res, &csrf, state.config.secure_cookies);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `GET /cases.csv`: the case list, with the same filters, as CSV for the team (formula-safe).
pub async fn cases_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CasesQuery>,
) -> Response {
    let Some((user, _)) = signed_in(&state, &headers).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let f = baseline_register::public::csv_field;
    let mut out = String::from("case,title,status,outcome,team,restricted,opened_at,updated_at,operators,product,breaches,next_due\r\n");
    for l in visible_cases(&state, &user, &q).await {
        let c = &l.row;
        let row = [
            f(&c.id),
            f(&c.title),
            f(&c.status),
            f(c.outcome.as_deref().unwrap_or("")),
            f(c.team.as_deref().unwrap_or("")),
            f(if c.restricted != 0 { "yes" } else { "no" }),
            f(&c.opened_at),
            f(&c.updated_at),
            f(&l.ix.operators.join("; ")),
            f(l.ix.product.as_deref().unwrap_or("")),
            f(&l.ix.breaches.join("; ")),
            f(l.ix.next_due.as_deref().unwrap_or("")),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cases.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}
