//! `baseline serve`: the case register as a web service — the public allegation form and the
//! public register of enforcement action (HTML, JSON, CSV), and a JSON API under `/api/v1/`
//! (bearer tokens with scopes and an enforced expiry) described by an OpenAPI 3.1 document
//! generated from the handlers (`/api/v1/openapi.json`).
//!
//! Stack: axum on tokio (well kept, the register is already async on sqlx), askama templates
//! (compiled, HTML-escaped by default), utoipa for the OpenAPI document. The rate limiter is our
//! own (`limit`): a fixed window per client, a few dozen lines, where the crates for it bring a
//! generic cell-rate algorithm we do not need.
//!
//! Every response carries a strict Content-Security-Policy (no scripts at all, styles only from
//! `/static/`), `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and
//! `X-Frame-Options: DENY`. Request bodies are capped (`MAX_BODY`). A submission is answered
//! 201/303 only after its transaction has committed, so an acknowledged allegation is stored.

pub mod api;
pub mod demo;
pub mod limit;
pub mod officers;
pub mod pages;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use baseline_register::Register;
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body accepted (bytes): an allegation's text fields with room to spare.
pub const MAX_BODY: usize = 64 * 1024;

/// The Content-Security-Policy of every response.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Allegations accepted per client per minute (the public form and the API).
    pub allegations_per_minute: u32,
    /// API requests per client per minute.
    pub api_per_minute: u32,
    /// Mark cookies `Secure` (on unless serving plain HTTP to something other than loopback
    /// for testing).
    pub secure_cookies: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            allegations_per_minute: 20,
            api_per_minute: 600,
            secure_cookies: true,
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub register: Register,
    pub config: Config,
    pub allegation_limit: Arc<limit::Limiter>,
    pub api_limit: Arc<limit::Limiter>,
    /// Sign-in attempts per client: 10 a minute.
    pub sign_in_limit: Arc<limit::Limiter>,
}

impl AppState {
    pub fn new(register: Register, config: Config) -> AppState {
        AppState {
            allegation_limit: Arc::new(limit::Limiter::new(config.allegations_per_minute, 60)),
            api_limit: Arc::new(limit::Limiter::new(config.api_per_minute, 60)),
            sign_in_limit: Arc::new(limit::Limiter::new(10, 60)),
            register,
            config,
        }
    }
}

async fn security_headers(req: Request<axum::body::Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// Refuse a body declared larger than [`MAX_BODY`] before reading any of it (a client that
/// sent `Expect: 100-continue` is answered 413 without uploading); bodies without a declared
/// length are cut at the same size as they are read.
async fn refuse_large(req: Request<axum::body::Body>, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        let mut res = Response::new(axum::body::Body::from(format!(
            "{{\"error\":\"the body is larger than {MAX_BODY} bytes\"}}"
        )));
        *res.status_mut() = axum::http::StatusCode::PAYLOAD_TOO_LARGE;
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return res;
    }
    next.run(req).await
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/", get(pages::home))
        .route(
            "/report",
            get(pages::report_form).post(pages::report_submit),
        )
        .route("/report/{reference}", get(pages::receipt))
        .route("/register", get(pages::public_register))
        .route(
            "/sign-in",
            get(officers::sign_in_form).post(officers::sign_in),
        )
        .route("/sign-out", post(officers::sign_out))
        .route(
            "/invitation/{secret}",
            get(officers::invitation).post(officers::enrol),
        )
        .route("/cases", get(officers::cases))
        .route("/cases/{id}", get(officers::case))
        .route("/register.json", get(api::register_json))
        .route("/register.csv", get(api::register_csv))
        .route("/static/style.css", get(pages::style))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/allegations", post(api::post_allegation))
        .route("/api/v1/allegations/{reference}", get(api::get_allegation))
        .route("/api/v1/cases", get(api::list_cases))
        .route("/api/v1/cases/{id}", get(api::get_case))
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(refuse_large))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serve on `listen` until Ctrl-C or SIGTERM; `ready` gets the bound address.
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    ready(listener.local_addr()?);
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
