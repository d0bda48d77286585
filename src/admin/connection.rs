//! One admin connection: hyper's HTTP/1.1 server connection over the socket, with the limits that
//! keep a client from holding it (or the server's shutdown) forever.
//!
//! What hyper 1.12 covers, read in its source (`proto/h1/conn.rs`): `header_read_timeout` starts a
//! timer when the connection starts reading a request head, and only a complete head (or the
//! timeout) stops it; bytes arriving one at a time do not restart it. On a server the connection
//! starts reading the next head as soon as it goes idle after an answer (`State::idle` sets
//! `notify_read` when the timeout is configured), so the same timer also bounds an idle keep-alive
//! connection. What it does not cover, built here:
//! * the request body: read by the handler within [`super::http::BODY_TIMEOUT`] (408 after it);
//! * the answer: a client that stops reading stalls the writes; a write that makes no progress for
//!   [`super::http::WRITE_STALL_TIMEOUT`] fails and the connection is dropped ([`Stalls`]);
//! * shutdown: hyper's graceful shutdown waits for a head that is half read; the accept loop gives
//!   connections [`super::http::SHUTDOWN_GRACE`] and then drops them.

use super::http::{HEAD_TIMEOUT, WRITE_STALL_TIMEOUT};
use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit};
use tokio::time::Sleep;

/// A socket whose writes fail once they have made no progress for [`WRITE_STALL_TIMEOUT`].
struct Stalls {
    stream: TcpStream,
    stalled_since: Option<Pin<Box<Sleep>>>,
}

impl Stalls {
    fn watch<T>(&mut self, cx: &mut Context<'_>, result: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if result.is_ready() {
            self.stalled_since = None;
            return result;
        }
        let stall =
            self.stalled_since.get_or_insert_with(|| Box::pin(tokio::time::sleep(WRITE_STALL_TIMEOUT)));
        match stall.as_mut().poll(cx) {
            Poll::Ready(()) => {
                Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading")))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Stalls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stalls {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.watch(cx, result)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.watch(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.stream).poll_flush(cx);
        self.watch(cx, result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.stream).poll_shutdown(cx);
        self.watch(cx, result)
    }
}

/// Serves one connection until the client closes it, a limit cuts it, or shutdown is asked (then
/// the current answer is finished and the connection closed; the accept loop bounds the wait).
/// `_permit` is its place under the connection cap, given back when this returns.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(Stalls { stream, stalled_since: None });
    let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        tower_service::Service::call(&mut router.clone(), request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEAD_TIMEOUT).keep_alive(true);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut asked = false;
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            changed = shutdown.changed(), if !asked => {
                asked = true;
                if changed.is_err() || *shutdown.borrow() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
