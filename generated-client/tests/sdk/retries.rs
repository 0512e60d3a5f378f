use std::time::Duration;

use avara::ErrorKind;
use avara::types::OrgCreateParams;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{Arrivals, builder, client, org_id, org_json};

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap()
}

/// Answers `first` `times` times, then 200 with an org.
async fn flaky(server: &MockServer, verb: &str, first: ResponseTemplate, times: u64) {
    Mock::given(method(verb))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .respond_with(ResponseTemplate::new(200).set_body_json(org_json(1)))
        .with_priority(2)
        .mount(server)
        .await;
}

/// Answers with `first` once, then 200 with an org; records when each
/// request arrived.
async fn arrivals_after(first: ResponseTemplate) -> (MockServer, Arrivals) {
    let server = MockServer::start().await;
    let arrivals = Arrivals::default();
    Mock::given(method("GET"))
        .respond_with(arrivals.answering(first))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(arrivals.answering(ResponseTemplate::new(200).set_body_json(org_json(1))))
        .with_priority(2)
        .mount(&server)
        .await;
    (server, arrivals)
}

#[tokio::test]
async fn retry_after_within_sixty_seconds_is_honoured() {
    let (server, arrivals) =
        arrivals_after(ResponseTemplate::new(429).insert_header("retry-after", "1")).await;
    // The client's own backoff is 1-5 ms: only the server's second explains a
    // gap of a second.
    let org = client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap();
    assert_eq!(org.org_id.as_str(), org_id(1));
    let gaps = arrivals.gaps();
    assert_eq!(gaps.len(), 1, "two attempts");
    assert!(
        gaps[0] >= Duration::from_millis(950) && gaps[0] < Duration::from_secs(10),
        "the second attempt came {:?} after the first",
        gaps[0]
    );
}

#[tokio::test]
async fn retry_after_ms_is_honoured_and_wins_over_retry_after() {
    let (server, arrivals) = arrivals_after(
        ResponseTemplate::new(503)
            .insert_header("retry-after-ms", "400")
            .insert_header("retry-after", "30"),
    )
    .await;
    client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap();
    let gaps = arrivals.gaps();
    assert_eq!(gaps.len(), 1);
    assert!(
        gaps[0] >= Duration::from_millis(380) && gaps[0] < Duration::from_secs(10),
        "{:?}",
        gaps[0]
    );
}

#[tokio::test]
async fn a_retry_after_above_the_cap_is_not_retried() {
    let (server, arrivals) =
        arrivals_after(ResponseTemplate::new(429).insert_header("retry-after", "3600")).await;
    let err = client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimit);
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(arrivals.gaps().len(), 0, "one request only");
}

#[tokio::test]
async fn x_should_retry_true_never_discards_a_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(org_json(1))
                .insert_header("x-should-retry", "true"),
        )
        .mount(&server)
        .await;
    client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap();
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_503_then_200_succeeds() {
    let server = MockServer::start().await;
    flaky(&server, "GET", ResponseTemplate::new(503), 1).await;
    client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap();
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 422] {
        let server = MockServer::start().await;
        flaky(
            &server,
            "GET",
            ResponseTemplate::new(status).set_body_json(json!({"message": "no"})),
            5,
        )
        .await;
        let err = client(&server)
            .orgs_retrieve()
            .org_id(org_id(1))
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.attempts(), 1, "{status}");
        assert_eq!(requests(&server).await.len(), 1, "{status}");
    }
}

#[tokio::test]
async fn retryable_statuses_are_retried() {
    for status in [408, 409, 429, 500, 502, 504] {
        let server = MockServer::start().await;
        flaky(&server, "GET", ResponseTemplate::new(status), 1).await;
        client(&server)
            .orgs_retrieve()
            .org_id(org_id(1))
            .await
            .unwrap();
        assert_eq!(requests(&server).await.len(), 2, "{status}");
    }
}

#[tokio::test]
async fn x_should_retry_overrides_the_status() {
    let server = MockServer::start().await;
    flaky(
        &server,
        "GET",
        ResponseTemplate::new(503).insert_header("x-should-retry", "false"),
        5,
    )
    .await;
    let err = client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InternalServer);
    assert_eq!(requests(&server).await.len(), 1);

    let server = MockServer::start().await;
    flaky(
        &server,
        "GET",
        ResponseTemplate::new(400).insert_header("x-should-retry", "true"),
        1,
    )
    .await;
    client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap();
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_retried_post_keeps_its_idempotency_key() {
    let server = MockServer::start().await;
    flaky(&server, "POST", ResponseTemplate::new(503), 2).await;
    let org = client(&server)
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("Radiology"))
        .await
        .unwrap();
    assert_eq!(org.org_id.as_str(), org_id(1));
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 3);
    let keys: Vec<_> = seen
        .iter()
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .expect("every attempt carries the key")
                .clone()
        })
        .collect();
    assert!(!keys[0].is_empty());
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "one key for all attempts: {keys:?}"
    );

    // A second call gets a new key.
    client(&server)
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("Radiology"))
        .await
        .unwrap();
    let seen = requests(&server).await;
    assert_ne!(seen[3].headers.get("idempotency-key"), Some(&keys[0]));
    // GETs carry none.
    flaky(&server, "GET", ResponseTemplate::new(503), 1).await;
    client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap();
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 6);
    assert!(
        seen[4..]
            .iter()
            .all(|r| r.headers.get("idempotency-key").is_none())
    );
}

#[tokio::test]
async fn a_callers_idempotency_key_is_kept() {
    let server = MockServer::start().await;
    flaky(&server, "POST", ResponseTemplate::new(500), 1).await;
    let client = builder(&server)
        .default_header(
            reqwest::header::HeaderName::from_static("idempotency-key"),
            reqwest::header::HeaderValue::from_static("mine-123"),
        )
        .build()
        .unwrap();
    client
        .orgs_create()
        .body(OrgCreateParams::builder().org_name("x"))
        .await
        .unwrap();
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|r| r.headers.get("idempotency-key").unwrap() == "mine-123")
    );
}

#[tokio::test]
async fn max_retries_is_respected() {
    for max in [0u32, 1, 3] {
        let server = MockServer::start().await;
        flaky(&server, "GET", ResponseTemplate::new(500), 100).await;
        let err = builder(&server)
            .max_retries(max)
            .build()
            .unwrap()
            .orgs_retrieve()
            .org_id(org_id(1))
            .await
            .unwrap_err();
        assert_eq!(err.attempts(), max + 1);
        assert_eq!(requests(&server).await.len() as u32, max + 1);
        if max > 0 {
            assert!(
                err.to_string()
                    .contains(&format!("after {} attempts", max + 1)),
                "{err}"
            );
        }
    }
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported() {
    // A port that nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = avara::Client::builder()
        .api_key(crate::API_KEY)
        .base_url(url)
        .max_retries(2)
        .retry_delays(Duration::from_millis(1), Duration::from_millis(2))
        .build()
        .unwrap();
    let err = client.orgs_retrieve().org_id(org_id(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(err.attempts(), 3);
    assert!(err.status().is_none());
}

#[tokio::test]
async fn a_hanging_server_ends_in_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/v1/orgs/{}", org_id(1))))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(org_json(1))
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(200))
        .max_retries(1)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.orgs_retrieve().org_id(org_id(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), 2, "timeouts are retried");
    // Functional bound, not a benchmark: two 200 ms attempts end long before the 30 s hang.
    assert!(started.elapsed() < Duration::from_secs(10));
}
