//! What the spec's schemas say beyond the generated types, on the real
//! spec: a `null` only where a schema is nullable (at any depth), a `null`
//! in an update clearing what the item may lack, body properties of another
//! type than the item's, query formats and empty lists, and the reset of
//! `POST /_mock/reset`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{KEY, invite_body};

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
    crate::send_json(&http(), server, KEY, method, path, body).await
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
async fn a_null_is_refused_where_the_schema_is_not_nullable_at_any_depth() {
    let server = avara_mock::spawn().await.unwrap();
    // Top level, on creates and on an operation answering its example.
    refused(
        &server,
        Method::POST,
        "/v1/express",
        Some(json!({"expressCustomerName": "A", "metadata": null})),
        "`metadata` cannot be null",
    )
    .await;
    let mut user = invite_body();
    user["suffix2"] = Value::Null;
    refused(
        &server,
        Method::POST,
        "/v1/autoScribe/users",
        Some(user),
        "`/suffix2`",
    )
    .await;
    refused(
        &server,
        Method::POST,
        "/v1/autoScribe/ephemeral-sessions",
        Some(json!({"retrievalId": "r-1", "hangingProtocol": null})),
        "`hangingProtocol` cannot be null",
    )
    .await;
    // A map value and an array item.
    refused(
        &server,
        Method::POST,
        "/v1/express",
        Some(json!({"expressCustomerName": "A", "metadata": {"k": null}})),
        "`/metadata/k`",
    )
    .await;
    let study = crate::actions::example_of("/v1/autoScribe/studies");
    let body = json!({
        "reportMetadata": study["reportMetadata"],
        "severity": study["severity"],
        "studyDescription": study["studyDescription"],
        "studyInstanceUid": "1.2.3",
        "technologistNotes": ["fine", null],
    });
    refused(
        &server,
        Method::POST,
        "/v1/autoScribe/studies",
        Some(body),
        "`/technologistNotes/1`",
    )
    .await;
    // Nothing was created; a nullable property takes its null.
    assert_eq!(server.count("/v1/express"), Ok(0));
    assert_eq!(server.count("/v1/autoScribe/studies"), Ok(0));
    let reference = ok(
        &server,
        Method::POST,
        "/v1/autoScribe/clinicalReferences",
        Some(json!({"name": "North", "type": "facility", "externalReferenceId": null})),
    )
    .await;
    assert!(
        reference
            .get("externalReferenceId")
            .is_none_or(Value::is_null),
        "{reference}"
    );
}

#[tokio::test]
async fn a_null_in_an_update_clears_what_the_item_may_lack_and_keeps_what_it_must_have() {
    let server = avara_mock::spawn().await.unwrap();
    // `metadata` is nullable in the update body, not in the item: cleared.
    let customer = ok(
        &server,
        Method::POST,
        "/v1/express",
        Some(json!({"expressCustomerName": "A", "metadata": {"k": "v"}})),
    )
    .await;
    assert_eq!(customer["metadata"], json!({"k": "v"}));
    let item = format!(
        "/v1/express/{}",
        customer["expressCustomerId"].as_str().unwrap()
    );
    let cleared = ok(
        &server,
        Method::PATCH,
        &item,
        Some(json!({"metadata": null})),
    )
    .await;
    assert!(cleared.get("metadata").is_none(), "{cleared}");
    assert_eq!(ok(&server, Method::GET, &item, None).await, cleared);
    // `clinicRole` is nullable in the update body but required in the item:
    // it stays; `middleName` is optional there: cleared.
    let user = ok(
        &server,
        Method::POST,
        "/v1/autoScribe/users",
        Some(invite_body()),
    )
    .await;
    let item = format!("/v1/autoScribe/users/{}", user["userId"].as_str().unwrap());
    let updated = ok(
        &server,
        Method::PATCH,
        &item,
        Some(json!({"clinicRole": null, "middleName": null, "lastName": "King"})),
    )
    .await;
    assert_eq!(updated["clinicRole"], user["clinicRole"]);
    assert!(updated.get("middleName").is_none(), "{updated}");
    assert_eq!(updated["lastName"], "King");
}

