//! The generated types' growth features against avara-mock: a `null` the
//! SDK sends on purpose clears a field and a left-out field is kept, an
//! array is no update body of `Nullable` fields, and a value outside a spec
//! enum (which the SDK's types decode as `Unknown`) is still a 400, in a
//! body and in a query parameter.

use avara::Nullable;
use avara::types::{AutoScribeUserInviteParams, AutoScribeUserUpdateParams, ClinicRole};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{KEY, client, invite_body};

fn invite() -> AutoScribeUserInviteParams {
    serde_json::from_value(invite_body()).unwrap()
}

#[tokio::test]
async fn the_sdk_clears_a_field_with_null_and_keeps_a_field_it_leaves_out() {
    let server = avara_mock::spawn().await.unwrap();
    let client = client(&server);
    let user = client
        .auto_scribe_users_invite()
        .body(invite())
        .await
        .unwrap();
    assert_eq!(user.middle_name.as_deref(), Some("B"));
    let update = |body: avara::types::builder::AutoScribeUserUpdateParams| {
        client
            .auto_scribe_users_update()
            .user_id(user.user_id.clone())
            .body(body)
    };

    let kept = update(AutoScribeUserUpdateParams::builder().clinic_role("Surgeon"))
        .await
        .unwrap();
    assert_eq!(kept.middle_name.as_deref(), Some("B"));
    assert_eq!(kept.clinic_role, ClinicRole::Surgeon);

    let cleared = update(AutoScribeUserUpdateParams::builder().middle_name(Nullable::Null))
        .await
        .unwrap();
    assert_eq!(cleared.middle_name, None);
    assert_eq!(cleared.clinic_role, ClinicRole::Surgeon);

    let set = update(AutoScribeUserUpdateParams::builder().middle_name("C"))
        .await
        .unwrap();
    assert_eq!(set.middle_name.as_deref(), Some("C"));
}

#[tokio::test]
async fn a_value_outside_a_spec_enum_is_refused() {
    let server = avara_mock::spawn().await.unwrap();
    let http = avara::http_client_builder().unwrap().build().unwrap();
    let user = client(&server)
        .auto_scribe_users_invite()
        .body(invite())
        .await
        .unwrap();
    let item = format!("/v1/autoScribe/users/{}", user.user_id.as_str());
    let cases = [
        (
            Method::PATCH,
            item.clone(),
            Some(json!({"clinicRole": "Chief Wizard"})),
            "body `/clinicRole`",
        ),
        (
            Method::POST,
            "/v1/autoScribe/users".to_string(),
            Some({
                let mut body = serde_json::to_value(invite()).unwrap();
                body["level"] = json!("superadmin");
                body
            }),
            "body `/level`",
        ),
        (
            Method::GET,
            "/v1/autoScribe/users/invitations?expired=soon".to_string(),
            None,
            "query parameter `expired`",
        ),
    ];
    for (method, path, body, place) in cases {
        let (status, error) =
            crate::send_json(&http, &server, KEY, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(place), "{message} lacks {place}");
    }
    // Nothing changed.
    let same = client(&server)
        .auto_scribe_users_retrieve()
        .user_id(user.user_id.clone())
        .await
        .unwrap();
    assert_eq!(same.clinic_role, ClinicRole::Radiologist);
    assert_eq!(server.count("/v1/autoScribe/users"), Ok(1));
}

#[tokio::test]
async fn an_array_is_refused_where_an_update_of_nullable_fields_is_expected() {
    // serde reads a struct from an array, each missing field defaulted, and
    // every field of this update object is `Nullable`.
    let server = avara_mock::spawn().await.unwrap();
    server.load_examples().unwrap();
    let http = avara::http_client_builder().unwrap().build().unwrap();
    let (_, page) = crate::send_json(
        &http,
        &server,
        KEY,
        Method::GET,
        "/v1/autoScribe/studies?limit=1",
        None,
    )
    .await;
    let item = format!(
        "/v1/autoScribe/studies/{}",
        page["studies"][0]["studyId"].as_str().unwrap()
    );
    let (_, before) = crate::send_json(&http, &server, KEY, Method::GET, &item, None).await;
    for body in [
        json!({"reportMetadata": [null, null]}),
        json!({"reportMetadata": []}),
    ] {
        let (status, error) = crate::send_json(
            &http,
            &server,
            KEY,
            Method::PATCH,
            &item,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("`/reportMetadata`"), "{message}");
    }
    let (_, after) = crate::send_json(&http, &server, KEY, Method::GET, &item, None).await;
    assert_eq!(after, before);
    // An object still updates; a `null` inside it leaves that property out
    // of the object it replaces (the study's metadata has no `null` ages).
    let (status, study) = crate::send_json(
        &http,
        &server,
        KEY,
        Method::PATCH,
        &item,
        Some(json!({"reportMetadata": {"age": null, "sex": "female"}})),
    )
    .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(study["reportMetadata"], json!({"sex": "female"}));
}
