//! The HTTP side: the router built from the generated operation table, the
//! middleware (request ids, authentication, faults, error bodies), request
//! decoding and validation, idempotency, and the fault control routes.

use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use avara::validate;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, post};
use futures::StreamExt;
use serde_json::{Map, Value};

use crate::fault::{FAULT_HEADER, Fault, FaultQueue};
use crate::generated::{ERROR, OPERATIONS, RESOURCES};
use crate::model::{ListStyle, Operation, Resource, Scalar};
use crate::resources::{self, Answer, Input};
use crate::server::ConnectionKill;
use crate::store::{Remembered, Store};
use crate::webhooks::{Sender, TriggerError, WebhookConfig};

/// The header that names every response.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The header of a write that is safe to repeat.
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer replayed from an earlier request with the same key.
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// The longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;
/// How long a truncated body waits after its first half before the
/// connection closes.
const TRUNCATE_PAUSE: Duration = Duration::from_millis(20);
/// The largest request body read.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The prefix of the mock's own routes, which are never faulted.
const CONTROL_PREFIX: &str = "/_mock/";

/// The state every request sees.
#[derive(Debug)]
pub(crate) struct Shared {
    operations: &'static [Operation],
    store: Mutex<Store>,
    /// What `POST /_mock/reset` restores: the store as seeding left it.
    baseline: Mutex<Store>,
    pub(crate) faults: FaultQueue,
    api_keys: HashSet<String>,
    pub(crate) key_ids: KeyIds,
    webhooks: Sender,
}

impl Shared {
    /// The state of a server of the API the generated table describes.
    pub(crate) fn new(api_keys: Vec<String>) -> Self {
        Shared::of(OPERATIONS, RESOURCES, api_keys)
    }

    /// The state of a server of the API `operations` and `resources`
    /// describe.
    pub(crate) fn of(
        operations: &'static [Operation],
        resources: &'static [Resource],
        api_keys: Vec<String>,
    ) -> Self {
        Shared {
            operations,
            store: Mutex::new(Store::new(resources)),
            baseline: Mutex::new(Store::new(resources)),
            faults: FaultQueue::default(),
            api_keys: api_keys.into_iter().collect(),
            key_ids: KeyIds::default(),
            webhooks: Sender::new(None),
        }
    }

    /// The same state, sending webhooks as `config` says.
    pub(crate) fn with_webhooks(mut self, config: Option<WebhookConfig>) -> Self {
        self.webhooks = Sender::new(config);
        self
    }

    /// The resources of the API.
    pub(crate) fn resources(&self) -> &'static [Resource] {
        self.store().resources
    }

    /// The store; a handler never panics while holding it, but a poisoned
    /// lock is taken over rather than turned into a 500.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes what `store` holds (after seeding) the state a reset restores.
    /// Takes the baseline's lock while holding the store's; [`Shared::reset`]
    /// never holds both.
    pub(crate) fn mark_baseline(&self, store: &Store) {
        *self
            .baseline
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = store.snapshot();
    }

    /// Restores the store to the baseline, forgets every idempotency record
    /// and disarms every fault; returns how many items the store holds.
    pub(crate) fn reset(&self) -> usize {
        let baseline = self
            .baseline
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .snapshot();
        let mut store = self.store();
        store.restore(&baseline);
        let items = store.total();
        drop(store);
        self.faults.clear();
        items
    }
}

/// Ids derived from API keys: SipHash (std's `RandomState`) under two secret
/// keys drawn from the OS when the server starts, so an id is stable for the
/// server's life and cannot be checked offline against guessed API keys.
#[derive(Debug, Default)]
pub(crate) struct KeyIds {
    high: RandomState,
    low: RandomState,
}

impl KeyIds {
    /// A UUID (version 8) for `api_key`.
    pub(crate) fn id(&self, api_key: &str) -> uuid::Uuid {
        let bits = (u128::from(self.high.hash_one(api_key)) << 64)
            | u128::from(self.low.hash_one(api_key));
        uuid::Builder::from_custom_bytes(bits.to_be_bytes()).into_uuid()
    }
}

/// The API key of an authenticated request, put into its extensions.
#[derive(Clone, Debug)]
struct ApiKey(String);

