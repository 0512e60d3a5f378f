//! Sending the spec's webhook events: `POST /_mock/webhooks/{eventType}`
//! delivers the event's documented example (or the event in the request
//! body) to the configured URL, signed per Standard Webhooks with
//! `avara::webhooks::sign`, retried with exponential backoff, and reports the
//! receiver's answer checked against the event's answer schema.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::generated::EVENTS;
use crate::model::Event;

/// The prefix of a webhook secret.
const SECRET_PREFIX: &str = "whsec_";
/// How long one delivery attempt waits for the receiver's answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how the mock sends webhooks (see [`crate::Config`]).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// The receiver's URL.
    pub url: String,
    /// The signing secret, `whsec_` followed by base64.
    pub secret: String,
    /// How many times a delivery is tried in all (at least 1).
    pub attempts: u32,
    /// The wait before the first retry; each next one doubles it.
    pub backoff: Duration,
}

/// The default number of attempts of a delivery.
pub const DEFAULT_ATTEMPTS: u32 = 3;
/// The default wait before the first retry.
pub const DEFAULT_BACKOFF: Duration = Duration::from_millis(100);

impl WebhookConfig {
    /// Deliveries to `url` signed with `secret`, with the default retries.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: secret.into(),
            attempts: DEFAULT_ATTEMPTS,
            backoff: DEFAULT_BACKOFF,
        }
    }

    /// The same, tried `attempts` times in all, waiting `backoff`, then
    /// twice as long, and so on, between attempts.
    pub fn retry(mut self, attempts: u32, backoff: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.backoff = backoff;
        self
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"whsec_<redacted>")
            .field("attempts", &self.attempts)
            .field("backoff", &self.backoff)
            .finish()
    }
}

/// Why `secret` cannot sign webhooks, if it cannot; the message never shows
/// the secret.
pub fn check_secret(secret: &str) -> Result<(), String> {
    if !secret.starts_with(SECRET_PREFIX) {
        return Err("the webhook secret must start with `whsec_` followed by base64".into());
    }
    avara::webhooks::sign(secret, "msg_check", 0, b"")
        .map(|_| ())
        .map_err(|_| {
            "the webhook secret must be `whsec_` followed by base64 of at least one byte"
                .to_string()
        })
}

/// The event types of the spec, with their documented examples.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookEventInfo {
    /// The event type, such as it appears in the event's `type`.
    pub event_type: &'static str,
    /// The event's schema name.
    pub schema: &'static str,
    /// The documented example.
    pub example: Value,
    /// The schema name of the receiver's answer.
    pub answer_schema: &'static str,
}

/// Every webhook event the mock can send.
pub fn events() -> Vec<WebhookEventInfo> {
    EVENTS
        .iter()
        .map(|e| WebhookEventInfo {
            event_type: e.event_type,
            schema: e.schema,
            example: serde_json::from_str(e.example).unwrap_or(Value::Null),
            answer_schema: e.answer_schema,
        })
        .collect()
}

/// Why a trigger cannot send.
#[derive(Debug)]
pub(crate) enum TriggerError {
    UnknownType(String),
    NotConfigured,
    BadEvent(String),
}

impl fmt::Display for TriggerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TriggerError::UnknownType(t) => {
                let known: Vec<&str> = EVENTS.iter().map(|e| e.event_type).collect();
                write!(
                    f,
                    "no webhook event type `{t}`; the spec's are: {}",
                    known.join(", ")
                )
            }
            TriggerError::NotConfigured => f.write_str(
                "no webhook URL is configured: start avara-mock with \
                 --webhook-url URL --webhook-secret whsec_... \
                 (or set avara_mock::Config::webhooks)",
            ),
            TriggerError::BadEvent(e) => write!(f, "the event to send: {e}"),
        }
    }
}

/// The sender: the configuration and an HTTP client.
#[derive(Debug)]
pub(crate) struct Sender {
    config: Option<WebhookConfig>,
    http: Option<reqwest::Client>,
}

impl Sender {
    pub(crate) fn new(config: Option<WebhookConfig>) -> Self {
        let http = avara::http_client_builder()
            .ok()
            .and_then(|b| b.timeout(ATTEMPT_TIMEOUT).build().ok());
        Sender { config, http }
    }

