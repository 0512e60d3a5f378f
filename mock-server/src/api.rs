//! The routes, their validation, the error bodies and the middleware that
//! applies faults and names every response.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use avara::types::{self, OrgCreateParams};
use avara::validate;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::Value;

use crate::fault::{FAULT_HEADER, Fault, FaultQueue};
use crate::server::ConnectionKill;
use crate::store::{self, Created, DEFAULT_LIMIT, Store};

/// The header that names every response.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The header of a create that is safe to repeat.
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on a create answered from an earlier one with the same key.
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// The longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;
/// How long a truncated body waits after its first half before the
/// connection closes.
const TRUNCATE_PAUSE: Duration = Duration::from_millis(20);
/// The largest request body read.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The state every request sees.
#[derive(Debug)]
pub(crate) struct Shared {
    store: Mutex<Store>,
    pub(crate) faults: FaultQueue,
    api_keys: HashSet<String>,
}

impl Shared {
    pub(crate) fn new(api_keys: Vec<String>) -> Self {
        Shared {
            store: Mutex::default(),
            faults: FaultQueue::default(),
            api_keys: api_keys.into_iter().collect(),
        }
    }

    /// The store; a handler never panics while holding it, but a poisoned
    /// lock is taken over rather than turned into a 500.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The routes of the API and of fault control, with the middleware.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/orgs", get(orgs_list).post(orgs_create))
        .route("/v1/orgs/{org_id}", get(orgs_retrieve))
        .route("/_mock/faults", post(arm_faults).delete(disarm_faults))
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(shared.clone(), front))
        .with_state(shared)
}

/// An error answer: a status and the spec's `Error` body.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            &types::Error {
                error: Some(self.code.to_string()),
                message: Some(self.message),
            },
        )
    }
}

/// `value` as a JSON response with `status`.
fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from(body),
        )
            .into_response(),
        // The API's types always serialize; say so rather than panic.
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from(
                r#"{"message":"the mock failed to encode its response","error":"internal"}"#,
            ),
        )
            .into_response(),
    }
}

/// The API key of a request, or the 401 that refuses it.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<String, ApiError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(ApiError::unauthorized(
            "missing Authorization header; send `Authorization: Bearer <API key>`",
        ));
    };
    if values.next().is_some() {
        return Err(ApiError::unauthorized(
            "more than one Authorization header was sent",
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("malformed Authorization header: not visible ASCII"))?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::unauthorized("malformed Authorization header; expected `Bearer <API key>`")
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::unauthorized(format!(
            "unsupported Authorization scheme `{scheme}`; expected `Bearer`"
        )));
    }
    let token = token.trim();
    let is_test_key = token
        .strip_prefix(crate::TEST_KEY_PREFIX)
        .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace));
    if is_test_key || shared.api_keys.contains(token) {
        Ok(token.to_string())
    } else if token.is_empty() {
        Err(ApiError::unauthorized(
            "malformed Authorization header: the bearer token is empty",
        ))
    } else {
        Err(ApiError::unauthorized("invalid API key"))
    }
}

/// `POST /v1/orgs`.
async fn orgs_create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let api_key = authenticate(&shared, &headers)?;
    let idempotency_key = idempotency_key(&headers)?;
    let params = create_params(&body)?;
    let created = shared
        .store()
        .create(params, &api_key, idempotency_key.as_deref());
    match created {
        Created::New(org) => Ok(json_response(StatusCode::CREATED, &org)),
        Created::Replayed(org) => {
            let mut response = json_response(StatusCode::CREATED, &org);
            response
                .headers_mut()
                .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
            Ok(response)
        }
        Created::KeyReused => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency-Key was already used with a different request body; use a new key \
             for a different request",
        )),
    }
}

/// The `Idempotency-Key` of a request, if it sent a valid one.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiError::bad_request("Idempotency-Key header must be visible ASCII"))?
        .trim();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(ApiError::bad_request(format!(
            "Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters"
        )));
    }
    Ok(Some(key.to_string()))
}

/// The body of a create, checked against the spec: the constraints the
/// generated types leave to the runtime (`avara::validate`), then the types
/// themselves (required fields, string lengths, unknown fields).
fn create_params(body: &[u8]) -> Result<OrgCreateParams, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "request body is required: a JSON object with `orgName`",
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request(format!(
            "request body must be a JSON object, not {}",
            json_kind(&value)
        )));
    }
    let parts = validate::RequestParts {
        body: Some(value.clone()),
        ..Default::default()
    };
    validate::check("orgs_create", &parts)
        .map_err(|v| ApiError::bad_request(format!("request {v}")))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let place = if path == "." {
            "request body".to_string()
        } else {
            format!("`{path}`")
        };
        ApiError::bad_request(format!("{place}: {}", e.inner()))
    })
}

/// What kind of JSON value `value` is, for messages.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `GET /v1/orgs`.
async fn orgs_list(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    authenticate(&shared, &headers)?;
    let Query(pairs) =
        query.map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))?;
    let mut limit = None;
    let mut cursor = None;
    for (name, value) in &pairs {
        let slot = match name.as_str() {
            "limit" => &mut limit,
            "cursor" => &mut cursor,
            // Unknown query parameters are ignored, as most APIs do.
            _ => continue,
        };
        if slot.replace(value.as_str()).is_some() {
            return Err(ApiError::bad_request(format!(
                "query parameter `{name}` was given more than once"
            )));
        }
    }
    let parts = validate::RequestParts {
        query: pairs.clone(),
        ..Default::default()
    };
    validate::check("orgs_list", &parts).map_err(|v| ApiError::bad_request(v.to_string()))?;
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(text) => text.trim().parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!(
                "query parameter `limit` must be an integer, not `{text}`"
            ))
        })?,
    };
    // An empty cursor is schema-valid (the spec can only say "a string") and
    // names no position, so it means the same as none: the first page.
    let after = match cursor.filter(|c| !c.is_empty()) {
        None => 0,
        Some(text) => store::decode_cursor(text).map_err(|why| {
            ApiError::bad_request(format!(
                "cursor {why}: pass back the `cursor` of the previous page unchanged"
            ))
        })?,
    };
    let page = shared.store().page(after, limit);
    Ok(json_response(StatusCode::OK, &page))
}