/// The routes of every operation in the generated table and of fault
/// control, with the middleware.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<Arc<Shared>>> = BTreeMap::new();
    for op in shared.operations {
        let Some(filter) = Method::from_bytes(op.method.as_bytes())
            .ok()
            .and_then(|m| MethodFilter::try_from(m).ok())
        else {
            continue;
        };
        let handler = move |State(shared): State<Arc<Shared>>,
                            path: Result<Path<Vec<(String, String)>>, PathRejection>,
                            request: Request| async move {
            handle(&shared, op, path, request)
                .await
                .unwrap_or_else(IntoResponse::into_response)
        };
        let route = by_path.remove(op.path).unwrap_or_default();
        by_path.insert(op.path, route.on(filter, handler));
    }
    let mut router = Router::new();
    for (path, route) in by_path {
        router = router.route(path, route);
    }
    router
        .route(
            &format!("{CONTROL_PREFIX}faults"),
            post(arm_faults).delete(disarm_faults),
        )
        .route(&format!("{CONTROL_PREFIX}reset"), post(reset))
        .route(
            &format!("{CONTROL_PREFIX}webhooks/{{event_type}}"),
            post(send_webhook),
        )
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(shared.clone(), front))
        .with_state(shared)
}

/// An error answer: a status and the spec's error body.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// The spec's error body for this error.
    fn body(&self) -> Value {
        let mut body = Map::new();
        for (name, json) in ERROR.extra {
            body.insert(
                (*name).to_string(),
                serde_json::from_str(json).unwrap_or(Value::Null),
            );
        }
        body.insert(
            ERROR.message_field.to_string(),
            Value::String(self.message.clone()),
        );
        if let Some(field) = ERROR.code_field {
            body.insert(field.to_string(), Value::String(self.code.to_string()));
        }
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        if let Some(check) = ERROR.check
            && let Err(e) = debug_check("an error body", check, &body)
        {
            panic!("{e}");
        }
        json_response(self.status, &body)
    }
}

/// In debug builds (every test), checks that a body the mock sends matches
/// its type in the spec. A mismatch is a bug of the mock or its generator.
fn debug_check(what: &str, check: crate::model::Check, body: &Value) -> Result<(), String> {
    if cfg!(debug_assertions) {
        check(body).map_err(|e| format!("avara-mock sent {what} that does not match the spec: {e}"))
    } else {
        Ok(())
    }
}

/// `value` as a JSON response with `status`.
fn json_response(status: StatusCode, value: &Value) -> Response {
    bytes_response(status, serde_json::to_vec(value).unwrap_or_default())
}

fn bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(body),
    )
        .into_response()
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

/// One request to an operation of the table: decoded, validated against the
/// spec, then answered by the operation's action under the store's lock.
async fn handle(
    shared: &Shared,
    op: &'static Operation,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let api_key = request
        .extensions()
        .get::<ApiKey>()
        .map(|k| k.0.clone())
        .ok_or_else(|| ApiError::unauthorized("the request was not authenticated"))?;
    let Ok(Path(path_params)) = path else {
        return Err(ApiError::not_found(format!(
            "no route for {} {}: a path parameter is not valid UTF-8",
            op.method,
            request.uri().path()
        )));
    };
    let idempotency_key = if op.method == "GET" {
        None
    } else {
        idempotency_key(request.headers())?
    };
    let query = decode_query(op, request.uri())?;
    let (raw_body, body) = match &op.body {
        None => (None, None),
        Some(spec) => {
            let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
                .await
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        format!(
                            "request body is larger than {MAX_BODY_BYTES} bytes or was cut off"
                        ),
                    )
                })?;
            match decode_body(spec, &bytes)? {
                Some(raw) => (Some(raw.clone()), Some(raw)),
                None => (None, None),
            }
        }
    };
    let parts = validate::RequestParts {
        query: query.clone(),
        path_params: path_params.clone(),
        body: raw_body.clone(),
        ..Default::default()
    };
    if let (Some(spec), Some(raw)) = (&op.body, &raw_body) {
        check_not_null(spec, raw)?;
    }
    validate::check(op.id, &parts).map_err(|v| ApiError::bad_request(format!("request {v}")))?;
    if let (Some(spec), Some(raw)) = (&op.body, &raw_body) {
        for (pointer, format) in spec.formats {
            let mut found = Vec::new();
            crate::model::select(raw, pointer, String::new(), &mut found);
            for (at, value) in found {
                if let Some(text) = value.as_str() {
                    format
                        .check(text)
                        .map_err(|e| ApiError::bad_request(format!("request body `{at}`: {e}")))?;
                }
            }
        }
    }
    let normalized = match (&op.body, body) {
        (Some(spec), Some(raw)) => Some((spec.decode)(raw).map_err(ApiError::bad_request)?),
        _ => None,
    };
    check_path(op, &path_params)?;
    let input = Input {
        path: &path_params,
        query: &query,
        raw_body: raw_body.as_ref(),
        body: normalized.as_ref(),
        api_key: &api_key,
    };

    let mut store = shared.store();
    let fingerprint = idempotency_key
        .as_ref()
        .map(|_| serde_json::json!([op.id, request_path(&path_params), normalized]));
    if let (Some(key), Some(fingerprint)) = (&idempotency_key, &fingerprint)
        && let Some(earlier) = store.remembered(&api_key, key)
    {
        if &earlier.request != fingerprint {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency-Key was already used with a different request; use a new key \
                 for a different request",
            ));
        }
        let mut response = answer_response(earlier.status, earlier.body.clone());
        response
            .headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        return Ok(response);
    }
    let answer = resources::execute(&mut store, &shared.key_ids, op, &input)?;
    if let (Some(key), Some(fingerprint)) = (&idempotency_key, fingerprint) {
        store.remember(
            &api_key,
            key,
            Remembered {
                request: fingerprint,
                status: answer.status,
                body: answer.body.clone(),
            },
        );
    }
    drop(store);
    if let (Some(check), Some(body)) = (op.response, &answer.body)
        && cfg!(debug_assertions)
    {
        let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        debug_check(&format!("a `{}` answer", op.id), check, &value)
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "mock_bug", e))?;
    }
    let Answer { status, body } = answer;
    Ok(answer_response(status, body))
}

