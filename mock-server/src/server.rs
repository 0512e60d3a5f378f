//! The accept loop: HTTP/1.1 connections served by hyper, within [`Limits`],
//! each of which a handler can close without answering (see
//! [`ConnectionKill`]).
//!
//! hyper answers a head it cannot parse itself (400, 414 for a URI over
//! 65534 bytes, 431 for a head over [`MAX_HEAD_BYTES`] or more than 100
//! headers) with an empty body. The connection's writer recognises such an
//! answer (one of those statuses, without the `x-request-id` that the
//! router puts on every answer) and writes the mock's own instead: the
//! spec's `Error` body and an `x-request-id`, like every other answer.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower_service::Service;

/// The largest request head (request line and headers) read, in bytes;
/// above it hyper answers 431. It exceeds hyper's fixed URI limit (65534
/// bytes, 414), so that a long URI gets its own status.
pub const MAX_HEAD_BYTES: usize = 128 * 1024;

/// How long connections and requests may take, and how many connections
/// may be open at once.
///
/// What the limits do:
/// - a request head (request line and headers) must arrive within
///   [`Limits::header_read_timeout`] of the server starting to wait for it
///   (hyper's timer: from the connection's start, or from the end of the
///   previous response), so a client sending its head a byte at a time is
///   cut off;
/// - a request body must arrive within [`Limits::body_timeout`] of its head;
///   after that, reading it fails, the handler answers, and the connection
///   closes;
/// - a connection with no request in progress and no byte in either
///   direction for [`Limits::idle_timeout`] is closed: a kept-alive
///   connection between requests, or one that sends nothing (by default
///   shorter than the head timeout, as a keep-alive timeout is);
/// - at most [`Limits::max_connections`] connections are open: a new one
///   closes the connection idle the longest (no request in progress), and
///   when every connection has a request in progress, the new one is
///   answered 503 and closed. So idle sockets, however many, never keep a
///   request out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest wait for a complete request head.
    pub header_read_timeout: Duration,
    /// The longest wait for a complete request body, from its head.
    pub body_timeout: Duration,
    /// How long a connection may stay silent with no request in progress.
    pub idle_timeout: Duration,
    /// The most connections open at once.
    pub max_connections: usize,
}

impl Default for Limits {
    /// 10 s for a head, 30 s for a body, 5 s idle, 512 connections.
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(5),
            max_connections: 512,
        }
    }
}

/// Put into every request's extensions: notifying it closes the request's
/// connection at once, without writing anything more to it.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    /// Closes the connection.
    pub(crate) fn kill(&self) {
        self.0.notify_one();
    }
}

/// What the accept loop and a connection's task know of a connection.
#[derive(Debug)]
struct ConnectionState {
    /// Milliseconds since the server's start at the last byte read or written.
    last_activity: AtomicU64,
    /// Requests handed to the router whose response body has not ended.
    in_flight: AtomicUsize,
    kill: Arc<Notify>,
    epoch: Instant,
}

