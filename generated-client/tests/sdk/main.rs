//! The SDK runtime against local HTTP servers on 127.0.0.1: retries, errors,
//! timeouts, pagination, client-side validation and secrecy of the API key;
//! and the reference's doc examples against the generated types. One test
//! binary: each links the whole stack.

mod doc_examples;
mod errors;
mod faults;
mod options;
mod pagination;
mod raw;
mod readme;
mod receiver;
mod request_forms;
mod resource_tree;
mod retries;
mod secrets;
mod stainless;
mod tls;
mod types;
mod validation;
mod webhooks;

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use avara::Client;
use serde_json::{Value, json};
use wiremock::MockServer;

pub const API_KEY: &str = "sk_test_SECRET_4f1d9a";

/// Records when requests arrive at a wiremock server.
#[derive(Clone, Default)]
pub struct Arrivals(std::sync::Arc<Mutex<Vec<std::time::Instant>>>);

impl Arrivals {
    /// A responder that records each arrival, then answers `template`.
    pub fn answering(
        &self,
        template: wiremock::ResponseTemplate,
    ) -> impl wiremock::Respond + use<> {
        let arrivals = self.clone();
        move |_: &wiremock::Request| {
            arrivals.0.lock().unwrap().push(std::time::Instant::now());
            template.clone()
        }
    }

    /// The time between each arrival and the next.
    pub fn gaps(&self) -> Vec<Duration> {
        let times = self.0.lock().unwrap();
        times.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

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

/// Captures what `tracing` prints inside one test's [`TraceCapture::span`].
///
/// One subscriber is installed for the whole test process (a per-thread
/// `set_default` can miss events under a parallel run: callsite interest is
/// cached process-wide), printing every event and span close with its span
/// context; a capture keeps the lines that carry its own `capture{id=N}`.
pub struct TraceCapture {
    id: u64,
}

static TRACE_BUFFER: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct GlobalWriter;

impl Write for GlobalWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        TRACE_BUFFER.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl TraceCapture {
    pub fn start() -> Self {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                .with_writer(|| GlobalWriter)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in this test binary");
        });
        TraceCapture {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The span to run the captured code in (`.instrument(capture.span())`).
    pub fn span(&self) -> tracing::Span {
        tracing::info_span!("capture", id = self.id)
    }

    pub fn text(&self) -> String {
        let marker = format!("capture{{id={}}}", self.id);
        let buffer = TRACE_BUFFER.lock().unwrap();
        String::from_utf8_lossy(&buffer)
            .lines()
            .filter(|line| line.contains(&marker))
            .map(|line| format!("{line}\n"))
            .collect()
    }
}
