//! `avara::webhooks` against deliveries signed by the official Python
//! `standardwebhooks` library (`tests/webhooks/vectors.json`, written by
//! `tests/webhooks/make_vectors.py` from the spec's `x-webhooks` examples).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use avara::ErrorKind;
use avara::types::WebhookEvent;
use avara::webhooks::{self, MAX_BODY_BYTES, WebhookProblem};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::Value;

const VECTORS: &str = include_str!("../webhooks/vectors.json");
const SPEC: &str = include_str!("../../../spec/openapi.yaml");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vectors {
    pub now: u64,
    pub key: String,
    pub wrong_key: String,
    pub events: Vec<EventVector>,
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventVector {
    #[serde(rename = "type")]
    pub type_: String,
    pub operation_id: String,
    pub answer_schema: String,
    pub body: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub python: String,
}

#[derive(Deserialize)]
pub struct Case {
    pub name: String,
    pub key: String,
    pub body: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub python: String,
    pub expect: String,
}

pub fn vectors() -> Vectors {
    serde_json::from_str(VECTORS).expect("vectors.json is what make_vectors.py writes")
}

pub fn header_map(headers: &std::collections::BTreeMap<String, String>) -> HeaderMap {
    headers
        .iter()
        .map(|(k, v)| {
            (
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            )
        })
        .collect()
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The key must never show in what an error says.
fn assert_key_hidden(error: &avara::Error, key: &str) {
    let secret = key.strip_prefix("whsec_").unwrap_or(key);
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(secret), "the key leaks: {text}");
        if secret.len() > 12 {
            assert!(
                !text.contains(&secret[..12]),
                "part of the key leaks: {text}"
            );
        }
    }
}

#[test]
fn the_vectors_cover_every_event_of_the_spec() {
    let v = vectors();
    // The spec's x-webhooks entries: two-space keys under the top-level key.
    let section = SPEC.split("\nx-webhooks:\n").nth(1).expect("x-webhooks");
    let section = section
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .collect::<Vec<_>>();
    let in_spec: Vec<&str> = section
        .iter()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':'))
        .collect();
    let in_vectors: Vec<&str> = v.events.iter().map(|e| e.type_.as_str()).collect();
    assert_eq!(
        in_spec, in_vectors,
        "rerun make_vectors.py after a change of the spec's webhooks"
    );
    for event in &v.events {
        assert_eq!(event.python, "ok", "{}", event.type_);
        // The body is the spec's example of this event: every key and every
        // value of it is written in the event's part of `x-webhooks`.
        let start = section
            .iter()
            .position(|l| *l == format!("  {}:", event.type_))
            .unwrap();
        let end = section[start + 1..]
            .iter()
            .position(|l| l.starts_with("  ") && !l.starts_with("   "))
            .map_or(section.len(), |n| start + 1 + n);
        let text = section[start..end].join("\n");
        assert!(text.contains(&format!("operationId: {}", event.operation_id)));
        assert!(text.contains(&format!(
            "$ref: \"#/components/schemas/{}\"",
            event.answer_schema
        )));
        let body: Value = serde_json::from_str(&event.body).unwrap();
        let mut leaves = Vec::new();
        collect_leaves(&body, &mut leaves);
        for leaf in leaves {
            assert!(
                text.contains(&leaf),
                "{}: `{leaf}` of the vector is not in the spec's example: rerun make_vectors.py",
                event.type_
            );
        }
    }
}

/// Every object key (as `key:`) and scalar value (as written) in `value`.
fn collect_leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                out.push(format!("{key}:"));
                collect_leaves(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_leaves(v, out)),
        Value::String(s) => out.push(s.clone()),
        other => out.push(other.to_string()),
    }
}

#[test]
fn each_event_of_the_spec_verifies_parses_and_serializes_back() {
    let v = vectors();
    let mut variants = std::collections::HashSet::new();
    for vector in &v.events {
        let headers = header_map(&vector.headers);
        let event = webhooks::unwrap_at(&vector.body, &headers, &v.key, at(v.now))
            .unwrap_or_else(|e| panic!("{}: {e}", vector.type_));
        assert_eq!(webhooks::event_type(&event), vector.type_);
        let sent: Value = serde_json::from_str(&vector.body).unwrap();
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            sent,
            "{} serializes back to the same JSON",
            vector.type_
        );
        assert_eq!(webhooks::unsafe_unwrap(&vector.body).unwrap(), event);
        // The generated untagged union agrees.
        let untagged: WebhookEvent = serde_json::from_str(&vector.body).unwrap();
        assert_eq!(untagged, event);
        variants.insert(std::mem::discriminant(&event));

        // Our signature is the Python library's, byte for byte.
        let signature = webhooks::sign(
            &v.key,
            &vector.headers["webhook-id"],
            vector.headers["webhook-timestamp"].parse().unwrap(),
            &vector.body,
        )
        .unwrap();
        assert_eq!(signature, vector.headers["webhook-signature"]);
    }
    assert_eq!(variants.len(), v.events.len(), "one variant per event type");
}