/// `GET /v1/orgs/{orgId}`.
async fn orgs_retrieve(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    org_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    authenticate(&shared, &headers)?;
    let not_found = |id: &str| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no organization with orgId `{id}`"),
        )
    };
    let Path(org_id) = org_id.map_err(|_| not_found("(undecodable)"))?;
    let org = shared.store().get(&org_id).cloned();
    match org {
        Some(org) => Ok(json_response(StatusCode::OK, &org)),
        None => Err(not_found(&org_id)),
    }
}

/// Every other path.
async fn unknown_route(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no route for {method} {}", uri.path()),
    )
}

/// `POST /_mock/faults`: `{"fault": "<spec>", "count": N}` arms a fault for
/// the next `N` requests (1 when `count` is absent).
async fn arm_faults(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("request body is not valid JSON: {e}")))?;
    let Some(spec) = value.get("fault").and_then(Value::as_str) else {
        return Err(ApiError::bad_request(
            "fault is required: a fault spec string",
        ));
    };
    let fault = Fault::parse(spec).map_err(|e| ApiError::bad_request(format!("fault: {e}")))?;
    let count = match value.get("count") {
        None => 1,
        Some(n) => n
            .as_u64()
            .filter(|n| *n <= 10_000)
            .ok_or_else(|| ApiError::bad_request("count must be an integer from 0 to 10000"))?
            as usize,
    };
    shared.faults.inject(fault, count);
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /_mock/faults`: disarms every fault.
async fn disarm_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.clear();
    StatusCode::NO_CONTENT
}

/// Runs around every request: applies a fault if one is due, turns any
/// error answer without a JSON body (axum's own 405, 413 and the like) into
/// the `Error` body, and names the response with an `x-request-id`.
async fn front(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let request_id = format!("req_{:024x}", fastrand::u128(..) >> 32);
    let fault = if request.uri().path().starts_with("/_mock/") {
        Ok(None)
    } else {
        match request.headers().get(FAULT_HEADER) {
            Some(value) => value
                .to_str()
                .map_err(|_| format!("{FAULT_HEADER} header is not visible ASCII"))
                .and_then(Fault::parse)
                .map(Some)
                .map_err(|e| ApiError::bad_request(format!("{FAULT_HEADER} header: {e}"))),
            None => Ok(shared.faults.take()),
        }
    };
    let route = format!("{} {}", request.method(), request.uri().path());
    let response = match fault {
        Err(e) => e.into_response(),
        Ok(None) => next.run(request).await,
        Ok(Some(fault)) => faulted(fault, request, next).await,
    };
    let mut response = as_json_error(response, &route).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// The answer to `request` under `fault`.
async fn faulted(fault: Fault, request: Request, next: Next) -> Response {
    match fault {
        Fault::RateLimit { retry_after_secs } => {
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests; retry after {retry_after_secs} s"),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Fault::Unavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "the service is temporarily unavailable",
        )
        .into_response(),
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Fault::DropConnection => {
            let kill = request.extensions().get::<ConnectionKill>().cloned();
            // The request takes effect; only its answer is lost.
            let answered = next.run(request).await;
            match kill {
                Some(kill) => {
                    kill.kill();
                    // The connection task drops this future with the socket.
                    std::future::pending().await
                }
                // Not served by our accept loop: break the body instead.
                None => {
                    let (parts, _) = answered.into_parts();
                    let broken = futures::stream::once(async {
                        Err::<Bytes, _>(std::io::Error::other("connection dropped by the mock"))
                    });
                    Response::from_parts(parts, Body::from_stream(broken))
                }
            }
        }
        Fault::TruncatedBody => {
            let (mut parts, body) = next.run(request).await.into_parts();
            let full = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            // Promise the whole body (at least one byte), send half of it.
            let promised = full.len().max(1);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(promised));
            let half = full.slice(..full.len() / 2);
            // A stream has no known length, so hyper keeps the header. The
            // pause lets it flush what it has; the error then makes it close
            // the connection short of the promised length.
            let partial = futures::stream::once(async move { Ok(half) }).chain(
                futures::stream::once(async {
                    tokio::time::sleep(TRUNCATE_PAUSE).await;
                    Err(std::io::Error::other("body truncated by the mock"))
                }),
            );
            Response::from_parts(parts, Body::from_stream(partial))
        }
    }
}

/// `response` to the request `route` (`METHOD /path`), with an `Error` body
/// if it is an error without a JSON body.
async fn as_json_error(response: Response, route: &str) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let reason = status.canonical_reason().unwrap_or("error");
    let (code, message) = match status {
        // axum adds the `Allow` header outside this middleware.
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            format!("method not allowed: {route}; see the Allow header"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            format!("request body is larger than {MAX_BODY_BYTES} bytes"),
        ),
        _ if text.is_empty() => ("error", reason.to_string()),
        _ => ("error", text),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let fresh = ApiError::new(status, code, message).into_response();
    let (fresh_parts, fresh_body) = fresh.into_parts();
    parts.headers.extend(fresh_parts.headers);
    Response::from_parts(parts, fresh_body)
}
