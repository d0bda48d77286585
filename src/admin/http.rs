//! The admin HTTP server: the command layer on a socket, on its own thread and private tokio
//! runtime inside the host process (hyper HTTP/1.1 connections serving an axum router).
//!
//! * Bound to loopback unless the caller allows a remote address explicitly.
//! * No request succeeds without `Authorization: Bearer <token>` (see `auth.rs`): tokens are
//!   kept as SHA-256 hashes and compared in constant time; each has a name (the audit actor) and a
//!   role. A missing or bad token is 401; an address with repeated failures gets 429 for its
//!   bad-token requests during a cool-down, while requests with a valid token are always served.
//! * `GET /healthz` answers without a token; `GET /metrics` (Prometheus) needs a viewer token, as
//!   every admin route does (Prometheus sends one with `authorization: {credentials: ...}`).
//! * HTTP conventions (JSON errors everywhere, `Allow` on 405, HEAD, OPTIONS): `request.rs`.
//! * Starting and stopping leave `admin.start` and `admin.stop` audit records; authentication
//!   failures leave one `admin.auth_failed` record per address per interval.
//!
//! # Limits
//!
//! No client can hold the server, or the host's call that stops it, for long:
//!
//! | what                                  | limit                     | then                         |
//! |---------------------------------------|---------------------------|------------------------------|
//! | a request head (slow drip or not)     | [`HEAD_TIMEOUT`] 5 s      | connection closed            |
//! | an idle keep-alive connection         | [`HEAD_TIMEOUT`] 5 s      | connection closed            |
//! | a request body                        | [`BODY_TIMEOUT`] 5 s      | 408, connection closed       |
//! | a write the client does not read      | [`WRITE_STALL_TIMEOUT`] 10 s | connection dropped        |
//! | open connections                      | [`MAX_CONNECTIONS`] 64    | 503 at once, closed          |
//! | stopping with connections open        | [`SHUTDOWN_GRACE`] 0.5 s  | connections dropped          |
//!
//! The idle limit is hyper's header read timeout: hyper starts it as soon as a connection waits
//! for its next request head (see `connection.rs`). `fixprov_admin_stop` and
//! `fixprov_engine_close` return within [`SHUTDOWN_GRACE`] plus the answer being written, whatever
//! clients do: in-flight answers get the grace period, then every connection is dropped with the
//! server's runtime.

use super::auth::Auth;
pub use super::auth::{TokenConfig, AUTH_AUDIT_INTERVAL, MAX_AUDITED_ADDRESSES};
use super::metrics::Metrics;
use crate::cold::audit::AuditEvent;
use crate::engine::Core;
use crate::error::{Error, Result};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::{oneshot, watch, Semaphore};

/// Longest a client may take to send a request head, from the moment the connection waits for
/// it: also the longest a keep-alive connection stays idle. Bytes arriving slowly do not extend it.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest a client may take to send a request body (at most 64 KiB).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest a write of an answer may make no progress (a client that stops reading).
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Most connections open at once; one more is answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 64;

/// How long stopping waits for the answers in flight before dropping every connection.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// What every request's handler shares.
pub(crate) struct Shared {
    pub(crate) core: Arc<Core>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) auth: Auth,
}

/// A running admin server; stopped and joined on drop.
pub(crate) struct AdminServer {
    address: SocketAddr,
    core: Arc<Core>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for AdminServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminServer").field("address", &self.address).finish_non_exhaustive()
    }
}

