//! The JSON API under `/api/v1/` and the public feeds. Each handler is annotated for the
//! OpenAPI document ([`ApiDoc`], served at `/api/v1/openapi.json`).
//!
//! Errors are `{"error": "...", "field": "..."}` with 401 (no, unknown, expired or revoked
//! token; `WWW-Authenticate: Bearer`), 403 (the token lacks the scope), 404 (no such thing, or
//! one the token may not see), 413 (body over the limit), 422 (invalid field), 429 (rate limit,
//! with `Retry-After`).

use crate::AppState;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baseline_register::tokens::{Rejected, TokenRow};
use baseline_register::{Error, NewAllegation};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::{OpenApi, ToSchema};

/// An API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    pub error: String,
    /// The request field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error response.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub error: ApiError,
    pub retry_after: Option<u64>,
}

impl Failure {
    pub fn new(status: StatusCode, error: impl Into<String>) -> Failure {
        Failure {
            status,
            error: ApiError {
                error: error.into(),
                field: None,
            },
            retry_after: None,
        }
    }

    pub fn field(mut self, f: &str) -> Failure {
        self.error.field = Some(f.to_owned());
        self
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        match e {
            Error::Input(m) => Failure::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            Error::NotFound(m) => Failure::new(StatusCode::NOT_FOUND, m),
            Error::Conflict(m) => Failure::new(StatusCode::CONFLICT, m),
            Error::Database { .. } | Error::Pipeline(_) => Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the register could not be read or written",
            ),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self.error)).into_response();
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

pub(crate) fn too_many(seconds: u64) -> Failure {
    Failure {
        status: StatusCode::TOO_MANY_REQUESTS,
        error: ApiError {
            error: format!("too many requests; retry in {seconds} s"),
            field: None,
        },
        retry_after: Some(seconds),
    }
}

/// Check the bearer token of a request for `scope` (and the API rate limit).
pub(crate) async fn authorize(
    state: &AppState,
    client: SocketAddr,
    headers: &HeaderMap,
    scope: &str,
) -> Result<TokenRow, Failure> {
    state
        .api_limit
        .check(client.ip(), std::time::Instant::now())
        .map_err(too_many)?;
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            "no bearer token (Authorization: Bearer bl_…)",
        ));
    };
    let Some(secret) = auth.strip_prefix("Bearer ").map(str::trim) else {
        return Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            "the Authorization header is not `Bearer TOKEN`",
        ));
    };
    match state.register.authenticate(state.now(), secret).await? {
        Err(r @ (Rejected::Unknown | Rejected::Expired(_) | Rejected::Revoked(_))) => {
            Err(Failure::new(StatusCode::UNAUTHORIZED, r.to_string()))
        }
        Ok(t) if !t.has_scope(scope) => Err(Failure::new(
            StatusCode::FORBIDDEN,
            format!("token {} lacks the scope {scope}", t.id),
        )),
        Ok(t) => Ok(t),
    }
}

/// May `token` see a case of `team`, restricted or not? See [`team_sees`].
pub fn visible(token: &TokenRow, case_team: Option<&str>, restricted: bool) -> bool {
    team_sees(token.team.as_deref(), case_team, restricted)
}

/// May someone of team `mine` (None: the whole authority) see a case of team `theirs`? A
/// team sees its own cases and the unassigned ones that are not restricted. Tokens and
/// signed-in users are judged alike.
pub fn team_sees(mine: Option<&str>, theirs: Option<&str>, restricted: bool) -> bool {
    match (mine, theirs) {
        (None, _) => true,
        (Some(mine), Some(theirs)) => mine == theirs,
        (Some(_), None) => !restricted,
    }
}

/// An allegation sent by the public or a researcher.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllegationBody {
    /// The product's brand (at least one character that is neither white space nor a control character).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\s\x00-\x1f\x7f-\x9f][^\x00]*$"
    )]
    pub brand: String,
    /// The product's model (at least one character that is neither white space nor a control character).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\s\x00-\x1f\x7f-\x9f][^\x00]*$"
    )]
    pub model: String,
    /// What is wrong with it (at least one character that is neither white space nor a control character).
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"^[^\x00]*[^\s\x00-\x1f\x7f-\x9f][^\x00]*$"
    )]
    pub description: String,
    /// How to reach the sender (optional; never published).
    #[serde(default)]
    #[schema(max_length = 200, pattern = r"^[^\x00]*$")]
    pub contact: Option<String>,
    /// Where the product was bought.
    #[serde(default)]
    #[schema(max_length = 200, pattern = r"^[^\x00]*$")]
    pub where_bought: Option<String>,
    /// `consumer` (default), `security-researcher` or `manufacturer-notification`.
    #[serde(default)]
    #[schema(pattern = "^(consumer|security-researcher|manufacturer-notification)$")]
    pub source: Option<String>,
}

/// The receipt of an allegation.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllegationReceipt {
    /// Keep it: it is the only way to look the allegation up.
    pub reference: String,
    pub received_at: String,
}

