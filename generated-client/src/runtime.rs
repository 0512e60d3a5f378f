//! The runtime behind every generated call: progenitor's `ClientHooks` for
//! auth, headers, client-side validation, retries and tracing, and the
//! mapping of progenitor's errors to [`crate::Error`].

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{self, HeaderValue};
use reqwest::{Method, StatusCode};
use tracing::Instrument;

use crate::config::ClientConfig;
use crate::error::capped_text;
use crate::generated::Client;
use crate::generated_sdk::OPERATIONS;
use crate::retry::NextAttempt;
use crate::{ApiErrorBody, Error, ErrorKind, options, retry};

/// The header that makes a retried non-GET request safe to repeat.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header progenitor adds to every request (see `pre`).
const API_VERSION: header::HeaderName = header::HeaderName::from_static("api-version");
/// The header in which the server names a request.
pub const REQUEST_ID: &str = "x-request-id";
/// The header with the number of retries made before this attempt (`0` on
/// the first), as the official Stainless SDKs send it.
pub const RETRY_COUNT: &str = "x-stainless-retry-count";
/// The header with this attempt's timeout in whole seconds, as the official
/// Stainless SDKs send it.
pub const TIMEOUT_HEADER: &str = "x-stainless-timeout";

/// [`platform_headers`] as header names and values, made once: they are
/// sent with every request.
fn platform_header_values() -> &'static [(header::HeaderName, HeaderValue)] {
    static VALUES: std::sync::OnceLock<Vec<(header::HeaderName, HeaderValue)>> =
        std::sync::OnceLock::new();
    VALUES.get_or_init(|| {
        platform_headers()
            .into_iter()
            .filter_map(|(name, value)| {
                Some((
                    header::HeaderName::from_static(name),
                    HeaderValue::from_str(&value).ok()?,
                ))
            })
            .collect()
    })
}

/// The platform headers of the official Stainless SDKs that this SDK sends
/// (see the README for those it does not): the language, the SDK's version,
/// the OS and the CPU architecture, named as those SDKs name them.
pub fn platform_headers() -> [(&'static str, String); 4] {
    use std::env::consts::{ARCH, OS};
    let os = match OS {
        "linux" => "Linux".to_string(),
        "macos" => "MacOS".to_string(),
        "windows" => "Windows".to_string(),
        "freebsd" => "FreeBSD".to_string(),
        "openbsd" => "OpenBSD".to_string(),
        "android" => "Android".to_string(),
        "ios" => "iOS".to_string(),
        other => format!("Other:{other}"),
    };
    let arch = match ARCH {
        "x86_64" => "x64".to_string(),
        "x86" => "x32".to_string(),
        "aarch64" => "arm64".to_string(),
        "arm" => "arm".to_string(),
        other => format!("other:{other}"),
    };
    [
        ("x-stainless-lang", "rust".to_string()),
        (
            "x-stainless-package-version",
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("x-stainless-os", os),
        ("x-stainless-arch", arch),
    ]
}

/// The method and path template of an operation, from the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationFacts {
    /// The operationId.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, e.g. `/v1/orgs/{orgId}`.
    pub path: &'static str,
    /// The array query parameters sent as one comma-separated value
    /// (`explode: false` in the spec), which progenitor sends repeated.
    pub comma_separated_query: &'static [&'static str],
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
            comma_separated_query: &[],
        })
}

