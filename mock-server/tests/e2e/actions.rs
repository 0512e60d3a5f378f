//! The actions of the real spec that change state beyond plain REST (as its
//! `x-avara-resource` annotations state them), the documented examples that
//! `--examples` loads, and the example answers' request checks, with plain
//! `reqwest` against a mock server.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{KEY, invite_body};

/// A mock server and a way to call it.
struct Api {
    server: avara_mock::MockServer,
    http: reqwest::Client,
    key: String,
}

impl Api {
    async fn start() -> Api {
        Api::with(avara_mock::spawn().await.unwrap(), KEY)
    }

    fn with(server: avara_mock::MockServer, key: &str) -> Api {
        Api {
            server,
            http: avara::http_client_builder().unwrap().build().unwrap(),
            key: key.to_string(),
        }
    }

    /// Sends a request; the status and the JSON body (`null` when none).
    /// An error has the spec's error body.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (status, body) =
            crate::send_json(&self.http, &self.server, &self.key, method, path, body).await;
        if status.is_client_error() {
            assert!(body["message"].is_string(), "{body}");
            assert!(body["error"].is_string(), "{body}");
        }
        (status, body)
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.call(method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }
}

/// The documented example of the collection at `path`.
pub(crate) fn example_of(path: &str) -> Value {
    avara_mock::collections()
        .into_iter()
        .find(|c| c.path == path)
        .and_then(|c| c.example)
        .unwrap_or_else(|| panic!("{path} has a documented example"))
}

/// A valid external study body with this DICOM uid, from the documented study.
fn external_study(uid: &str) -> Value {
    let study = example_of("/v1/autoScribe/studies");
    json!({
        "reportMetadata": study["reportMetadata"],
        "severity": study["severity"],
        "studyDescription": study["studyDescription"],
        "studyInstanceUid": uid,
    })
}

