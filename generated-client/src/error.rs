//! The one error type of the SDK.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::ApiErrorBody;
use crate::webhooks::WebhookProblem;

/// How much of an undecodable body an [`Error`] keeps.
pub const RAW_BODY_LIMIT: usize = 8 * 1024;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400: the server rejected the request as malformed.
    BadRequest,
    /// 401: the API key is missing, malformed or unknown.
    Authentication,
    /// 403: the API key may not do this.
    PermissionDenied,
    /// 404: no such resource.
    NotFound,
    /// 409: the request conflicts with the resource's state.
    Conflict,
    /// 422: the request was well-formed but semantically invalid.
    UnprocessableEntity,
    /// 429: too many requests.
    RateLimit,
    /// 500 and above: the server failed.
    InternalServer,
    /// Any other non-success status.
    OtherStatus,
    /// The connection failed or broke before a full response arrived.
    Connection,
    /// The request did not finish within the configured timeout.
    Timeout,
    /// The SDK refused to send the request: a value broke a constraint of
    /// the spec (checked before anything is sent).
    InvalidRequest,
    /// The server answered with a body that does not decode as documented.
    InvalidResponse,
    /// The client could not be built: a missing API key, a bad base URL.
    Configuration,
    /// A webhook delivery was refused: see [`Error::webhook_problem`].
    Webhook,
}

impl ErrorKind {
    /// The kind of an error response with this status.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            422 => ErrorKind::UnprocessableEntity,
            429 => ErrorKind::RateLimit,
            500.. => ErrorKind::InternalServer,
            _ => ErrorKind::OtherStatus,
        }
    }
}

/// An error from the Avara SDK.
///
/// Every error says which operation failed and how ([`ErrorKind`]); errors
/// that came from a response also carry its status, its `x-request-id`, the
/// decoded error body when it matches the spec and otherwise the raw body
/// text (up to [`RAW_BODY_LIMIT`] bytes). No part of a response is hidden, and
/// the API key never appears in `Display` or `Debug`.
#[derive(Debug)]
pub struct Error {
    // Boxed: an `Error` travels in every `Result` of the SDK, so it stays one
    // pointer wide however much it carries.
    pub(crate) inner: Box<ErrorInner>,
}

#[derive(Debug)]
pub(crate) struct ErrorInner {
    pub(crate) kind: ErrorKind,
    pub(crate) operation: Option<&'static str>,
    pub(crate) message: String,
    pub(crate) status: Option<StatusCode>,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Option<ApiErrorBody>,
    pub(crate) raw_body: Option<String>,
    pub(crate) headers: Option<HeaderMap>,
    pub(crate) webhook: Option<WebhookProblem>,
    pub(crate) source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(ErrorInner {
                kind,
                operation: None,
                message: message.into(),
                status: None,
                request_id: None,
                attempts: 0,
                retry_after: None,
                body: None,
                raw_body: None,
                headers: None,
                webhook: None,
                source: None,
            }),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The operationId of the failed call, e.g. `orgs_create`.
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// The HTTP status of the last attempt, if its status line arrived (also
    /// when its body then broke off).
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The `x-request-id` of the last attempt, if its headers arrived with
    /// one; never an earlier attempt's.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// How many HTTP attempts were made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The wait the server asked for, when it asked for more than
    /// [`MAX_SERVER_DELAY`](crate::retry::MAX_SERVER_DELAY) and the SDK
    /// therefore did not retry (saturated at [`Duration::MAX`]).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The error body, when it decoded as the spec's error schema.
    pub fn body(&self) -> Option<&ApiErrorBody> {
        self.inner.body.as_ref()
    }

    /// The raw body text, when it did not decode (capped at
    /// [`RAW_BODY_LIMIT`] bytes).
    pub fn raw_body(&self) -> Option<&str> {
        self.inner.raw_body.as_deref()
    }

    /// The headers of the last attempt's response, if its headers arrived
    /// (also when its body then broke off).
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.inner.headers.as_ref()
    }

    /// Why a webhook delivery was refused, for an [`ErrorKind::Webhook`].
    pub fn webhook_problem(&self) -> Option<&WebhookProblem> {
        self.inner.webhook.as_ref()
    }

    /// A short explanation: the server's message when it sent one.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Whether the SDK's retry rules would retry this failure.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Connection | ErrorKind::Timeout => true,
            _ => self
                .inner
                .status
                .is_some_and(crate::retry::is_retryable_status),
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }
}

/// Keeps at most [`RAW_BODY_LIMIT`] bytes of `bytes`, on a char boundary.
pub(crate) fn capped_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= RAW_BODY_LIMIT {
        return text.into_owned();
    }
    let mut end = RAW_BODY_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], bytes.len())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = self.inner.operation {
            write!(f, "{op}: ")?;
        }
        match self.inner.status {
            Some(status) => write!(
                f,
                "{:?} ({status}): {}",
                self.inner.kind, self.inner.message
            )?,
            None => write!(f, "{:?}: {}", self.inner.kind, self.inner.message)?,
        }
        if let Some(id) = &self.inner.request_id {
            write!(f, " [request id {id}]")?;
        }
        if self.inner.attempts > 1 {
            write!(f, " after {} attempts", self.inner.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
