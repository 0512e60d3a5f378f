//! The SDK runtime against local HTTP servers on 127.0.0.1: retries, errors,
//! timeouts, pagination, client-side validation and secrecy of the API key.

mod errors;
mod pagination;
mod retries;
mod secrets;
mod tls;
mod validation;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use avara::Client;
use serde_json::{Value, json};
use wiremock::MockServer;

pub const API_KEY: &str = "sk_test_SECRET_4f1d9a";

/// A client for `server` with fast retry delays.
pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

pub fn builder(server: &MockServer) -> avara::ClientBuilder {
    Client::builder()
        .api_key(API_KEY)
        .base_url(server.uri())
        .retry_delays(Duration::from_millis(1), Duration::from_millis(5))
        .timeout(Duration::from_secs(5))
}

pub fn org_id(n: usize) -> String {
    format!("org_{n:032x}")
}

pub fn org_json(n: usize) -> Value {
    json!({
        "createdAt": "2024-01-15T09:00:00Z",
        "isActive": true,
        "orgId": org_id(n),
        "orgName": format!("Org {n}"),
        "updatedAt": null,
        "userCount": n,
    })
}

/// Captures everything `tracing` prints while it lives (current thread).
pub struct TraceCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

#[derive(Clone)]
struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl TraceCapture {
    pub fn start() -> Self {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = SharedWriter(buffer.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_writer(move || writer.clone())
            .finish();
        TraceCapture {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap()).into_owned()
    }
}
