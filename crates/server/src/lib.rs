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
pub mod forms;
pub mod limit;
pub mod officers;
pub mod pages;
pub mod work;

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler as _;
use axum::http::{header, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use baseline_register::time::Clock;
use baseline_register::Register;
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body accepted (bytes) where no upload is taken: an allegation's text
/// fields with room to spare.
pub const MAX_BODY: usize = 64 * 1024;
/// What a form with uploads may add to its files' limit (its text fields and the multipart
/// framing).
pub const FORM_SLACK: usize = 1 << 20;

/// The body limit of a request: larger for the forms that take uploads.
pub fn body_limit(method: &axum::http::Method, path: &str) -> usize {
    if method != axum::http::Method::POST {
        return MAX_BODY;
    }
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["report"] => forms::ALLEGATION_UPLOADS.total + FORM_SLACK,
        ["cases", _, "evidence"] => forms::CASE_UPLOADS.total + FORM_SLACK,
        ["cases", _, "remedy"] | ["cases", _, "notices", _, "representations"] => {
            forms::RESPONDENT_UPLOADS.total + FORM_SLACK
        }
        _ => MAX_BODY,
    }
}

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
    /// The service's clock (moved forward only by `--clock-offset`, for training and tests).
    pub clock: Clock,
    /// Background workers inside the service (0: jobs wait for `baseline worker`).
    pub workers: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            allegations_per_minute: 20,
            api_per_minute: 600,
            secure_cookies: true,
            clock: Clock::default(),
            workers: 1,
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
    /// "Now" on the service's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.config.clock.now()
    }

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
    // A handler's own, stricter policy stands (an evidence download is sandboxed).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
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

/// Refuse a body declared larger than its route's limit ([`body_limit`]) before reading any
/// of it (a client that sent `Expect: 100-continue` is answered 413 without uploading);
/// bodies without a declared length are cut at the same size as they are read.
async fn refuse_large(req: Request<axum::body::Body>, next: Next) -> Response {
    let limit = body_limit(req.method(), req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let mut res = Response::new(axum::body::Body::from(format!(
            "{{\"error\":\"the body is larger than {limit} bytes\"}}"
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
            get(pages::report_form).post(pages::report_submit.layer(DefaultBodyLimit::max(
                forms::ALLEGATION_UPLOADS.total + FORM_SLACK,
            ))),
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
        .route("/cases.csv", get(officers::cases_csv))
        .route("/cases/{id}", get(work::case))
        .route("/allegations", get(work::allegations))
        .route("/allegations/{reference}/case", post(work::open_case))
        .route(
            "/cases/{id}/evidence",
            post(work::add_evidence).layer(DefaultBodyLimit::max(
                forms::CASE_UPLOADS.total + FORM_SLACK,
            )),
        )
        .route("/cases/{id}/evidence/{sha256}", get(work::evidence))
        .route("/cases/{id}/documents/{name}", get(work::document))
        .route("/cases/{id}/notices", post(work::draft_notice))
        .route(
            "/cases/{id}/notices/{notice}/intent",
            post(work::notice_intent),
        )
        .route(
            "/cases/{id}/notices/{notice}/issue",
            post(work::issue_notice),
        )
        .route(
            "/cases/{id}/notices/{notice}/representations",
            post(work::representations).layer(DefaultBodyLimit::max(
                forms::RESPONDENT_UPLOADS.total + FORM_SLACK,
            )),
        )
        .route(
            "/cases/{id}/remedy",
            post(work::remedy).layer(DefaultBodyLimit::max(
                forms::RESPONDENT_UPLOADS.total + FORM_SLACK,
            )),
        )
        .route("/cases/{id}/penalties", post(work::penalty))
        .route("/cases/{id}/close", post(work::close))
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

/// Serve on `listen` until Ctrl-C or SIGTERM, with [`Config::workers`] background workers
/// taking jobs from the register's queue; `ready` gets the bound address. Worker events (a job
/// ended, the register failed) go to `log`: the library does not print.
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    ready: impl FnOnce(SocketAddr),
    log: Arc<dyn Fn(String) + Send + Sync>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    ready(listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    for i in 0..state.config.workers {
        let register = state.register.clone();
        let clock = state.config.clock;
        let mut stop = stop_rx.clone();
        let log = Arc::clone(&log);
        let name = format!("serve-{}-{i}", std::process::id());
        workers.push(tokio::spawn(async move {
            let ended = |j: &baseline_register::jobs::JobRow| log(job_line(j));
            let failed = |e: &baseline_register::Error| log(format!("worker: {e}"));
            register
                .work(
                    &name,
                    &move || clock.now(),
                    std::time::Duration::from_secs(1),
                    async move {
                        let _ = stop.wait_for(|s| *s).await;
                    },
                    &ended,
                    &failed,
                )
                .await;
        }));
    }
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await;
    let _ = stop_tx.send(true);
    for w in workers {
        let _ = w.await;
    }
    served
}

/// One line about an ended job, for logs.
pub fn job_line(j: &baseline_register::jobs::JobRow) -> String {
    let case = j.case_id.as_deref().unwrap_or("-");
    match (j.status.as_str(), &j.result, &j.error) {
        ("done", Some(r), _) => format!("{} ({}, {case}) done: {r}", j.id, j.kind),
        (status, _, Some(e)) => format!("{} ({}, {case}) {status}: {e}", j.id, j.kind),
        (status, _, _) => format!("{} ({}, {case}) {status}", j.id, j.kind),
    }
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
