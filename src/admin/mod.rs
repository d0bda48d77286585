//! The admin command layer: every operator operation as one request/response function that the C
//! ABI (`fixprov_admin_request`) and the HTTP API share, so C++ and Java hosts reach every operation
//! without HTTP, and both paths check roles, validate, audit and answer the same way.
//!
//! A request is a method, a path (with the query parameters its route names, such as `?user=...`)
//! and a JSON body; the answer is an HTTP status and a JSON body (the audit export alone answers
//! JSON lines). Errors are `{"error": {"code": "...", "message": "..."}}` with a
//! stable code. Bodies are limited to 64 KiB and unknown fields are refused. Every request runs with
//! its actor recorded on the audit records it causes; a refused one is recorded as `admin.refused`.
//!
//! [`Admin`] is this layer's one object: built over an [`Engine`], it owns the Prometheus registry
//! and the HTTP server. The engine knows nothing of it (no module under `engine` imports from
//! `admin`); whoever holds both (the C object `fixprov_engine`, or a Rust host) stops the admin
//! part first, which dropping it does.

mod auth;
mod connection;
mod export;
pub mod http;
pub mod metrics;
pub mod openapi;
mod request;
mod routes;

use crate::cold::audit::{with_actor, AuditEvent, AuditQuery};
use crate::engine::{Core, Engine};
use crate::error::{Error, Result};
use metrics::Metrics;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use routes::{Route, ROUTES};

/// Largest request body.
pub const MAX_BODY: usize = 64 * 1024;

/// What an actor may do. Each role includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read-only: GET requests.
    Viewer,
    /// Sessions, suspensions, tiers, violations.
    Operator,
    /// Everything, provisioning and rules included.
    Admin,
}

/// Who is asking, and from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// Token name ("host" for in-process calls).
    pub name: String,
    /// Role of the token.
    pub role: Role,
    /// Client address; empty in-process.
    pub source: String,
}

impl Actor {
    /// The host process itself (the C ABI and Rust callers): an admin.
    pub fn host() -> Actor {
        Actor { name: "host".into(), role: Role::Admin, source: String::new() }
    }
}

/// An answer: an HTTP status and a JSON body, or for the few routes that answer another format
/// (JSON lines), that text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON body (`Null` when `text` is set).
    pub body: Value,
    /// A body that is not one JSON document: its content type and text.
    pub text: Option<(&'static str, String)>,
}

impl Response {
    pub(crate) fn ok(body: Value) -> Response {
        Response { status: 200, body, text: None }
    }

    /// 204, no body.
    pub(crate) fn no_content() -> Response {
        Response { status: 204, body: Value::Null, text: None }
    }

    /// An error answer with a stable code.
    pub fn error(status: u16, code: &str, message: impl Into<String>) -> Response {
        let error = ErrorAnswer {
            error: ErrorDetail { code: code.to_owned(), message: message.into(), failures: None },
        };
        Response { status, body: serde_json::to_value(error).unwrap_or_default(), text: None }
    }

    /// The body as the client receives it.
    pub fn body_text(&self) -> String {
        match &self.text {
            Some((_, text)) => text.clone(),
            None => self.body.to_string(),
        }
    }

    /// The body's content type.
    pub fn content_type(&self) -> &'static str {
        self.text.as_ref().map_or("application/json", |(content_type, _)| content_type)
    }
}

impl From<Error> for Response {
    fn from(e: Error) -> Response {
        let (status, code) = match &e {
            Error::InvalidArgument(_) => (400, "invalid_argument"),
            Error::NotFound(_) | Error::StaleHandle => (404, "not_found"),
            Error::AlreadyExists(_) => (409, "already_exists"),
            Error::InvalidState(_) => (409, "invalid_state"),
            Error::LimitReached(_) => (409, "limit_reached"),
            Error::NotEligible(_) => (422, "not_eligible"),
            Error::WrongMasterPassword | Error::Corrupt(_) | Error::Storage(_) | Error::Internal(_) => {
                (500, "internal")
            }
        };
        let mut response = Response::error(status, code, e.to_string());
        if let Error::NotEligible(failures) = &e {
            response.body["error"]["failures"] = json!(failures);
        }
        response
    }
}

