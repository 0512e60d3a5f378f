//! `Client::from_env` and the builder's fallbacks to the environment. One
//! test function, because it changes process-wide environment variables.

use avara::{API_KEY_ENV, BASE_URL_ENV, Client, DEFAULT_BASE_URL, ErrorKind};
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

#[test]
fn from_env_reads_the_key_and_base_url() {
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
}