/// What the hooks saw of the last attempt of one call, for the error that
/// may follow. Reset at every attempt, so nothing of an earlier attempt is
/// reported as the last one's.
#[derive(Default)]
struct CallRecord {
    attempts: u32,
    status: Option<StatusCode>,
    request_id: Option<HeaderValue>,
    /// The status line arrived, then reading the body failed.
    body_failed: bool,
    /// The server asked for a wait longer than the SDK honours.
    retry_after: Option<Duration>,
    /// The headers of the response, if they arrived.
    headers: Option<header::HeaderMap>,
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
        P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e)
            if record.body_failed =>
        {
            body_error(e)
        }
        P::CommunicationError(e) | P::InvalidUpgrade(e) => transport_error(e, "the request failed"),
        P::ResponseBodyError(e) => transport_error(e, "the response body could not be read"),
        P::ErrorResponse(value) => {
            let status = value.status();
            let request_id = request_id(value.headers());
            let headers = value.headers().clone();
            let body = value.into_inner();
            let message = body
                .message
                .clone()
                .or_else(|| body.error.clone())
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
            let mut e = Error::new(ErrorKind::from_status(status), message);
            e.inner.status = Some(status);
            e.inner.request_id = request_id;
            e.inner.headers = Some(headers);
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
            let headers = response.headers().clone();
            let raw = response.bytes().await.map(|b| capped_text(&b)).ok();
            let kind = if status.is_success() {
                ErrorKind::InvalidResponse
            } else {
                ErrorKind::from_status(status)
            };
            let mut e = Error::new(kind, format!("undocumented response status {status}"));
            e.inner.status = Some(status);
            e.inner.request_id = request_id;
            e.inner.headers = Some(headers);
            e.inner.raw_body = raw;
            e
        }
    };
    out.inner.operation = Some(operation);
    out.inner.attempts = record.attempts;
    out.inner.retry_after = record.retry_after;
    // The record holds the last attempt only: a failure before its headers
    // arrived has neither status nor request id.
    if out.inner.status.is_none() {
        out.inner.status = record.status;
    }
    if out.inner.headers.is_none() {
        out.inner.headers = record.headers;
    }
    if out.inner.request_id.is_none() {
        out.inner.request_id = record
            .request_id
            .and_then(|v| v.to_str().ok().map(str::to_string));
    }
    out
}

