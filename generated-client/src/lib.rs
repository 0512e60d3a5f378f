//! Rust SDK for the [Avara API](https://api.avarasoftware.com).
//!
//! Generated from `spec/openapi.yaml` by `cargo xtask codegen`: the operation
//! builders and the types come from progenitor, the typed calls, pagination
//! and constraint table from the workspace's xtask. Hand-written modules add
//! what a generator cannot know: auth, retries, timeouts and errors.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use avara::types::ExpressCreateParams;
//!
//! # async fn run() -> Result<(), avara::Error> {
//! // Reads AVARA_API_KEY (and AVARA_BASE_URL, if set).
//! let client = avara::Client::from_env()?;
//!
//! // A resource, then a verb, as the official SDKs name them; await the
//! // builder to send it: the typed body, or an `avara::Error`.
//! let customer = client
//!     .express()
//!     .create()
//!     .body(ExpressCreateParams::builder().express_customer_name("City Medical Center"))
//!     .await?;
//! // Path parameters are the verb's arguments.
//! let same = client.express().retrieve(customer.express_customer_id.clone()).await?;
//! assert_eq!(same.express_customer_id, customer.express_customer_id);
//!
//! // Every customer, page after page, one page in memory at a time.
//! let mut customers = client.express().list().limit(100).stream();
//! while let Some(customer) = customers.try_next().await? {
//!     println!("{}", customer.express_customer_name.as_str());
//! }
//! # Ok(()) }
//! ```
//!
//! [`resources`] lists every resource with its verbs. Each verb returns the
//! operation's builder (in [`builder`]), whose setters take the query
//! parameters and the body; the same builder is also reachable by the
//! operation's flat name (`client.express_create()`), as progenitor names it.
//!
//! Every call retries connection failures, timeouts, a body cut off
//! mid-stream, 408, 409, 429 and 5xx (twice by default, with exponential
//! backoff and the server's `Retry-After` up to 60 s), and checks the spec's
//! constraints before sending anything. Every non-GET request carries an
//! `Idempotency-Key` (one per call, the same on each retry): avara-mock
//! answers a repeated key with the first result, so a retried create does
//! not create twice there; the Avara reference does not document the
//! header, so against the real API that is not a documented guarantee.
//! [`RequestOptions`] change the timeout, retries, deadline, idempotency key,
//! headers and query of one call (`builder.with_options(...)`) or of a
//! derived client ([`Client::with_options`]).
//!
//! [`webhooks`] verifies and parses the events Avara sends to your endpoint
//! (Standard Webhooks signatures, the spec's `WebhookEvent`).
//!
//! `.send()` on a builder is progenitor's raw call: the same hooks apply,
//! but it returns progenitor's `ResponseValue` and error.

#![warn(missing_docs)]

mod config;
mod error;
pub mod fields;
mod log;
mod nullable;
pub mod options;
pub mod pagination;
pub mod retry;
mod runtime;
pub mod validate;
pub mod webhooks;

#[rustfmt::skip]
#[allow(clippy::all, rustdoc::all, missing_docs, unused_imports)]
mod generated;
#[rustfmt::skip]
#[allow(clippy::all, rustdoc::all, missing_docs)]
mod generated_sdk;

pub use config::{
    API_KEY_ENV, BASE_URL_ENV, CUSTOM_HEADERS_ENV, ClientBuilder, ClientConfig,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, USER_AGENT, http_client_builder,
};
pub use error::{Error, ErrorKind, RAW_BODY_LIMIT};
pub use generated::{Client, builder, types};
pub use generated_sdk::{ApiErrorBody, DEFAULT_BASE_URL, resources};
pub use log::LOG_ENV;
pub use nullable::Nullable;
pub use options::{RequestOptions, WithOptions};
pub use runtime::{
    CallFuture, IDEMPOTENCY_KEY, OperationFacts, REQUEST_ID, RETRY_COUNT, TIMEOUT_HEADER,
    platform_headers,
};

/// progenitor's own return and error types, for the raw `.send()` calls.
pub mod raw {
    pub use progenitor_client::{ByteStream, Error, ResponseValue};
}

/// The README's examples, compiled as doctests so that they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
