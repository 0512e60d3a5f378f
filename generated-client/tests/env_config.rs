//! `Client::from_env` and the builder's fallbacks to the environment. One
//! test function, because it changes process-wide environment variables.

use avara::webhooks::{WEBHOOK_KEY_ENV, WebhookProblem};
use avara::{API_KEY_ENV, BASE_URL_ENV, CUSTOM_HEADERS_ENV, Client, DEFAULT_BASE_URL, ErrorKind};
use progenitor_client::ClientInfo;

fn set(name: &str, value: Option<&str>) {
    // SAFETY: this test binary runs this one test only, so no other thread
    // reads the environment while it changes.
    unsafe {
        match value {
            Some(v) => std::env::set_var(name, v),
            None => std::env::remove_var(name),
        }
    }
}

#[tokio::test]
async fn from_env_reads_the_key_and_base_url() {
    set(API_KEY_ENV, None);
    set(BASE_URL_ENV, None);
    let err = Client::from_env().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.to_string().contains("AVARA_API_KEY"), "{err}");

    set(API_KEY_ENV, Some(""));
    let err = Client::from_env().unwrap_err();
    assert!(
        err.to_string().contains("AVARA_API_KEY"),
        "empty counts as missing: {err}"
    );

    set(API_KEY_ENV, Some("sk_test_env"));
    let client = Client::from_env().unwrap();
    assert_eq!(client.baseurl(), DEFAULT_BASE_URL);
    assert_eq!(DEFAULT_BASE_URL, "https://api.avarasoftware.com");
    assert_eq!(client.config().max_retries(), 2);
    assert_eq!(
        client.config().timeout(),
        Some(std::time::Duration::from_secs(60))
    );

    set(BASE_URL_ENV, Some("http://127.0.0.1:4010/"));
    assert_eq!(
        Client::from_env().unwrap().baseurl(),
        "http://127.0.0.1:4010"
    );

    set(BASE_URL_ENV, Some("ftp://example"));
    let err = Client::from_env().unwrap_err();
    assert!(
        err.to_string().contains("AVARA_BASE_URL"),
        "names the source of the bad URL: {err}"
    );

    // Explicit settings win over the environment.
    let client = Client::builder()
        .api_key("sk_test_explicit")
        .base_url("http://localhost:1")
        .build()
        .unwrap();
    assert_eq!(client.baseurl(), "http://localhost:1");
    set(API_KEY_ENV, None);
    set(BASE_URL_ENV, None);

    custom_headers_are_sent_with_every_request().await;
    the_webhook_key_comes_from_the_environment();
}

/// `AVARA_CUSTOM_HEADERS`: one `name: value` per line, as the official SDKs
/// read it; a header of the builder wins over the variable's.
async fn custom_headers_are_sent_with_every_request() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "organizations": [], "hasMore": false
        })))
        .mount(&server)
        .await;
    set(API_KEY_ENV, Some("sk_test_env"));
    set(BASE_URL_ENV, Some(&server.uri()));
    set(
        CUSTOM_HEADERS_ENV,
        Some(
            "X-Tenant: radiology \nno colon on this line\n  x-feature-flags :a:b,c\r\nx-overridden: env\n",
        ),
    );
    Client::from_env().unwrap().orgs_list().await.unwrap();
    Client::builder()
        .default_header(
            reqwest::header::HeaderName::from_static("x-overridden"),
            reqwest::header::HeaderValue::from_static("builder"),
        )
        .build()
        .unwrap()
        .orgs_list()
        .await
        .unwrap();
    let seen = server.received_requests().await.unwrap();
    let header = |n: usize, name: &str| {
        seen[n]
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(header(0, "x-tenant").as_deref(), Some("radiology"));
    assert_eq!(header(0, "x-feature-flags").as_deref(), Some("a:b,c"));
    assert_eq!(header(0, "x-overridden").as_deref(), Some("env"));
    assert_eq!(header(1, "x-overridden").as_deref(), Some("builder"));
    assert_eq!(header(1, "x-tenant").as_deref(), Some("radiology"));

    // A header HTTP cannot carry: named by its line, its value not shown.
    set(
        CUSTOM_HEADERS_ENV,
        Some("x-ok: 1\nbad name: secret-value-123"),
    );
    let err = Client::from_env().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let text = err.to_string();
    assert!(text.contains("AVARA_CUSTOM_HEADERS, line 2"), "{text}");
    assert!(!text.contains("secret-value-123"), "{text}");

    set(CUSTOM_HEADERS_ENV, None);
    set(API_KEY_ENV, None);
    set(BASE_URL_ENV, None);
}

fn the_webhook_key_comes_from_the_environment() {
    let key = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let body =
        r#"{"id":"whe_1234567890abcdef1234567890abcdef","type":"report.delivered","data":{}}"#;
    let client = Client::builder().api_key("sk_test_x").build().unwrap();
    let error = client
        .webhooks()
        .unwrap(body, &http::HeaderMap::new())
        .unwrap_err();
    assert_eq!(error.webhook_problem(), Some(&WebhookProblem::NoKey));

    set(WEBHOOK_KEY_ENV, Some(key));
    let client = Client::builder().api_key("sk_test_x").build().unwrap();
    let error = client
        .webhooks()
        .unwrap(body, &http::HeaderMap::new())
        .unwrap_err();
    assert_eq!(
        error.webhook_problem(),
        Some(&WebhookProblem::MissingHeader("webhook-id")),
        "the key was found: the headers are checked"
    );
    assert!(!format!("{client:?}").contains(&key[6..]));
    set(WEBHOOK_KEY_ENV, None);
}