/// Every error answer: `{"error": {"code", "message"}}`.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Error")]
pub(crate) struct ErrorAnswer {
    error: ErrorDetail,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
struct ErrorDetail {
    /// A stable code: not_found, invalid_argument, already_exists, forbidden, ...
    code: String,
    /// What went wrong, for people.
    message: String,
    /// With not_eligible: the rules the user fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    failures: Option<Vec<crate::cold::rules::Failure>>,
}

/// What a route handler returns.
pub(crate) type Answer = std::result::Result<Value, Response>;

/// The parsed request a handler sees.
pub(crate) struct Call<'a> {
    pub(crate) core: &'a Core,
    pub(crate) metrics: &'a Metrics,
    pub(crate) actor: &'a Actor,
    query: Vec<(&'static str, String)>,
    body: &'a [u8],
}

impl Call<'_> {
    /// The body as `T` (unknown fields refused by `T`'s serde attributes).
    pub(crate) fn body<T: DeserializeOwned>(&self) -> std::result::Result<T, Response> {
        let body = if self.body.iter().all(u8::is_ascii_whitespace) { &b"{}"[..] } else { self.body };
        serde_json::from_slice(body).map_err(|e| Response::error(400, "bad_json", e.to_string()))
    }

    /// The raw body.
    pub(crate) fn body_bytes(&self) -> &[u8] {
        self.body
    }

    /// A query parameter, if given.
    pub(crate) fn param(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    /// A query parameter that must be a whole number, if given.
    pub(crate) fn param_u64(&self, key: &str) -> std::result::Result<Option<u64>, Response> {
        self.param(key)
            .map(|v| {
                v.parse().map_err(|_| {
                    Response::error(
                        400,
                        "invalid_argument",
                        format!("query parameter '{key}' must be a whole number"),
                    )
                })
            })
            .transpose()
    }

    /// The `user` query parameter, required.
    pub(crate) fn user(&self) -> std::result::Result<&str, Response> {
        self.param("user").ok_or_else(|| Response::error(400, "invalid_argument", "the query needs ?user="))
    }
}

/// Splits a query into the parameters `allowed` names, refusing any other and any repeated one.
fn parse_query(
    query: &str,
    allowed: &[&'static str],
) -> std::result::Result<Vec<(&'static str, String)>, Response> {
    let mut params: Vec<(&'static str, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(&key) = allowed.iter().find(|k| **k == key) else {
            let key: String = key.chars().take(64).collect();
            return Err(Response::error(400, "invalid_argument", format!("unknown query parameter '{key}'")));
        };
        if params.iter().any(|(k, _)| *k == key) {
            return Err(Response::error(
                400,
                "invalid_argument",
                format!("query parameter '{key}' is repeated"),
            ));
        }
        params.push((key, percent_decode(value)?));
    }
    Ok(params)
}

fn percent_decode(text: &str) -> std::result::Result<String, Response> {
    let bad = || Response::error(400, "invalid_argument", "malformed percent-encoding in the query");
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let hex = [bytes.next().ok_or_else(bad)?, bytes.next().ok_or_else(bad)?];
                let hex = std::str::from_utf8(&hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            }
            b'+' => out.push(b' '),
            other => out.push(other),
        }
    }
    String::from_utf8(out).map_err(|_| Response::error(400, "invalid_argument", "the query is not UTF-8"))
}

/// What a request comes to: an answer, or the audit export, which the HTTP API streams page by
/// page and the C ABI collects into one string.
pub(crate) enum Outcome {
    Answer(Response),
    Export(AuditQuery),
}

/// The methods `path` answers, as an `Allow` header lists them (HEAD with GET, and OPTIONS), or
/// `None` for a path that has no route.
pub fn allowed_methods(path: &str) -> Option<String> {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let mut methods: Vec<&str> = ROUTES.iter().filter(|r| r.path == path).map(|r| r.method).collect();
    if methods.is_empty() {
        return None;
    }
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    methods.push("OPTIONS");
    Some(methods.join(", "))
}

/// The admin part over one engine: the command layer ([`Admin::handle`]), the engine's Prometheus
/// registry ([`Admin::metrics_text`]) and the HTTP server ([`Admin::start`]).
///
/// Holds the engine's cold half, which stays alive while the admin part does; dropping it stops
/// the server and joins its thread. May be used from several threads at once.
pub struct Admin {
    core: Arc<Core>,
    metrics: Arc<Metrics>,
    server: Mutex<Option<http::AdminServer>>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|s| s.address());
        f.debug_struct("Admin").field("server", &server).finish_non_exhaustive()
    }
}

