//! `POST /_mock/webhooks/{eventType}`: the mock delivers the spec's events,
//! signed, to a receiver (the SDK's example receiver, or a scripted one),
//! retries failed deliveries and reports the receiver's answer.

#[path = "../../../generated-client/examples/webhook_receiver.rs"]
#[allow(dead_code)]
mod example;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

use crate::KEY;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_dGhlIG90aGVyIGtleSBvZiB0aGUgdGVzdHM=";
const BACKOFF: Duration = Duration::from_millis(10);

/// Serves `app` on a free port; the URL of `path` on it.
async fn serve(app: Router, path: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// The example receiver, verifying with `secret`.
async fn example_receiver(secret: &str) -> String {
    serve(example::app(secret.to_string()), "/webhooks/avara").await
}

/// A mock that sends webhooks to `url`, signed with `SECRET`.
async fn mock(url: &str) -> avara_mock::MockServer {
    avara_mock::spawn_with(avara_mock::Config {
        webhooks: Some(avara_mock::WebhookConfig::new(url, SECRET).retry(3, BACKOFF)),
        ..avara_mock::Config::default()
    })
    .await
    .unwrap()
}

/// Triggers `event_type` (with `body` when given): the status and JSON body.
async fn trigger(
    server: &avara_mock::MockServer,
    event_type: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = avara::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!("{}/_mock/webhooks/{event_type}", server.base_url()))
        .bearer_auth(KEY);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// What a scripted receiver saw: each delivery's headers, and its body.
type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver that answers its `n`th delivery with `script(n)`.
async fn scripted(script: fn(usize) -> (u16, Value)) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(
                move |State(seen): State<Seen>, headers: HeaderMap, body: Bytes| async move {
                    let n = {
                        let mut seen = seen.lock().unwrap();
                        seen.push((headers, body));
                        seen.len()
                    };
                    let (status, answer) = script(n);
                    (StatusCode::from_u16(status).unwrap(), axum::Json(answer))
                },
            ),
        )
        .with_state(seen.clone());
    (serve(app, "/hook").await, seen)
}

#[tokio::test]
async fn every_event_of_the_spec_reaches_the_example_receiver_and_its_answer_is_valid() {
    let server = mock(&example_receiver(SECRET).await).await;
    let events = avara_mock::webhook_events();
    assert!(!events.is_empty());
    for event in events {
        let (status, report) = trigger(&server, event.event_type, None).await;
        assert_eq!(status, 200, "{}: {report}", event.event_type);
        assert_eq!(report["delivered"], true, "{}: {report}", event.event_type);
        assert_eq!(report["attempts"], 1, "{report}");
        assert_eq!(report["status"], 200, "{report}");
        assert_eq!(report["errors"], json!([]), "{report}");
        assert_eq!(report["valid"], true, "{report}");
        assert!(report["answer"].is_object(), "{report}");
        assert_eq!(report["answerSchema"], event.answer_schema);
        assert!(report["webhookId"].as_str().unwrap().starts_with("msg_"));
    }
}

#[tokio::test]
async fn the_event_sent_is_signed_and_is_the_documented_example_or_the_body() {
    let (url, seen) = scripted(|_| (200, json!({}))).await;
    let server = mock(&url).await;
    let event = &avara_mock::webhook_events()[0];
    trigger(&server, event.event_type, None).await;
    let mut custom = event.example.clone();
    custom["id"] = json!("whe_00000000000000000000000000000001");
    trigger(&server, event.event_type, Some(custom.clone())).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    for ((headers, body), expected) in seen.iter().zip([&event.example, &custom]) {
        let sent: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(&sent, expected);
        let verified = avara::webhooks::unwrap(body, headers, SECRET).unwrap();
        assert_eq!(avara::webhooks::event_type(&verified), event.event_type);
    }
}