fn expected_problem(expect: &str) -> Option<WebhookProblem> {
    Some(match expect {
        "ok" => return None,
        "no valid signature" => WebhookProblem::NoValidSignature,
        "stale" => WebhookProblem::StaleTimestamp { age_secs: 301 },
        "future" => WebhookProblem::FutureTimestamp { ahead_secs: 301 },
        "missing webhook-id" => WebhookProblem::MissingHeader("webhook-id"),
        "missing webhook-timestamp" => WebhookProblem::MissingHeader("webhook-timestamp"),
        "missing webhook-signature" => WebhookProblem::MissingHeader("webhook-signature"),
        "malformed key" => WebhookProblem::MalformedKey,
        "invalid webhook-timestamp" => WebhookProblem::InvalidHeader("webhook-timestamp"),
        "unknown type" => WebhookProblem::UnknownType("study.teleported".into()),
        "not JSON" => WebhookProblem::NotJson,
        "not an event" => WebhookProblem::NotAnEvent {
            path: "data.isCritical".into(),
        },
        other => panic!("an expectation this test does not know: {other}"),
    })
}

#[test]
fn every_case_gets_the_verdict_of_the_python_library() {
    let v = vectors();
    assert!(v.cases.len() >= 20);
    for case in &v.cases {
        let headers = header_map(&case.headers);
        let result = webhooks::unwrap_at(&case.body, &headers, &case.key, at(v.now));
        let expected = expected_problem(&case.expect);
        // Where the signature is fine and only the body is wrong, Python
        // (verifying without parsing) accepts; every other refusal is its too.
        let signature_ok = matches!(
            expected,
            None | Some(
                WebhookProblem::UnknownType(_)
                    | WebhookProblem::NotJson
                    | WebhookProblem::NotAnEvent { .. }
            )
        );
        assert_eq!(
            case.python == "ok",
            signature_ok,
            "{}: Python says {}",
            case.name,
            case.python
        );
        match (result, expected) {
            (Ok(_), None) => {}
            (Ok(event), Some(problem)) => {
                panic!("{}: accepted {event:?}, expected {problem:?}", case.name)
            }
            (Err(e), None) => panic!("{}: refused: {e}", case.name),
            (Err(e), Some(problem)) => {
                assert_eq!(e.kind(), ErrorKind::Webhook, "{}", case.name);
                assert_eq!(e.webhook_problem(), Some(&problem), "{}: {e}", case.name);
                assert_key_hidden(&e, &v.key);
                assert_key_hidden(&e, &case.key);
            }
        }
    }
}

#[test]
fn errors_say_what_failed() {
    let v = vectors();
    let case = |name: &str| v.cases.iter().find(|c| c.name == name).unwrap();
    let message = |name: &str| {
        let c = case(name);
        webhooks::unwrap_at(&c.body, &header_map(&c.headers), &c.key, at(v.now))
            .unwrap_err()
            .to_string()
    };
    assert!(message("missing webhook-id").contains("`webhook-id` header is missing"));
    assert!(message("missing webhook-signature").contains("`webhook-signature`"));
    assert!(message("stale timestamp").contains("301 s old"));
    assert!(message("future timestamp").contains("301 s in the future"));
    assert!(message("tampered body").contains("no `v1` signature"));
    assert!(message("malformed key").contains("not `whsec_` followed by base64"));
    assert!(message("malformed JSON").contains("not JSON"));
    let shape = message("an event of the wrong shape");
    assert!(
        shape.contains("not a `report.delivered` event: at `data.isCritical`"),
        "{shape}"
    );
    assert!(message("unknown event type").contains("\"study.teleported\""));
}

