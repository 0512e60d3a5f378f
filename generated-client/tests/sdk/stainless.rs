//! What the official Stainless SDKs send and expose, on the wire: the retry
//! count and the attempt's timeout on every attempt, the platform headers,
//! `extra_body`, and the response headers of an error.

use std::time::Duration;

use avara::types::OrgCreateParams;
use avara::{ErrorKind, RequestOptions};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{builder, client, org_json};

fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

/// A server answering 503 `failures` times, then `then`.
async fn failing_then(failures: u64, then: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    if failures > 0 {
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(failures)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(wiremock::matchers::any())
        .respond_with(then)
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn every_attempt_carries_its_retry_count_and_timeout() {
    let server = failing_then(2, ResponseTemplate::new(201).set_body_json(org_json(1))).await;
    client(&server)
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("Radiology"))
        .await
        .unwrap();
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen.len(), 3);
    for (n, request) in seen.iter().enumerate() {
        assert_eq!(
            header(request, "x-stainless-retry-count"),
            Some(n.to_string().as_str())
        );
        // The client's timeout per attempt (5 s in these tests), in seconds.
        assert_eq!(header(request, "x-stainless-timeout"), Some("5"));
    }

    // A call's own timeout, and a deadline that shortens the attempt.
    let server = failing_then(
        0,
        ResponseTemplate::new(200).set_body_json(json!({
            "organizations": [], "hasMore": false
        })),
    )
    .await;
    client(&server)
        .orgs_list()
        .with_options(RequestOptions::new().timeout(Duration::from_secs(42)))
        .await
        .unwrap();
    client(&server)
        .orgs_list()
        .with_options(RequestOptions::new().deadline(Duration::from_millis(3500)))
        .await
        .unwrap();
    let seen = server.received_requests().await.unwrap();
    assert_eq!(header(&seen[0], "x-stainless-timeout"), Some("42"));
    let shortened: u64 = header(&seen[1], "x-stainless-timeout")
        .unwrap()
        .parse()
        .unwrap();
    assert!(shortened <= 3, "the deadline's time left: {shortened}");
    assert_eq!(header(&seen[1], "x-stainless-retry-count"), Some("0"));
}

#[tokio::test]
async fn headers_the_caller_sets_win_over_the_sdks() {
    let server = failing_then(1, ResponseTemplate::new(201).set_body_json(org_json(1))).await;
    client(&server)
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("Radiology"))
        .with_options(
            RequestOptions::new()
                .header("x-stainless-retry-count", "7")
                .header("x-stainless-lang", "rust-custom"),
        )
        .await
        .unwrap();
    for request in server.received_requests().await.unwrap() {
        assert_eq!(header(&request, "x-stainless-retry-count"), Some("7"));
        assert_eq!(header(&request, "x-stainless-lang"), Some("rust-custom"));
    }
}

#[tokio::test]
async fn the_platform_headers_name_the_sdk_and_the_machine() {
    let server = failing_then(0, ResponseTemplate::new(201).set_body_json(org_json(1))).await;
    client(&server)
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("Radiology"))
        .await
        .unwrap();
    let seen = server.received_requests().await.unwrap();
    let request = &seen[0];
    assert_eq!(header(request, "x-stainless-lang"), Some("rust"));
    assert_eq!(
        header(request, "x-stainless-package-version"),
        Some(env!("CARGO_PKG_VERSION"))
    );
    for (name, value) in avara::platform_headers() {
        assert_eq!(header(request, name), Some(value.as_str()), "{name}");
    }
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert_eq!(header(request, "x-stainless-os"), Some("Linux"));
        assert_eq!(header(request, "x-stainless-arch"), Some("x64"));
    }
    // Deliberately not sent (see the README).
    assert_eq!(header(request, "x-stainless-runtime"), None);
    assert_eq!(header(request, "x-stainless-runtime-version"), None);
}

#[tokio::test]
async fn extra_body_is_merged_into_the_top_level_of_the_json_body() {
    let server = failing_then(1, ResponseTemplate::new(201).set_body_json(org_json(1))).await;
    let base = client(&server).with_options(RequestOptions::new().extra_body(json!({
        "fromClient": 1,
        "betaFeature": "client",
    })));
    base.orgs_create()
        .body(OrgCreateParams::builder().org_name("Radiology"))
        .with_options(RequestOptions::new().extra_body(json!({
            "betaFeature": {"nested": [1, 2]},
            "orgName": "Replaced",
        })))
        .await
        .unwrap();
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2, "a 503, then the retry");
    for request in &seen {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            json!({
                "orgName": "Replaced",
                "fromClient": 1,
                "betaFeature": {"nested": [1, 2]},
            }),
            "the same merged body on every attempt"
        );
        assert_eq!(header(request, "content-type"), Some("application/json"));
        assert_eq!(
            header(request, "content-length"),
            Some(request.body.len().to_string().as_str())
        );
    }

    // Not an object: refused before anything is sent.
    let error = client(&server)
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("Radiology"))
        .with_options(RequestOptions::new().extra_body(json!(["x"])))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(
        error
            .to_string()
            .contains("extra_body must be a JSON object"),
        "{error}"
    );
    assert_eq!(error.attempts(), 0);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_error_exposes_the_headers_of_the_last_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-request-id", "req_1")
                .insert_header("x-ratelimit-remaining", "41")
                .set_body_json(json!({"error": "not_found", "message": "no such org"})),
        )
        .mount(&server)
        .await;
    let error = client(&server)
        .orgs_retrieve()
        .org_id(crate::org_id(1))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    let headers = error.headers().expect("the response's headers");
    assert_eq!(headers["x-ratelimit-remaining"], "41");
    assert_eq!(headers["x-request-id"], "req_1");

    // A retried 503 then a 200 whose body is not the documented one: the
    // headers are the last attempt's.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("x-attempt", "first"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-attempt", "second")
                .set_body_string("{\"not\": \"an org\"}"),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let error = builder(&server)
        .build()
        .unwrap()
        .orgs_retrieve()
        .org_id(crate::org_id(1))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert_eq!(error.headers().unwrap()["x-attempt"], "second");

    // Nothing arrived: no headers.
    let error = Client::builder()
        .api_key(crate::API_KEY)
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .build()
        .unwrap()
        .orgs_list()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert!(error.headers().is_none());
}

use avara::Client;