fn transport_error(error: reqwest::Error, what: &str) -> Error {
    // reqwest's text names the URL, which may carry user-info or query
    // values: the error names the operation instead.
    let error = error.without_url();
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

/// A failure while reading the body of a response whose status line arrived:
/// the connection broke or the attempt timed out mid-body.
fn body_error(error: reqwest::Error) -> Error {
    let error = error.without_url();
    let (kind, message) = if error.is_timeout() {
        (
            ErrorKind::Timeout,
            "the response body did not arrive in time".to_string(),
        )
    } else {
        (
            ErrorKind::Connection,
            format!(
                "the response body could not be read: {}",
                error_chain(&error)
            ),
        )
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
        join_comma_separated(request.url_mut(), facts.comma_separated_query);
        let config = self.inner();
        let options = options::effective(self);
        if let Some(problem) = &options.invalid {
            return Err(progenitor_client::Error::InvalidRequest(problem.clone()));
        }
        let safe_method = request.method() == Method::GET || request.method() == Method::HEAD;
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
        for (name, value) in platform_header_values() {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        let idempotency_key = header::HeaderName::from_static(IDEMPOTENCY_KEY);
        if let Some(key) = &options.idempotency_key {
            headers.insert(idempotency_key, key.clone());
        } else if !safe_method && !headers.contains_key(&idempotency_key) {
            let key = format!("avara-rust-{}", uuid::Uuid::new_v4());
            let value = HeaderValue::from_str(&key).expect("a UUID is a valid header value");
            headers.insert(idempotency_key, value);
        }
        for (name, value) in options.headers.iter() {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        if !options.query.is_empty() {
            request
                .url_mut()
                .query_pairs_mut()
                .extend_pairs(options.query.iter());
        }
        if let Some(timeout) = options.timeout.or(config.timeout) {
            *request.timeout_mut() = Some(timeout);
        }
        if !options.extra_body.is_empty() {
            merge_extra_body(request, &options.extra_body)
                .map_err(progenitor_client::Error::InvalidRequest)?;
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let facts = facts(info.operation_id);
        // Under `AVARA_LOG`, the span and every event of the call go to the
        // SDK's own stderr subscriber (see `log`).
        let Some(dispatch) = crate::log::own_dispatch() else {
            return self.exec_traced(request, facts).await;
        };
        use tracing::instrument::WithSubscriber;
        Box::pin(self.exec_traced(request, facts))
            .with_subscriber(dispatch.clone())
            .await
    }
}

impl Client {
    async fn exec_traced(
        &self,
        request: reqwest::Request,
        facts: OperationFacts,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::info_span!(
            "avara.request",
            operation = facts.id,
            method = facts.method,
            path = facts.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let config = self.inner();
        let options = options::effective(self);
        let plan = RetryPlan {
            max_retries: options.max_retries.unwrap_or(config.max_retries),
            deadline: options.deadline.map(|d| Instant::now() + d),
            backoff: config.backoff,
        };
        // Boxed: the retry loop's state (a spare request, the body being
        // read, a sleep) would otherwise sit inline in every operation's
        // `send()` future, which is moved several times per call.
        Box::pin(execute_with_retries(self, request, &plan).instrument(span)).await
    }
}

/// How one call may be retried.
struct RetryPlan {
    max_retries: u32,
    /// The end of the call's overall deadline, if it has one.
    deadline: Option<Instant>,
    backoff: retry::Backoff,
}

/// Whether a request may be sent again after a failure that may have reached
/// the server: a GET or HEAD always, anything else only with its
/// idempotency key (which the SDK sends with every non-GET call).
fn may_repeat(request: &reqwest::Request) -> bool {
    request.method() == Method::GET
        || request.method() == Method::HEAD
        || request.headers().contains_key(IDEMPOTENCY_KEY)
}

/// Sends `request`, retrying under the SDK's rules, and returns the final
/// response with its body already read: a failure while reading a body is
/// a failed attempt like any other. progenitor decodes the returned
/// response as usual.
async fn execute_with_retries(
    client: &Client,
    mut request: reqwest::Request,
    plan: &RetryPlan,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::Span::current();
    let repeatable = may_repeat(&request);
    let attempt_timeout = request.timeout().copied();
    // Headers the caller set (default headers, request options) are kept.
    let send_retry_count = !request.headers().contains_key(RETRY_COUNT);
    let send_timeout = !request.headers().contains_key(TIMEOUT_HEADER);
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        if let Some(deadline) = plan.deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            *request.timeout_mut() = Some(attempt_timeout.map_or(left, |t| t.min(left)));
        }
        if send_retry_count {
            request
                .headers_mut()
                .insert(RETRY_COUNT, HeaderValue::from(attempt - 1));
        }
        if send_timeout {
            // Whole seconds, as the official SDKs send it.
            match request.timeout() {
                Some(timeout) => {
                    let seconds = HeaderValue::from(timeout.as_secs());
                    request.headers_mut().insert(TIMEOUT_HEADER, seconds);
                }
                None => {
                    request.headers_mut().remove(TIMEOUT_HEADER);
                }
            }
        }
        tracing::debug!(attempt, "sending the request");
        // A body that cannot be cloned (a stream) is sent once, never retried.
        let spare = if attempt <= plan.max_retries {
            request.try_clone()
        } else {
            None
        };
        record(|r| {
            *r = CallRecord {
                attempts: attempt,
                ..CallRecord::default()
            }
        });
        span.record("attempt", attempt);
        let retries_so_far = attempt - 1;
        let (last, delay) = match client.client().execute(request).await {
            Ok(response) => {
                let status = response.status();
                let id = response.headers().get(REQUEST_ID).cloned();
                span.record("status", status.as_u16());
                if let Some(id) = id.as_ref().and_then(|v| v.to_str().ok()) {
                    span.record("request_id", id);
                }
                tracing::debug!(
                    attempt,
                    status = status.as_u16(),
                    "response headers arrived"
                );
                let response_headers = response.headers().clone();
                record(|r| {
                    r.status = Some(status);
                    r.request_id = id;
                    r.headers = Some(response_headers);
                });
                if retry::should_retry(status, response.headers()) {
                    let next = plan.backoff.next_attempt(
                        retries_so_far,
                        Some(response.headers()),
                        fastrand::f64(),
                    );
                    match next {
                        NextAttempt::After(delay) => (Ok(response), delay),
                        NextAttempt::TooLong(asked) => {
                            record(|r| r.retry_after = Some(asked));
                            tracing::info!(
                                attempt,
                                status = status.as_u16(),
                                retry_after_ms =
                                    u64::try_from(asked.as_millis()).unwrap_or(u64::MAX),
                                "not retrying: the server asks for a longer wait than the SDK honours"
                            );
                            return buffered(response).await;
                        }
                    }
                } else {
                    match buffered(response).await {
                        Ok(response) => return Ok(response),
                        Err(error) if !repeatable => return Err(error),
                        Err(error) => (
                            Err(error),
                            plan.backoff.backoff(retries_so_far, fastrand::f64()),
                        ),
                    }
                }
            }
            Err(error) => {
                let transient = error.is_timeout() || error.is_connect() || error.is_request();
                if !transient || !repeatable {
                    return Err(error);
                }
                (
                    Err(error),
                    plan.backoff.backoff(retries_so_far, fastrand::f64()),
                )
            }
        };
        let Some(next) = spare else {
            return finish(last).await;
        };
        if plan
            .deadline
            .is_some_and(|deadline| Instant::now() + delay >= deadline)
        {
            tracing::info!(attempt, "not retrying: the call's deadline would pass");
            return finish(last).await;
        }
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        match &last {
            Ok(response) => tracing::info!(
                attempt,
                status = response.status().as_u16(),
                delay_ms,
                "retrying after a retryable status"
            ),
            Err(error) => tracing::info!(
                attempt,
                error = %redacted_chain(error),
                delay_ms,
                "retrying after a connection failure"
            ),
        }
        drop(last);
        tokio::time::sleep(delay).await;
        request = next;
    }
}

/// The outcome of the last attempt, when no retry follows: a response that
/// has not been read yet is read now.
async fn finish(last: reqwest::Result<reqwest::Response>) -> reqwest::Result<reqwest::Response> {
    match last {
        Ok(response) => buffered(response).await,
        Err(error) => Err(error),
    }
}

/// `response` with its whole body read into memory (progenitor reads it
/// whole anyway). A failure while reading is recorded as such.
async fn buffered(mut response: reqwest::Response) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let version = response.version();
    // Reading the body needs none of the headers (its decoding was set up
    // when the response arrived): move them, do not copy them.
    let headers = std::mem::take(response.headers_mut());
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(error) => {
            record(|r| r.body_failed = true);
            return Err(error);
        }
    };
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok(reqwest::Response::from(rebuilt))
}

/// What went wrong in `error` and its sources, without reqwest's own
/// top-level text, which names the URL (see `transport_error`).
fn redacted_chain(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "the exchange failed"
    };
    match std::error::Error::source(error) {
        Some(source) => format!("{what}: {}", error_chain(source)),
        None => what.to_string(),
    }
}

