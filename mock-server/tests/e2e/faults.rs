//! Injected faults, and how the `avara` client's retries get through them.

use std::time::Duration;

use avara::ErrorKind;
use avara::types::OrgCreateParams;
use avara_mock::Fault;
use reqwest::header::{HeaderName, HeaderValue};

use crate::{KEY, client, client_with, create};

#[tokio::test]
async fn a_rate_limit_is_retried_after_its_retry_after() {
    let server = avara_mock::spawn().await.unwrap();
    server.inject(
        Fault::RateLimit {
            retry_after_secs: 1,
        },
        1,
    );
    let raw = avara::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .get(format!("{}/v1/orgs", server.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 429);
    assert_eq!(raw.headers()["retry-after"], "1");
    assert!(raw.headers().contains_key("x-request-id"));
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");

    server.inject(
        Fault::RateLimit {
            retry_after_secs: 1,
        },
        1,
    );
    let org = create(&client(&server), "after a 429").await;
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(server.count("/v1/orgs").unwrap(), 1);
    assert_eq!(org.org_name.as_str(), "after a 429");
}

#[tokio::test]
async fn unavailability_is_retried_until_the_retries_run_out() {
    let server = avara_mock::spawn().await.unwrap();
    let client = client(&server);
    server.inject(Fault::Unavailable, 2);
    create(&client, "third attempt").await;
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(server.count("/v1/orgs").unwrap(), 1);

    server.inject(Fault::Unavailable, 3);
    let error = client.orgs_list().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InternalServer, "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.attempts(), 3);
    assert!(error.request_id().is_some());
    assert_eq!(server.pending_faults(), 0);
}

#[tokio::test]
async fn the_fault_header_faults_every_request_that_carries_it() {
    let server = avara_mock::spawn().await.unwrap();
    let client = client_with(&server, KEY, |b| {
        b.default_header(
            HeaderName::from_static(avara_mock::FAULT_HEADER),
            HeaderValue::from_static("unavailable"),
        )
    });
    let error = client
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("never"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.attempts(), 3);
    assert_eq!(server.count("/v1/orgs").unwrap(), 0);
}

#[tokio::test]
async fn a_create_whose_response_is_lost_is_retried_without_a_duplicate() {
    let server = avara_mock::spawn().await.unwrap();
    let client = client(&server);
    server.inject(Fault::DropConnection, 1);
    let org = create(&client, "lost in transit").await;
    assert_eq!(server.pending_faults(), 0, "the first attempt was dropped");
    assert_eq!(server.count("/v1/orgs").unwrap(), 1);
    let page = client.orgs_list().await.unwrap();
    assert_eq!(page.organizations, vec![org]);
}

#[tokio::test]
async fn a_dropped_connection_applies_the_create_but_answers_nothing() {
    let server = avara_mock::spawn().await.unwrap();
    server.inject(Fault::DropConnection, 1);
    let error = avara::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!("{}/v1/orgs", server.base_url()))
        .bearer_auth(KEY)
        .body(r#"{"orgName":"x"}"#)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_request() && !error.is_timeout(), "{error:?}");
    assert_eq!(server.count("/v1/orgs").unwrap(), 1);

    // A client without retries reports a connection error.
    server.inject(Fault::DropConnection, 1);
    let error = client_with(&server, KEY, |b| b.max_retries(0))
        .orgs_list()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");
    assert_eq!(error.status(), None);
}

#[tokio::test]
async fn a_truncated_body_is_an_error_not_a_value() {
    let server = avara_mock::spawn().await.unwrap();
    server.inject(Fault::TruncatedBody, 1);
    let response = avara::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!("{}/v1/orgs", server.base_url()))
        .bearer_auth(KEY)
        .body(r#"{"orgName":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let promised: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(promised > 1);
    assert!(response.bytes().await.is_err(), "the body must be cut off");
    assert_eq!(server.count("/v1/orgs").unwrap(), 1);

    // Through the SDK, a body cut off mid-stream is retried like a broken
    // connection: one truncation is recovered, one per attempt is an error.
    server.inject(Fault::TruncatedBody, 1);
    client(&server).orgs_list().await.unwrap();
    assert_eq!(server.pending_faults(), 0);
    server.inject(Fault::TruncatedBody, 3);
    let error = client(&server).orgs_list().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");
    assert_eq!(error.attempts(), 3);
}

#[tokio::test]
async fn a_delay_past_the_timeout_times_out_and_a_short_one_does_not() {
    let server = avara_mock::spawn().await.unwrap();
    server.inject(Fault::Delay(Duration::from_millis(20)), 1);
    let page = client(&server).orgs_list().await.unwrap();
    assert!(page.organizations.is_empty());

    server.inject(Fault::Delay(Duration::from_secs(2)), 1);
    let error = client_with(&server, KEY, |b| {
        b.max_retries(0).timeout(Duration::from_millis(200))
    })
    .orgs_list()
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let server = avara_mock::spawn().await.unwrap();
    let url = format!("{}/v1/orgs", server.base_url());
    server.shutdown().await;
    let error = avara::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .get(url)
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
}
