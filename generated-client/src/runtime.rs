//! The runtime behind every generated call: progenitor's `ClientHooks` for
//! auth, headers, client-side validation, retries and tracing, and the
//! mapping of progenitor's errors to [`crate::Error`].

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{self, HeaderValue};
use reqwest::{Method, StatusCode};
use tracing::Instrument;

use crate::config::ClientConfig;
use crate::error::capped_text;
use crate::generated::Client;
use crate::generated_sdk::OPERATIONS;
use crate::{ApiErrorBody, Error, ErrorKind, retry};

/// The header that makes a retried non-GET request safe to repeat.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header progenitor adds to every request (see `pre`).
const API_VERSION: header::HeaderName = header::HeaderName::from_static("api-version");
/// The header in which the server names a request.
pub const REQUEST_ID: &str = "x-request-id";

/// The method and path template of an operation, from the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationFacts {
    /// The operationId.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, e.g. `/v1/orgs/{orgId}`.
    pub path: &'static str,
}

fn facts(operation_id: &str) -> OperationFacts {
    OPERATIONS
        .iter()
        .find(|f| f.id == operation_id)
        .copied()
        .unwrap_or(OperationFacts {
            id: "unknown",
            method: "?",
            path: "?",
        })
}

/// What the hooks saw of one call, for the error that may follow.
#[derive(Default)]
struct CallRecord {
    attempts: u32,
    status: Option<StatusCode>,
    request_id: Option<HeaderValue>,
}

tokio::task_local! {
    static CALL: RefCell<CallRecord>;
}

fn record(update: impl FnOnce(&mut CallRecord)) {
    // Outside `call` (a raw `send()`), there is nothing to record into.
    let _ = CALL.try_with(|r| update(&mut r.borrow_mut()));
}

/// The future of a typed call: what awaiting an operation builder gives.
pub type CallFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Runs progenitor's `send()` future and turns its result into the SDK's.
pub(crate) fn call<'a, T, F>(operation: &'static str, send: F) -> CallFuture<'a, T>
where
    T: Send + 'a,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ApiErrorBody>>>
        + Send
        + 'a,
{
    Box::pin(async move {
        let (result, record) = CALL
            .scope(RefCell::new(CallRecord::default()), async move {
                let result = send.await;
                (result, CALL.with(|r| r.take()))
            })
            .await;
        match result {
            Ok(value) => Ok(value.into_inner()),
            Err(error) => Err(convert_error(operation, error, record).await),
        }
    })
}

async fn convert_error(
    operation: &'static str,
    error: progenitor_client::Error<ApiErrorBody>,
    record: CallRecord,
) -> Error {
    use progenitor_client::Error as P;
    let mut out = match error {
        P::InvalidRequest(message) => Error::new(ErrorKind::InvalidRequest, message),
        P::Custom(message) => Error::new(ErrorKind::InvalidRequest, message),
        P::CommunicationError(e) | P::InvalidUpgrade(e) => transport_error(e, "the request failed"),
        P::ResponseBodyError(e) => transport_error(e, "the response body could not be read"),
        P::ErrorResponse(value) => {
            let status = value.status();
            let request_id = request_id(value.headers());
            let body = value.into_inner();
            let message = body
                .message
                .clone()
                .or_else(|| body.error.clone())
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
            let mut e = Error::new(ErrorKind::from_status(status), message);
            e.inner.status = Some(status);
            e.inner.request_id = request_id;
            e.inner.body = Some(body);
            e
        }
        P::InvalidResponsePayload(bytes, decode) => {
            let status = record.status;
            let kind = match status {
                Some(s) if !s.is_success() => ErrorKind::from_status(s),
                _ => ErrorKind::InvalidResponse,
            };
            let message = match status {
                Some(s) if !s.is_success() && bytes.is_empty() => {
                    format!(
                        "{} with an empty body",
                        s.canonical_reason().unwrap_or("error")
                    )
                }
                Some(s) if !s.is_success() => format!(
                    "{} with a body that is not the documented error object: {decode}",
                    s.canonical_reason().unwrap_or("error")
                ),
                _ => format!("the response body does not decode as documented: {decode}"),
            };
            let mut e = Error::new(kind, message).with_source(decode);
            e.inner.raw_body = Some(capped_text(&bytes));
            e
        }
        P::UnexpectedResponse(response) => {
            let status = response.status();
            let request_id = request_id(response.headers());
            let raw = response.bytes().await.map(|b| capped_text(&b)).ok();
            let kind = if status.is_success() {
                ErrorKind::InvalidResponse
            } else {
                ErrorKind::from_status(status)
            };
            let mut e = Error::new(kind, format!("undocumented response status {status}"));
            e.inner.status = Some(status);
            e.inner.request_id = request_id;
            e.inner.raw_body = raw;
            e
        }
    };
    out.inner.operation = Some(operation);
    out.inner.attempts = record.attempts;
    if out.inner.status.is_none()
        && out.inner.kind != ErrorKind::Connection
        && out.inner.kind != ErrorKind::Timeout
    {
        out.inner.status = record.status;
    }
    if out.inner.request_id.is_none() {
        out.inner.request_id = record
            .request_id
            .and_then(|v| v.to_str().ok().map(str::to_string));
    }
    out
}

