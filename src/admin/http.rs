//! The admin HTTP server: the command layer on a socket, on its own thread and private tokio
//! runtime inside the host process (axum, HTTP/1.1).
//!
//! * Bound to loopback unless the caller allows a remote address explicitly.
//! * No request succeeds without `Authorization: Bearer <token>`. Tokens are kept as SHA-256 hashes
//!   (they are machine-generated secrets, not passwords) and compared in constant time; each has a
//!   name (the audit actor) and a role. A missing or bad token is 401; an address with repeated
//!   failures gets 429 for its bad-token requests during a cool-down. A request with a valid token
//!   is always served: the lock-out never refuses it.
//! * `GET /healthz` answers without a token; `GET /metrics` (Prometheus) needs a viewer token, as
//!   every admin route does (Prometheus sends one with `authorization: {credentials: ...}`).
//! * Stopping (or dropping) the server shuts the runtime down and joins its thread.

use crate::admin::{handle, Actor, Response, Role, MAX_BODY};
use crate::cold::attempts::{AttemptPolicy, FailedAttempts};
use crate::engine::Core;
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::Router;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

/// A bearer token as the host configures it. The token itself is hashed when the server starts and
/// not kept.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Its name: the actor on audit records.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The secret (at least 32 characters).
    pub token: String,
}

impl std::fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenConfig")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

struct Token {
    name: String,
    role: Role,
    hash: [u8; 32],
}

struct Shared {
    core: Arc<Core>,
    tokens: Vec<Token>,
    failures: FailedAttempts<IpAddr>,
}

/// A running admin server; stopped and joined on drop.
pub struct AdminServer {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for AdminServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminServer").field("address", &self.address).finish_non_exhaustive()
    }
}

fn token_hash(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl AdminServer {
    /// Starts serving `core` on `bind` (port 0 picks one). A non-loopback address needs
    /// `allow_remote`.
    pub fn start(
        core: Arc<Core>,
        bind: SocketAddr,
        tokens: Vec<TokenConfig>,
        allow_remote: bool,
    ) -> Result<AdminServer> {
        AdminServer::check_config(bind, &tokens, allow_remote)?;
        let tokens = tokens
            .into_iter()
            .map(|t| Token { name: t.name, role: t.role, hash: token_hash(t.token.as_bytes()) })
            .collect();
        let shared =
            Arc::new(Shared { core, tokens, failures: FailedAttempts::new(AttemptPolicy::default()) });
        let listener = std::net::TcpListener::bind(bind)
            .map_err(|e| Error::Storage(format!("cannot bind the admin API to {bind}: {e}").into()))?;
        listener.set_nonblocking(true).map_err(|e| Error::Internal(e.to_string().into()))?;
        let address = listener.local_addr().map_err(|e| Error::Internal(e.to_string().into()))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the admin runtime: {e}").into()))?;
        let thread = std::thread::Builder::new()
            .name("fixprov-admin".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                    let app = Router::new()
                        .route(
                            "/healthz",
                            axum::routing::get(|| async { axum::Json(serde_json::json!({"ok": true})) }),
                        )
                        .fallback(serve)
                        .layer(DefaultBodyLimit::max(MAX_BODY + 1))
                        .with_state(shared);
                    let service = app.into_make_service_with_connect_info::<SocketAddr>();
                    let _ = axum::serve(listener, service)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })
            .map_err(|e| Error::Internal(format!("cannot start the admin thread: {e}").into()))?;
        Ok(AdminServer { address, stop: Some(stop), thread: Some(thread) })
    }

    /// Checks an address and token list as [`AdminServer::start`] would, without starting anything.
    pub fn check_config(bind: SocketAddr, tokens: &[TokenConfig], allow_remote: bool) -> Result<()> {
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
    pub fn address(&self) -> SocketAddr {
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
    }
}

fn json(response: Response) -> axum::response::Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match response.text {
        Some((content_type, text)) => {
            (status, [(axum::http::header::CONTENT_TYPE, content_type)], text).into_response()
        }
        None => (status, axum::Json(response.body)).into_response(),
    }
}

fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    // Constant time: no early exit on the first differing byte.
    std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

fn authenticate(shared: &Shared, headers: &HeaderMap) -> Option<Actor> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let presented = token_hash(value.strip_prefix("Bearer ")?.trim().as_bytes());
    // Every token is compared, so timing tells nothing of which one matched.
    let found =
        shared.tokens.iter().fold(None, |found, t| if same(&presented, &t.hash) { Some(t) } else { found });
    found.map(|t| Actor { name: t.name.clone(), role: t.role, source: String::new() })
}

async fn serve(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> axum::response::Response {
    let response = match body {
        Ok(body) => answer(&shared, peer, &method, &uri, &headers, &body),
        // Over the limit (or unreadable): answered in JSON like every other error.
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Response::error(413, "body_too_large", format!("the body is over {MAX_BODY} bytes"))
        }
        Err(rejection) => Response::error(400, "bad_request", rejection.body_text()),
    };
    shared.core.metrics.count_request(method.as_str(), uri.path(), response.status);
    json(response)
}

fn answer(
    shared: &Shared,
    peer: SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let now = Instant::now();
    let ip = peer.ip().to_canonical();
    // The token first: a valid one is served whatever the address's failures. Behind a same-host
    // proxy every client is 127.0.0.1; a lock that refused valid tokens too would let anyone lock
    // every operator out. Bad tokens from a locked address are refused (429) without counting.
    let Some(mut actor) = authenticate(shared, headers) else {
        if shared.failures.locked(&ip, now).is_some() {
            return Response::error(
                429,
                "too_many_failures",
                "too many failed requests from this address; wait",
            );
        }
        shared.failures.record_failure(&ip, now);
        return Response::error(401, "unauthorized", "a valid bearer token is required");
    };
    actor.source = ip.to_string();
    if body.len() > MAX_BODY {
        return Response::error(413, "body_too_large", format!("the body is over {MAX_BODY} bytes"));
    }
    let path = uri.path_and_query().map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    // Cold-path calls are short (a lock, a SQLite commit): requests are served one at a time on
    // the server's own thread, which no blocking pool outlives.
    handle(&shared.core, &actor, method.as_str(), &path, body)
}
