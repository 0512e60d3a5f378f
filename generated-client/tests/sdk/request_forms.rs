//! A body's map, list and newtype fields take what a user has at hand, and
//! the spec's bounds are still checked before anything is sent.

use std::collections::{BTreeMap, HashMap};

use avara::ErrorKind;
use avara::types::{Metadata, MetadataValue, OrgCreateParams};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{client, org_json};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(org_json(1)))
        .mount(&server)
        .await;
    server
}

/// The JSON body of the last request `server` received.
async fn last_body(server: &MockServer) -> Value {
    let requests = server.received_requests().await.unwrap();
    serde_json::from_slice(&requests.last().unwrap().body).unwrap()
}

fn body(
    metadata: impl avara::fields::IntoField<avara::Nullable<Metadata>>,
) -> avara::types::builder::OrgCreateParams {
    OrgCreateParams::builder()
        .org_name("Radiology")
        .metadata(metadata)
}

#[tokio::test]
async fn every_form_of_a_map_sends_the_same_body() {
    let server = server().await;
    let client = client(&server);
    let expected =
        json!({"orgName": "Radiology", "metadata": {"department": "radiology", "floor": "3"}});
    let pairs = [("department", "radiology"), ("floor", "3")];
    let typed = Metadata::from(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), MetadataValue::try_from(*v).unwrap()))
            .collect::<HashMap<_, _>>(),
    );
    let forms = [
        body(pairs),
        body(pairs.to_vec()),
        body(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<String, String>>(),
        ),
        body(pairs.into_iter().collect::<BTreeMap<&str, &str>>()),
        body(typed.clone()),
        body(Some(typed)),
    ];
    for (n, form) in forms.into_iter().enumerate() {
        client.orgs_create().body(form).await.unwrap();
        assert_eq!(last_body(&server).await, expected, "form {n}");
    }
    client.orgs_create().body(body(None)).await.unwrap();
    assert_eq!(last_body(&server).await, json!({"orgName": "Radiology"}));
}

#[tokio::test]
async fn bounds_are_checked_before_sending_whatever_the_form() {
    let server = server().await;
    let client = client(&server);
    let long_value = "v".repeat(1001);
    let long_key = "k".repeat(101);
    let too_many: Vec<(String, String)> =
        (0..51).map(|i| (format!("key{i}"), "v".into())).collect();
    let cases = [
        (body([("department", long_value.as_str())]), "department"),
        (body([(long_key.as_str(), "v")]), "metadata"),
        (body(too_many), "metadata"),
        (
            body([("floor", "3"), ("floor", "4")]),
            "\"floor\" is given twice",
        ),
    ];
    for (form, named) in cases {
        let err = client.orgs_create().body(form).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
        assert!(err.to_string().contains(named), "{named}: {err}");
        assert_eq!(err.attempts(), 0);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn lists_and_newtypes_take_plain_values() {
    use avara::types::builder::OrgListPage;
    // A list of items converts each one; a newtype takes a &str or String.
    let page: avara::types::OrgListPage = OrgListPage::default()
        .has_more(false)
        .organizations([avara::types::Org::builder()
            .org_id(crate::org_id(1))
            .org_name("Radiology")
            .is_active(true)
            .created_at(None)
            .updated_at(None)
            .user_count(0)])
        .try_into()
        .unwrap();
    assert_eq!(page.organizations[0].org_name.as_str(), "Radiology");
    let err = OrgListPage::default()
        .has_more(false)
        .organizations(vec![avara::types::Org::builder().org_id("not an id")])
        .try_into()
        .map(|_: avara::types::OrgListPage| ())
        .unwrap_err();
    assert!(err.to_string().contains("organizations"), "{err}");
}