#[tokio::test]
async fn an_event_in_the_body_must_be_the_event_type() {
    let (url, seen) = scripted(|_| (200, json!({}))).await;
    let server = mock(&url).await;
    let events = avara_mock::webhook_events();
    let (status, body) = trigger(&server, events[0].event_type, Some(json!({"id": 1}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = trigger(
        &server,
        events[0].event_type,
        Some(events[1].example.clone()),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_id_and_fresh_signatures() {
    let (url, seen) = scripted(|n| {
        if n < 3 {
            (500, json!({"error": "busy"}))
        } else {
            (200, json!({}))
        }
    })
    .await;
    let server = mock(&url).await;
    let event = &avara_mock::webhook_events()[0];
    let started = std::time::Instant::now();
    let (status, report) = trigger(&server, event.event_type, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["delivered"], true, "{report}");
    assert_eq!(report["attempts"], 3, "{report}");
    assert_eq!(report["status"], 200, "{report}");
    // 10 ms, then 20 ms.
    assert!(started.elapsed() >= BACKOFF * 3);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    let ids: Vec<&str> = seen
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(report["webhookId"], ids[0]);
    for (headers, body) in seen.iter() {
        avara::webhooks::verify(body, headers, SECRET).unwrap();
    }
}

#[tokio::test]
async fn a_receiver_that_always_fails_is_reported_undelivered_after_the_bound() {
    let (url, seen) = scripted(|_| (503, json!({"error": "down"}))).await;
    let server = mock(&url).await;
    let event = &avara_mock::webhook_events()[0];
    let (status, report) = trigger(&server, event.event_type, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["delivered"], false, "{report}");
    assert_eq!(report["attempts"], 3, "{report}");
    assert_eq!(report["status"], 503, "{report}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 3, "{report}");
    assert_eq!(seen.lock().unwrap().len(), 3);

    // Nobody listening: every attempt fails to connect.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    let server = mock(&closed).await;
    let (status, report) = trigger(&server, event.event_type, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["delivered"], false, "{report}");
    assert_eq!(report["attempts"], 3, "{report}");
    assert_eq!(report["status"], Value::Null, "{report}");
}

#[tokio::test]
async fn an_answer_that_violates_its_schema_is_reported() {
    let (url, _) =
        scripted(|_| (200, json!({"surely": "not an answer", "authorized": "yes"}))).await;
    let server = mock(&url).await;
    for event in avara_mock::webhook_events() {
        let (status, report) = trigger(&server, event.event_type, None).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["delivered"], true, "{report}");
        assert_eq!(report["valid"], false, "{report}");
        let errors = report["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{report}");
        assert!(
            errors[0].as_str().unwrap().contains(event.answer_schema),
            "{report}"
        );
    }
}

#[tokio::test]
async fn a_receiver_with_another_secret_refuses_with_401() {
    let server = mock(&example_receiver(OTHER_SECRET).await).await;
    let event = &avara_mock::webhook_events()[0];
    let (status, report) = trigger(&server, event.event_type, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["delivered"], false, "{report}");
    assert_eq!(report["status"], 401, "{report}");
    assert_eq!(report["attempts"], 3, "{report}");
}

#[tokio::test]
async fn an_unknown_event_type_is_404_naming_the_known_ones() {
    let (url, _) = scripted(|_| (200, json!({}))).await;
    let server = mock(&url).await;
    let (status, body) = trigger(&server, "no.such_event", None).await;
    assert_eq!(status, 404, "{body}");
    let text = body.to_string();
    assert!(text.contains("no.such_event"), "{text}");
    for event in avara_mock::webhook_events() {
        assert!(text.contains(event.event_type), "{text}");
    }
}

#[tokio::test]
async fn without_a_webhook_url_a_trigger_says_how_to_configure_one() {
    let server = avara_mock::spawn().await.unwrap();
    let event = &avara_mock::webhook_events()[0];
    let (status, body) = trigger(&server, event.event_type, None).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("--webhook-url"), "{body}");
}

#[tokio::test]
async fn a_trigger_is_authenticated() {
    let server = avara_mock::spawn().await.unwrap();
    let event = &avara_mock::webhook_events()[0];
    let response = avara::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!(
            "{}/_mock/webhooks/{}",
            server.base_url(),
            event.event_type
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
