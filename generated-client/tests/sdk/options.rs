//! Per-request options reach the wire: checked against what wiremock
//! received.

use std::time::{Duration, Instant};

use avara::types::OrgCreateParams;
use avara::{ErrorKind, RequestOptions};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{builder, client, org_id, org_json};

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap()
}

async fn always(verb: &str, template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_idempotency_key_headers_and_query_reach_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(org_json(1)))
        .with_priority(2)
        .mount(&server)
        .await;
    client(&server)
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("Radiology"))
        .with_options(
            RequestOptions::new()
                .idempotency_key("create-radiology-1")
                .header("x-trace", "t-42")
                .header("user-agent", "my-app/1.0")
                .query("dry_run", "no & yes"),
        )
        .await
        .unwrap();
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 2);
    for request in &seen {
        let header = |name: &str| request.headers.get(name).map(|v| v.to_str().unwrap());
        assert_eq!(header("idempotency-key"), Some("create-radiology-1"));
        assert_eq!(header("x-trace"), Some("t-42"));
        assert_eq!(
            header("user-agent"),
            Some("my-app/1.0"),
            "extra headers win"
        );
        assert_eq!(request.url.query(), Some("dry_run=no+%26+yes"));
        assert_eq!(request.url.path(), "/v1/orgs");
    }

    // The next call, without options, gets its own generated key again.
    client(&server)
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("Radiology"))
        .await
        .unwrap();
    let seen = requests(&server).await;
    let key = seen[2]
        .headers
        .get("idempotency-key")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(key.starts_with("avara-rust-"), "{key}");
    assert!(seen[2].headers.get("x-trace").is_none());
}

#[tokio::test]
async fn max_retries_per_call_overrides_the_client() {
    let server = always("GET", ResponseTemplate::new(500)).await;
    let client = builder(&server).max_retries(4).build().unwrap();
    let err = client
        .orgs_retrieve()
        .org_id(org_id(1))
        .with_options(RequestOptions::new().max_retries(0))
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert_eq!(requests(&server).await.len(), 1);
    let err = client
        .with_options(RequestOptions::new().max_retries(1))
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 2);
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn a_timeout_per_call_overrides_the_client() {
    let server = always(
        "GET",
        ResponseTemplate::new(200)
            .set_body_json(org_json(1))
            .set_delay(Duration::from_millis(1_500)),
    )
    .await;
    // The client allows 5 s: the call's 200 ms cuts both attempts short.
    let started = Instant::now();
    let err = client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .with_options(
            RequestOptions::new()
                .timeout(Duration::from_millis(200))
                .max_retries(1),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(requests(&server).await.len(), 2);
    // Functional bound: two 200 ms attempts, not two 1.5 s answers.
    assert!(started.elapsed() < Duration::from_millis(2_500));
}

#[tokio::test]
async fn a_deadline_bounds_the_whole_call() {
    let server = always("GET", ResponseTemplate::new(503)).await;
    // Without a deadline: 6 attempts about 300 ms apart. With a 1 s
    // deadline, a retry whose wait would end past it is not made.
    let client = builder(&server)
        .max_retries(5)
        .retry_delays(Duration::from_millis(300), Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client
        .orgs_retrieve()
        .org_id(org_id(1))
        .with_options(RequestOptions::new().deadline(Duration::from_secs(1)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InternalServer);
    let attempts = err.attempts();
    // 225-300 ms apart (jitter): 3 to 5 fit in 1 s, never all 6.
    assert!((2..=5).contains(&attempts), "{attempts} attempts in 1 s");
    assert_eq!(requests(&server).await.len() as u32, attempts);

    // A deadline also cuts an attempt that hangs.
    let hanging = always(
        "GET",
        ResponseTemplate::new(200)
            .set_body_json(org_json(1))
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    let started = Instant::now();
    let err = crate::client(&hanging)
        .orgs_retrieve()
        .org_id(org_id(1))
        .with_options(RequestOptions::new().deadline(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), 1, "no time left for a retry");
    assert!(started.elapsed() < Duration::from_millis(2_500));
}

#[tokio::test]
async fn a_derived_client_applies_its_options_to_every_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(move |request: &wiremock::Request| {
            let second = request.url.query_pairs().any(|(k, _)| k == "cursor");
            let body = if second {
                json!({"hasMore": false, "organizations": [org_json(2)]})
            } else {
                json!({"hasMore": true, "organizations": [org_json(1)], "cursor": "c1"})
            };
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(&server)
        .await;
    let base = client(&server);
    let tenant = base.with_options(
        RequestOptions::new()
            .header("x-tenant", "radiology")
            .query("region", "eu"),
    );
    let orgs: Vec<_> = tenant.orgs_list().stream().try_collect().await.unwrap();
    assert_eq!(orgs.len(), 2);
    base.orgs_list().limit(1).await.unwrap();
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 3);
    for request in &seen[..2] {
        assert_eq!(request.headers.get("x-tenant").unwrap(), "radiology");
        assert!(
            request
                .url
                .query_pairs()
                .any(|(k, v)| k == "region" && v == "eu"),
            "{}",
            request.url
        );
    }
    assert!(
        seen[1]
            .url
            .query_pairs()
            .any(|(k, v)| k == "cursor" && v == "c1")
    );
    // The original client is unchanged.
    assert!(seen[2].headers.get("x-tenant").is_none());
    assert_eq!(seen[2].url.query(), Some("limit=1"));
}

#[tokio::test]
async fn invalid_options_are_refused_before_sending() {
    let server = always("GET", ResponseTemplate::new(200).set_body_json(org_json(1))).await;
    for (options, named) in [
        (
            RequestOptions::new().header("bad header", "x"),
            "\"bad header\"",
        ),
        (
            RequestOptions::new().header("x-ok", "line\nbreak"),
            "\"x-ok\"",
        ),
        (
            RequestOptions::new().idempotency_key("key\u{0}"),
            "idempotency key",
        ),
    ] {
        let err = client(&server)
            .orgs_retrieve()
            .org_id(org_id(1))
            .with_options(options)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(err.to_string().contains(named), "{err}");
        assert_eq!(err.attempts(), 0);
    }
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn a_custom_http_clients_timeout_is_kept() {
    let server = always(
        "GET",
        ResponseTemplate::new(200)
            .set_body_json(org_json(1))
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    let http = avara::http_client_builder()
        .unwrap()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let client = avara::Client::builder()
        .api_key(crate::API_KEY)
        .base_url(server.uri())
        .http_client(http)
        .max_retries(0)
        .build()
        .unwrap();
    assert_eq!(client.config().timeout(), None);
    let started = Instant::now();
    let err = client.orgs_retrieve().org_id(org_id(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_millis(2_500));
}
