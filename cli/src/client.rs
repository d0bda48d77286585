//! Where the gateway is and how to talk to it: the URL and token from flags, the environment or the
//! config file, and one HTTP request per command.

use crate::{Exit, Failure};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The config file's contents.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    url: Option<String>,
    token: Option<String>,
}

/// A token: never printed, not even by Debug.
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

/// The gateway to talk to.
#[derive(Debug)]
pub struct Client {
    base: String,
    token: Option<Token>,
    agent: ureq::Agent,
}

/// An answer: the HTTP status and its body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// The config file to read: the one named, else the user's default (absent is fine then).
fn config_path(named: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(path) = named {
        return Some((path.to_owned(), true));
    }
    let dir = match std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some((dir.join("fixprov").join("config.toml"), false))
}

/// Refuses a file that holds a token and that others may read.
fn check_private(path: &Path) -> Result<(), Failure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| Failure::new(Exit::LocalFile, format!("{}: {e}", path.display())))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(Failure::new(
                Exit::LocalFile,
                format!(
                    "{} holds a token and is readable by others (mode {:o}): chmod 600 {}",
                    path.display(),
                    mode & 0o777,
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

fn read_config(named: Option<&Path>) -> Result<ConfigFile, Failure> {
    let Some((path, named)) = config_path(named) else { return Ok(ConfigFile::default()) };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => return Ok(ConfigFile::default()),
        Err(e) => return Err(Failure::new(Exit::LocalFile, format!("config file {}: {e}", path.display()))),
    };
    let config: ConfigFile = toml::from_str(&text).map_err(|e| {
        Failure::new(Exit::LocalFile, format!("config file {}: {}", path.display(), e.message()))
    })?;
    if config.token.is_some() {
        check_private(&path)?;
    }
    Ok(config)
}

impl Client {
    /// The client the flags, the environment and the config file describe.
    pub fn new(
        url: Option<&str>,
        token_file: Option<&Path>,
        config: Option<&Path>,
        timeout: Duration,
    ) -> Result<Client, Failure> {
        let file = read_config(config)?;
        let base = url.map(str::to_owned).or(file.url).ok_or_else(|| {
            Failure::new(
                Exit::Usage,
                "no admin URL: give --url, set FIXPROV_URL, or put url in the config file",
            )
        })?;
        let base = base.trim_end_matches('/').to_owned();
        let tls = cfg!(feature = "tls") && base.starts_with("https://");
        if !(base.starts_with("http://") || tls) || base.contains('@') || base.contains('?') {
            return Err(Failure::new(
                Exit::Usage,
                format!(
                    "the admin URL must be http://HOST:PORT{} without credentials or a query: {base}",
                    if cfg!(feature = "tls") { " or https://HOST:PORT" } else { "" }
                ),
            ));
        }
        let token = match token_file {
            Some(path) => {
                check_private(path)?;
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Failure::new(Exit::LocalFile, format!("token file {}: {e}", path.display()))
                })?;
                Some(text.trim().to_owned())
            }
            None => std::env::var("FIXPROV_TOKEN").ok().filter(|t| !t.is_empty()).or(file.token),
        };
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent(concat!("fixprov-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client { base, token: token.map(Token), agent })
    }

    /// Whether a token was found.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// One request; `body` is JSON for POST. The answer is read whole.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Answer, Failure> {
        let mut response = self.send(method, path, body)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| transport(&self.base, e))?;
        Ok(Answer { status, body })
    }

    /// One GET whose body is streamed to `sink` (the audit export); `progress` sees each chunk.
    pub fn stream(
        &self,
        path: &str,
        sink: &mut dyn std::io::Write,
        progress: &mut dyn FnMut(&[u8]),
    ) -> Result<Answer, Failure> {
        let mut response = self.send("GET", path, None)?;
        let status = response.status().as_u16();
        if status != 200 {
            let body = response.body_mut().read_to_string().map_err(|e| transport(&self.base, e))?;
            return Ok(Answer { status, body });
        }
        let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(|e| {
                Failure::new(Exit::Unreachable, format!("{}: the answer broke off: {e}", self.base))
            })?;
            if n == 0 {
                break;
            }
            sink.write_all(&buf[..n])
                .map_err(|e| Failure::new(Exit::LocalFile, format!("writing the export: {e}")))?;
            progress(&buf[..n]);
        }
        Ok(Answer { status, body: String::new() })
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ureq::http::Response<ureq::Body>, Failure> {
        let url = format!("{}{path}", self.base);
        let auth = self.token.as_ref().map(|t| format!("Bearer {}", t.0));
        let result = match method {
            "GET" => {
                let mut request = self.agent.get(&url);
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.call()
            }
            _ => {
                let mut request = self.agent.post(&url).content_type("application/json");
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.send(body.map_or_else(|| "{}".to_owned(), Value::to_string))
            }
        };
        result.map_err(|e| transport(&self.base, e))
    }
}

/// A transport failure, said without the token (ureq's errors never hold headers).
fn transport(base: &str, e: ureq::Error) -> Failure {
    Failure::new(Exit::Unreachable, format!("cannot reach the gateway at {base}: {e}"))
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
