//! An in-memory mock of the Avara API (`spec/openapi.yaml`), for testing the
//! SDK end to end without the real service.
//!
//! It knows nothing of the API by hand: `cargo xtask codegen` writes its
//! table of operations and resources from the spec (`src/generated.rs`), and
//! the code here is generic over that table. [`operations`] lists what it
//! serves. State lives in memory and is lost when the server stops.
//!
//! # Behaviour
//!
//! Each operation follows the REST convention of its method and path, made
//! explicit in the spec with the `x-avara-resource` extension where the
//! convention is not enough (see ARCHITECTURE.md):
//!
//! * a collection is a path ending in a literal segment that an operation
//!   creates in or reads, with an item path (`{collection}/{id}`) beside it,
//!   or without one when it is created in and listed with the same item
//!   schema; a collection below an item of another collection is nested in
//!   it, and a request to it names an existing parent or is a 404;
//! * `POST` on a collection creates an item (success status 201 when the
//!   spec documents it): the body's properties, plus what the server sets,
//!   derived from the item schema — the id from its pattern, the parent's
//!   id, `date-time`s now, `date`s today, other required properties from
//!   their `default` or `example` or made from the schema;
//! * `GET` on a collection with `x-avara-pagination` lists its items in
//!   creation order, in that extension's page shape (each item shown as the
//!   page's item schema when that is a summary of the resource's);
//! * `GET` on an item retrieves it; `PATCH` merges the body into it (`null`,
//!   where the body's schema allows it, clears an optional property, nulls
//!   a required nullable one and leaves a required one as it is); `PUT`
//!   replaces what the body can set; `DELETE` removes it, and later reads
//!   are 404; a body property whose JSON type is not the item property's
//!   (a user id given for a user reference) gives the item property the
//!   value `cargo xtask codegen` derives from the item schema (its
//!   documented example);
//! * a `null` where the body's schema does not allow one is a 400 naming
//!   it, at any depth;
//! * what convention cannot say, `x-avara-resource` states (see
//!   `xtask/src/mock_gen.rs`): the action (also `set`: fixed values such as
//!   `isActive: false` or `cancelledAt: now`; `add` and `remove`: a request
//!   value joins or leaves the item's member set, with an optional counting
//!   property), the resource (when the path is not its collection's), and
//!   how to find the item when the path names none (`find`: item properties
//!   matched against body, path or query values; the first of them the
//!   request gives finds the item, else 404, and a request that gives none
//!   names no item, a 404 too);
//! * an action answers the item, the item as the answer's schema when that
//!   schema is a summary of it, or else the documented example;
//! * any other operation answers its documented example, after the same
//!   checks of the request as every operation (path parameters against their
//!   schemas — a value its pattern refuses names nothing, so 404 —, query
//!   and body); `cargo xtask codegen` warns for each such operation.
//!
//! [`operations`] (and `avara-mock --operations`) says what the mock does for
//! each operation. [`MockServer::load_examples`] (`--examples`) loads every
//! resource's documented example item, so that the ids of the spec's
//! examples name something.
//!
//! Collections that no operation creates in (read-only resources) are filled
//! with [`MockServer::seed`] or the binary's `--seed FILE`.
//!
//! # Authentication
//!
//! Every route, the fault control route included, needs
//! `Authorization: Bearer <token>`, where the token starts with `sk_test_`
//! and has at least one character after it, or is one of the extra keys in
//! [`Config::api_keys`]. Anything else is a 401, answered before the request
//! body is read. An id that the spec says is derived from the API key is a
//! keyed hash of it, under a secret drawn when the server starts.
//!
//! # Errors
//!
//! Every error, including an unknown route (404) and a known route with the
//! wrong method (405), has the spec's error body, whose message names the
//! offending field or parameter. Validation failures (malformed JSON, a body
//! or query that breaks the spec's types or constraints) are 400; an unknown
//! item or parent is 404; an `Idempotency-Key` reused with a different
//! request is 422. A refused request changes nothing. Every response carries
//! an `x-request-id` header (`req_` and 24 hex digits).
//!
//! # Pagination
//!
//! Lists go in creation order: by a sequence number that every new item
//! takes, strictly increasing. The cursor is opaque to clients (URL-safe
//! base64 without padding of `seq:<n>`, where `n` is the sequence number of
//! the last item returned) and the next page starts right after it, so a
//! listing neither skips nor repeats an item that existed when it started,
//! however many are created meanwhile (those appear at the end). The page
//! size defaults to [`DEFAULT_LIMIT`] (or the limit parameter's maximum, if
//! lower). The last page says there is no more and carries no cursor. An
//! empty cursor is treated as none; any other string the mock did not issue
//! is a 400.
//!
//! # Idempotency
//!
//! The Avara reference does not mention `Idempotency-Key`; the SDK sends it
//! and this mock honours it. A request other than `GET` with an
//! `Idempotency-Key` header is remembered per API key when it succeeds: the
//! same key with the same operation, path and body (compared as the body's
//! type reads it, so `null` equals absent for an optional property) returns
//! the first answer with the same status and adds `idempotent-replayed:
//! true`; the same key with a different request is a 422.
//!
//! # Fault injection
//!
//! Off by default. Faults ([`Fault`]) are armed for the next requests with
//! [`MockServer::inject`], or with `POST /_mock/faults` and a JSON body
//! `{"fault": "<spec>", "count": N}` (`DELETE /_mock/faults` disarms them), or
//! for a single request with the [`FAULT_HEADER`] request header, whose value
//! is a fault spec (see [`Fault::parse`]): `rate-limit[=SECS]`,
//! `unavailable`, `drop`, `delay=MS` or `truncate`. The `/_mock/` routes need
//! the same authentication as the API and are never faulted themselves.
//!
//! # Reset
//!
//! `POST /_mock/reset` (authenticated like every route) or
//! [`MockServer::reset`] restores the store to what it held after startup
//! (the items of `--examples` and `--seed`; in general, after the last
//! [`MockServer::seed`]), forgets every idempotency record and disarms every
//! fault, for test isolation. It answers 200 with `{"items": N}`, the items
//! the store then holds.
//!
//! # Webhooks
//!
//! With [`Config::webhooks`] (`--webhook-url` and `--webhook-secret`),
//! `POST /_mock/webhooks/{eventType}` (authenticated) sends the documented
//! example of that event of the spec ([`webhook_events`]), or the event in
//! its JSON body, to the URL, signed per Standard Webhooks with
//! `avara::webhooks::sign`. A failed attempt (no answer, or not 2xx) is
//! retried with exponential backoff ([`WebhookConfig::retry`]) under the same
//! `webhook-id`. It answers 200 with the report: `delivered`, `attempts`,
//! `status` and `answer` (of the last attempt), `valid`, and `errors` (how
//! the answer differs from the event's answer schema, or why each attempt
//! failed). An unknown event type is a 404 naming the known ones; without a
//! webhook URL, a 409 saying how to give one.
//!
//! # Checked answers
//!
//! In debug builds (every test run), each answer body is checked against its
//! type in the spec before it is sent; a mismatch is answered with a 500
//! naming it, so no test passes over a wrong shape.
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
#[rustfmt::skip]
#[allow(clippy::all, unused_imports)]
mod generated;
mod model;
mod resources;
mod server;
mod store;
#[cfg(test)]
mod tests;
mod webhooks;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use serde_json::Value;

