//! Receiving Avara's webhooks: verify a delivery's Standard Webhooks
//! signature and parse its body into the spec's [`WebhookEvent`].
//!
//! Avara signs every delivery per [Standard Webhooks]: the `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` headers, an HMAC-SHA256 over
//! `{id}.{timestamp}.{body}` with your webhook key (`whsec_` followed by
//! base64, from the Avara dashboard). [`unwrap`] checks all of it and then
//! parses the body; [`Client::webhooks`] does the same with the key of the
//! client (from [`ClientBuilder::webhook_key`](crate::ClientBuilder::webhook_key)
//! or `AVARA_WEBHOOK_KEY`).
//!
//! ```no_run
//! use avara::types::WebhookEvent;
//!
//! fn receive(body: &[u8], headers: &http::HeaderMap, key: &str) -> Result<(), avara::Error> {
//!     match avara::webhooks::unwrap(body, headers, key)? {
//!         WebhookEvent::ReportDeliveredEvent(event) => {
//!             println!("report {} delivered", event.data.report_id.as_str());
//!         }
//!         other => println!("event {}", avara::webhooks::event_type(&other)),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! What is checked, in this order, each failure an [`Error`] of kind
//! [`ErrorKind::Webhook`] whose [`Error::webhook_problem`] says which
//! ([`WebhookProblem`]); no message ever shows the key:
//!
//! 1. the body is at most [`MAX_BODY_BYTES`] (checked before any work on it);
//! 2. the key is `whsec_` (optional) followed by base64 of at least one byte;
//! 3. the three headers are present and readable;
//! 4. the timestamp is at most [`TOLERANCE`] (5 minutes) in the past or the
//!    future, which bounds replays;
//! 5. one of the space-separated `v1,<base64>` signatures matches, compared
//!    in constant time (other versions are ignored);
//! 6. the body is JSON, its `type` is one of the spec's events and the rest
//!    has that event's shape (the error gives the path of the first field
//!    that does not).
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::Sha256;

use crate::generated_sdk::WEBHOOK_EVENTS;
/// The union of every event of the spec's webhooks (generated from it).
pub use crate::generated_sdk::WebhookEvent;
use crate::{Client, Error, ErrorKind};

/// The environment variable that holds the webhook key.
pub const WEBHOOK_KEY_ENV: &str = "AVARA_WEBHOOK_KEY";
/// The header naming the delivery (the same on each redelivery).
pub const WEBHOOK_ID: &str = "webhook-id";
/// The header with the delivery's Unix time in seconds.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The header with the space-separated `v1,<base64>` signatures.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";
/// How far a delivery's timestamp may be from now, either way.
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);
/// The largest body accepted (1 MiB); a larger one is refused unread.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const KEY_PREFIX: &str = "whsec_";