/// What the public can see of an allegation.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllegationStatus {
    pub reference: String,
    pub received_at: String,
    pub brand: String,
    pub model: String,
    /// `received` or `under investigation` (a case was opened from it).
    pub status: String,
}

impl From<baseline_register::register::AllegationRow> for AllegationStatus {
    fn from(a: baseline_register::register::AllegationRow) -> Self {
        AllegationStatus {
            reference: a.reference,
            received_at: a.received_at,
            brand: a.brand,
            model: a.model,
            status: if a.case_id.is_some() {
                "under investigation"
            } else {
                "received"
            }
            .into(),
        }
    }
}

/// Sources the public may give.
pub const PUBLIC_SOURCES: &[&str] = &[
    "consumer",
    "security-researcher",
    "manufacturer-notification",
];
/// Longest brand, model, contact or where-bought field (characters).
pub const MAX_FIELD: usize = 200;

/// Whether a required text has a character that is neither white space nor a control
/// character (what the schema's pattern says).
fn meaningful(s: &str) -> bool {
    s.chars().any(|c| !c.is_whitespace() && !c.is_control())
}

/// Validate and store an allegation from the public; returns the receipt.
pub(crate) async fn accept_allegation(
    state: &AppState,
    client: SocketAddr,
    body: &AllegationBody,
    files: &[crate::forms::Upload],
) -> Result<AllegationReceipt, Failure> {
    let source = body.source.as_deref().unwrap_or("consumer");
    if !PUBLIC_SOURCES.contains(&source) {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("source must be one of {}", PUBLIC_SOURCES.join(", ")),
        )
        .field("source"));
    }
    for (name, v, required) in [
        ("brand", Some(&body.brand), true),
        ("model", Some(&body.model), true),
        ("contact", body.contact.as_ref(), false),
        ("where_bought", body.where_bought.as_ref(), false),
    ] {
        match v {
            Some(v) if v.chars().count() > MAX_FIELD => {
                return Err(Failure::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{name} is longer than {MAX_FIELD} characters"),
                )
                .field(name))
            }
            Some(v) if v.contains('\0') => {
                return Err(Failure::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{name} contains a NUL character"),
                )
                .field(name))
            }
            Some(v) if required && !meaningful(v) => {
                return Err(Failure::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{name} is empty"),
                )
                .field(name))
            }
            _ => {}
        }
    }
    if body.description.contains('\0') {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "description contains a NUL character",
        )
        .field("description"));
    }
    if !meaningful(&body.description) {
        return Err(
            Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "description is empty")
                .field("description"),
        );
    }
    if body.description.chars().count() > baseline_register::register::MAX_DESCRIPTION {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "description is longer than {} characters",
                baseline_register::register::MAX_DESCRIPTION
            ),
        )
        .field("description"));
    }
    state
        .allegation_limit
        .check(client.ip(), std::time::Instant::now())
        .map_err(too_many)?;
    let now = state.now();
    let a = NewAllegation {
        source: source.to_owned(),
        brand: body.brand.trim().to_owned(),
        model: body.model.trim().to_owned(),
        description: body.description.trim().to_owned(),
        contact: body.contact.clone().filter(|c| !c.trim().is_empty()),
        where_bought: body.where_bought.clone().filter(|c| !c.trim().is_empty()),
        attachments: files
            .iter()
            .map(|f| (f.name.clone(), f.data.as_slice()))
            .collect(),
    };
    let reference = state.register.receive_allegation(now, "public", &a).await?;
    Ok(AllegationReceipt {
        reference,
        received_at: baseline_register::time::format(now),
    })
}

/// File an allegation of non-compliance (no account needed).
#[utoipa::path(post, path = "/api/v1/allegations", request_body = AllegationBody,
    responses(
        (status = 201, description = "Stored; keep the reference", body = AllegationReceipt),
        (status = 400, description = "The body is not valid JSON or does not match the schema", body = ApiError),
        (status = 413, description = "Body over 64 KiB"),
        (status = 415, description = "The body is not sent as application/json", body = ApiError),
        (status = 422, description = "A field is missing or invalid", body = ApiError),
        (status = 429, description = "Too many allegations from this client", body = ApiError),
    ), tag = "public")]
pub async fn post_allegation(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    body: Result<Json<AllegationBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, Failure> {
    let Json(body) = body.map_err(|r| Failure::new(r.status(), r.body_text()))?;
    let receipt = accept_allegation(&state, client, &body, &[]).await?;
    let location = format!("/api/v1/allegations/{}", receipt.reference);
    let mut res = (StatusCode::CREATED, Json(receipt)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Look an allegation up by its reference.
#[utoipa::path(get, path = "/api/v1/allegations/{reference}",
    params(("reference" = String, Path, description = "The AL-… reference of the receipt")),
    responses((status = 200, body = AllegationStatus), (status = 404, body = ApiError)), tag = "public")]
pub async fn get_allegation(
    State(state): State<AppState>,
    Path(reference): Path<String>,
) -> Result<Json<AllegationStatus>, Failure> {
    let a = state.register.allegation(&reference).await?;
    Ok(Json(AllegationStatus::from(a)))
}

/// A case as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: String,
    pub title: String,
    /// triage, investigation, outcome or closed.
    pub status: String,
    pub outcome: Option<String>,
    pub team: Option<String>,
    pub restricted: bool,
    pub opened_at: String,
    pub updated_at: String,
}

