//! Per-request options: a timeout, a retry budget, an overall deadline, an
//! idempotency key, extra headers, extra query parameters and extra body
//! fields, for one call
//! or for every call of a derived client.
//!
//! Two ways to apply them, both working for every generated operation:
//!
//! ```no_run
//! use std::time::Duration;
//! use avara::RequestOptions;
//! use avara::types::OrgCreateParams;
//!
//! # async fn run(client: &avara::Client) -> Result<(), avara::Error> {
//! // One call: `with_options` on the operation's builder, then await it.
//! let org = client
//!     .orgs_create()
//!     .body(OrgCreateParams::builder().org_name("Radiology"))
//!     .with_options(
//!         RequestOptions::new()
//!             .idempotency_key("create-radiology-2024-01-15")
//!             .header("x-trace", "abc")
//!             .timeout(Duration::from_secs(5)),
//!     )
//!     .await?;
//!
//! // Every call of a derived client, which shares the connection pool
//! // (pagination included).
//! let patient = client.with_options(
//!     RequestOptions::new()
//!         .max_retries(5)
//!         .deadline(Duration::from_secs(30)),
//! );
//! let page = patient.orgs_list().limit(10).await?;
//! # let _ = (org, page);
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::fmt;
use std::future::IntoFuture;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::runtime::CallFuture;
use crate::{Client, Error};

/// Settings for one call (see [`WithOptions`]) or for every call of a client
/// made with [`Client::with_options`]. Each setting left unset keeps the
/// client's own.
///
/// A header name or value that HTTP cannot carry is reported when the call is
/// made, as an [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest)
/// naming the header; nothing is sent.
#[derive(Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) idempotency_key: Option<HeaderValue>,
    pub(crate) headers: HeaderMap,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) extra_body: serde_json::Map<String, serde_json::Value>,
    pub(crate) invalid: Option<String>,
}

impl RequestOptions {
    /// Options that change nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// The timeout of each attempt, from sending the request to the last
    /// byte of the response body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many times a failed attempt is retried.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// An overall limit on the call, across every attempt and the waits
    /// between them. Each attempt's timeout is cut to the time left; a retry
    /// whose wait would end past the deadline is not made, and the last
    /// failure is returned instead.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The `Idempotency-Key` sent with the call (and every retry of it),
    /// instead of the random key the SDK generates for each non-GET call.
    ///
    /// Reuse a key only to repeat the same request: avara-mock answers a
    /// repeated key with the first result. The Avara reference does not
    /// document `Idempotency-Key`, so against the real API this is not a
    /// documented guarantee.
    pub fn idempotency_key(mut self, key: impl AsRef<str>) -> Self {
        match HeaderValue::from_str(key.as_ref()) {
            Ok(value) => self.idempotency_key = Some(value),
            Err(_) => self.note_invalid(format!(
                "the idempotency key {:?} contains characters that cannot be sent in an HTTP header",
                key.as_ref()
            )),
        }
        self
    }