    /// Sends an event of `event_type`: `body` if it is not empty (checked
    /// as the event's type), else the documented example. The report of
    /// the delivery.
    pub(crate) async fn trigger(
        &self,
        event_type: &str,
        body: &[u8],
    ) -> Result<Value, TriggerError> {
        let event = EVENTS
            .iter()
            .find(|e| e.event_type == event_type)
            .ok_or_else(|| TriggerError::UnknownType(event_type.to_string()))?;
        let (Some(config), Some(http)) = (&self.config, &self.http) else {
            return Err(TriggerError::NotConfigured);
        };
        let payload = payload(event, body)?;
        Ok(deliver(http, config, event, payload).await)
    }
}

/// The body to send: `body` checked as `event`, or its example.
fn payload(event: &Event, body: &[u8]) -> Result<Vec<u8>, TriggerError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(event.example.as_bytes().to_vec());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TriggerError::BadEvent(format!("not valid JSON: {e}")))?;
    if let Some(check) = event.check {
        check(&value)
            .map_err(|e| TriggerError::BadEvent(format!("not a `{}`: {e}", event.schema)))?;
    }
    if value.get("type").and_then(Value::as_str) != Some(event.event_type) {
        return Err(TriggerError::BadEvent(format!(
            "its `type` must be `{}`",
            event.event_type
        )));
    }
    serde_json::to_vec(&value).map_err(|e| TriggerError::BadEvent(e.to_string()))
}

/// Delivers `payload` to the configured URL, retrying a failed attempt (no
/// answer, or a status other than 2xx) with exponential backoff; the same
/// `webhook-id` on every attempt, a fresh timestamp and signature on each.
async fn deliver(
    http: &reqwest::Client,
    config: &WebhookConfig,
    event: &Event,
    payload: Vec<u8>,
) -> Value {
    let id = format!("msg_{:032x}", fastrand::u128(..));
    let mut failures = Vec::new();
    let mut last: Option<(u16, Vec<u8>)> = None;
    let mut attempts = 0;
    let mut delay = config.backoff;
    while attempts < config.attempts.max(1) {
        if attempts > 0 {
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
        attempts += 1;
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let signature = match avara::webhooks::sign(&config.secret, &id, timestamp, &payload) {
            Ok(signature) => signature,
            Err(_) => {
                failures.push("the webhook secret cannot sign".to_string());
                break;
            }
        };
        let sent = http
            .post(&config.url)
            .header("content-type", "application/json")
            .header(avara::webhooks::WEBHOOK_ID, &id)
            .header(avara::webhooks::WEBHOOK_TIMESTAMP, timestamp.to_string())
            .header(avara::webhooks::WEBHOOK_SIGNATURE, signature)
            .body(payload.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response
                    .bytes()
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                let ok = (200..300).contains(&status);
                last = Some((status, body));
                if ok {
                    break;
                }
                failures.push(format!("attempt {attempts}: status {status}"));
            }
            Err(e) => {
                last = None;
                failures.push(format!("attempt {attempts}: {}", without_url(&e)));
            }
        }
    }
    let delivered = last
        .as_ref()
        .is_some_and(|(status, _)| (200..300).contains(status));
    let (status, answer) = match &last {
        Some((status, body)) => (
            Some(*status),
            serde_json::from_slice::<Value>(body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned())),
        ),
        None => (None, Value::Null),
    };
    let errors: Vec<String> = if delivered {
        answer_errors(
            event,
            last.as_ref().map(|(_, b)| b.as_slice()).unwrap_or_default(),
        )
    } else {
        failures
    };
    json!({
        "delivered": delivered,
        "attempts": attempts,
        "webhookId": id,
        "eventType": event.event_type,
        "status": status,
        "answer": answer,
        "answerSchema": event.answer_schema,
        "valid": delivered && errors.is_empty(),
        "errors": errors,
    })
}

/// Why an answer is not the event's answer type, if it is not.
fn answer_errors(event: &Event, body: &[u8]) -> Vec<String> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return vec![format!("the answer is not JSON: {e}")],
    };
    match event.answer_check.map(|check| check(&value)) {
        Some(Err(e)) => vec![format!(
            "the answer is not a `{}`: {e}",
            event.answer_schema
        )],
        _ => Vec::new(),
    }
}

/// A client error without the URL (which the report already knows).
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "the webhook URL");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