pub use fault::{FAULT_HEADER, Fault};
pub use server::{Limits, MAX_HEAD_BYTES};
pub use store::DEFAULT_LIMIT;
pub use webhooks::{
    DEFAULT_ATTEMPTS, DEFAULT_BACKOFF, WebhookConfig, WebhookEventInfo,
    check_secret as check_webhook_secret, events as webhook_events,
};

/// The prefix that every accepted test API key starts with.
pub const TEST_KEY_PREFIX: &str = "sk_test_";

/// One operation the mock serves, from the generated table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationInfo {
    /// The spec's operationId.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template.
    pub path: &'static str,
    /// What the mock does: `create`, `list`, `retrieve`, `update`,
    /// `replace`, `delete`, `set`, `add`, `remove` or `example`.
    pub action: &'static str,
    /// What the mock does, in words: the resource, how the item is found,
    /// what changes and what is answered (as in the generated table's doc).
    pub behaviour: &'static str,
    /// The status of a successful answer.
    pub status: u16,
    /// Whether it takes a JSON request body.
    pub takes_body: bool,
}

/// Every operation of the spec, in the order of the generated table.
pub fn operations() -> Vec<OperationInfo> {
    generated::OPERATIONS
        .iter()
        .map(|op| OperationInfo {
            id: op.id,
            method: op.method,
            path: op.path,
            action: match op.action {
                model::Action::Create { .. } => "create",
                model::Action::List { .. } => "list",
                model::Action::Retrieve { .. } => "retrieve",
                model::Action::Update { .. } => "update",
                model::Action::Replace { .. } => "replace",
                model::Action::Delete { .. } => "delete",
                model::Action::Set { .. } => "set",
                model::Action::Add { .. } => "add",
                model::Action::Remove { .. } => "remove",
                model::Action::Example { .. } => "example",
            },
            behaviour: op.behaviour,
            status: op.status,
            takes_body: op.body.is_some(),
        })
        .collect()
}

/// One collection the mock keeps, from the generated table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionInfo {
    /// The item schema's name.
    pub name: &'static str,
    /// The collection's path template (`/v1/things`,
    /// `/v1/things/{thingId}/parts`).
    pub path: &'static str,
    /// The item property that holds an item's id.
    pub id_field: &'static str,
    /// The item schema's documented example, which `--examples`
    /// ([`MockServer::load_examples`]) loads, if the spec gives one.
    pub example: Option<serde_json::Value>,
}

