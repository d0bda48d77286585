//! What the admin-API test files share: tokens, and a small HTTP/1.1 client over loopback that
//! shows the status, the headers and the body as they came, each answer checked against the
//! OpenAPI document ([`openapi::check`]).
#![allow(dead_code)]

pub mod openapi;

use fixprov::admin::http::TokenConfig;
use fixprov::admin::Role;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub const ADMIN: &str = "admin-token-0123456789abcdef0123456789";
pub const OPERATOR: &str = "operator-token-0123456789abcdef0123456";
pub const VIEWER: &str = "viewer-token-0123456789abcdef012345678";

pub fn tokens() -> Vec<TokenConfig> {
    vec![
        TokenConfig { name: "ops-admin".into(), role: Role::Admin, token: ADMIN.into() },
        TokenConfig { name: "ops".into(), role: Role::Operator, token: OPERATOR.into() },
        TokenConfig { name: "dashboard".into(), role: Role::Viewer, token: VIEWER.into() },
    ]
}

/// The same tokens as the C ABI takes them.
pub fn tokens_json() -> String {
    format!(
        r#"[{{"name": "ops-admin", "role": "admin", "token": "{ADMIN}"}},
            {{"name": "ops", "role": "operator", "token": "{OPERATOR}"}},
            {{"name": "dashboard", "role": "viewer", "token": "{VIEWER}"}}]"#
    )
}

/// An answer as it came: status, headers (names lower-cased) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The stable error shape: `{"error": {"code": "...", "message": "..."}}`.
    pub fn error_code(&self) -> Option<String> {
        let body = self.json();
        let error = body.get("error")?;
        error.get("message")?.as_str()?;
        error.get("code")?.as_str().map(str::to_owned)
    }
}

/// One request with `Connection: close`; the whole answer. Reads for 10 s at most.
pub fn send(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) and close before reading all of a large body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let answer = parse(&String::from_utf8_lossy(&raw));
    if answer.status != 0 {
        openapi::check(method, path, &answer);
    }
    answer
}

/// Parses one HTTP/1.1 answer (chunked bodies joined).
pub fn parse(raw: &str) -> Answer {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_owned() };
    Answer { status, headers, body }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].strip_prefix("\r\n").unwrap_or(&after[size..]);
    }
    out
}

/// A FIX UTCTimestamp with milliseconds (`YYYYMMDD-HH:MM:SS.sss`) of `ms` since the Unix epoch, as
/// a signed Logon's SendingTime (52) carries it.
pub fn sending_time(ms: u64) -> String {
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}:{:02}:{:02}.{millis:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