impl ConnectionState {
    fn new(epoch: Instant) -> Self {
        let state = ConnectionState {
            last_activity: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            kill: Arc::new(Notify::new()),
            epoch,
        };
        state.touch();
        state
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn touch(&self) {
        self.last_activity.store(self.now_ms(), Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = self.last_activity.load(Ordering::Relaxed);
        Duration::from_millis(self.now_ms().saturating_sub(last))
    }

    fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }
}

/// The open connections, by a number of their own.
#[derive(Default)]
struct Registry {
    connections: Mutex<HashMap<u64, Arc<ConnectionState>>>,
    next_id: AtomicU64,
}

impl Registry {
    /// Registers a new connection if there is room, closing the connection
    /// idle the longest when there is not; `None` when every connection has
    /// a request in progress.
    fn admit(&self, max: usize, epoch: Instant) -> Option<(u64, Arc<ConnectionState>)> {
        let mut connections = self.connections.lock().expect("registry lock");
        if connections.len() >= max.max(1) {
            let oldest_idle = connections
                .iter()
                .filter(|(_, state)| state.is_idle())
                .min_by_key(|(_, state)| state.last_activity.load(Ordering::Relaxed))
                .map(|(id, _)| *id)?;
            if let Some(evicted) = connections.remove(&oldest_idle) {
                evicted.kill.notify_one();
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnectionState::new(epoch));
        connections.insert(id, state.clone());
        Some((id, state))
    }

    fn remove(&self, id: u64) {
        self.connections.lock().expect("registry lock").remove(&id);
    }
}

/// Serves `router` on every connection `listener` accepts, within `limits`,
/// until the task running this is aborted; that drops the connection tasks,
/// which closes their sockets.
pub(crate) async fn serve(listener: TcpListener, router: Router, limits: Limits) {
    let epoch = Instant::now();
    let registry = Arc::new(Registry::default());
    let mut connections = JoinSet::new();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            // Out of file descriptors and the like: wait a little, go on.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Forget the connections that have ended.
        while connections.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        match registry.admit(limits.max_connections, epoch) {
            Some((id, state)) => {
                let registry = registry.clone();
                let router = router.clone();
                let limits = limits.clone();
                connections.spawn(async move {
                    serve_connection(stream, router, state, &limits).await;
                    registry.remove(id);
                });
            }
            None => {
                let max = limits.max_connections;
                connections.spawn(refuse(stream, max));
            }
        }
    }
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    state: Arc<ConnectionState>,
    limits: &Limits,
) {
    let on_request = state.clone();
    let body_timeout = limits.body_timeout;
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let state = on_request.clone();
        state.in_flight.fetch_add(1, Ordering::AcqRel);
        let in_flight = InFlight(state.clone());
        let mut request = request.map(|body| TimedBody::new(body, body_timeout));
        request
            .extensions_mut()
            .insert(ConnectionKill(state.kill.clone()));
        let mut router = router.clone();
        async move {
            router.call(request).await.map(|response| {
                response.map(|body| TrackedBody {
                    inner: body,
                    _in_flight: in_flight,
                })
            })
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(MAX_HEAD_BYTES)
        .serve_connection(
            TokioIo::new(ConnectionIo::new(stream, state.clone())),
            service,
        );
    tokio::select! {
        _ = connection => {}
        () = state.kill.notified() => {}
        () = idle(&state, limits.idle_timeout) => {}
    }
}

/// Returns once `state` has been idle, with no request in progress, for
/// `timeout`.
async fn idle(state: &ConnectionState, timeout: Duration) {
    loop {
        let idle_for = state.idle_for();
        if state.is_idle() && idle_for >= timeout {
            return;
        }
        let wait = timeout
            .saturating_sub(idle_for)
            .max(Duration::from_millis(10));
        tokio::time::sleep(wait).await;
    }
}

/// Answers a connection beyond the cap with 503 and closes it.
async fn refuse(mut stream: TcpStream, max: usize) {
    let answer = error_answer(
        503,
        "Service Unavailable",
        "service_unavailable",
        &format!(
            "the mock serves at most {max} connections at once and every one has a request \
             in progress; retry later"
        ),
        &[("retry-after", "1")],
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&answer)).await;
}

/// A complete HTTP/1.1 answer with the spec's `Error` body, a fresh
/// `x-request-id`, and `connection: close`.
fn error_answer(
    status: u16,
    reason: &str,
    code: &str,
    message: &str,
    extra_headers: &[(&str, &str)],
) -> Vec<u8> {
    let body = serde_json::json!({ "message": message, "error": code }).to_string();
    let request_id = format!("req_{:024x}", fastrand::u128(..) >> 32);
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n\
         x-request-id: {request_id}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut answer = head.into_bytes();
    answer.extend_from_slice(body.as_bytes());
    answer
}

/// The mock's answer in place of the one hyper writes for a head it cannot
/// parse, if `written` starts with such an answer: a 400, 414 or 431 head
/// without the `x-request-id` that every answer of the router has. (hyper
/// writes a head in one piece, and again in one piece after `Pending`.)
fn replace_hyper_answer(written: &[u8]) -> Option<Vec<u8>> {
    let status = written.strip_prefix(b"HTTP/1.1 ")?.get(..3)?;
    let head_end = written.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = written[..head_end].to_ascii_lowercase();
    if head.windows(15).any(|w| w == b"\r\nx-request-id:") {
        return None;
    }
    Some(match status {
        b"400" => error_answer(
            400,
            "Bad Request",
            "invalid_request",
            "malformed HTTP request: the request line or a header could not be parsed",
            &[],
        ),
        b"414" => error_answer(
            414,
            "URI Too Long",
            "uri_too_long",
            "the request URI is longer than 65534 bytes",
            &[],
        ),
        b"431" => error_answer(
            431,
            "Request Header Fields Too Large",
            "request_header_fields_too_large",
            &format!(
                "the request head is larger than {MAX_HEAD_BYTES} bytes or has more than 100 \
                 headers"
            ),
            &[],
        ),
        _ => return None,
    })
}

/// A connection's socket: records activity, and writes the mock's own
/// answer in place of hyper's for a head hyper cannot parse.
struct ConnectionIo {
    stream: TcpStream,
    state: Arc<ConnectionState>,
    /// The mock's answer being written in place of hyper's, and how much of
    /// it is written; what hyper writes after it is dropped.
    replacement: Option<(Vec<u8>, usize)>,
}

impl ConnectionIo {
    fn new(stream: TcpStream, state: Arc<ConnectionState>) -> Self {
        ConnectionIo {
            stream,
            state,
            replacement: None,
        }
    }
}

impl AsyncRead for ConnectionIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.state.touch();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ConnectionIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacement.is_none() {
            this.replacement = replace_hyper_answer(buf).map(|answer| (answer, 0));
        }
        if let Some((answer, written)) = &mut this.replacement {
            while *written < answer.len() {
                let n = ready!(Pin::new(&mut this.stream).poll_write(cx, &answer[*written..]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                *written += n;
                this.state.touch();
            }
            return Poll::Ready(Ok(buf.len()));
        }
        let n = ready!(Pin::new(&mut this.stream).poll_write(cx, buf))?;
        if n > 0 {
            this.state.touch();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A request in progress on a connection, until its response body ends.
struct InFlight(Arc<ConnectionState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request in progress until it is dropped.
struct TrackedBody<B> {
    inner: B,
    _in_flight: InFlight,
}

impl<B: Body + Unpin> Body for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that fails once [`Limits::body_timeout`] has passed since
/// its head arrived.
struct TimedBody {
    inner: Incoming,
    timeout: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl TimedBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        TimedBody {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the request body did not arrive within {} ms of its head",
                    self.timeout.as_millis()
                ),
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
