//! The HTML pages: server-rendered with askama, working without JavaScript (there is none),
//! with labels, one `h1` per page, a skip link, and an error summary that links to each field
//! in error. Forms carry a CSRF token (double-submit: a random value in an `HttpOnly`,
//! `SameSite=Strict` cookie and in the form, which must match).

use crate::api::{accept_allegation, AllegationBody, AllegationStatus};
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;

pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");
pub(crate) const CSRF_COOKIE: &str = "baseline_csrf";

pub(crate) fn page(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the page could not be rendered",
        )
            .into_response(),
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    version: &'a str,
    heading: &'a str,
    message: &'a str,
    back: Option<&'a str>,
}

pub(crate) fn message(
    status: StatusCode,
    heading: &str,
    text: &str,
    back: Option<&str>,
) -> Response {
    page(
        status,
        &Message {
            version: VERSION,
            heading,
            message: text,
            back,
        },
    )
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    version: &'a str,
}

pub async fn home() -> Response {
    page(StatusCode::OK, &Home { version: VERSION })
}

pub async fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
        Some("/"),
    )
}

pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
        .into_response()
}

/// The values of the report form, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub where_bought: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug)]
struct FieldError {
    field: String,
    message: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Report<'a> {
    version: &'a str,
    csrf: &'a str,
    form: &'a ReportForm,
    errors: Vec<FieldError>,
}

impl Report<'_> {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

pub(crate) fn new_csrf() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub(crate) fn with_csrf_cookie(mut res: Response, token: &str, secure: bool) -> Response {
    let cookie = format!(
        "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=7200{}",
        if secure { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn report_page(
    state: &AppState,
    status: StatusCode,
    form: &ReportForm,
    errors: Vec<FieldError>,
) -> Response {
    let token = new_csrf();
    let res = page(
        status,
        &Report {
            version: VERSION,
            csrf: &token,
            form,
            errors,
        },
    );
    with_csrf_cookie(res, &token, state.config.secure_cookies)
}

pub async fn report_form(State(state): State<AppState>) -> Response {
    report_page(&state, StatusCode::OK, &ReportForm::default(), Vec::new())
}

pub async fn report_submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> Response {
    let headers = req.headers().clone();
    let sent = match crate::forms::read(req, crate::forms::ALLEGATION_UPLOADS).await {
        Ok(s) => s,
        Err(crate::forms::FormError::TooLarge(m)) => {
            return message(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The report is too large",
                &format!("Nothing was recorded: {m}. Send at most 5 files, 32 MiB together."),
                Some("/report"),
            )
        }
        Err(crate::forms::FormError::Unreadable(_)) => {
            return message(
                StatusCode::BAD_REQUEST,
                "The report could not be read",
                "Send the form from this site's report page.",
                Some("/report"),
            )
        }
    };
    let form = ReportForm {
        csrf: sent.get("csrf").to_owned(),
        brand: sent.get("brand").to_owned(),
        model: sent.get("model").to_owned(),
        where_bought: sent.get("where_bought").to_owned(),
        description: sent.get("description").to_owned(),
        contact: sent.get("contact").to_owned(),
        source: sent.get("source").to_owned(),
    };
    let cookie = cookie_value(&headers, CSRF_COOKIE).unwrap_or_default();
    if cookie.is_empty() || form.csrf.is_empty() || !same(&cookie, &form.csrf) {
        return message(
            StatusCode::FORBIDDEN,
            "The form has expired",
            "For your security the form must be sent from this site, in the same browser session. Open the report page again and resend.",
            Some("/report"),
        );
    }
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
    let body = AllegationBody {
        brand: form.brand.clone(),
        model: form.model.clone(),
        description: form.description.clone(),
        contact: opt(&form.contact),
        where_bought: opt(&form.where_bought),
        source: opt(&form.source),
    };
    // Every empty required field at once, in the order of the form.
    let mut errors = Vec::new();
    for (field, value, text) in [
        ("brand", &form.brand, "Enter the product's brand"),
        ("model", &form.model, "Enter the product's model"),
        ("description", &form.description, "Describe what is wrong"),
    ] {
        if value.trim().is_empty() {
            errors.push(FieldError {
                field: field.into(),
                message: text.into(),
            });
        }
    }
    if !errors.is_empty() {
        return report_page(&state, StatusCode::UNPROCESSABLE_ENTITY, &form, errors);
    }
    match accept_allegation(&state, client, &body, &sent.files).await {
        Ok(receipt) => Redirect::to(&format!("/report/{}", receipt.reference)).into_response(),
        Err(f) if f.status == StatusCode::TOO_MANY_REQUESTS => {
            let mut res = message(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many reports",
                "Too many reports have come from your connection in the last minute. Wait a minute and send it again.",
                None,
            );
            if let Some(s) = f
                .retry_after
                .and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
            {
                res.headers_mut().insert(header::RETRY_AFTER, s);
            }
            res
        }
        Err(f) if f.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let field = f
                .error
                .field
                .clone()
                .unwrap_or_else(|| "description".into());
            report_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                vec![FieldError {
                    field,
                    message: f.error.error,
                }],
            )
        }
        Err(_) => message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The report was not stored",
            "Nothing was recorded. Please try again later.",
            Some("/report"),
        ),
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct Receipt<'a> {
    version: &'a str,
    status: AllegationStatus,
}

pub async fn receipt(State(state): State<AppState>, Path(reference): Path<String>) -> Response {
    match state.register.allegation(&reference).await {
        Ok(a) => {
            let status = AllegationStatus::from(a);
            page(
                StatusCode::OK,
                &Receipt {
                    version: VERSION,
                    status,
                },
            )
        }
        Err(_) => message(
            StatusCode::NOT_FOUND,
            "No such report",
            "No report has this reference. Check it against your receipt.",
            Some("/"),
        ),
    }
}

/// A row of the public register page.
#[derive(Debug)]
struct Row {
    day: String,
    kind: String,
    notice: String,
    amount: Option<String>,
    operators: Vec<String>,
    product: Option<String>,
    breaches: Vec<String>,
    given_at: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct PublicRegister<'a> {
    version: &'a str,
    actions: Vec<Row>,
}

pub async fn public_register(State(state): State<AppState>) -> Response {
    match state.register.public_actions().await {
        Ok(actions) => {
            let actions = actions
                .into_iter()
                .map(|a| Row {
                    day: a.given_at.get(..10).unwrap_or(&a.given_at).to_owned(),
                    kind: a.kind,
                    notice: a.notice,
                    amount: a.amount,
                    operators: a.operators,
                    product: a.product,
                    breaches: a.breaches,
                    given_at: a.given_at,
                })
                .collect();
            page(
                StatusCode::OK,
                &PublicRegister {
                    version: VERSION,
                    actions,
                },
            )
        }
        Err(_) => message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The register is unavailable",
            "Please try again later.",
            None,
        ),
    }
}
