//! What the spec's schemas say beyond the generated types, on the real
//! spec: query formats and empty lists.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::KEY;

fn http() -> reqwest::Client {
    avara::http_client_builder().unwrap().build().unwrap()
}

/// Sends a request to `server`; the status and the JSON body (`null` when
/// none).
async fn call(
    server: &avara_mock::MockServer,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = http()
        .request(method, format!("{}{path}", server.base_url()))
        .bearer_auth(KEY);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status} {text}: {e}"))
    };
    assert!(!status.is_server_error(), "{path}: {status} {body}");
    (status, body)
}

async fn ok(
    server: &avara_mock::MockServer,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, answer) = call(server, method.clone(), path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

/// Asserts a 400 whose message names `words`.
async fn refused(
    server: &avara_mock::MockServer,
    method: Method,
    path: &str,
    body: Option<Value>,
    words: &str,
) {
    let (status, error) = call(server, method.clone(), path, body.clone()).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{method} {path} {body:?}: {error}"
    );
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(words),
        "{method} {path}: `{message}` lacks `{words}`"
    );
}

#[tokio::test]
async fn query_formats_are_checked_and_an_empty_comma_list_is_empty() {
    let server = avara_mock::spawn().await.unwrap();
    for path in [
        "/v1/autoScribe/users/invitations?startDate=",
        "/v1/autoScribe/users/invitations?startDate=2024-13-01",
        "/v1/viewer/users/invitations?endDate=yesterday",
    ] {
        refused(&server, Method::GET, path, None, "is not a date").await;
    }
    refused(
        &server,
        Method::GET,
        "/v1/autoScribe/studies?studyReportStatus=completed,nope",
        None,
        "studyReportStatus",
    )
    .await;
    for path in [
        "/v1/autoScribe/users/invitations?startDate=2024-01-01&endDate=2024-12-31",
        "/v1/autoScribe/users/invitations?status=",
        "/v1/autoScribe/studies?studyReportStatus=",
        "/v1/autoScribe/studies?studyReportStatus=completed,assigned",
    ] {
        ok(&server, Method::GET, path, None).await;
    }
}