/// The answer to a connection over [`MAX_CONNECTIONS`], written without reading its request.
fn busy() -> Vec<u8> {
    let body = r#"{"error":{"code":"too_many_connections","message":"the admin API has too many open connections; retry"}}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl AdminServer {
    /// Starts serving `core` on `bind` (port 0 picks one), counting requests in `metrics`. A
    /// non-loopback address needs `allow_remote`.
    pub(crate) fn start(
        core: Arc<Core>,
        metrics: Arc<Metrics>,
        bind: SocketAddr,
        tokens: Vec<TokenConfig>,
        allow_remote: bool,
    ) -> Result<AdminServer> {
        AdminServer::check_config(bind, &tokens, allow_remote)?;
        let names: Vec<String> = tokens.iter().map(|t| t.name.clone()).collect();
        let shared = Arc::new(Shared { core: core.clone(), metrics, auth: Auth::new(tokens) });
        let listener = std::net::TcpListener::bind(bind)
            .map_err(|e| Error::Storage(format!("cannot bind the admin API to {bind}: {e}").into()))?;
        listener.set_nonblocking(true).map_err(|e| Error::Internal(e.to_string().into()))?;
        let address = listener.local_addr().map_err(|e| Error::Internal(e.to_string().into()))?;
        let (stop, stopped) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the admin runtime: {e}").into()))?;
        let thread = std::thread::Builder::new()
            .name("fixprov-admin".into())
            .spawn(move || {
                runtime.block_on(accept_loop(listener, shared, stopped));
                // Dropping the runtime drops every connection still open.
            })
            .map_err(|e| Error::Internal(format!("cannot start the admin thread: {e}").into()))?;
        core.audit_later(AuditEvent::host(
            "admin.start",
            "",
            serde_json::json!({"address": address.to_string(), "tokens": names}),
        ));
        Ok(AdminServer { address, core, stop: Some(stop), thread: Some(thread) })
    }

    /// Checks an address and token list as [`AdminServer::start`] would, without starting anything.
    pub(crate) fn check_config(bind: SocketAddr, tokens: &[TokenConfig], allow_remote: bool) -> Result<()> {
        if !bind.ip().is_loopback() && !allow_remote {
            return Err(Error::invalid("the admin API binds to loopback unless a remote address is allowed"));
        }
        if tokens.is_empty() {
            return Err(Error::invalid("the admin API needs at least one token"));
        }
        if let Some(t) = tokens.iter().find(|t| t.token.len() < 32 || t.name.is_empty()) {
            return Err(Error::invalid(format!(
                "token '{}': a name and at least 32 characters are needed",
                t.name
            )));
        }
        Ok(())
    }

    /// The address it listens on.
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for AdminServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.core.audit_later(AuditEvent::host(
            "admin.stop",
            "",
            serde_json::json!({"address": self.address.to_string()}),
        ));
    }
}

/// Accepts connections until `stopped`, each served on its own task under [`MAX_CONNECTIONS`];
/// then asks them to finish and waits [`SHUTDOWN_GRACE`] at most.
async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
    let router = Router::new().fallback(super::request::serve).with_state(shared.clone());
    let places = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (shutdown, connections) = watch::channel(false);
    let mut audit =
        tokio::time::interval_at(tokio::time::Instant::now() + AUTH_AUDIT_INTERVAL, AUTH_AUDIT_INTERVAL);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            _ = audit.tick() => {
                // Off the server's thread, as every store write is (see request.rs).
                let shared = shared.clone();
                tokio::task::spawn_blocking(move || shared.auth.audit_failures(&shared.core));
            }
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(_) => {
                        // Out of descriptors, most likely: wait instead of spinning.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                match places.clone().try_acquire_owned() {
                    Ok(place) => {
                        let connection = super::connection::serve(stream, peer, router.clone(), connections.clone(), place);
                        tokio::spawn(connection);
                    }
                    // Best effort: a fresh socket's send buffer takes the whole answer.
                    Err(_) => drop(stream.try_write(&busy())),
                }
            }
        }
    }
    drop(listener);
    let _ = shutdown.send(true);
    let all = u32::try_from(MAX_CONNECTIONS).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, places.acquire_many(all)).await;
    let last = shared.clone();
    let _ = tokio::task::spawn_blocking(move || last.auth.audit_failures(&last.core)).await;
}
