use std::collections::HashMap;

use avara::ErrorKind;
use avara::types::{Metadata, MetadataValue, OrgCreateParams};
use wiremock::MockServer;

use crate::client;

fn metadata(pairs: usize, key_len: usize) -> Metadata {
    let map: HashMap<String, MetadataValue> = (0..pairs)
        .map(|i| {
            let key = format!("{i:0>width$}", width = key_len);
            (key, MetadataValue::try_from("v").unwrap())
        })
        .collect();
    Metadata::from(map)
}

async fn rejected(
    server: &MockServer,
    result: Result<impl std::fmt::Debug, avara::Error>,
    needle: &str,
) {
    let err = result.expect_err("must be rejected");
    assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
    assert_eq!(err.attempts(), 0, "{err}");
    assert!(
        err.to_string().contains(needle),
        "expected `{needle}` in: {err}"
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing reached the server"
    );
}

#[tokio::test]
async fn invalid_inputs_never_reach_the_server() {
    let server = MockServer::start().await;
    let client = client(&server);

    rejected(
        &server,
        client.orgs_retrieve().org_id("org_NOPE").await,
        "org_id",
    )
    .await;
    rejected(&server, client.orgs_retrieve().org_id("").await, "org_id").await;
    rejected(
        &server,
        client
            .orgs_create()
            .body(OrgCreateParams::builder().org_name(""))
            .await,
        "org_name",
    )
    .await;
    rejected(&server, client.orgs_create().await, "org_name").await;
    rejected(
        &server,
        client
            .orgs_create()
            .body(
                OrgCreateParams::builder()
                    .org_name("x")
                    .metadata(metadata(51, 3)),
            )
            .await,
        "body `/metadata` has 51 entries; at most 50 are allowed",
    )
    .await;
    rejected(
        &server,
        client
            .orgs_create()
            .body(
                OrgCreateParams::builder()
                    .org_name("x")
                    .metadata(metadata(1, 101)),
            )
            .await,
        "body `/metadata` has a key of 101 characters",
    )
    .await;
    rejected(&server, client.orgs_list().limit(0u32).await, "limit").await;
    rejected(
        &server,
        client.orgs_list().limit(101u32).await,
        "query parameter `limit` is 101; it must be at most 100",
    )
    .await;
    // The stream validates its first request the same way.
    let mut stream = client.orgs_list().limit(500u32).stream();
    let first = futures::StreamExt::next(&mut stream).await.unwrap();
    rejected(&server, first, "at most 100").await;
}

#[tokio::test]
async fn values_at_the_bounds_are_sent() {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(crate::org_json(1)))
        .mount(&server)
        .await;
    let client = client(&server);
    client
        .orgs_create()
        .body(
            OrgCreateParams::builder()
                .org_name("x")
                .metadata(metadata(50, 100)),
        )
        .await
        .unwrap();
    let page = serde_json::json!({"hasMore": false, "organizations": []});
    server.reset().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    client.orgs_list().limit(100u32).await.unwrap();
    client.orgs_list().limit(1u32).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
