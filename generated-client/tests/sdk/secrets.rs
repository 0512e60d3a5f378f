use avara::types::OrgCreateParams;
use serde_json::json;
use tracing::Instrument;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{API_KEY, TraceCapture, client, org_id, org_json};

fn assert_no_key(what: &str, text: &str) {
    assert!(!text.contains(API_KEY), "{what} shows the API key: {text}");
    assert!(
        !text.contains("SECRET"),
        "{what} shows part of the API key: {text}"
    );
}

#[tokio::test]
async fn requests_carry_auth_user_agent_and_no_api_version() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(org_json(1)))
        .mount(&server)
        .await;
    client(&server)
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        request.headers.get("authorization").unwrap(),
        &format!("Bearer {API_KEY}")
    );
    assert_eq!(
        request.headers.get("user-agent").unwrap(),
        &format!("avara-rust/{}", env!("CARGO_PKG_VERSION"))
    );
    assert!(request.headers.get("api-version").is_none());
}

#[tokio::test]
async fn the_api_key_never_shows_in_debug_display_or_traces() {
    let trace = TraceCapture::start();
    async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "bad key"})))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;
        let client = client(&server);
        assert_no_key("Debug of the client", &format!("{client:?}"));
        assert_no_key("Debug of the config", &format!("{:?}", client.config()));
        let builder = avara::Client::builder().api_key(API_KEY);
        assert_no_key("Debug of the builder", &format!("{builder:?}"));

        let mut errors = vec![
            client.orgs_retrieve().org_id(org_id(1)).await.unwrap_err(),
            client
                .orgs_create()
                .body(OrgCreateParams::builder().org_name("x"))
                .await
                .unwrap_err(),
            client.orgs_list().limit(101u32).await.unwrap_err(),
        ];
        errors.push(
            avara::Client::builder()
                .api_key(format!("{API_KEY}\n"))
                .base_url("not a url")
                .build()
                .unwrap_err(),
        );
        errors.push(
            avara::Client::builder()
                .api_key(format!("{API_KEY}\u{7f}"))
                .build()
                .unwrap_err(),
        );
        for err in &errors {
            assert_no_key("Display of an error", &err.to_string());
            assert_no_key("Debug of an error", &format!("{err:?}"));
        }
    }
    .instrument(trace.span())
    .await;
    let text = trace.text();
    assert!(
        text.contains("avara.request"),
        "the span was captured: {text}"
    );
    assert!(
        text.contains("status=401") && text.contains("path=\"/v1/orgs/{orgId}\""),
        "{text}"
    );
    assert_no_key("tracing output", &text);
}

#[tokio::test]
async fn user_info_in_the_base_url_never_shows_in_errors_or_traces() {
    let trace = TraceCapture::start();
    // A port that nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = async {
        avara::Client::builder()
            .api_key(API_KEY)
            .base_url(format!("http://admin:hunter2@127.0.0.1:{port}"))
            .max_retries(1)
            .retry_delays(
                std::time::Duration::from_millis(1),
                std::time::Duration::from_millis(1),
            )
            .build()
            .unwrap()
            .orgs_list()
            .cursor("private-cursor")
            .await
            .unwrap_err()
    }
    .instrument(trace.span())
    .await;
    assert_eq!(err.kind(), avara::ErrorKind::Connection, "{err}");
    assert_eq!(err.attempts(), 2);
    let text = trace.text();
    assert!(
        text.contains("retrying after a connection failure"),
        "{text}"
    );
    for shown in [err.to_string(), format!("{err:?}"), text] {
        assert!(!shown.contains("hunter2"), "the password shows: {shown}");
        assert!(
            !shown.contains("private-cursor"),
            "the query shows: {shown}"
        );
    }
}