const USER: &str = "usr_0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn an_express_customer_is_created_deactivated_reactivated_and_counts_its_users() {
    let api = Api::start().await;
    let created = api
        .ok(
            Method::POST,
            "/v1/express",
            Some(json!({"expressCustomerName": "Clinic A"})),
        )
        .await;
    assert_eq!(created["expressCustomerName"], "Clinic A");
    assert_eq!(created["isActive"], true);
    assert_eq!(created["userCount"], 0);
    let id = created["expressCustomerId"].as_str().unwrap();
    assert!(id.starts_with("cus_"), "{id}");
    let item = format!("/v1/express/{id}");
    assert_eq!(api.ok(Method::GET, &item, None).await, created);

    let off = api
        .ok(Method::POST, &format!("{item}/deactivate"), None)
        .await;
    assert_eq!(off["isActive"], false);
    assert_eq!(api.ok(Method::GET, &item, None).await["isActive"], false);
    let on = api
        .ok(Method::POST, &format!("{item}/reactivate"), None)
        .await;
    assert_eq!(on["isActive"], true);
    assert_eq!(api.ok(Method::GET, &item, None).await["isActive"], true);

    // Users join and leave; a user added twice counts once.
    let users = format!("{item}/users");
    for _ in 0..2 {
        let answer = api
            .ok(Method::POST, &users, Some(json!({"userId": USER})))
            .await;
        assert_eq!(answer["success"], true);
        assert_eq!(api.ok(Method::GET, &item, None).await["userCount"], 1);
    }
    let other = "usr_ffffffffffffffffffffffffffffffff";
    api.ok(Method::POST, &users, Some(json!({"userId": other})))
        .await;
    assert_eq!(api.ok(Method::GET, &item, None).await["userCount"], 2);
    // A DELETE with a body.
    api.ok(Method::DELETE, &users, Some(json!({"userId": USER})))
        .await;
    assert_eq!(api.ok(Method::GET, &item, None).await["userCount"], 1);
    api.ok(Method::DELETE, &users, Some(json!({"userId": USER})))
        .await;
    assert_eq!(api.ok(Method::GET, &item, None).await["userCount"], 1);

    // Refused: a malformed user id (400), an unknown customer (404); the
    // customer is unchanged.
    let (status, error) = api
        .call(Method::POST, &users, Some(json!({"userId": "bob"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let unknown = "/v1/express/cus_00000000000000000000000000000000";
    for path in [format!("{unknown}/deactivate"), unknown.to_string()] {
        let (status, error) = api.call(Method::POST, &path, None).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED,
            "{path}: {status} {error}"
        );
    }
    let (status, error) = api
        .call(
            Method::POST,
            &format!("{unknown}/users"),
            Some(json!({"userId": USER})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("cus_0000"),
        "{error}"
    );
    let now = api.ok(Method::GET, &item, None).await;
    assert_eq!(
        (now["isActive"].clone(), now["userCount"].clone()),
        (json!(true), json!(1))
    );
}

#[tokio::test]
async fn a_study_created_where_it_has_no_item_path_is_listed_found_cancelled_and_uncancelled() {
    let api = Api::start().await;
    let uid = "1.2.826.0.1.3680043.2.1125.1";
    let study = api
        .ok(
            Method::POST,
            "/v1/autoScribe/studies/external",
            Some(external_study(uid)),
        )
        .await;
    assert_eq!(study["studyInstanceUid"], uid);
    assert_eq!(study["isCancelled"], false);
    assert_eq!(study["cancelledAt"], Value::Null);
    let id = study["studyId"].as_str().unwrap().to_string();
    assert!(id.starts_with("stu_"), "{id}");

    // It is one of the studies: listed, retrieved by id and by uid.
    let page = api.ok(Method::GET, "/v1/autoScribe/studies", None).await;
    let listed: Vec<&Value> = page
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .collect();
    assert_eq!(listed, [&study], "{page}");
    let item = format!("/v1/autoScribe/studies/{id}");
    assert_eq!(api.ok(Method::GET, &item, None).await, study);
    let by_uid = format!("/v1/autoScribe/studies/by-uid/{uid}");
    assert_eq!(api.ok(Method::GET, &by_uid, None).await, study);
    let (status, _) = api
        .call(Method::GET, "/v1/autoScribe/studies/by-uid/1.2.3", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Cancel by id, uncancel by uid.
    let answer = api
        .ok(
            Method::POST,
            "/v1/autoScribe/studies/cancel",
            Some(json!({"studyId": id})),
        )
        .await;
    assert_eq!(answer["success"], true);
    let cancelled = api.ok(Method::GET, &item, None).await;
    assert_eq!(cancelled["isCancelled"], true);
    assert!(cancelled["cancelledAt"].is_string(), "{cancelled}");
    api.ok(
        Method::POST,
        "/v1/autoScribe/studies/uncancel",
        Some(json!({"studyInstanceUid": uid})),
    )
    .await;
    let back = api.ok(Method::GET, &item, None).await;
    assert_eq!(back["isCancelled"], false);
    assert_eq!(back["cancelledAt"], Value::Null);

    // A selector that names no study, or none at all: 404, naming what a
    // study is found by; nothing changes.
    for (selector, words) in [
        (
            json!({"studyId": "stu_00000000000000000000000000000000"}),
            "studyId `stu_0000",
        ),
        (
            json!({"studyInstanceUid": "1.2.3"}),
            "studyInstanceUid `1.2.3`",
        ),
        (
            json!({}),
            "found by body property `studyId` or body property `studyInstanceUid`",
        ),
    ] {
        let (status, error) = api
            .call(
                Method::POST,
                "/v1/autoScribe/studies/cancel",
                Some(selector),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(words), "{message}");
    }
    assert_eq!(api.ok(Method::GET, &item, None).await["isCancelled"], false);
    // Given both, the first of `find` (the id) finds it: another study's
    // uid beside it is not compared.
    api.ok(
        Method::POST,
        "/v1/autoScribe/studies/cancel",
        Some(json!({"studyId": id, "studyInstanceUid": "1.2.3"})),
    )
    .await;
    assert_eq!(api.ok(Method::GET, &item, None).await["isCancelled"], true);
    api.ok(
        Method::POST,
        "/v1/autoScribe/studies/uncancel",
        Some(json!({"studyId": id})),
    )
    .await;

    // The external delete removes it.
    api.ok(
        Method::POST,
        "/v1/autoScribe/studies/external/delete",
        Some(json!({"studyId": id})),
    )
    .await;
    let (status, _) = api.call(Method::GET, &item, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(api.server.count("/v1/autoScribe/studies"), Ok(0));
}

#[tokio::test]
async fn examples_load_every_documented_item_under_its_documented_id() {
    let api = Api::start().await;
    let loaded = api.server.load_examples().unwrap();
    let collections = avara_mock::collections();
    let with_example: Vec<_> = collections.iter().filter(|c| c.example.is_some()).collect();
    assert_eq!(loaded, with_example.len());
    assert!(loaded >= 10, "{loaded}");
    for collection in &with_example {
        let example = collection.example.as_ref().unwrap();
        let id = example[collection.id_field].as_str().unwrap();
        let page = api.ok(Method::GET, collection.path, None).await;
        let found = page
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_array)
            .flatten()
            .any(|item| item[collection.id_field] == id);
        assert!(found, "{}: {id} in {page}", collection.path);
    }
    // The documented study, by the id the spec's examples use.
    let study = example_of("/v1/autoScribe/studies");
    assert_eq!(study["studyId"], "stu_1234567890abcdef1234567890abcdef");
    let got = api
        .ok(
            Method::GET,
            "/v1/autoScribe/studies/stu_1234567890abcdef1234567890abcdef",
            None,
        )
        .await;
    assert_eq!(got, study);
    // A second load finds the ids taken and adds nothing.
    assert!(api.server.load_examples().is_err());
    assert_eq!(api.server.count("/v1/autoScribe/studies"), Ok(1));
}

#[tokio::test]
async fn revoking_an_invitation_and_deleting_a_reference_change_them() {
    let api = Api::start().await;
    api.server.load_examples().unwrap();
    let invitation = example_of("/v1/autoScribe/users/invitations");
    let id = invitation["invitationId"].as_str().unwrap();
    assert_ne!(invitation["status"], "revoked");
    api.ok(
        Method::POST,
        "/v1/autoScribe/users/invitations/revoke",
        Some(json!({"invitationId": id})),
    )
    .await;
    let now = api
        .ok(
            Method::GET,
            &format!("/v1/autoScribe/users/invitations/{id}"),
            None,
        )
        .await;
    assert_eq!(now["status"], "revoked");
    let (status, _) = api
        .call(
            Method::POST,
            "/v1/autoScribe/users/invitations/revoke",
            Some(json!({"invitationId": "inv_00000000000000000000000000000000"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // POST .../delete on a clinical reference deactivates it.
    let reference = api
        .ok(
            Method::POST,
            "/v1/autoScribe/clinicalReferences",
            Some(json!({"name": "North", "type": "facility"})),
        )
        .await;
    assert_eq!(reference["isActive"], true);
    let item = format!(
        "/v1/autoScribe/clinicalReferences/{}",
        reference["clinicalReferenceId"].as_str().unwrap()
    );
    let deleted = api.ok(Method::POST, &format!("{item}/delete"), None).await;
    assert_eq!(deleted["isActive"], false);
    assert_eq!(api.ok(Method::GET, &item, None).await["isActive"], false);
}

#[tokio::test]
async fn an_invited_user_is_answered_as_invited_and_found_by_the_user_actions() {
    let api = Api::start().await;
    let invited = api
        .ok(Method::POST, "/v1/autoScribe/users", Some(invite_body()))
        .await;
    assert_eq!(invited["lastLoginAt"], Value::Null);
    let id = invited["userId"].as_str().unwrap();
    let user = api
        .ok(Method::GET, &format!("/v1/autoScribe/users/{id}"), None)
        .await;
    assert_eq!(user["email"], "a@example.com");
    for action in ["revoke-access", "reactivate"] {
        let path = format!("/v1/autoScribe/users/{action}");
        let answer = api
            .ok(Method::POST, &path, Some(json!({"userId": id})))
            .await;
        assert_eq!(answer["success"], true);
        let (status, _) = api
            .call(Method::POST, &path, Some(json!({"userId": USER})))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}");
    }
}

#[tokio::test]
async fn example_answers_check_the_request_first() {
    let api = Api::start().await;
    // A body missing a required property, then a valid one.
    let path = "/v1/autoScribe/ephemeral-sessions";
    let (status, error) = api.call(Method::POST, path, Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let answer = api
        .ok(Method::POST, path, Some(json!({"retrievalId": "r-1"})))
        .await;
    assert!(answer.is_object(), "{answer}");
    // A query parameter that breaks its pattern.
    let (status, error) = api
        .call(
            Method::GET,
            "/v1/autoScribe/reports/pdf?reportId=nope",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("reportId"),
        "{error}"
    );
    // A path parameter that breaks its pattern names nothing; a valid one
    // gets the example.
    let (status, error) = api
        .call(Method::POST, "/v1/autoScribe/reports/nope/addendum", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("nope"),
        "{error}"
    );
    api.ok(
        Method::POST,
        "/v1/autoScribe/reports/rep_0123456789abcdef0123456789abcdef/addendum",
        None,
    )
    .await;
}

#[tokio::test]
async fn an_extra_api_key_may_have_spaces() {
    let server = avara_mock::spawn_with(avara_mock::Config {
        api_keys: vec!["My API Key".to_string()],
        ..avara_mock::Config::default()
    })
    .await
    .unwrap();
    let api = Api::with(server, "My API Key");
    api.ok(Method::GET, "/v1/express", None).await;
    let wrong = Api::with(avara_mock::spawn().await.unwrap(), "My API Key");
    let (status, _) = wrong.call(Method::GET, "/v1/express", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Every string in `value` by the property name that holds it, at any depth.
fn strings_by_name(value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (name, inner) in map {
                if let Value::String(text) = inner {
                    out.push((name.clone(), text.clone()));
                }
                strings_by_name(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| strings_by_name(i, out)),
        _ => {}
    }
}

#[tokio::test]
async fn with_the_examples_loaded_every_read_finds_a_documented_value() {
    let api = Api::start().await;
    api.server.load_examples().unwrap();
    let mut documented = Vec::new();
    for collection in avara_mock::collections() {
        if let Some(example) = &collection.example {
            strings_by_name(example, &mut documented);
        }
    }
    for op in avara_mock::operations()
        .iter()
        .filter(|o| o.method == "GET")
    {
        let params: Vec<&str> = op
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let candidates: Vec<String> = match params.as_slice() {
            [] => vec![op.path.to_string()],
            [param] => documented
                .iter()
                .filter(|(name, _)| name == param)
                .map(|(_, value)| op.path.replace(&format!("{{{param}}}"), value))
                .collect(),
            _ => continue,
        };
        assert!(
            !candidates.is_empty(),
            "{}: no documented {params:?}",
            op.id
        );
        let mut statuses = Vec::new();
        for path in &candidates {
            let (status, _) = api.call(Method::GET, path, None).await;
            statuses.push(status);
        }
        assert!(
            statuses.iter().any(|s| s.is_success()),
            "{} ({}): {statuses:?} for {candidates:?}",
            op.id,
            op.behaviour
        );
    }
}