/// The states a case can be in.
pub const CASE_STATES: &[&str] = &["triage", "investigation", "outcome", "closed"];

/// Filters of the case list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Only cases in this state.
    #[param(pattern = "^(triage|investigation|outcome|closed)$")]
    pub status: Option<String>,
    /// At most this many, newest first (default 100).
    #[param(minimum = 0, maximum = 1000)]
    pub limit: Option<i64>,
}

/// List the cases the token may see, newest first.
#[utoipa::path(get, path = "/api/v1/cases", params(CaseQuery),
    responses((status = 200, body = [CaseSummary]), (status = 400, description = "A filter is not of its type", body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 422, description = "A filter is out of range", body = ApiError), (status = 429, body = ApiError)),
    security(("bearer" = [])), tag = "cases")]
pub async fn list_cases(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    q: Result<Query<CaseQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<CaseSummary>>, Failure> {
    let token = authorize(&state, client, &headers, "cases:read").await?;
    let Query(q) = q.map_err(|r| Failure::new(StatusCode::BAD_REQUEST, r.body_text()))?;
    let limit = q.limit.unwrap_or(100);
    if !(0..=1000).contains(&limit) {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit must be from 0 to 1000",
        )
        .field("limit"));
    }
    if let Some(s) = q.status.as_deref() {
        if !CASE_STATES.contains(&s) {
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("status must be one of {}", CASE_STATES.join(", ")),
            )
            .field("status"));
        }
    }
    let rows = state
        .register
        .list_cases_visible(token.team.as_deref(), q.status.as_deref(), limit)
        .await?;
    Ok(Json(
        rows.into_iter()
            .filter(|c| visible(&token, c.team.as_deref(), c.restricted != 0))
            .map(|c| CaseSummary {
                id: c.id,
                title: c.title,
                status: c.status,
                outcome: c.outcome,
                team: c.team,
                restricted: c.restricted != 0,
                opened_at: c.opened_at,
                updated_at: c.updated_at,
            })
            .collect(),
    ))
}

/// One case: operators, evidence with SHA-256, notices, penalties, appeals, tasks and the
/// timeline from the event chain (as `baseline case show --format json`). Reading a
/// restricted case is recorded in the chain under the token's id.
#[utoipa::path(get, path = "/api/v1/cases/{id}",
    params(("id" = String, Path, description = "CASE-…")),
    responses((status = 200, description = "The case", body = Object), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)),
    security(("bearer" = [])), tag = "cases")]
pub async fn get_case(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, Failure> {
    let token = authorize(&state, client, &headers, "cases:read").await?;
    let row = state.register.case(&id).await?;
    if !visible(&token, row.team.as_deref(), row.restricted != 0) {
        return Err(Failure::new(StatusCode::NOT_FOUND, format!("no case {id}")));
    }
    let d = state
        .register
        .show_case(state.now(), &format!("token:{}", token.id), &id)
        .await?;
    Ok(Json(serde_json::to_value(&d).unwrap_or_default()))
}

/// A published enforcement action.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicActionSchema {
    pub kind: String,
    pub notice: String,
    pub given_at: String,
    pub operators: Vec<String>,
    pub product: Option<String>,
    pub breaches: Vec<String>,
    pub amount: Option<String>,
}

/// The public register of enforcement action (notices given, penalty notices).
#[utoipa::path(get, path = "/register.json", responses((status = 200, body = [PublicActionSchema])), tag = "public")]
pub async fn register_json(State(state): State<AppState>) -> Result<Response, Failure> {
    let actions = state.register.public_actions().await?;
    Ok(Json(actions).into_response())
}

/// The public register as CSV.
#[utoipa::path(get, path = "/register.csv", responses((status = 200, content_type = "text/csv", body = String)), tag = "public")]
pub async fn register_csv(State(state): State<AppState>) -> Result<Response, Failure> {
    let actions = state.register.public_actions().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"register.csv\"",
            ),
        ],
        baseline_register::public::to_csv(&actions),
    )
        .into_response())
}

/// Health: the register answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "ok"), (status = 503, description = "the register does not answer")), tag = "public")]
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.register.db.schema_version().await {
        Ok(v) => (StatusCode::OK, format!("ok schema {v}\n")).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "register unavailable\n").into_response(),
    }
}

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `baseline token create` (bl_ and 64 hex digits); scopes cases:read, cases:write, allegations:read"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document, generated from the handlers above.
#[derive(OpenApi)]
#[openapi(
    info(title = "Baseline register API", description = "The enforcement case register of the UK PSTI regime: public allegations and the public register, and cases for officers' tokens."),
    paths(post_allegation, get_allegation, list_cases, get_case, register_json, register_csv, healthz),
    components(schemas(ApiError, AllegationBody, AllegationReceipt, AllegationStatus, CaseSummary, PublicActionSchema)),
    modifiers(&BearerScheme)
)]
#[derive(Debug)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}