/// Refuses a `null` the body's schema does not allow (which the generated
/// types would read as an absent optional property), naming where it is.
fn check_not_null(spec: &crate::model::RequestBody, raw: &Value) -> Result<(), ApiError> {
    for pointer in spec.not_null {
        let mut found = Vec::new();
        crate::model::select(raw, pointer, String::new(), &mut found);
        if let Some((at, _)) = found.into_iter().find(|(_, v)| v.is_null()) {
            let name = at.rsplit('/').next().unwrap_or_default();
            return Err(ApiError::bad_request(format!(
                "request body `{at}`: `{name}` cannot be null: it is not nullable in `{}`; leave it out instead",
                spec.schema
            )));
        }
    }
    Ok(())
}

/// Checks the path parameters against their schemas, after everything else
/// of the request: a value its schema refuses (a malformed id) names nothing
/// that can exist, so it is a 404 naming the parameter, the value and why.
fn check_path(op: &Operation, path_params: &[(String, String)]) -> Result<(), ApiError> {
    for param in op.path_params {
        let Some(check) = param.check else {
            continue;
        };
        let Some((_, value)) = path_params.iter().find(|(k, _)| k == param.name) else {
            continue;
        };
        if let Err(why) = check(&Value::String(value.clone())) {
            let schema = if param.schema.is_empty() {
                String::new()
            } else {
                format!(" `{}`", param.schema)
            };
            return Err(ApiError::not_found(format!(
                "path parameter `{}`: `{value}` is no valid{schema}, so nothing has it ({why})",
                param.name
            )));
        }
    }
    Ok(())
}

