//! The resource tree (`client.express().users().add(id)`): each verb starts
//! its operation with the path parameters it is given, checked before
//! anything is sent, and keeps the builder's setters, options and pages.

use avara::{ErrorKind, RequestOptions};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::client;

const CUSTOMER: &str = "cus_0123456789abcdef0123456789abcdef";
const USER: &str = "usr_1234567890abcdef1234567890abcdef";

#[tokio::test]
async fn a_nested_verb_puts_its_argument_in_the_path_and_sends_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/express/{CUSTOMER}/users")))
        .and(body_json(json!({ "userId": USER })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "success": true, "message": "added" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server)
        .express()
        .users()
        .add(CUSTOMER)
        .body_map(|body| body.user_id(USER))
        .await
        .unwrap();
    assert_eq!(answer.message.as_deref(), Some("added"));
}

#[tokio::test]
async fn a_path_argument_its_type_refuses_never_reaches_the_server() {
    let server = MockServer::start().await;
    let client = client(&server);
    for bad in ["org_0123456789abcdef0123456789abcdef", "cus_NOPE", ""] {
        let error = client.express().retrieve(bad).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{bad:?}: {error}");
        assert!(error.to_string().contains("express_customer_id"), "{error}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_deep_verb_sends_its_own_request_with_options() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/autoScribe/studies/external/reports"))
        .and(header("idempotency-key", "tree-key-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "externalReportId": "ext_0123456789abcdef0123456789abcdef",
            "studyId": "stu_0123456789abcdef0123456789abcdef",
            "studyInstanceUid": "1.2.840.113619.2.55.3"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let created = client(&server)
        .auto_scribe()
        .studies()
        .external()
        .reports()
        .create()
        .body_map(|body| body.report_text(Some("No acute findings.".to_string())))
        .with_options(RequestOptions::new().idempotency_key("tree-key-1"))
        .await;
    let created = created.unwrap();
    assert_eq!(
        created.external_report_id.as_str(),
        "ext_0123456789abcdef0123456789abcdef"
    );
}

#[tokio::test]
async fn a_list_verb_streams_every_page() {
    let server = MockServer::start().await;
    let customer = |n: usize| {
        json!({
            "createdAt": "2026-01-24T09:00:00Z",
            "expressCustomerId": format!("cus_{n:032x}"),
            "expressCustomerName": format!("Customer {n}"),
            "isActive": true,
            "updatedAt": null,
            "userCount": 0
        })
    };
    Mock::given(method("GET"))
        .and(path("/v1/express"))
        .and(query_param("cursor", "next-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "expressCustomers": [customer(2)], "hasMore": false, "cursor": null }),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/express"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "expressCustomers": [customer(1)], "hasMore": true, "cursor": "next-1" }),
        ))
        .mount(&server)
        .await;
    let names: Vec<String> = client(&server)
        .express()
        .list()
        .limit(1)
        .stream()
        .map_ok(|c| c.express_customer_name.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, ["Customer 1", "Customer 2"]);
}