/// Standard base64, with or without its padding (the official libraries
/// accept keys either way).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a webhook delivery was refused: [`Error::webhook_problem`] of an
/// [`ErrorKind::Webhook`] error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookProblem {
    /// No webhook key was given to the client, nor in `AVARA_WEBHOOK_KEY`.
    NoKey,
    /// The key is not `whsec_` followed by base64 of at least one byte.
    MalformedKey,
    /// This header is missing or empty.
    MissingHeader(&'static str),
    /// This header is not readable text, or the timestamp not an integer.
    InvalidHeader(&'static str),
    /// The timestamp is more than [`TOLERANCE`] in the past.
    StaleTimestamp {
        /// How old it is, in seconds.
        age_secs: u64,
    },
    /// The timestamp is more than [`TOLERANCE`] in the future.
    FutureTimestamp {
        /// How far ahead it is, in seconds.
        ahead_secs: u64,
    },
    /// No `v1` signature matches: a wrong key, or a changed body, id or
    /// timestamp.
    NoValidSignature,
    /// The body is larger than [`MAX_BODY_BYTES`].
    BodyTooLarge {
        /// The body's size in bytes.
        size: usize,
    },
    /// The body is not JSON.
    NotJson,
    /// The body is JSON but not the event its `type` names (or has no
    /// `type`): the path of the first field that does not fit.
    NotAnEvent {
        /// The JSON path, such as `data.isCritical` (`.` for the body itself).
        path: String,
    },
    /// The body's `type` is none of the spec's events. This SDK may be older
    /// than the API: the type is kept, to log or to answer as you choose.
    UnknownType(String),
}

fn problem(problem: WebhookProblem, message: impl Into<String>) -> Error {
    let mut error = Error::new(ErrorKind::Webhook, message);
    error.inner.webhook = Some(problem);
    error
}

/// The verified event of a webhook delivery.
///
/// `body` is the request body exactly as received (the signature covers its
/// bytes: parse nothing before), `headers` the request's headers, `key` the
/// webhook key (`whsec_…`). See the [module docs](self) for what is checked.
pub fn unwrap(
    body: impl AsRef<[u8]>,
    headers: &HeaderMap,
    key: &str,
) -> Result<WebhookEvent, Error> {
    unwrap_at(body, headers, key, SystemTime::now())
}

/// [`unwrap`] as if the time were `now`: to replay a recorded delivery, or
/// in tests.
pub fn unwrap_at(
    body: impl AsRef<[u8]>,
    headers: &HeaderMap,
    key: &str,
    now: SystemTime,
) -> Result<WebhookEvent, Error> {
    let body = body.as_ref();
    verify_at(body, headers, key, now)?;
    parse(body)
}

/// Checks a delivery's signature and timestamp (steps 1 to 5 of the
/// [module docs](self)) without parsing the body.
pub fn verify(body: impl AsRef<[u8]>, headers: &HeaderMap, key: &str) -> Result<(), Error> {
    verify_at(body, headers, key, SystemTime::now())
}

/// [`verify`] as if the time were `now`.
pub fn verify_at(
    body: impl AsRef<[u8]>,
    headers: &HeaderMap,
    key: &str,
    now: SystemTime,
) -> Result<(), Error> {
    let body = body.as_ref();
    check_size(body)?;
    let mac = signing_key(key)?;
    let id = header(headers, WEBHOOK_ID)?;
    let timestamp_text = header(headers, WEBHOOK_TIMESTAMP)?;
    let signatures = header(headers, WEBHOOK_SIGNATURE)?;
    let Ok(timestamp) = timestamp_text.trim().parse::<i64>() else {
        return Err(problem(
            WebhookProblem::InvalidHeader(WEBHOOK_TIMESTAMP),
            format!("webhook: the `{WEBHOOK_TIMESTAMP}` header is not a Unix time in seconds"),
        ));
    };
    let now = unix_seconds(now);
    let tolerance = TOLERANCE.as_secs() as i64;
    if now.saturating_sub(timestamp) > tolerance {
        let age_secs = now.saturating_sub(timestamp).unsigned_abs();
        return Err(problem(
            WebhookProblem::StaleTimestamp { age_secs },
            format!(
                "webhook: the delivery's timestamp is {age_secs} s old, more than the {tolerance} s tolerated (a replay, or a clock out of step)"
            ),
        ));
    }
    if timestamp.saturating_sub(now) > tolerance {
        let ahead_secs = timestamp.saturating_sub(now).unsigned_abs();
        return Err(problem(
            WebhookProblem::FutureTimestamp { ahead_secs },
            format!(
                "webhook: the delivery's timestamp is {ahead_secs} s in the future, more than the {tolerance} s tolerated (a clock out of step)"
            ),
        ));
    }
    let mut signed = mac;
    signed.update(id.as_bytes());
    signed.update(b".");
    signed.update(timestamp.to_string().as_bytes());
    signed.update(b".");
    signed.update(body);
    let valid = signatures
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, signature)| BASE64.decode(signature).ok())
        // `verify_slice` compares in constant time.
        .any(|signature| signed.clone().verify_slice(&signature).is_ok());
    if valid {
        Ok(())
    } else {
        Err(problem(
            WebhookProblem::NoValidSignature,
            format!(
                "webhook: no `v1` signature in `{WEBHOOK_SIGNATURE}` matches (a wrong key, or the body, id or timestamp changed on the way)"
            ),
        ))
    }
}

