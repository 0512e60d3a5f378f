//! The server's edges over raw TCP: slow heads, slow bodies and idle
//! connections are cut off, idle sockets beyond the connection cap never
//! keep a request out, and answers hyper would write itself (400, 414, 431)
//! carry the spec's `Error` body and an `x-request-id`.

use std::time::Duration;

use avara_mock::{Limits, MockServer};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

use crate::KEY;

/// Far longer than any limit a test sets: what "never" means here.
const NEVER: Duration = Duration::from_secs(20);

async fn spawn(limits: Limits) -> MockServer {
    avara_mock::spawn_with_limits(avara_mock::Config::default(), limits)
        .await
        .unwrap()
}

/// Limits with every timeout far above what a test waits, but `tweak`ed.
fn limits(tweak: impl FnOnce(&mut Limits)) -> Limits {
    let mut limits = Limits {
        header_read_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
        max_connections: 512,
    };
    tweak(&mut limits);
    limits
}

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the spec's `Error` body, JSON content type and a request id,
    /// and returns the body.
    fn assert_error_shape(&self) -> Value {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        let id = self.header("x-request-id").expect("an x-request-id");
        assert!(
            id.strip_prefix("req_")
                .is_some_and(|hex| hex.len() == 24 && hex.bytes().all(|b| b.is_ascii_hexdigit())),
            "{id}"
        );
        let body: Value = serde_json::from_slice(&self.body).expect("a JSON body");
        let object = body.as_object().expect("an object");
        assert!(
            object["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert!(
            object["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        body
    }
}

/// Reads one response from `stream` (its head, then `content-length` bytes).
async fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut buffer = Vec::new();
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 4096];
        let n = timeout(NEVER, stream.read(&mut chunk))
            .await
            .expect("an answer in time")
            .unwrap();
        assert!(
            n > 0,
            "closed before a complete head: {:?}",
            String::from_utf8_lossy(&buffer)
        );
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_string(), value.trim().to_string())
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = timeout(NEVER, stream.read(&mut chunk))
            .await
            .expect("a body in time")
            .unwrap();
        assert!(n > 0, "closed before the whole body");
        body.extend_from_slice(&chunk[..n]);
    }
    Answer {
        status,
        headers,
        body,
    }
}