#[tokio::test]
async fn a_body_property_of_another_type_than_the_items_takes_the_derived_value() {
    let server = avara_mock::spawn().await.unwrap();
    // `assignedTo` is a user id in the bodies and a `UserReference` in the
    // study: the study takes the documented reference.
    let documented = crate::actions::example_of("/v1/viewer/studies")["assignedTo"].clone();
    assert!(documented.is_object(), "{documented}");
    let user = "usr_0123456789abcdef0123456789abcdef";
    let study = ok(
        &server,
        Method::POST,
        "/v1/viewer/studies",
        Some(json!({"severity": "normal", "studyDescription": "CT", "studyInstanceUid": "1.2.3", "assignedTo": user})),
    )
    .await;
    assert_eq!(study["assignedTo"], documented);
    let item = format!("/v1/viewer/studies/{}", study["studyId"].as_str().unwrap());
    // An update may give it too, and `null` unassigns.
    let unassigned = ok(
        &server,
        Method::PATCH,
        &item,
        Some(json!({"assignedTo": null})),
    )
    .await;
    assert!(
        unassigned.get("assignedTo").is_none_or(Value::is_null),
        "{unassigned}"
    );
    let assigned = ok(
        &server,
        Method::PATCH,
        &item,
        Some(json!({"assignedTo": user})),
    )
    .await;
    assert_eq!(assigned["assignedTo"], documented);
    // Still a string in the body: an object is refused.
    refused(
        &server,
        Method::PATCH,
        &item,
        Some(json!({"assignedTo": documented})),
        "assignedTo",
    )
    .await;
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

#[tokio::test]
async fn a_reset_restores_the_started_items_and_forgets_keys_and_faults() {
    let server = avara_mock::spawn().await.unwrap();
    let loaded = server.load_examples().unwrap();
    let seeded = server
        .seed("/v1/express", [json!({"expressCustomerName": "Seeded"})])
        .unwrap();
    let seeded_id = seeded[0]["expressCustomerId"].as_str().unwrap().to_string();
    let started = server.count("/v1/express").unwrap();

    // Changes: a new customer (with an idempotency key), a deleted and an
    // updated one, an armed fault.
    let client = http();
    let create = |name: &str| {
        client
            .post(format!("{}/v1/express", server.base_url()))
            .bearer_auth(KEY)
            .header("idempotency-key", "k-1")
            .json(&json!({"expressCustomerName": name}))
            .send()
    };
    assert_eq!(create("New").await.unwrap().status(), StatusCode::OK);
    ok(
        &server,
        Method::PATCH,
        &format!("/v1/express/{seeded_id}"),
        Some(json!({"expressCustomerName": "Renamed"})),
    )
    .await;
    assert_eq!(server.count("/v1/express"), Ok(started + 1));
    server.inject(avara_mock::Fault::Unavailable, 3);

    let answer = ok(&server, Method::POST, "/_mock/reset", None).await;
    assert_eq!(answer, json!({"items": loaded + 1}));
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(server.count("/v1/express"), Ok(started));
    let back = ok(
        &server,
        Method::GET,
        &format!("/v1/express/{seeded_id}"),
        None,
    )
    .await;
    assert_eq!(back["expressCustomerName"], "Seeded");
    // The idempotency key is forgotten: the same key with another body
    // creates again rather than being a 422.
    let again = create("Other").await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.headers().get("idempotent-replayed").is_none());
    assert_eq!(server.count("/v1/express"), Ok(started + 1));
    // A reset needs the API key, like every route.
    let status = client
        .post(format!("{}/_mock/reset", server.base_url()))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.reset(), loaded + 1);
}
