//! How a consumer of `avara` tests its own code with `avara-httpmock`: the
//! function under test talks to the API through `avara::Client`; the test
//! points the client at a typed mock instead of the real API.

use avara::types::{Error as ApiError, Org, OrgId};
use avara_httpmock::MockServerExt;
use httpmock::MockServer;

/// The code under test: the display name of an organization, flagged when
/// the organization is inactive.
async fn org_label(client: &avara::Client, id: &OrgId) -> Result<String, avara::Error> {
    let org = client.orgs().retrieve(id.clone()).await?;
    Ok(if org.is_active {
        org.org_name.to_string()
    } else {
        format!("{} (inactive)", org.org_name.as_str())
    })
}

fn org(id: &str, active: bool) -> Org {
    serde_json::from_value(serde_json::json!({
        "orgId": id,
        "orgName": "City Medical Center - Radiology",
        "isActive": active,
        "userCount": 3,
        "createdAt": "2024-01-15T09:00:00Z",
        "updatedAt": null,
    }))
    .unwrap()
}

fn client(server: &MockServer) -> avara::Client {
    avara::Client::builder()
        .api_key("sk_test_consumer")
        .base_url(server.base_url())
        .max_retries(0)
        .build()
        .unwrap()
}

const ID: &str = "org_0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn labels_an_inactive_org() {
    let server = MockServer::start_async().await;
    let id: OrgId = ID.parse().unwrap();
    let mock = server.orgs_retrieve(|when, then| {
        when.org_id(&id);
        then.ok(&org(ID, false));
    });

    let label = org_label(&client(&server), &id).await.unwrap();

    assert_eq!(label, "City Medical Center - Radiology (inactive)");
    mock.assert();
}

#[tokio::test]
async fn passes_on_a_not_found() {
    let server = MockServer::start_async().await;
    let id: OrgId = ID.parse().unwrap();
    let body: ApiError =
        serde_json::from_value(serde_json::json!({"message": "no such org"})).unwrap();
    let mock = server.orgs_retrieve(|when, then| {
        when.org_id(&id);
        then.client_error(404, &body);
    });

    let err = org_label(&client(&server), &id).await.unwrap_err();

    assert_eq!(err.kind(), avara::ErrorKind::NotFound);
    assert_eq!(err.message(), "no such org");
    mock.assert();
}

#[tokio::test]
async fn a_mock_for_another_org_does_not_match() {
    let server = MockServer::start_async().await;
    let other: OrgId = "org_ffffffffffffffffffffffffffffffff".parse().unwrap();
    let mock = server.orgs_retrieve(|when, then| {
        when.org_id(&other);
        then.ok(&org(ID, true));
    });

    let err = org_label(&client(&server), &ID.parse().unwrap())
        .await
        .unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
    mock.assert_calls(0);
}