#[test]
fn an_unknown_type_is_never_parsed_as_another_event() {
    let v = vectors();
    // Every event's body, with its `type` changed: kept in the error.
    for vector in &v.events {
        let mut body: Value = serde_json::from_str(&vector.body).unwrap();
        body["type"] = Value::from(format!("{}.v2", vector.type_));
        let error = webhooks::unsafe_unwrap(body.to_string()).unwrap_err();
        assert_eq!(
            error.webhook_problem(),
            Some(&WebhookProblem::UnknownType(format!("{}.v2", vector.type_)))
        );
    }
    for (body, path) in [
        (r#"{"id": "whe_1", "data": {}}"#, "."),
        (r#"{"type": 7, "data": {}}"#, "type"),
        ("[]", "."),
    ] {
        let error = webhooks::unsafe_unwrap(body).unwrap_err();
        assert_eq!(
            error.webhook_problem(),
            Some(&WebhookProblem::NotAnEvent { path: path.into() }),
            "{body}"
        );
    }
}

#[test]
fn an_oversized_body_is_refused_before_anything_else() {
    let v = vectors();
    let body = vec![b' '; MAX_BODY_BYTES + 1];
    // No headers and a malformed key: the size is checked first.
    for result in [
        webhooks::unwrap(&body, &HeaderMap::new(), "whsec_***"),
        webhooks::unsafe_unwrap(&body),
    ] {
        let error = result.unwrap_err();
        assert_eq!(
            error.webhook_problem(),
            Some(&WebhookProblem::BodyTooLarge {
                size: MAX_BODY_BYTES + 1
            })
        );
        assert!(
            error.to_string().contains("more than the 1048576"),
            "{error}"
        );
    }
    // At the limit, a signed body goes on to the JSON check.
    let body = format!(
        "{}{}",
        v.events[0].body,
        " ".repeat(MAX_BODY_BYTES - v.events[0].body.len())
    );
    assert_eq!(body.len(), MAX_BODY_BYTES);
    let ts = now_secs();
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::from_static("msg_1"));
    headers.insert("webhook-timestamp", HeaderValue::from(ts));
    let signature = webhooks::sign(&v.key, "msg_1", ts, &body).unwrap();
    headers.insert(
        "webhook-signature",
        HeaderValue::from_str(&signature).unwrap(),
    );
    webhooks::unwrap(&body, &headers, &v.key).unwrap();
}

#[test]
fn the_client_verifies_with_its_own_key() {
    let v = vectors();
    let vector = &v.events[2];
    let ts = now_secs();
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::from_static("msg_client"));
    headers.insert("webhook-timestamp", HeaderValue::from(ts));
    let signature = webhooks::sign(&v.key, "msg_client", ts, &vector.body).unwrap();
    headers.insert(
        "webhook-signature",
        HeaderValue::from_str(&signature).unwrap(),
    );

    let client = avara::Client::builder()
        .api_key("sk_test_x")
        .webhook_key(&v.key)
        .build()
        .unwrap();
    let event = client.webhooks().unwrap(&vector.body, &headers).unwrap();
    assert_eq!(webhooks::event_type(&event), vector.type_);
    assert!(!format!("{:?}", client.config()).contains(&v.key[6..]));

    let wrong = avara::Client::builder()
        .api_key("sk_test_x")
        .webhook_key(&v.wrong_key)
        .build()
        .unwrap();
    let error = wrong.webhooks().unwrap(&vector.body, &headers).unwrap_err();
    assert_eq!(
        error.webhook_problem(),
        Some(&WebhookProblem::NoValidSignature)
    );
    assert_key_hidden(&error, &v.wrong_key);

    // The same delivery, 301 s later, is stale.
    let later = SystemTime::now() + Duration::from_secs(302);
    let error = webhooks::unwrap_at(&vector.body, &headers, &v.key, later).unwrap_err();
    assert!(matches!(
        error.webhook_problem(),
        Some(WebhookProblem::StaleTimestamp { .. })
    ));
    // Without a key (AVARA_WEBHOOK_KEY is not set for the tests).
    if std::env::var_os("AVARA_WEBHOOK_KEY").is_none() {
        let keyless = avara::Client::builder()
            .api_key("sk_test_x")
            .build()
            .unwrap();
        let error = keyless
            .webhooks()
            .unwrap(&vector.body, &headers)
            .unwrap_err();
        assert_eq!(error.webhook_problem(), Some(&WebhookProblem::NoKey));
        assert!(error.to_string().contains("AVARA_WEBHOOK_KEY"), "{error}");
        // unsafe_unwrap needs no key.
        keyless.webhooks().unsafe_unwrap(&vector.body).unwrap();
    }
}
