//! A raw TCP server on 127.0.0.1 for the faults an HTTP server library will
//! not produce: a reset before the headers, a body cut off or stalled after
//! the headers, arbitrary header bytes.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Close the connection without a byte of response.
    Close,
    /// Send these bytes (a whole response), then close.
    Send(Vec<u8>),
    /// Send these bytes, then hold the connection open without sending more.
    SendThenHang(Vec<u8>),
}

/// A complete response: status line, headers (plus `content-length` and
/// `connection: close`) and body.
pub fn response(status: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// A 200 JSON response whose `content-length` promises all of `body` but
/// which holds only its first half.
pub fn cut_in_half(body: &[u8], request_id: &str) -> Vec<u8> {
    let whole = response(
        "200 OK",
        &[
            ("content-type", b"application/json"),
            ("x-request-id", request_id.as_bytes()),
        ],
        body,
    );
    whole[..whole.len() - body.len() / 2].to_vec()
}

pub struct RawServer {
    pub url: String,
    arrivals: Arc<Mutex<Vec<Instant>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RawServer {
    /// Answers request number `n` (from 0) with `answer(n)`.
    pub async fn start(answer: impl Fn(usize) -> Answer + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(answer);
        let recorded = arrivals.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let answer = answer.clone();
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    serve(stream, answer.as_ref(), &recorded).await;
                });
            }
        });
        RawServer {
            url,
            arrivals,
            task,
        }
    }

    /// How many requests arrived.
    pub fn requests(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    answer: &(dyn Fn(usize) -> Answer + Send + Sync),
    arrivals: &Mutex<Vec<Instant>>,
) {
    if !read_request(&mut stream).await {
        return;
    }
    let n = {
        let mut arrivals = arrivals.lock().unwrap();
        arrivals.push(Instant::now());
        arrivals.len() - 1
    };
    match answer(n) {
        Answer::Close => {}
        Answer::Send(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.flush().await;
        }
        Answer::SendThenHang(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    }
}

/// Reads one request (headers, then a `content-length` body); `false` when
/// the client went away first.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..header_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < header_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&chunk[..n]),
        }
    }
    true
}