/// Every collection of the spec, in the order of the generated table.
pub fn collections() -> Vec<CollectionInfo> {
    generated::RESOURCES
        .iter()
        .map(|r| CollectionInfo {
            name: r.name,
            path: r.collection,
            id_field: r.id_field,
            example: r.example.and_then(|text| serde_json::from_str(text).ok()),
        })
        .collect()
}

/// How to run a mock server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// API keys accepted besides those starting with [`TEST_KEY_PREFIX`].
    pub api_keys: Vec<String>,
    /// Where `POST /_mock/webhooks/{eventType}` delivers events, and how;
    /// `None` (the default) answers such a trigger 409.
    pub webhooks: Option<WebhookConfig>,
}

impl Default for Config {
    /// `127.0.0.1:0` and no extra API keys.
    fn default() -> Self {
        Config {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_keys: Vec::new(),
            webhooks: None,
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
    let shared = api::Shared::new(config.api_keys).with_webhooks(config.webhooks);
    spawn_shared(config.addr, shared, limits).await
}

/// Starts a server with `shared` state.
async fn spawn_shared(
    addr: SocketAddr,
    shared: api::Shared,
    limits: Limits,
) -> std::io::Result<MockServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(shared);
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

    /// How many items the collection at `path` holds (a concrete path such
    /// as `/v1/things` or `/v1/things/thing_1/parts`), or why `path` is no
    /// collection (or one whose parent does not exist).
    pub fn count(&self, path: &str) -> Result<usize, String> {
        let store = self.shared.store();
        let scope = resources::collection_at(&store, path)?;
        Ok(store.count(&scope))
    }

    /// Adds `items` to the collection at `path` directly (no HTTP, no API
    /// key), for read-only resources and for tests and benchmarks that need
    /// many items quickly. Each item gives some properties (its id too, if it
    /// wants a known one); the server sets the rest as a create would. All or
    /// nothing: an item that is not a valid one of the collection is an error
    /// naming it, and then nothing is added. Returns the stored items.
    pub fn seed(
        &self,
        path: &str,
        items: impl IntoIterator<Item = Value>,
    ) -> Result<Vec<Value>, String> {
        let items: Vec<Value> = items.into_iter().collect();
        let mut store = self.shared.store();
        let seeded = resources::seed(&mut store, &self.shared.key_ids, path, items)?;
        self.shared.mark_baseline(&store);
        Ok(seeded)
    }

    /// Restores the store to what the last seeding left in it (empty if
    /// none), forgets every idempotency record and disarms every fault, as
    /// `POST /_mock/reset` does; returns how many items the store holds.
    pub fn reset(&self) -> usize {
        self.shared.reset()
    }

    /// Seeds from a document in the format of the binary's `--seed FILE`: a
    /// JSON object whose keys are collection paths and whose values are
    /// arrays of items (see [`MockServer::seed`]). Outer collections are
    /// seeded before the ones nested in them. Returns how many items were
    /// added; on an error, the collections before the failing one stay
    /// seeded.
    pub fn seed_document(&self, document: &Value) -> Result<usize, String> {
        let Value::Object(collections) = document else {
            return Err(
                "a seed document must be a JSON object of collection path -> array of items".into(),
            );
        };
        let mut paths: Vec<&String> = collections.keys().collect();
        paths.sort_by_key(|p| (p.matches('/').count(), p.as_str()));
        let mut added = 0;
        for path in paths {
            let Value::Array(items) = &collections[path] else {
                return Err(format!("`{path}`: the items must be a JSON array"));
            };
            added += self.seed(path, items.iter().cloned())?.len();
        }
        Ok(added)
    }

    /// Adds every collection's documented example item (the item schema's
    /// `example`, completed as a create would), outer collections first, so
    /// that the ids the spec's examples use name something. A nested
    /// example is put under the parent its own properties name. All or
    /// nothing per collection; returns how many items were added, or the
    /// first example that is not a valid item (naming it).
    pub fn load_examples(&self) -> Result<usize, String> {
        let mut resources: Vec<&model::Resource> = self
            .shared
            .resources()
            .iter()
            .filter(|r| r.example.is_some())
            .collect();
        resources.sort_by_key(|r| r.scope_params.len());
        let mut added = 0;
        for resource in resources {
            let text = resource.example.unwrap_or("null");
            let example: Value = serde_json::from_str(text)
                .map_err(|e| format!("the example of `{}` is not JSON: {e}", resource.name))?;
            let mut path = String::new();
            for segment in resource.collection.trim_start_matches('/').split('/') {
                path.push('/');
                match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(param) => match example.get(param).and_then(Value::as_str) {
                        Some(id) => path.push_str(id),
                        None => {
                            return Err(format!(
                                "the example of `{}` has no `{param}` naming the item it belongs to",
                                resource.name
                            ));
                        }
                    },
                    None => path.push_str(segment),
                }
            }
            added += self
                .seed(&path, [example])
                .map_err(|e| format!("the example of `{}`: {e}", resource.name))?
                .len();
        }
        Ok(added)
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
