//! The generated types read well and survive the API's growth: readable
//! enum variants that round-trip their wire values, values the server adds
//! later decoded (and refused in requests), unions told apart by shape, and
//! update bodies that leave a field out, set it or clear it with `null`.

use std::fmt::{Debug, Display};
use std::str::FromStr;

use avara::types::{
    AutoScribeUserUpdateParams, ClinicRole, InvitationExpiredFilter, InvitedSource,
    ReportDeliveredEventType, ReportPdfResponse, ReportTextResponse, UserLevel, ViewerLayout,
};
use avara::{ErrorKind, Nullable};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{API_KEY, client};

const USER_ID: &str = "usr_1234567890abcdef1234567890abcdef";

/// An `AutoScribeUser` answer, with `changes` applied.
fn user_json(changes: Value) -> Value {
    let mut user = json!({
        "canCreateReports": true,
        "canManageStudies": true,
        "clinicRole": "Radiologist",
        "createdAt": "2024-01-15T09:00:00Z",
        "email": "dr.johnson@hospital.org",
        "firstName": "Sarah",
        "hasDashboardAccess": true,
        "invitedSource": "api",
        "lastLoginAt": null,
        "lastName": "Johnson",
        "level": "member",
        "userId": USER_ID,
    });
    for (key, value) in changes.as_object().unwrap() {
        user[key] = value.clone();
    }
    user
}

/// Each of `values` parses, prints, encodes and decodes as itself, and is a
/// known variant (never the fallback).
fn round_trips<T>(values: &[&str])
where
    T: FromStr + Display + Serialize + DeserializeOwned + PartialEq + Debug,
    T::Err: Debug,
{
    assert!(!values.is_empty());
    for value in values {
        let parsed: T = value.parse().unwrap();
        assert_eq!(parsed.to_string(), *value);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(value));
        assert_eq!(serde_json::from_value::<T>(json!(value)).unwrap(), parsed);
        assert!(!format!("{parsed:?}").starts_with("Unknown"), "{value}");
    }
}

#[test]
fn a_value_starting_with_a_digit_is_named_after_its_enum() {
    assert_eq!(ViewerLayout::Layout1x1.to_string(), "1x1");
    assert_eq!(
        "4x3".parse::<ViewerLayout>().unwrap(),
        ViewerLayout::Layout4x3
    );
    assert_eq!(
        serde_json::to_value(ViewerLayout::Layout2x4).unwrap(),
        json!("2x4")
    );
    assert_eq!(
        serde_json::from_value::<ViewerLayout>(json!("3x1")).unwrap(),
        ViewerLayout::Layout3x1
    );
}

#[test]
fn every_value_of_the_spec_round_trips_its_exact_wire_value() {
    // Spaces, apostrophes, hyphens, dots and digits in the wire values.
    assert_eq!(
        ClinicRole::PathologistsAssistant.to_string(),
        "Pathologists' Assistant"
    );
    assert_eq!(
        ClinicRole::SpeechLanguagePathologist.to_string(),
        "Speech-Language Pathologist"
    );
    assert_eq!(
        InvitationExpiredFilter::NotExpired.to_string(),
        "not-expired"
    );
    assert_eq!(
        ReportDeliveredEventType::ReportDelivered.to_string(),
        "report.delivered"
    );
    round_trips::<ClinicRole>(ClinicRole::VALUES);
    round_trips::<ViewerLayout>(ViewerLayout::VALUES);
    round_trips::<InvitationExpiredFilter>(InvitationExpiredFilter::VALUES);
    round_trips::<ReportDeliveredEventType>(ReportDeliveredEventType::VALUES);
    assert_eq!(ClinicRole::VALUES.len(), 61);
    assert_eq!(ViewerLayout::VALUES.first(), Some(&"1x1"));
}

#[test]
fn a_value_added_later_decodes_as_unknown_and_is_written_back_as_it_came() {
    let role: ClinicRole = serde_json::from_value(json!("Chief Wizard")).unwrap();
    assert_eq!(role, ClinicRole::Unknown("Chief Wizard".into()));
    assert_eq!(role.to_string(), "Chief Wizard");
    assert_eq!(serde_json::to_value(&role).unwrap(), json!("Chief Wizard"));
    // Naming a value stays strict.
    assert!("Chief Wizard".parse::<ClinicRole>().is_err());
    assert!(ClinicRole::try_from("Chief Wizard").is_err());
    // Not a string is still an error.
    assert!(serde_json::from_value::<ClinicRole>(json!(3)).is_err());
    // A one-value enum tells union members apart: it stays closed.
    assert!(serde_json::from_value::<ReportDeliveredEventType>(json!("report.lost")).is_err());
}

#[tokio::test]
async fn an_answer_with_values_added_later_decodes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json(json!({
            "clinicRole": "Chief Wizard",
            "invitedSource": "sso",
            "level": "superadmin",
        }))))
        .mount(&server)
        .await;
    let user = client(&server)
        .auto_scribe_users_retrieve()
        .user_id(USER_ID)
        .await
        .unwrap();
    assert_eq!(user.clinic_role, ClinicRole::Unknown("Chief Wizard".into()));
    assert_eq!(user.invited_source, InvitedSource::Unknown("sso".into()));
    assert_eq!(user.level, UserLevel::Unknown("superadmin".into()));
    assert_eq!(user.first_name, "Sarah");
}

