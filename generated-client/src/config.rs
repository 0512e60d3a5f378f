//! Building a [`Client`]: API key, base URL, timeouts, retries, headers.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::generated::Client;
use crate::retry::Backoff;
use crate::{DEFAULT_BASE_URL, Error, ErrorKind, RequestOptions};

/// The environment variable that holds the API key.
pub const API_KEY_ENV: &str = "AVARA_API_KEY";
/// The environment variable that overrides the base URL.
pub const BASE_URL_ENV: &str = "AVARA_BASE_URL";
/// The environment variable with extra headers for every request, one
/// `name: value` per line (as the official SDKs read it).
pub const CUSTOM_HEADERS_ENV: &str = "AVARA_CUSTOM_HEADERS";
/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("avara-rust/", env!("CARGO_PKG_VERSION"));

/// Default timeout of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default timeout for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// The SDK's settings, carried inside the generated [`Client`].
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) authorization: HeaderValue,
    /// `None`: the `reqwest::Client` given to [`ClientBuilder::http_client`]
    /// keeps its own timeout.
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: u32,
    pub(crate) backoff: Backoff,
    pub(crate) default_headers: HeaderMap,
    /// The key that [`Client::webhooks`] verifies deliveries with.
    pub(crate) webhook_key: Option<String>,
    /// Set by [`Client::with_options`]; applies to every call.
    pub(crate) options: RequestOptions,
}

impl ClientConfig {
    /// The timeout of each attempt, or `None` when the SDK sets none and the
    /// HTTP client's own applies (a client given with
    /// [`ClientBuilder::http_client`] and no [`ClientBuilder::timeout`]).
    pub fn timeout(&self) -> Option<Duration> {
        self.options.timeout.or(self.timeout)
    }

    /// How many times a failed request is retried.
    pub fn max_retries(&self) -> u32 {
        self.options.max_retries.unwrap_or(self.max_retries)
    }

    /// The options applied to every call, from [`Client::with_options`].
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be secrets too: show only their names.
        let header_names: Vec<&str> = self
            .default_headers
            .keys()
            .map(HeaderName::as_str)
            .collect();
        f.debug_struct("ClientConfig")
            .field("api_key", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff", &self.backoff)
            .field("default_headers", &header_names)
            .field(
                "webhook_key",
                &self.webhook_key.as_ref().map(|_| "<redacted>"),
            )
            .field("options", &self.options)
            .finish()
    }
}

/// Builds a [`Client`]; see [`Client::builder`].
#[derive(Clone, Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    backoff: Option<Backoff>,
    http_client: Option<reqwest::Client>,
    default_headers: HeaderMap,
    webhook_key: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field(
                "webhook_key",
                &self.webhook_key.as_ref().map(|_| "<redacted>"),
            )
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API key. Without one, `build` reads `AVARA_API_KEY`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The key that [`Client::webhooks`] verifies webhook deliveries with
    /// (`whsec_…`). Without one, `build` reads `AVARA_WEBHOOK_KEY`.
    pub fn webhook_key(mut self, key: impl Into<String>) -> Self {
        self.webhook_key = Some(key.into());
        self
    }

    /// The base URL. Without one, `build` reads `AVARA_BASE_URL`, then falls
    /// back to the spec's server, [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The timeout of each attempt (default 60 s), from sending the request
    /// to the last byte of the response body. A retried call may take up to
    /// `(max_retries + 1)` times this, plus the delays between attempts; see
    /// [`RequestOptions::deadline`] for a limit on the whole call.
    ///
    /// With a client given to [`Self::http_client`] and no timeout set here,
    /// the SDK sets none and that client's own timeout applies.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The timeout for establishing a connection (default 10 s). Applies
    /// only to the HTTP client the builder makes, not to one given with
    /// [`Self::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How many times a failed request is retried (default 2).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// The delay before the first retry and the cap on later ones (defaults
    /// 0.5 s and 8 s). A server's `retry-after-ms` or `Retry-After` of at most
    /// 60 s takes precedence; one of more than 60 s ends the retries.
    pub fn retry_delays(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff = Some(Backoff { initial, max });
        self
    }

    /// Sends requests through this `reqwest::Client` instead of one the
    /// builder makes. Its own timeout is kept unless [`Self::timeout`] is
    /// also called.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// A header sent with every request (unless the request sets it). It
    /// wins over one of the same name in `AVARA_CUSTOM_HEADERS`.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// Builds the client.
    ///
    /// Fails with [`ErrorKind::Configuration`] when no API key is given and
    /// `AVARA_API_KEY` is unset or empty, or when the base URL is not a URL.
    pub fn build(self) -> Result<Client, Error> {
        let api_key = match self.api_key {
            Some(key) => key,
            None => std::env::var(API_KEY_ENV).unwrap_or_default(),
        };
        if api_key.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::Configuration,
                format!(
                    "no API key: set the {API_KEY_ENV} environment variable or call ClientBuilder::api_key"
                ),
            ));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", api_key.trim()))
            .map_err(|_| {
                Error::new(
                    ErrorKind::Configuration,
                    "the API key contains characters that cannot be sent in an HTTP header",
                )
            })?;
        authorization.set_sensitive(true);

        let (base_url, source) = match self.base_url {
            Some(url) => (url, "the base URL"),
            None => match std::env::var(BASE_URL_ENV) {
                Ok(url) if !url.trim().is_empty() => (url, BASE_URL_ENV),
                _ => (DEFAULT_BASE_URL.to_string(), "the default base URL"),
            },
        };
        let base_url = base_url.trim().trim_end_matches('/').to_string();
        match reqwest::Url::parse(&base_url) {
            Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {}
            _ => {
                return Err(Error::new(
                    ErrorKind::Configuration,
                    format!("{source} {base_url:?} is not an http(s) URL"),
                ));
            }
        }

        let webhook_key = self.webhook_key.or_else(|| {
            std::env::var(crate::webhooks::WEBHOOK_KEY_ENV)
                .ok()
                .filter(|key| !key.trim().is_empty())
        });
        let mut default_headers = custom_headers_from_env()?;
        // Each of the builder's headers replaces the variable's of its name.
        default_headers.extend(self.default_headers);

        let timeout = match (&self.http_client, self.timeout) {
            (_, Some(timeout)) => Some(timeout),
            (Some(_), None) => None,
            (None, None) => Some(DEFAULT_TIMEOUT),
        };
        let http = match self.http_client {
            Some(client) => client,
            // No redirects: a followed 302/303 turns a POST into a GET, so a
            // create could silently become a list. A 3xx is an error instead.
            None => http_client_builder()?
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .build()
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Configuration,
                        format!("cannot build the HTTP client: {e}"),
                    )
                    .with_source(e)
                })?,
        };
        let config = ClientConfig {
            authorization,
            timeout,
            max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            backoff: self.backoff.unwrap_or_default(),
            default_headers,
            webhook_key,
            options: RequestOptions::default(),
        };
        Ok(Client::new_with_client(&base_url, http, config))
    }
}

