//! End-to-end tests of the mock: the `avara` client and plain `reqwest`
//! against a mock server on 127.0.0.1, one server per test.

mod actions;
mod binary;
mod concurrency;
mod edges;
mod faults;
mod http;
mod sdk;
mod spec_rules;
mod types;
mod webhooks;

use std::time::Duration;

use avara::types::{Org, OrgCreateParams};

/// A valid body of an AutoScribe user invitation.
pub fn invite_body() -> serde_json::Value {
    serde_json::json!({
        "canCreateReports": false,
        "canManageStudies": true,
        "clinicRole": "Radiologist",
        "email": "a@example.com",
        "firstName": "Ada",
        "hasDashboardAccess": true,
        "lastName": "Lovelace",
        "level": "member",
        "middleName": "B",
    })
}

/// The API key every test uses unless it says otherwise.
pub const KEY: &str = "sk_test_e2e";

/// Sends `method path` (with `body` as JSON) to `server` with plain
/// `reqwest` and `key`; the status and the JSON body (`null` when none). A
/// server error fails the test.
pub async fn send_json(
    http: &reqwest::Client,
    server: &avara_mock::MockServer,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut request = http
        .request(method, format!("{}{path}", server.base_url()))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status} {text}: {e}"))
    };
    assert!(!status.is_server_error(), "{path}: {status} {body}");
    (status, body)
}

/// An `avara` client for `server` with fast retries (2 by default).
pub fn client(server: &avara_mock::MockServer) -> avara::Client {
    client_with(server, KEY, |b| b)
}

/// An `avara` client for `server` with `key`, after `tweak` on its builder.
pub fn client_with(
    server: &avara_mock::MockServer,
    key: &str,
    tweak: impl FnOnce(avara::ClientBuilder) -> avara::ClientBuilder,
) -> avara::Client {
    let builder = avara::Client::builder()
        .api_key(key)
        .base_url(server.base_url())
        .max_retries(2)
        .retry_delays(Duration::from_millis(1), Duration::from_millis(10))
        .timeout(Duration::from_secs(10));
    tweak(builder).build().expect("the client builds")
}

/// Creates an organization named `name` through the client.
pub async fn create(client: &avara::Client, name: &str) -> Org {
    client
        .orgs_create()
        .body(OrgCreateParams::builder().org_name(name))
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e}"))
}

/// Whether `id` has the spec's OrgId shape.
pub fn is_org_id(id: &str) -> bool {
    id.strip_prefix("org_").is_some_and(|hex| {
        hex.len() == 32 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}
