//! Typed [`httpmock`] mocks of the Avara API, for testing code that uses the
//! [`avara`] client.
//!
//! Generated from `spec/openapi.yaml` by `cargo xtask codegen` (progenitor's
//! httpmock generator): [`MockServerExt`] adds one method per operation to
//! [`httpmock::MockServer`], whose `when` and `then` only accept what the spec
//! allows for that operation (its path and method are already matched).
//!
//! ```no_run
//! use avara_httpmock::MockServerExt;
//! use httpmock::MockServer;
//!
//! # async fn example(org: avara::types::Org) -> Result<(), avara::Error> {
//! let server = MockServer::start_async().await;
//! let mock = server.orgs_retrieve(|when, then| {
//!     when.org_id(&org.org_id);
//!     then.ok(&org);
//! });
//!
//! let client = avara::Client::builder()
//!     .api_key("sk_test_example")
//!     .base_url(server.base_url())
//!     .build()?;
//! let found = client.orgs().retrieve(org.org_id.clone()).await?;
//! assert_eq!(found, org);
//! mock.assert();
//! # Ok(()) }
//! ```
//!
//! Each `When`/`Then` wrapper converts to the underlying
//! [`httpmock::When`]/[`httpmock::Then`] with `into_inner()`, to deviate from
//! what the spec permits (a malformed body, an undocumented status).

#![warn(missing_docs)]

#[rustfmt::skip]
#[allow(clippy::all, rustdoc::all, missing_docs, unused_imports)]
mod generated;

pub use generated::{MockServerExt, operations};

/// The `httpmock` version these mocks are written against.
pub use httpmock;