/// The headers of `AVARA_CUSTOM_HEADERS`: one `name: value` per line, each
/// trimmed; a line without a colon is skipped, as the official SDKs do. A
/// name or value HTTP cannot carry is a configuration error naming the line
/// (never its value, which may be a credential).
fn custom_headers_from_env() -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::new();
    let Ok(text) = std::env::var(CUSTOM_HEADERS_ENV) else {
        return Ok(headers);
    };
    for (number, line) in text.lines().enumerate() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let invalid = |what: &str| {
            Error::new(
                ErrorKind::Configuration,
                format!(
                    "{CUSTOM_HEADERS_ENV}, line {}: {what} cannot be sent in an HTTP header",
                    number + 1
                ),
            )
        };
        let name =
            HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| invalid("the name"))?;
        let mut value = HeaderValue::from_str(value.trim()).map_err(|_| invalid("the value"))?;
        // Such headers often carry credentials: keep them out of Debug.
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(headers)
}

/// A `reqwest::ClientBuilder` with the SDK's TLS set up: rustls with its
/// ring crypto provider (given explicitly, not installed as the process
/// default) and the platform's certificate verifier (the OS trust store).
///
/// The SDK builds reqwest without a default crypto provider, so a plain
/// `reqwest::Client::new()` in the same build may have none; start from this
/// builder to make your own client, e.g. for [`ClientBuilder::http_client`].
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, Error> {
    Ok(reqwest::Client::builder().tls_backend_preconfigured(tls_config()?))
}

fn tls_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map(|builder| builder.with_no_client_auth())
        .map_err(|e| {
            Error::new(ErrorKind::Configuration, format!("cannot set up TLS: {e}")).with_source(e)
        })
}

impl Client {
    /// A client configured from the environment: `AVARA_API_KEY` (required),
    /// `AVARA_BASE_URL`, `AVARA_WEBHOOK_KEY` (for [`Client::webhooks`]),
    /// `AVARA_CUSTOM_HEADERS` (one `name: value` per line, sent with every
    /// request) and `AVARA_LOG` (`debug`, `info`, `warn`, `error` or `off`:
    /// the SDK's own tracing on stderr when the program has no tracing
    /// subscriber), every other setting at its default. The builder reads
    /// the same variables for what it is not given.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), avara::Error> {
    /// let client = avara::Client::from_env()?;
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::default().build()
    }

    /// A builder for a client with non-default settings.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), avara::Error> {
    /// use std::time::Duration;
    /// let client = avara::Client::builder()
    ///     .api_key("sk_test_123")
    ///     .base_url("http://127.0.0.1:4010")
    ///     .timeout(Duration::from_secs(10))
    ///     .max_retries(5)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The SDK settings of this client.
    pub fn config(&self) -> &ClientConfig {
        progenitor_client::ClientInfo::inner(self)
    }
}
