//! The accept loop: HTTP/1.1 connections served by hyper, each of which a
//! handler can close without answering (see [`ConnectionKill`]).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower_service::Service;

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

/// Serves `router` on every connection `listener` accepts, until the task
/// running this is aborted; that drops the connection tasks, which closes
/// their sockets.
pub(crate) async fn serve(listener: TcpListener, router: Router) {
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
        let router = router.clone();
        connections.spawn(async move {
            let kill = ConnectionKill(Arc::new(Notify::new()));
            let on_request = kill.clone();
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(on_request.clone());
                let mut router = router.clone();
                async move { router.call(request).await }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                () = kill.0.notified() => {}
            }
        });
    }
}