#[tokio::test]
async fn a_request_carrying_an_unknown_value_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = client(&server);

    let error = client
        .auto_scribe_users_update()
        .user_id(USER_ID)
        .body(
            AutoScribeUserUpdateParams::builder()
                .clinic_role(ClinicRole::Unknown("Chief Wizard".into())),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    let message = error.to_string();
    for part in ["body `/clinicRole`", "\"Chief Wizard\"", "`ClinicRole`"] {
        assert!(message.contains(part), "{part} in {message}");
    }

    // In a query parameter.
    let error = client
        .auto_scribe_users_invitations_list()
        .expired(InvitationExpiredFilter::Unknown("soon".into()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    let message = error.to_string();
    assert!(
        message.contains("query parameter `expired`") && message.contains("\"soon\""),
        "{message}"
    );

    // Naming a value the SDK does not know is refused when set.
    let error = client
        .auto_scribe_users_update()
        .user_id(USER_ID)
        .body(AutoScribeUserUpdateParams::builder().clinic_role("Chief Wizard"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(error.to_string().contains("clinic_role"), "{error}");

    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The documented answer of `GET path` from avara-mock.
async fn mock_answer(path: &str) -> Value {
    let server = avara_mock::spawn().await.unwrap();
    let response = avara::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .get(format!("{}{path}", server.base_url()))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// An item answer, and a list answer made of it, each with a field the
/// spec does not know.
fn item_and_list(item: &Value) -> (Value, Value) {
    let list = json!({
        "reports": [item],
        "studyId": item["studyId"],
        "studyInstanceUid": item["studyInstanceUid"],
        "addedLater": true,
    });
    let mut item = item.clone();
    item["addedLater"] = json!({"any": "shape"});
    (item, list)
}

#[tokio::test]
async fn a_report_answer_decodes_as_the_item_or_the_list_by_its_shape() {
    let report = "reportId=rep_1234567890abcdef1234567890abcdef";
    let pdf = mock_answer(&format!("/v1/autoScribe/reports/pdf?{report}")).await;
    let (item, list) = item_and_list(&pdf);
    assert!(matches!(
        serde_json::from_value(item).unwrap(),
        ReportPdfResponse::Item(_)
    ));
    match serde_json::from_value(list).unwrap() {
        ReportPdfResponse::List(list) => assert_eq!(list.reports.len(), 1),
        other => panic!("a list decoded as {other:?}"),
    }

    let text = mock_answer(&format!("/v1/autoScribe/reports/text?{report}")).await;
    let (item, list) = item_and_list(&text);
    assert!(matches!(
        serde_json::from_value(item).unwrap(),
        ReportTextResponse::Item(_)
    ));
    assert!(matches!(
        serde_json::from_value(list).unwrap(),
        ReportTextResponse::List(_)
    ));

    // Neither shape: the error names the union.
    let neither = json!({"studyId": pdf["studyId"]});
    let error = serde_json::from_value::<ReportPdfResponse>(neither.clone()).unwrap_err();
    assert!(error.to_string().contains("ReportPdfResponse"), "{error}");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&neither))
        .mount(&server)
        .await;
    let error = client(&server)
        .auto_scribe_reports_text()
        .report_id("rep_1234567890abcdef1234567890abcdef")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert!(error.to_string().contains("ReportTextResponse"), "{error}");
}

/// The JSON bodies `server` received, in order.
async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn an_update_leaves_out_sets_or_clears_a_nullable_field_on_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json(json!({}))))
        .mount(&server)
        .await;
    let client = client(&server);
    let updates = [
        AutoScribeUserUpdateParams::builder().first_name("Sarah".to_string()),
        AutoScribeUserUpdateParams::builder()
            .middle_name("Marie")
            .clinic_role("Radiologist"),
        AutoScribeUserUpdateParams::builder()
            .middle_name(Nullable::Null)
            .clinic_role(Nullable::Null),
        AutoScribeUserUpdateParams::builder()
            .middle_name(Nullable::Value("Marie".to_string()))
            .clinic_role(ClinicRole::Radiologist)
            .clinic_role(Nullable::Absent),
    ];
    for update in updates {
        client
            .auto_scribe_users_update()
            .user_id(USER_ID)
            .body(update)
            .await
            .unwrap();
    }
    assert_eq!(
        bodies(&server).await,
        [
            json!({"firstName": "Sarah"}),
            json!({"middleName": "Marie", "clinicRole": "Radiologist"}),
            json!({"middleName": null, "clinicRole": null}),
            json!({"middleName": "Marie"}),
        ]
    );
    // And back: a missing key is absent, `null` is `Null`.
    let absent: AutoScribeUserUpdateParams = serde_json::from_value(json!({})).unwrap();
    assert_eq!(absent.middle_name, Nullable::Absent);
    let cleared: AutoScribeUserUpdateParams =
        serde_json::from_value(json!({"middleName": null})).unwrap();
    assert_eq!(cleared.middle_name, Nullable::Null);
}