/// Merges `fields` into the top level of `request`'s JSON body (the
/// request options' `extra_body`); a request without a body gets them as
/// its body.
fn merge_extra_body(
    request: &mut reqwest::Request,
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), String> {
    let mut body = match request.body() {
        None => serde_json::Map::new(),
        Some(body) => {
            let bytes = body
                .as_bytes()
                .ok_or("request options: extra_body cannot be merged into a streamed body")?;
            match serde_json::from_slice(bytes) {
                Ok(serde_json::Value::Object(object)) => object,
                _ => {
                    return Err(
                        "request options: extra_body needs a JSON object body to merge into"
                            .to_string(),
                    );
                }
            }
        }
    };
    for (name, value) in fields {
        body.insert(name.clone(), value.clone());
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| format!("request options: {e}"))?;
    request.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    request.headers_mut().remove(header::CONTENT_LENGTH);
    *request.body_mut() = Some(bytes.into());
    Ok(())
}

/// Joins the repeated values of each of `names` in `url`'s query into one
/// comma-separated value at the place of the first (`a=1&a=2` → `a=1,2`),
/// keeping every other pair as it was.
fn join_comma_separated(url: &mut reqwest::Url, names: &[&str]) {
    if names.is_empty() || url.query().is_none() {
        return;
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in url.query_pairs() {
        if names.contains(&name.as_ref())
            && let Some((_, joined)) = pairs.iter_mut().find(|(n, _)| *n == name)
        {
            joined.push(',');
            joined.push_str(&value);
            continue;
        }
        pairs.push((name.into_owned(), value.into_owned()));
    }
    url.query_pairs_mut().clear().extend_pairs(pairs);
}

#[cfg(test)]
mod tests {
    use super::join_comma_separated;

    fn joined(url: &str, names: &[&str]) -> String {
        let mut url = reqwest::Url::parse(url).unwrap();
        join_comma_separated(&mut url, names);
        url.to_string()
    }

    #[test]
    fn repeated_values_of_a_comma_separated_parameter_become_one() {
        assert_eq!(
            joined("http://h/p?s=a&limit=2&s=b%2Fc&t=x&t=y", &["s"]),
            "http://h/p?s=a%2Cb%2Fc&limit=2&t=x&t=y"
        );
        assert_eq!(joined("http://h/p?limit=2", &["s"]), "http://h/p?limit=2");
        assert_eq!(joined("http://h/p", &["s"]), "http://h/p");
        assert_eq!(joined("http://h/p?s=a&s=b", &[]), "http://h/p?s=a&s=b");
    }
}
