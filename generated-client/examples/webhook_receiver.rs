//! A webhook receiver: verifies each delivery's signature, dispatches by
//! event type and answers each event with the answer the spec documents for
//! it (`avara::types::*Response`).
//!
//! ```sh
//! AVARA_WEBHOOK_KEY=whsec_... cargo run --example webhook_receiver   # PORT=8080 by default
//! ```
//!
//! The answers are placeholders (URLs on `pacs.example.com`): a real
//! receiver looks the study up in its own archive. `tests/sdk/receiver.rs`
//! drives this file's `app` with signed deliveries.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use avara::ErrorKind;
use avara::types::{self, WebhookEvent};
use avara::webhooks::{self, WebhookProblem};

/// The receiver's routes: `POST /webhooks/avara`, verified with `key`.
pub fn app(key: String) -> Router {
    Router::new()
        .route("/webhooks/avara", post(receive))
        // axum's own limit, so an oversized body is refused before it is
        // read whole; `unwrap` checks the same bound again.
        .layer(DefaultBodyLimit::max(webhooks::MAX_BODY_BYTES))
        .with_state(key)
}

/// Verifies, parses and answers one delivery.
async fn receive(State(key): State<String>, headers: HeaderMap, body: Bytes) -> Response {
    // The raw bytes: the signature covers them exactly.
    match webhooks::unwrap(&body, &headers, &key) {
        Ok(event) => match answer(event) {
            Ok(answer) => (StatusCode::OK, Json(answer)).into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        },
        Err(error) => refuse(&error),
    }
}

/// The status for a refused delivery: 401 when it is not Avara's, 400 when
/// it is signed but not an event this SDK knows, 413 when it is too large.
fn refuse(error: &avara::Error) -> Response {
    assert_eq!(error.kind(), ErrorKind::Webhook);
    let status = match error.webhook_problem() {
        Some(WebhookProblem::BodyTooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        Some(
            WebhookProblem::UnknownType(_)
            | WebhookProblem::NotJson
            | WebhookProblem::NotAnEvent { .. },
        ) => StatusCode::BAD_REQUEST,
        Some(WebhookProblem::NoKey | WebhookProblem::MalformedKey) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::UNAUTHORIZED,
    };
    eprintln!("webhook refused ({status}): {error}");
    (status, error.to_string()).into_response()
}

/// Each event's answer, built with the spec's answer type.
fn answer(event: WebhookEvent) -> Result<serde_json::Value, String> {
    fn json<T: serde::Serialize>(
        answer: Result<T, types::error::ConversionError>,
    ) -> Result<serde_json::Value, String> {
        let answer = answer.map_err(|e| e.to_string())?;
        serde_json::to_value(answer).map_err(|e| e.to_string())
    }
    let image = |uid: &str| format!("https://pacs.example.com/wado/studies/{uid}/instances/1");
    match event {
        WebhookEvent::StudyAccessRequestedEvent(event) => {
            json(types::StudyAccessRequestedResponse::try_from(
                types::StudyAccessRequestedResponse::builder()
                    .authorized(true)
                    .urls(vec![image(&event.data.study_instance_uid)]),
            ))
        }
        WebhookEvent::EphemeralAccessRequestedEvent(event) => {
            json(types::EphemeralAccessRequestedResponse::try_from(
                types::EphemeralAccessRequestedResponse::builder()
                    .authorized(true)
                    .urls(vec![image(&event.data.retrieval_id)]),
            ))
        }
        WebhookEvent::ReportDeliveredEvent(event) => {
            println!(
                "report {} of study {} delivered",
                event.data.report_id.as_str(),
                event.data.study_id.as_str()
            );
            json(types::ReportDeliveredResponse::try_from(
                types::ReportDeliveredResponse::builder().success(true),
            ))
        }
        WebhookEvent::SecondaryCaptureAccessRequestedEvent(event) => {
            json(types::SecondaryCaptureAccessRequestedResponse::try_from(
                types::SecondaryCaptureAccessRequestedResponse::builder()
                    .authorized(true)
                    .upload_urls(vec![format!(
                        "https://pacs.example.com/upload/{}/{}",
                        event.data.study_instance_uid,
                        event.data.sop_instance_uid.as_deref().unwrap_or("new")
                    )]),
            ))
        }
        WebhookEvent::ModalityWorklistRequestedEvent(event) => {
            println!("worklist query from {}", event.data.calling_ae);
            json(types::ModalityWorklistRequestedResponse::try_from(
                types::ModalityWorklistRequestedResponse::builder()
                    .authorized(true)
                    .items(Vec::<types::ModalityWorklistItem>::new()),
            ))
        }
        WebhookEvent::PatientStudyEnrichmentRequestedEvent(event) => {
            json(types::PatientStudyEnrichmentRequestedResponse::try_from(
                types::PatientStudyEnrichmentRequestedResponse::builder()
                    .external_patient_id(event.data.patient_id.clone())
                    .facility_name(Some("City Medical Center".to_string())),
            ))
        }
        WebhookEvent::ClinicalContextEnrichmentRequestedEvent(event) => {
            json(types::ClinicalContextEnrichmentRequestedResponse::try_from(
                types::ClinicalContextEnrichmentRequestedResponse::builder().clinical_indication(
                    Some(format!(
                        "Follow-up for patient {}",
                        event
                            .data
                            .external_patient_id
                            .as_deref()
                            .unwrap_or("unknown")
                    )),
                ),
            ))
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var(webhooks::WEBHOOK_KEY_ENV).map_err(|_| {
        format!(
            "set {} to your webhook key (whsec_...)",
            webhooks::WEBHOOK_KEY_ENV
        )
    })?;
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "listening on http://{}/webhooks/avara",
        listener.local_addr()?
    );
    axum::serve(listener, app(key)).await?;
    Ok(())
}