/// Whether the server closes `stream` within `within` (reading and
/// discarding what it sends until then).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// Sends `bytes` one at a time, `gap` apart, until the server closes the
/// connection; returns how many were sent before it did.
async fn trickle(stream: &mut TcpStream, bytes: &[u8], gap: Duration) -> usize {
    let (mut reader, mut writer) = stream.split();
    let closed = async {
        let mut chunk = [0u8; 4096];
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    let send = async {
        for (i, byte) in bytes.iter().enumerate() {
            if writer.write_all(&[*byte]).await.is_err() {
                return i;
            }
            tokio::time::sleep(gap).await;
        }
        bytes.len()
    };
    tokio::select! {
        () = closed => 0,
        sent = send => sent,
    }
}

fn orgs_get() -> String {
    format!("GET /v1/orgs HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer {KEY}\r\n\r\n")
}

#[tokio::test]
async fn a_head_sent_a_byte_at_a_time_is_cut_off() {
    let server = spawn(limits(|l| {
        l.header_read_timeout = Duration::from_millis(800)
    }))
    .await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    // 100 bytes a second: the head would take over 30 s.
    let head = format!(
        "GET /v1/orgs HTTP/1.1\r\nhost: mock\r\nx-padding: {}\r\n\r\n",
        "p".repeat(3000)
    );
    let started = Instant::now();
    let sent = timeout(
        NEVER,
        trickle(&mut stream, head.as_bytes(), Duration::from_millis(10)),
    )
    .await
    .expect("cut off, not served forever");
    assert!(sent < head.len(), "the whole head went through");
    assert!(started.elapsed() < NEVER);
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_cut_off() {
    let server = spawn(limits(|l| l.body_timeout = Duration::from_millis(800))).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let body = format!("{{\"orgName\": \"{}\"}}", "n".repeat(3000));
    let head = format!(
        "POST /v1/orgs HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer {KEY}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        for byte in body.bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    let mut answer = Vec::new();
    timeout(NEVER, reader.read_to_end(&mut answer))
        .await
        .expect("answered and closed long before the body is complete")
        .ok();
    assert!(!sender.is_finished(), "the whole body went through");
    sender.abort();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 4"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("\r\nx-request-id: req_"),
        "{text}"
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed_but_a_slow_request_is_not() {
    let server = spawn(limits(|l| l.idle_timeout = Duration::from_millis(500))).await;

    // A request that takes longer than the idle timeout is answered.
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let slow = format!(
        "GET /v1/orgs HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer {KEY}\r\n\
         x-avara-mock-fault: delay=1500\r\n\r\n"
    );
    stream.write_all(slow.as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut stream).await.status, 200);

    // Then, kept alive and silent, the connection is closed.
    assert!(
        closed_within(&mut stream, NEVER).await,
        "an idle connection stays open"
    );

    // A connection that never sends anything is closed too.
    let mut silent = TcpStream::connect(server.addr()).await.unwrap();
    assert!(
        closed_within(&mut silent, NEVER).await,
        "a silent connection stays open"
    );
}

#[tokio::test]
async fn idle_sockets_beyond_the_cap_are_closed_and_never_keep_a_request_out() {
    const CAP: usize = 32;
    const IDLE_SOCKETS: usize = 300;
    let server = spawn(limits(|l| l.max_connections = CAP)).await;
    let mut idle = Vec::new();
    for _ in 0..IDLE_SOCKETS {
        idle.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    // A normal request still gets through, at once.
    let mut stream = timeout(NEVER, TcpStream::connect(server.addr()))
        .await
        .expect("accepted")
        .unwrap();
    stream.write_all(orgs_get().as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut stream).await.status, 200);

    // And the server holds at most CAP connections: the rest were closed.
    let mut closed = 0;
    for socket in &mut idle {
        if closed_within(socket, Duration::from_millis(20)).await {
            closed += 1;
        }
    }
    assert!(
        closed >= IDLE_SOCKETS + 1 - CAP,
        "only {closed} of {IDLE_SOCKETS} idle sockets were closed"
    );
}

#[tokio::test]
async fn when_every_connection_is_busy_a_new_one_is_answered_503() {
    let server = spawn(limits(|l| l.max_connections = 2)).await;
    let slow = format!(
        "GET /v1/orgs HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer {KEY}\r\n\
         x-avara-mock-fault: delay=3000\r\n\r\n"
    );
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(slow.as_bytes()).await.unwrap();
        busy.push(stream);
    }
    // Let the server read both heads.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut refused = TcpStream::connect(server.addr()).await.unwrap();
    let answer = read_answer(&mut refused).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.header("retry-after"), Some("1"));
    assert_eq!(answer.assert_error_shape()["error"], "service_unavailable");
    for stream in &mut busy {
        assert_eq!(read_answer(stream).await.status, 200);
    }
}

/// Sends `request` on a fresh connection and reads the answer, which must
/// end the connection.
async fn answer_to(server: &MockServer, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(request).await.unwrap();
    let answer = read_answer(&mut stream).await;
    assert!(closed_within(&mut stream, NEVER).await);
    answer
}

#[tokio::test]
async fn answers_at_the_http_layer_have_the_error_body_and_a_request_id() {
    let server = spawn(Limits::default()).await;

    let long_uri = format!(
        "GET /v1/orgs?cursor={} HTTP/1.1\r\nhost: mock\r\n\r\n",
        "c".repeat(70_000)
    );
    let answer = answer_to(&server, long_uri.as_bytes()).await;
    assert_eq!(answer.status, 414);
    assert_eq!(answer.assert_error_shape()["error"], "uri_too_long");

    let big_header = format!(
        "GET /v1/orgs HTTP/1.1\r\nhost: mock\r\nx-big: {}\r\n\r\n",
        "b".repeat(avara_mock::MAX_HEAD_BYTES + 1)
    );
    let answer = answer_to(&server, big_header.as_bytes()).await;
    assert_eq!(answer.status, 431);
    assert_eq!(
        answer.assert_error_shape()["error"],
        "request_header_fields_too_large"
    );

    let many_headers: String = (0..101).map(|i| format!("x-h{i}: v\r\n")).collect();
    let answer = answer_to(
        &server,
        format!("GET /v1/orgs HTTP/1.1\r\nhost: mock\r\n{many_headers}\r\n").as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 431);
    answer.assert_error_shape();

    for malformed in [
        &b"NOT HTTP AT ALL\r\n\r\n"[..],
        b"GET /v1/orgs HTTP/1.1\r\nno colon here\r\n\r\n",
        b"POST /v1/orgs HTTP/1.1\r\ncontent-length: nope\r\n\r\n",
    ] {
        let answer = answer_to(&server, malformed).await;
        assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(malformed));
        assert_eq!(answer.assert_error_shape()["error"], "invalid_request");
    }

    // After answers of the router on a kept-alive connection, too.
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    for _ in 0..2 {
        stream.write_all(orgs_get().as_bytes()).await.unwrap();
        assert_eq!(read_answer(&mut stream).await.status, 200);
    }
    // With a key: authentication comes before routing.
    stream
        .write_all(
            format!("GET /nowhere HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer {KEY}\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let not_found = read_answer(&mut stream).await;
    assert_eq!(not_found.status, 404);
    not_found.assert_error_shape();
    stream.write_all(b"BROKEN\r\n\r\n").await.unwrap();
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 400);
    answer.assert_error_shape();
    let ids: Vec<_> = [&not_found, &answer]
        .iter()
        .map(|a| a.header("x-request-id").unwrap().to_string())
        .collect();
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn answers_of_the_router_are_never_taken_for_the_http_layer_ones() {
    // Pipelined requests whose answers the client does not read at first:
    // the socket fills, and hyper writes answers again after `Pending`.
    const REQUESTS: usize = 2000;
    let server = spawn(Limits::default()).await;
    let stream = TcpStream::connect(server.addr()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let requests =
        format!("GET /nowhere HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer {KEY}\r\n\r\n")
            .repeat(REQUESTS);
    let sender = tokio::spawn(async move {
        writer.write_all(requests.as_bytes()).await.unwrap();
        writer
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut received = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while received
        .windows(b"HTTP/1.1 ".len())
        .filter(|w| *w == b"HTTP/1.1 ")
        .count()
        < REQUESTS
    {
        let n = timeout(NEVER, reader.read(&mut chunk))
            .await
            .expect("every answer in time")
            .unwrap();
        assert!(
            n > 0,
            "closed early: {}",
            String::from_utf8_lossy(&received[received.len().saturating_sub(400)..])
        );
        received.extend_from_slice(&chunk[..n]);
    }
    let _writer = sender.await.unwrap();
    let text = String::from_utf8(received).unwrap();
    assert_eq!(text.matches("HTTP/1.1 404 Not Found\r\n").count(), REQUESTS);
    assert_eq!(text.matches("\"error\":\"not_found\"").count(), REQUESTS);
}