/// The path parameters as one text, for idempotency fingerprints.
fn request_path(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn answer_response(status: u16, body: Option<Vec<u8>>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    match body {
        Some(body) => bytes_response(status, body),
        None => status.into_response(),
    }
}

/// The query pairs of a request, checked against the operation's query
/// parameters: each given at most once (a repeated list as often as it
/// likes), of its type, and present if required; an empty value of a
/// nullable parameter is `null`, the same as none. Unknown parameters are
/// ignored, as most APIs do.
fn decode_query(op: &Operation, uri: &Uri) -> Result<Vec<(String, String)>, ApiError> {
    if op.query.is_empty() {
        return Ok(Vec::new());
    }
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))?;
    let mut known = Vec::new();
    for param in op.query {
        let values: Vec<&String> = pairs
            .iter()
            .filter(|(name, _)| name == param.name)
            .map(|(_, v)| v)
            .collect();
        let values: Vec<&String> = if param.nullable {
            values
                .into_iter()
                .filter(|v| !v.trim().is_empty())
                .collect()
        } else {
            values
        };
        if values.is_empty() {
            if param.required {
                return Err(ApiError::bad_request(format!(
                    "query parameter `{}` is required",
                    param.name
                )));
            }
            continue;
        }
        let items: Vec<&str> = match param.list {
            Some(ListStyle::Repeated) => values.iter().map(|v| v.as_str()).collect(),
            _ if values.len() > 1 => {
                return Err(ApiError::bad_request(format!(
                    "query parameter `{}` was given more than once",
                    param.name
                )));
            }
            // An empty value is the empty list.
            Some(ListStyle::CommaSeparated) if values[0].is_empty() => Vec::new(),
            Some(ListStyle::CommaSeparated) => values[0].split(',').collect(),
            None => vec![values[0].as_str()],
        };
        for value in items {
            let text = value.trim();
            let json = match param.kind {
                Scalar::String => Value::String(value.to_string()),
                Scalar::Integer => text.parse::<i64>().map(Value::from).map_err(|_| {
                    ApiError::bad_request(format!(
                        "query parameter `{}` must be an integer, not `{value}`",
                        param.name
                    ))
                })?,
                Scalar::Number => text
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "query parameter `{}` must be a number, not `{value}`",
                            param.name
                        ))
                    })?,
                Scalar::Boolean => text.parse::<bool>().map(Value::Bool).map_err(|_| {
                    ApiError::bad_request(format!(
                        "query parameter `{}` must be `true` or `false`, not `{value}`",
                        param.name
                    ))
                })?,
            };
            if let (Some(format), Value::String(text)) = (param.format, &json) {
                format.check(text).map_err(|e| {
                    ApiError::bad_request(format!("query parameter `{}`: {e}", param.name))
                })?;
            }
            if let Some(check) = param.check {
                check(&json).map_err(|e| {
                    ApiError::bad_request(format!("query parameter `{}`: {e}", param.name))
                })?;
            }
            let text = match json {
                Value::String(s) => s,
                other => other.to_string(),
            };
            known.push((param.name.to_string(), text));
        }
    }
    Ok(known)
}

/// The JSON body of a request, before typed decoding; `None` when it is
/// empty and optional.
fn decode_body(spec: &crate::model::RequestBody, bytes: &[u8]) -> Result<Option<Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return if spec.required {
            Err(ApiError::bad_request(format!(
                "request body is required: a JSON `{}`",
                spec.schema
            )))
        } else {
            Ok(None)
        };
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("request body is not valid JSON: {e}")))?;
    if spec.object && !value.is_object() {
        return Err(ApiError::bad_request(format!(
            "request body must be a JSON object (`{}`), not {}",
            spec.schema,
            json_kind(&value)
        )));
    }
    Ok(Some(value))
}

/// What kind of JSON value `value` is, for messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Every other path.
async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route for {method} {}", uri.path()))
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

/// `POST /_mock/reset`: restores the store to its state after startup (the
/// items `--examples` and `--seed` put in it), forgets every idempotency
/// record and disarms every fault; answers `{"items": N}`, the items held.
async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    let items = shared.reset();
    json_response(StatusCode::OK, &serde_json::json!({ "items": items }))
}

/// `POST /_mock/webhooks/{eventType}`: delivers the documented example of
/// the event type (or the event in the body) to the configured webhook URL
/// and answers the report of the delivery (see [`crate::webhooks`]).
async fn send_webhook(
    State(shared): State<Arc<Shared>>,
    Path(event_type): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    match shared.webhooks.trigger(&event_type, &body).await {
        Ok(report) => Ok(json_response(StatusCode::OK, &report)),
        Err(e @ TriggerError::UnknownType(_)) => Err(ApiError::not_found(e.to_string())),
        Err(e @ TriggerError::NotConfigured) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "webhooks_not_configured",
            e.to_string(),
        )),
        Err(e @ TriggerError::BadEvent(_)) => Err(ApiError::bad_request(e.to_string())),
    }
}

/// Runs around every request: authenticates it before anything else (its
/// body is not read for a refused key), applies a fault if one is due, turns
/// any error answer without a JSON body (axum's own 405 and the like) into
/// the spec's error body, and names the response with an `x-request-id`.
async fn front(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let request_id = format!("req_{:024x}", fastrand::u128(..) >> 32);
    let route = format!("{} {}", request.method(), request.uri().path());
    let response = match authenticate(&shared, request.headers()) {
        Err(e) => e.into_response(),
        Ok(key) => {
            request.extensions_mut().insert(ApiKey(key));
            let fault = if request.uri().path().starts_with(CONTROL_PREFIX) {
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
            match fault {
                Err(e) => e.into_response(),
                Ok(None) => next.run(request).await,
                Ok(Some(fault)) => faulted(fault, request, next).await,
            }
        }
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

/// `response` to the request `route` (`METHOD /path`), with the spec's error
/// body if it is an error without a JSON body.
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
