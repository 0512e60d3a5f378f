//! The example receiver (`examples/webhook_receiver.rs`), served in-process
//! on a free port and sent signed deliveries of every event of the spec: each
//! answer must decode as the answer type the spec gives for its event.

#[path = "../../examples/webhook_receiver.rs"]
#[allow(dead_code)]
mod example;

use std::time::{SystemTime, UNIX_EPOCH};

use avara::types;
use avara::webhooks;

use crate::webhooks::vectors;

struct Receiver {
    url: String,
    http: reqwest::Client,
}

impl Receiver {
    async fn start(key: &str) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/avara", listener.local_addr().unwrap());
        let app = example::app(key.to_string());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let http = avara::http_client_builder().unwrap().build().unwrap();
        Receiver { url, http }
    }

    /// Sends `body` signed with `key` now; the status and body of the answer.
    async fn deliver(&self, key: &str, id: &str, body: &str) -> (u16, String) {
        let ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let signature = webhooks::sign(key, id, ts, body).unwrap();
        self.send(
            body,
            &[
                ("webhook-id", id.to_string()),
                ("webhook-timestamp", ts.to_string()),
                ("webhook-signature", signature),
            ],
        )
        .await
    }

    async fn send(&self, body: &str, headers: &[(&str, String)]) -> (u16, String) {
        let mut request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }
}

/// Decodes `answer` as the spec's answer type named `schema` (from the
/// vectors, which take it from the event's `200` response in the spec).
fn decode_answer(schema: &str, answer: &str) -> Result<(), String> {
    fn strict<T: serde::de::DeserializeOwned + serde::Serialize>(
        answer: &str,
    ) -> Result<(), String> {
        let typed: T = serde_json::from_str(answer).map_err(|e| e.to_string())?;
        // Nothing of the answer is lost in the typed value.
        let back = serde_json::to_value(&typed).unwrap();
        let sent: serde_json::Value = serde_json::from_str(answer).unwrap();
        if back != sent {
            return Err(format!("{sent} decodes to {back}"));
        }
        Ok(())
    }
    match schema {
        "StudyAccessRequestedResponse" => strict::<types::StudyAccessRequestedResponse>(answer),
        "EphemeralAccessRequestedResponse" => {
            strict::<types::EphemeralAccessRequestedResponse>(answer)
        }
        "ReportDeliveredResponse" => strict::<types::ReportDeliveredResponse>(answer),
        "SecondaryCaptureAccessRequestedResponse" => {
            strict::<types::SecondaryCaptureAccessRequestedResponse>(answer)
        }
        "ModalityWorklistRequestedResponse" => {
            strict::<types::ModalityWorklistRequestedResponse>(answer)
        }
        "PatientStudyEnrichmentRequestedResponse" => {
            strict::<types::PatientStudyEnrichmentRequestedResponse>(answer)
        }
        "ClinicalContextEnrichmentRequestedResponse" => {
            strict::<types::ClinicalContextEnrichmentRequestedResponse>(answer)
        }
        other => Err(format!("an answer schema this test does not know: {other}")),
    }
}

#[tokio::test]
async fn the_example_receiver_answers_every_event_with_its_answer_type() {
    let v = vectors();
    let receiver = Receiver::start(&v.key).await;
    for (n, event) in v.events.iter().enumerate() {
        let (status, answer) = receiver
            .deliver(&v.key, &format!("msg_receiver_{n}"), &event.body)
            .await;
        assert_eq!(status, 200, "{}: {answer}", event.type_);
        decode_answer(&event.answer_schema, &answer)
            .unwrap_or_else(|e| panic!("{}: {e}", event.type_));
        // Answering one type with another's answer would be caught: the
        // report acknowledgment is no access answer, for one.
        if event.answer_schema != "ReportDeliveredResponse" {
            assert!(decode_answer("ReportDeliveredResponse", &answer).is_err());
        }
    }
}

#[tokio::test]
async fn the_example_receiver_refuses_what_it_cannot_trust() {
    let v = vectors();
    let receiver = Receiver::start(&v.key).await;
    let body = &v.events[0].body;

    // Signed with another key.
    let (status, text) = receiver.deliver(&v.wrong_key, "msg_1", body).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("no `v1` signature"), "{text}");

    // A recorded delivery of the Python library, replayed long after.
    let (status, text) = receiver
        .send(
            body,
            &v.events[0]
                .headers
                .iter()
                .map(|(k, val)| (k.as_str(), val.clone()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("s old"), "{text}");

    // No headers at all.
    let (status, text) = receiver.send(body, &[]).await;
    assert_eq!(status, 401);
    assert!(text.contains("webhook-id"), "{text}");

    // Signed, but of a type this SDK does not know.
    let unknown =
        r#"{"id":"whe_00000000000000000000000000000000","type":"study.teleported","data":{}}"#;
    let (status, text) = receiver.deliver(&v.key, "msg_2", unknown).await;
    assert_eq!(status, 400);
    assert!(text.contains("study.teleported"), "{text}");

    // Larger than the bound: refused by the receiver's body limit.
    let huge = " ".repeat(webhooks::MAX_BODY_BYTES + 1);
    let (status, _) = receiver.deliver(&v.key, "msg_3", &huge).await;
    assert_eq!(status, 413);
}