/// The `v1,<base64>` signature of a delivery, as Avara computes it: for
/// tests of a receiver, or a server that sends these events.
pub fn sign(key: &str, id: &str, timestamp: i64, body: impl AsRef<[u8]>) -> Result<String, Error> {
    let mut mac = signing_key(key)?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_ref());
    Ok(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// Parses a body into its event **without verifying anything**: only for a
/// body whose origin you established otherwise. Step 1 and 6 of the
/// [module docs](self) apply.
pub fn unsafe_unwrap(body: impl AsRef<[u8]>) -> Result<WebhookEvent, Error> {
    let body = body.as_ref();
    check_size(body)?;
    parse(body)
}

/// The `type` of an event, as sent on the wire (`report.delivered`).
pub fn event_type(event: &WebhookEvent) -> String {
    crate::generated_sdk::webhook_event_type(event).to_string()
}

/// One event type of the spec (the generated `WEBHOOK_EVENTS`): its `type`
/// on the wire and the parse of a body of that type.
pub(crate) struct EventKind {
    pub(crate) event_type: &'static str,
    pub(crate) parse: fn(&Value, &str) -> Result<WebhookEvent, Error>,
}

/// Parses `body`, whose `type` is `event_type`, as the event type `Event`.
pub(crate) fn parse_event<Event>(body: &Value, event_type: &str) -> Result<WebhookEvent, Error>
where
    Event: DeserializeOwned + Into<WebhookEvent>,
{
    serde_path_to_error::deserialize::<_, Event>(body)
        .map(Into::into)
        .map_err(|e| {
            let path = e.path().to_string();
            problem(
                WebhookProblem::NotAnEvent { path: path.clone() },
                format!(
                    "webhook: the body is not a `{event_type}` event: at `{path}`: {}",
                    e.inner()
                ),
            )
        })
}

fn parse(body: &[u8]) -> Result<WebhookEvent, Error> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        problem(
            WebhookProblem::NotJson,
            format!("webhook: the body is not JSON: {e}"),
        )
        .with_source(e)
    })?;
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .and_then(|wire| WEBHOOK_EVENTS.iter().find(|kind| kind.event_type == wire));
    if let Some(kind) = kind {
        return (kind.parse)(&value, kind.event_type);
    }
    match value.get("type") {
        Some(Value::String(unknown)) => Err(problem(
            WebhookProblem::UnknownType(unknown.clone()),
            format!(
                "webhook: unknown event type {unknown:?} (not in this SDK's spec; a newer API may send it)"
            ),
        )),
        Some(_) => Err(problem(
            WebhookProblem::NotAnEvent {
                path: "type".into(),
            },
            "webhook: the body is not an event: at `type`: not a string",
        )),
        None => Err(problem(
            WebhookProblem::NotAnEvent { path: ".".into() },
            "webhook: the body is not an event: no `type` field",
        )),
    }
}

fn check_size(body: &[u8]) -> Result<(), Error> {
    if body.len() > MAX_BODY_BYTES {
        return Err(problem(
            WebhookProblem::BodyTooLarge { size: body.len() },
            format!(
                "webhook: the body is {} bytes, more than the {MAX_BODY_BYTES} accepted",
                body.len()
            ),
        ));
    }
    Ok(())
}

fn signing_key(key: &str) -> Result<Hmac<Sha256>, Error> {
    let encoded = key.trim();
    let encoded = encoded.strip_prefix(KEY_PREFIX).unwrap_or(encoded);
    let malformed = || {
        problem(
            WebhookProblem::MalformedKey,
            "webhook: the webhook key is not `whsec_` followed by base64 (the key is not shown)",
        )
    };
    let bytes = BASE64.decode(encoded).map_err(|_| malformed())?;
    if bytes.is_empty() {
        return Err(malformed());
    }
    Hmac::<Sha256>::new_from_slice(&bytes).map_err(|_| malformed())
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, Error> {
    let Some(value) = headers.get(name).filter(|v| !v.is_empty()) else {
        return Err(problem(
            WebhookProblem::MissingHeader(name),
            format!("webhook: the `{name}` header is missing"),
        ));
    };
    value.to_str().map_err(|_| {
        problem(
            WebhookProblem::InvalidHeader(name),
            format!("webhook: the `{name}` header is not readable text"),
        )
    })
}

fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Webhooks verified with the client's key: [`Client::webhooks`].
#[derive(Clone, Copy)]
pub struct Webhooks<'a> {
    client: &'a Client,
}

impl fmt::Debug for Webhooks<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhooks").finish_non_exhaustive()
    }
}

impl Webhooks<'_> {
    /// [`unwrap`] with the client's webhook key
    /// ([`ClientBuilder::webhook_key`](crate::ClientBuilder::webhook_key) or
    /// `AVARA_WEBHOOK_KEY`); [`WebhookProblem::NoKey`] when it has none.
    pub fn unwrap(
        &self,
        body: impl AsRef<[u8]>,
        headers: &HeaderMap,
    ) -> Result<WebhookEvent, Error> {
        unwrap(body, headers, self.key()?)
    }

    /// [`verify`] with the client's webhook key.
    pub fn verify(&self, body: impl AsRef<[u8]>, headers: &HeaderMap) -> Result<(), Error> {
        verify(body, headers, self.key()?)
    }

    /// [`unsafe_unwrap`]: the event, verifying nothing.
    pub fn unsafe_unwrap(&self, body: impl AsRef<[u8]>) -> Result<WebhookEvent, Error> {
        unsafe_unwrap(body)
    }

    fn key(&self) -> Result<&str, Error> {
        self.client.config().webhook_key.as_deref().ok_or_else(|| {
            problem(
                WebhookProblem::NoKey,
                format!(
                    "webhook: no webhook key: set the {WEBHOOK_KEY_ENV} environment variable or call ClientBuilder::webhook_key"
                ),
            )
        })
    }
}

impl Client {
    /// Verifies and parses webhook deliveries with this client's key; see
    /// [`webhooks`](crate::webhooks).
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { client: self }
    }
}
