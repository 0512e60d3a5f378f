//! An in-memory mock of the Avara API (`spec/openapi.yaml`), for testing the
//! SDK end to end without the real service.
//!
//! It serves every operation of the spec:
//!
//! | operation       | route                   | success |
//! | --------------- | ----------------------- | ------- |
//! | `orgs_create`   | `POST /v1/orgs`         | 201     |
//! | `orgs_list`     | `GET /v1/orgs`          | 200     |
//! | `orgs_retrieve` | `GET /v1/orgs/{orgId}`  | 200     |
//!
//! State lives in memory and is lost when the server stops.
//!
//! # Authentication
//!
//! Every API route needs `Authorization: Bearer <token>`, where the token
//! starts with `sk_test_` and has at least one character after it, or is one
//! of the extra keys in [`Config::api_keys`]. Anything else is a 401.
//!
//! # Errors
//!
//! Every error, including an unknown route (404) and a known route with the
//! wrong method (405), has the spec's `Error` body:
//! `{"message": "...", "error": "<code>"}`, where `message` names the
//! offending field. Validation failures are 400; an `Idempotency-Key` reused
//! with a different body is 422. Every response carries an `x-request-id`
//! header (`req_` and 24 hex digits).
//!
//! # Pagination
//!
//! `GET /v1/orgs` lists organizations in creation order: by a sequence number
//! that every new organization takes, strictly increasing. The `cursor` is
//! opaque to clients (URL-safe base64 without padding of `seq:<n>`, where `n`
//! is the sequence number of the last organization returned) and the next page
//! starts right after it, so a listing neither skips nor repeats an
//! organization that existed when it started, however many are created
//! meanwhile (those appear at the end). `limit` defaults to
//! [`DEFAULT_LIMIT`] and must be an integer within the spec's bounds. The last
//! page has `hasMore: false` and no `cursor`. An empty `cursor` is treated as
//! none; any other string the mock did not issue is a 400.
//!
//! # Idempotency
//!
//! A `POST /v1/orgs` with an `Idempotency-Key` header is remembered per API
//! key: the same key with the same body (compared as parsed JSON, `null`
//! metadata equal to none) returns the organization of the first request with
//! the same status, and adds `idempotent-replayed: true`; the same key with a
//! different body is a 422.
//!
//! # Fault injection
//!
//! Off by default. Faults ([`Fault`]) are armed for the next requests with
//! [`MockServer::inject`], or with `POST /_mock/faults` and a JSON body
//! `{"fault": "<spec>", "count": N}` (`DELETE /_mock/faults` disarms them), or
//! for a single request with the [`FAULT_HEADER`] request header, whose value
//! is a fault spec (see [`Fault::parse`]): `rate-limit[=SECS]`,
//! `unavailable`, `drop`, `delay=MS` or `truncate`. The `/_mock/` routes need
//! no authentication and are never faulted themselves.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use avara_mock::Fault;
//!
//! let server = avara_mock::spawn().await?;
//! server.inject(Fault::Unavailable, 1);
//! println!("{}", server.base_url());
//! # Ok(()) }
//! ```

mod api;
mod fault;
mod server;
mod store;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

pub use fault::{FAULT_HEADER, Fault};
pub use server::{Limits, MAX_HEAD_BYTES};
pub use store::DEFAULT_LIMIT;

/// The prefix that every accepted test API key starts with.
pub const TEST_KEY_PREFIX: &str = "sk_test_";

/// How to run a mock server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// API keys accepted besides those starting with [`TEST_KEY_PREFIX`].
    pub api_keys: Vec<String>,
}

impl Default for Config {
    /// `127.0.0.1:0` and no extra API keys.
    fn default() -> Self {
        Config {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_keys: Vec::new(),
        }
    }
}

/// A running mock server. Dropping it stops the server and closes every
/// connection; [`MockServer::shutdown`] does the same and waits for it.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<api::Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// Starts a mock server on `127.0.0.1` at a free port, with the default
/// [`Config`]. Must be called within a Tokio runtime, which then runs it.
pub async fn spawn() -> std::io::Result<MockServer> {
    spawn_with(Config::default()).await
}

/// Starts a mock server with `config`. Must be called within a Tokio
/// runtime, which then runs it.
pub async fn spawn_with(config: Config) -> std::io::Result<MockServer> {
    spawn_with_limits(config, Limits::default()).await
}

/// Starts a mock server with `config` and connection `limits` (timeouts and
/// a connection cap; see [`Limits`]). Must be called within a Tokio runtime.
pub async fn spawn_with_limits(config: Config, limits: Limits) -> std::io::Result<MockServer> {
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(api::Shared::new(config.api_keys));
    let router = api::router(shared.clone());
    let task = tokio::spawn(server::serve(listener, router, limits));
    Ok(MockServer { addr, shared, task })
}

impl MockServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client, e.g. `http://127.0.0.1:4010`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Arms `fault` for the next `count` requests (after any already armed).
    /// Requests to the `/_mock/` routes do not consume faults.
    pub fn inject(&self, fault: Fault, count: usize) {
        self.shared.faults.inject(fault, count);
    }

    /// Disarms every fault not yet consumed.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// How many armed faults are not yet consumed.
    pub fn pending_faults(&self) -> usize {
        self.shared.faults.pending()
    }

    /// How many organizations exist.
    pub fn org_count(&self) -> usize {
        self.shared.store().org_count()
    }

    /// Creates `count` organizations directly in the store (no HTTP), named
    /// `{name_prefix} {n}`, as if created with `api_key`. For benchmarks and
    /// tests that need many organizations quickly.
    pub fn seed(&self, count: usize, name_prefix: &str, api_key: &str) {
        let mut store = self.shared.store();
        for n in 0..count {
            let params = avara::types::OrgCreateParams::builder()
                .org_name(format!("{name_prefix} {n}"))
                .try_into()
                .expect("a non-empty name is a valid OrgCreateParams");
            store.create(params, api_key, None);
        }
    }

    /// Stops the server, closes every connection and waits until it is done.
    pub async fn shutdown(mut self) {
        self.task.abort();
        // Aborted (or, impossibly, ended): either way the task is done.
        let _ = (&mut self.task).await;
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
