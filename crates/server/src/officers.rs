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
use baseline_register::register::{CaseDetail, CaseRow};
use jiff::Timestamp;
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
        .session_user(Timestamp::now(), &secret)
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
        .sign_in(Timestamp::now(), &f.email, &f.password, &f.code)
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
            .sign_out(Timestamp::now(), &secret, f.everywhere == "yes")
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
    match state.register.enrolment(Timestamp::now(), secret).await {
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
        .enroll(Timestamp::now(), &secret, &f.password, &f.code)
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
fn team_visible(user: &UserRow, team: Option<&str>, restricted: bool) -> bool {
    crate::api::team_sees(user.team.as_deref(), team, restricted)
}

async fn respondent_cases(state: &AppState, user: &UserRow) -> Vec<String> {
    let Some(op) = &user.operator_id else {
        return Vec::new();
    };
    state
        .register
        .cases_of_operator(op)
        .await
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "cases.html")]
struct Cases<'a> {
    version: &'a str,
    csrf: &'a str,
    user: UserRow,
    cases: Vec<CaseRow>,
    status: String,
    statuses: &'a [&'a str],
}

#[derive(Debug, Deserialize)]
pub struct CasesQuery {
    #[serde(default)]
    status: String,
}

pub async fn cases(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CasesQuery>,
) -> Response {
    let Some((user, _)) = signed_in(&state, &headers).await else {
        return Redirect::to("/sign-in").into_response();
    };
    const STATUSES: &[&str] = &["triage", "investigation", "outcome", "closed"];
    let status = STATUSES
        .iter()
        .find(|s| **s == q.status)
        .map(|s| (*s).to_owned());
    let list = if user.role == "respondent" {
        let mine = respondent_cases(&state, &user).await;
        state
            .register
            .list_cases(status.as_deref(), 1000)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|c| mine.contains(&c.id))
            .collect()
    } else {
        state
            .register
            .list_cases_visible(user.team.as_deref(), status.as_deref(), 500)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|c| team_visible(&user, c.team.as_deref(), c.restricted != 0))
            .collect()
    };
    let csrf = new_csrf();
    let res = page(
        StatusCode::OK,
        &Cases {
            version: VERSION,
            csrf: &csrf,
            user,
            cases: list,
            status: status.unwrap_or_default(),
            statuses: STATUSES,
        },
    );
    let mut res = with_csrf_cookie(res, &csrf, state.config.secure_cookies);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage<'a> {
    version: &'a str,
    d: CaseDetail,
    /// Everything (officers) or the notices only (respondents).
    full: bool,
}

pub async fn case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some((user, _)) = signed_in(&state, &headers).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let nothing = || {
        message(
            StatusCode::NOT_FOUND,
            "No such case",
            "There is no case with this number that you can see.",
            Some("/cases"),
        )
    };
    let Ok(row) = state.register.case(&id).await else {
        return nothing();
    };
    let respondent = user.role == "respondent";
    let allowed = if respondent {
        respondent_cases(&state, &user).await.contains(&id)
    } else {
        team_visible(&user, row.team.as_deref(), row.restricted != 0)
    };
    if !allowed {
        return nothing();
    }
    match state
        .register
        .show_case(Timestamp::now(), &user.email, &id)
        .await
    {
        Ok(mut d) => {
            if respondent {
                d.notices.retain(|n| n.status != "draft");
            }
            let mut res = page(
                StatusCode::OK,
                &CasePage {
                    version: VERSION,
                    d,
                    full: !respondent,
                },
            );
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(_) => nothing(),
    }
}