fn transport_error(error: reqwest::Error, what: &str) -> Error {
    let kind = if error.is_timeout() {
        ErrorKind::Timeout
    } else if error.is_decode() {
        ErrorKind::InvalidResponse
    } else {
        ErrorKind::Connection
    };
    let message = match kind {
        ErrorKind::Timeout => format!("{what}: timed out"),
        _ => format!("{what}: {}", error_chain(&error)),
    };
    Error::new(kind, message).with_source(error)
}

/// `error` and its sources, joined: reqwest's own message alone rarely says
/// what broke.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn request_id(headers: &header::HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

impl ClientHooks<ClientConfig> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let facts = facts(info.operation_id);
        if let Some(parts) = crate::validate::request_parts(facts.id, facts.path, request) {
            crate::validate::check(facts.id, &parts)
                .map_err(|v| progenitor_client::Error::InvalidRequest(v.to_string()))?;
        }
        let config = self.inner();
        let headers = request.headers_mut();
        // progenitor adds `api-version` (the spec's info.version) to every
        // request; Avara documents no such header, so it is not sent.
        headers.remove(API_VERSION);
        for (name, value) in config.default_headers.iter() {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        headers.insert(header::AUTHORIZATION, config.authorization.clone());
        if !headers.contains_key(header::USER_AGENT) {
            headers.insert(
                header::USER_AGENT,
                HeaderValue::from_static(crate::config::USER_AGENT),
            );
        }
        if request.method() != Method::GET
            && request.method() != Method::HEAD
            && !request
                .headers()
                .contains_key(header::HeaderName::from_static(IDEMPOTENCY_KEY))
        {
            let key = format!("avara-rust-{}", uuid::Uuid::new_v4());
            let value = HeaderValue::from_str(&key).expect("a UUID is a valid header value");
            request
                .headers_mut()
                .insert(header::HeaderName::from_static(IDEMPOTENCY_KEY), value);
        }
        if request.timeout().is_none() {
            *request.timeout_mut() = Some(config.timeout);
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let facts = facts(info.operation_id);
        let span = tracing::info_span!(
            "avara.request",
            operation = facts.id,
            method = facts.method,
            path = facts.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        execute_with_retries(self, request, self.inner())
            .instrument(span)
            .await
    }
}

async fn execute_with_retries(
    client: &Client,
    mut request: reqwest::Request,
    config: &ClientConfig,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::Span::current();
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let retries_left = attempt <= config.max_retries;
        // A body that cannot be cloned (a stream) is sent once, never retried.
        let spare = if retries_left {
            request.try_clone()
        } else {
            None
        };
        record(|r| r.attempts = attempt);
        span.record("attempt", attempt);
        let result = client.client().execute(request).await;
        let delay = match &result {
            Ok(response) => {
                let status = response.status();
                let id = response.headers().get(REQUEST_ID).cloned();
                span.record("status", status.as_u16());
                if let Some(id) = id.as_ref().and_then(|v| v.to_str().ok()) {
                    span.record("request_id", id);
                }
                record(|r| {
                    r.status = Some(status);
                    r.request_id = id;
                });
                if !retry::should_retry(status, response.headers()) {
                    return result;
                }
                config
                    .backoff
                    .delay(attempt - 1, Some(response.headers()), fastrand::f64())
            }
            Err(error) => {
                record(|r| r.status = None);
                if !(error.is_timeout() || error.is_connect() || error.is_request()) {
                    return result;
                }
                config.backoff.delay(attempt - 1, None, fastrand::f64())
            }
        };
        let Some(next) = spare else {
            return result;
        };
        match &result {
            Ok(response) => tracing::info!(
                attempt,
                status = response.status().as_u16(),
                delay_ms = delay.as_millis() as u64,
                "retrying after a retryable status"
            ),
            Err(error) => tracing::info!(
                attempt,
                error = %error_chain(error),
                delay_ms = delay.as_millis() as u64,
                "retrying after a connection failure"
            ),
        }
        drop(result);
        tokio::time::sleep(delay).await;
        request = next;
    }
}