    /// A header to send, replacing any the SDK or the client would send
    /// under the same name.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let (name, value) = (name.as_ref(), value.as_ref());
        let Ok(header_name) = HeaderName::from_bytes(name.as_bytes()) else {
            self.note_invalid(format!("{name:?} is not a valid HTTP header name"));
            return self;
        };
        match HeaderValue::from_str(value) {
            Ok(mut header_value) => {
                // Extra headers often carry credentials: keep them out of Debug.
                header_value.set_sensitive(true);
                self.headers.insert(header_name, header_value);
            }
            Err(_) => self.note_invalid(format!(
                "the value of header {name:?} contains characters that cannot be sent in an HTTP header"
            )),
        }
        self
    }

    /// A query parameter to append to the URL (after the operation's own).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Fields to merge into the top level of the JSON request body, as the
    /// official SDKs' `extra_body`: each replaces the body's field of the
    /// same name, or is added. `fields` must be a JSON object; calling this
    /// again adds to the fields given before. A call without a body sends
    /// these fields as its body. The spec's constraints are checked on the
    /// body before the merge, so these fields are sent unchecked: for fields
    /// the API has and the spec does not (yet).
    ///
    /// ```
    /// let options = avara::RequestOptions::new()
    ///     .extra_body(serde_json::json!({"betaFeature": true}));
    /// # let _ = options;
    /// ```
    pub fn extra_body(mut self, fields: serde_json::Value) -> Self {
        match fields {
            serde_json::Value::Object(fields) => self.extra_body.extend(fields),
            other => self.note_invalid(format!(
                "extra_body must be a JSON object, not {}",
                match other {
                    serde_json::Value::Null => "null",
                    serde_json::Value::Bool(_) => "a boolean",
                    serde_json::Value::Number(_) => "a number",
                    serde_json::Value::String(_) => "a string",
                    serde_json::Value::Array(_) => "an array",
                    serde_json::Value::Object(_) => unreachable!(),
                }
            )),
        }
        self
    }

    fn note_invalid(&mut self, problem: String) {
        self.invalid
            .get_or_insert(format!("request options: {problem}"));
    }

    /// These options over `base`: each setting of `self` wins; headers and
    /// query parameters add up.
    pub(crate) fn over(&self, base: &RequestOptions) -> RequestOptions {
        let mut headers = base.headers.clone();
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        RequestOptions {
            timeout: self.timeout.or(base.timeout),
            max_retries: self.max_retries.or(base.max_retries),
            deadline: self.deadline.or(base.deadline),
            idempotency_key: self
                .idempotency_key
                .clone()
                .or_else(|| base.idempotency_key.clone()),
            headers,
            query: base.query.iter().chain(&self.query).cloned().collect(),
            extra_body: base
                .extra_body
                .iter()
                .chain(&self.extra_body)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            invalid: base.invalid.clone().or_else(|| self.invalid.clone()),
        }
    }
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        let query_names: Vec<&str> = self.query.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("deadline", &self.deadline)
            .field("idempotency_key", &self.idempotency_key.is_some())
            .field("headers", &header_names)
            .field("query", &query_names)
            .field(
                "extra_body",
                &self
                    .extra_body
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

tokio::task_local! {
    /// The options of the one call being awaited under [`WithOptions`].
    pub(crate) static CALL_OPTIONS: RequestOptions;
}

/// An operation builder with [`RequestOptions`] for this one call; await it
/// like the builder itself. Made by the `with_options` method that every
/// operation builder has.
#[must_use = "a request is sent only when awaited"]
#[derive(Debug)]
pub struct WithOptions<B> {
    builder: B,
    options: RequestOptions,
}

impl<B> WithOptions<B> {
    pub(crate) fn new(builder: B, options: RequestOptions) -> Self {
        WithOptions { builder, options }
    }

    /// More options over those already set.
    pub fn with_options(self, options: RequestOptions) -> Self {
        WithOptions {
            options: options.over(&self.options),
            builder: self.builder,
        }
    }
}

impl<'a, B, T> IntoFuture for WithOptions<B>
where
    B: IntoFuture<Output = Result<T, Error>, IntoFuture = CallFuture<'a, T>>,
    T: Send + 'a,
{
    type Output = Result<T, Error>;
    type IntoFuture = CallFuture<'a, T>;

    fn into_future(self) -> Self::IntoFuture {
        let call = self.builder.into_future();
        Box::pin(CALL_OPTIONS.scope(self.options, call))
    }
}

/// The options that apply to a call of `client` now: the call's own (inside
/// [`WithOptions`]) over the client's. Borrowed when the call has none.
pub(crate) fn effective(client: &Client) -> Cow<'_, RequestOptions> {
    let base = &client.config().options;
    CALL_OPTIONS
        .try_with(|call| Cow::Owned(call.over(base)))
        .unwrap_or(Cow::Borrowed(base))
}

impl Client {
    /// A client that applies `options` to every call, over this client's own
    /// settings. It shares this client's connection pool and settings; only
    /// the options differ. See the [module docs](crate::options) for an
    /// example.
    pub fn with_options(&self, options: RequestOptions) -> Client {
        let mut config = self.config().clone();
        config.options = options.over(&config.options);
        Client::new_with_client(
            progenitor_client::ClientInfo::baseurl(self),
            progenitor_client::ClientInfo::client(self).clone(),
            config,
        )
    }
}
