//! One HTTP request to the admin API, from its head to the answer, with the HTTP conventions the
//! command layer leaves to the transport:
//!
//! * every error answer is JSON of the stable shape `{"error": {"code", "message"}}`, unknown paths
//!   (404), undeclared methods (405) and oversized or slow bodies (413, 408) included;
//! * 405 carries `Allow` (RFC 9110 15.5.6);
//! * `HEAD` on a GET route is answered as `GET` without the body;
//! * `OPTIONS` on a route's path is 204 with `Allow` (a token is needed, as for every route);
//! * `GET /healthz` needs no token.

use super::auth::Verdict;
use super::export::{AuditPages, NDJSON};
use super::http::{Shared, BODY_TIMEOUT};
use crate::admin::{allowed_methods, dispatch, Outcome, Response, MAX_BODY};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

/// An answer with the headers the transport adds.
struct Answer {
    response: Response,
    allow: Option<String>,
    close: bool,
}

impl From<Response> for Answer {
    fn from(response: Response) -> Answer {
        Answer { response, allow: None, close: false }
    }
}

fn into_http(answer: Answer) -> axum::response::Response {
    let status = StatusCode::from_u16(answer.response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = if status == StatusCode::NO_CONTENT {
        status.into_response()
    } else {
        match answer.response.text {
            Some((content_type, text)) => {
                (status, [(header::CONTENT_TYPE, content_type)], text).into_response()
            }
            None => (status, axum::Json(answer.response.body)).into_response(),
        }
    };
    if let Some(allow) = answer.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    if answer.close {
        out.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    out
}

/// The router's one handler: every path and method comes here.
pub(crate) async fn serve(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> axum::response::Response {
    let answer = match answer(&shared, peer, &method, &uri, &headers, body).await {
        Ok(answer) => answer,
        Err(pages) => {
            shared.metrics.count_request(method.as_str(), uri.path(), 200);
            let body = Body::new(pages);
            return ([(header::CONTENT_TYPE, NDJSON)], body).into_response();
        }
    };
    shared.metrics.count_request(method.as_str(), uri.path(), answer.response.status);
    into_http(answer)
}

fn with_allow(response: Response, path: &str) -> Answer {
    Answer { response, allow: allowed_methods(path), close: false }
}

fn healthz(method: &Method) -> Answer {
    let allow = Some("GET, HEAD, OPTIONS".to_owned());
    match *method {
        Method::GET | Method::HEAD => Response::ok(serde_json::json!({"ok": true})).into(),
        Method::OPTIONS => Answer { response: Response::no_content(), allow, close: false },
        _ => Answer {
            response: Response::error(405, "method_not_allowed", "/healthz takes GET, HEAD, OPTIONS"),
            allow,
            close: false,
        },
    }
}

/// The answer, or the audit export's pages to stream.
async fn answer(
    shared: &Arc<Shared>,
    peer: SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> std::result::Result<Answer, AuditPages> {
    let path = uri.path();
    if path == "/healthz" {
        return Ok(healthz(method));
    }
    let ip = peer.ip().to_canonical();
    let actor = match shared.auth.check(headers, ip, Instant::now()) {
        Verdict::Allowed(actor) => actor,
        Verdict::Unauthorized => {
            return Ok(Response::error(401, "unauthorized", "a valid bearer token is required").into())
        }
        Verdict::Locked => {
            return Ok(Response::error(
                429,
                "too_many_failures",
                "too many failed requests from this address; wait",
            )
            .into())
        }
    };
    let Some(allow) = allowed_methods(path) else {
        return Ok(Response::error(404, "no_such_route", format!("no route {path}")).into());
    };
    let method = match *method {
        Method::OPTIONS => {
            return Ok(Answer { response: Response::no_content(), allow: Some(allow), close: false })
        }
        // HEAD is GET without the body: hyper leaves the body out of a HEAD answer.
        Method::HEAD => "GET",
        ref other => other.as_str(),
    };
    let body = match read_body(headers, body).await {
        Ok(body) => body,
        Err(answer) => return Ok(answer),
    };
    let target = uri.path_and_query().map_or(path, |p| p.as_str()).to_owned();
    // Cold-path calls block (a lock, a commit, a database round trip), and a store's client may run
    // a runtime of its own (PostgreSQL's does): each runs on the runtime's blocking pool, never on
    // the server's thread. Dropping the runtime waits for them, so none outlives the server.
    let (job, method) = (shared.clone(), method.to_owned());
    let outcome = tokio::task::spawn_blocking(move || {
        dispatch(&job.core, &job.metrics, &actor, &method, &target, &body)
    })
    .await;
    match outcome {
        Ok(Outcome::Answer(response)) if response.status == 405 => Ok(with_allow(response, path)),
        Ok(Outcome::Answer(response)) => Ok(response.into()),
        Ok(Outcome::Export(query)) => Err(AuditPages::new(shared.core.clone(), query)),
        Err(_) => Ok(Response::error(500, "internal", "the request's handler failed").into()),
    }
}

/// Reads the body: at most [`MAX_BODY`] bytes (413 above, refused from `Content-Length` before
/// reading when it says so) within [`BODY_TIMEOUT`] (408 after). Either error closes the
/// connection, since the rest of the body is not read.
async fn read_body(headers: &HeaderMap, mut body: Body) -> std::result::Result<Vec<u8>, Answer> {
    let too_large = || Answer {
        response: Response::error(413, "body_too_large", format!("the body is over {MAX_BODY} bytes")),
        allow: None,
        close: true,
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(too_large());
    }
    let read = async {
        let mut out = Vec::new();
        while let Some(frame) =
            std::future::poll_fn(|cx| http_body::Body::poll_frame(Pin::new(&mut body), cx)).await
        {
            let frame = frame.map_err(|e| Answer {
                response: Response::error(400, "bad_request", format!("the body cannot be read: {e}")),
                allow: None,
                close: true,
            })?;
            if let Ok(data) = frame.into_data() {
                if out.len() + data.len() > MAX_BODY {
                    return Err(too_large());
                }
                out.extend_from_slice(&data);
            }
        }
        Ok(out)
    };
    tokio::time::timeout(BODY_TIMEOUT, read).await.unwrap_or_else(|_| {
        Err(Answer {
            response: Response::error(
                408,
                "request_timeout",
                format!("the body did not arrive within {} s", BODY_TIMEOUT.as_secs()),
            ),
            allow: None,
            close: true,
        })
    })
}