impl Admin {
    /// The admin part of `engine`, with no server running.
    pub fn new(engine: &Engine) -> Admin {
        let core = engine.core_shared();
        Admin { metrics: Arc::new(Metrics::new(core.clone())), core, server: Mutex::new(None) }
    }

    /// Handles one admin request for `actor`, as the HTTP server would (without its transport).
    pub fn handle(&self, actor: &Actor, method: &str, path: &str, body: &[u8]) -> Response {
        handle(&self.core, &self.metrics, actor, method, path, body)
    }

    /// The engine's metrics in the OpenMetrics text format Prometheus scrapes (what `GET /metrics`
    /// answers): users, credentials, sessions and message totals by tier, logons by outcome, admin
    /// requests. Computed now, like [`Engine::stats`].
    pub fn metrics_text(&self) -> String {
        self.metrics.encode()
    }

    /// Starts the admin HTTP API on `bind` (port 0 picks one) with `tokens`; returns the address it
    /// listens on. A second start replaces the first server. Stopped by [`Admin::stop`] or when the
    /// admin part is dropped, with its thread joined.
    pub fn start(
        &self,
        bind: SocketAddr,
        tokens: Vec<http::TokenConfig>,
        allow_remote: bool,
    ) -> Result<SocketAddr> {
        // A bad configuration leaves the running server alone; a good one replaces it (stopped
        // first, so the new one may bind the same address).
        http::AdminServer::check_config(bind, &tokens, allow_remote)?;
        let mut server = self.server.lock().unwrap_or_else(|p| p.into_inner());
        drop(server.take());
        let started =
            http::AdminServer::start(self.core.clone(), self.metrics.clone(), bind, tokens, allow_remote)?;
        let address = started.address();
        *server = Some(started);
        Ok(address)
    }

    /// Stops the admin HTTP API (nothing when it is not running).
    pub fn stop(&self) {
        drop(self.server.lock().unwrap_or_else(|p| p.into_inner()).take());
    }
}

impl Drop for Admin {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Handles one admin request for `actor`.
fn handle(core: &Core, metrics: &Metrics, actor: &Actor, method: &str, path: &str, body: &[u8]) -> Response {
    match dispatch(core, metrics, actor, method, path, body) {
        Outcome::Answer(response) => response,
        Outcome::Export(query) => {
            let mut out = Vec::new();
            match core.audit().export(&query, &mut out).map(|_| String::from_utf8(out)) {
                Ok(Ok(text)) => {
                    Response { status: 200, body: Value::Null, text: Some((export::NDJSON, text)) }
                }
                Ok(Err(e)) => Error::Internal(e.to_string().into()).into(),
                Err(e) => e.into(),
            }
        }
    }
}

/// Routes one request: finds the route, checks the role, the body's size and the query, runs
/// the handler with `actor` on the audit records it causes.
pub(crate) fn dispatch(
    core: &Core,
    metrics: &Metrics,
    actor: &Actor,
    method: &str,
    path: &str,
    body: &[u8],
) -> Outcome {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let Some(allowed) = allowed_methods(path) else {
        return Outcome::Answer(Response::error(404, "no_such_route", format!("no route {path}")));
    };
    let Some(route) = ROUTES.iter().find(|r| r.path == path && r.method == method) else {
        return Outcome::Answer(Response::error(
            405,
            "method_not_allowed",
            format!("{path} takes {allowed}"),
        ));
    };
    if actor.role < route.role {
        refused(core, actor, path, "forbidden");
        return Outcome::Answer(Response::error(
            403,
            "forbidden",
            format!("{path} needs the {:?} role", route.role),
        ));
    }
    if body.len() > MAX_BODY {
        return Outcome::Answer(Response::error(
            413,
            "body_too_large",
            format!("the body is over {MAX_BODY} bytes"),
        ));
    }
    let query = match parse_query(query, route.query) {
        Ok(query) => query,
        Err(response) => return Outcome::Answer(response),
    };
    let call = Call { core, metrics, actor, query, body };
    let answer = with_actor(&actor.name, &actor.source, || route.handler.run(&call));
    match answer {
        Ok(outcome) => outcome,
        Err(response) => {
            if route.method == "POST" {
                refused(core, actor, path, response.body["error"]["code"].as_str().unwrap_or(""));
            }
            Outcome::Answer(response)
        }
    }
}

fn refused(core: &Core, actor: &Actor, path: &str, code: &str) {
    with_actor(&actor.name, &actor.source, || {
        core.audit_later(AuditEvent::host("admin.refused", "", json!({"path": path, "code": code})));
    });
}
