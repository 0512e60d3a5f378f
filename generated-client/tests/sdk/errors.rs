use avara::ErrorKind;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{builder, org_id};

async fn answer(template: ResponseTemplate) -> avara::Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    builder(&server)
        .max_retries(0)
        .build()
        .unwrap()
        .orgs_retrieve()
        .org_id(org_id(7))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn every_status_maps_to_its_kind_with_body_and_request_id() {
    let cases = [
        (400, ErrorKind::BadRequest),
        (401, ErrorKind::Authentication),
        (403, ErrorKind::PermissionDenied),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::Conflict),
        (418, ErrorKind::OtherStatus),
        (422, ErrorKind::UnprocessableEntity),
        (429, ErrorKind::RateLimit),
        (500, ErrorKind::InternalServer),
        (503, ErrorKind::InternalServer),
    ];
    for (status, kind) in cases {
        let err = answer(
            ResponseTemplate::new(status)
                .insert_header("x-request-id", "req_abc123")
                .set_body_json(
                    json!({"message": format!("status {status} says no"), "error": "nope"}),
                ),
        )
        .await;
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(err.status().unwrap().as_u16(), status);
        assert_eq!(err.request_id(), Some("req_abc123"));
        assert_eq!(err.operation(), Some("orgs_retrieve"));
        let body = err.body().expect("the documented error body");
        assert_eq!(
            body.message.as_deref(),
            Some(format!("status {status} says no").as_str())
        );
        assert_eq!(body.error.as_deref(), Some("nope"));
        let line = err.to_string();
        assert!(
            line.contains(&format!("status {status} says no")) && line.contains("req_abc123"),
            "{line}"
        );
        assert!(!line.contains('\n'), "one line: {line}");
    }
}

#[tokio::test]
async fn an_html_502_page_is_a_typed_error_with_its_body() {
    let err = answer(
        ResponseTemplate::new(502)
            .insert_header("content-type", "text/html")
            .set_body_string("<html><body><h1>502 Bad Gateway</h1></body></html>"),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::InternalServer);
    assert_eq!(err.status().unwrap().as_u16(), 502);
    assert!(err.body().is_none());
    assert!(
        err.raw_body().unwrap().contains("502 Bad Gateway"),
        "{err:?}"
    );
}

#[tokio::test]
async fn truncated_json_is_an_invalid_response() {
    let err = answer(
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(r#"{"createdAt": "2024-01-15T09:00:00Z", "isActive": tr"#),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert_eq!(err.status().unwrap().as_u16(), 200);
    assert!(err.raw_body().unwrap().contains("isActive"), "{err:?}");
}

#[tokio::test]
async fn a_wrong_content_type_is_an_invalid_response() {
    let err = answer(
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/plain")
            .set_body_string("all good"),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert_eq!(err.raw_body(), Some("all good"));
}

#[tokio::test]
async fn an_error_body_that_is_not_an_object_is_kept_raw() {
    let err = answer(ResponseTemplate::new(404).set_body_string("[1, 2, 3]")).await;
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.raw_body(), Some("[1, 2, 3]"));
}

#[tokio::test]
async fn a_huge_raw_body_is_capped() {
    let err = answer(ResponseTemplate::new(500).set_body_string("x".repeat(100_000))).await;
    let raw = err.raw_body().unwrap();
    assert!(raw.len() < avara::RAW_BODY_LIMIT + 100, "{}", raw.len());
    assert!(raw.ends_with("(100000 bytes in all)"));
}

#[tokio::test]
async fn an_undocumented_status_keeps_its_body() {
    let err = answer(ResponseTemplate::new(302).set_body_string("moved")).await;
    assert_eq!(err.kind(), ErrorKind::OtherStatus);
    assert_eq!(err.raw_body(), Some("moved"));
}

#[tokio::test]
async fn errors_are_std_errors() {
    let err = answer(ResponseTemplate::new(500)).await;
    let as_std: &dyn std::error::Error = &err;
    assert!(as_std.to_string().contains("InternalServer"));
}
