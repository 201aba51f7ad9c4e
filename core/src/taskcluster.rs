//! A small blocking Taskcluster client: configuration from the environment, Hawk signing,
//! retries with backoff, and errors that name the call.
//!
//! Where requests go:
//! - `TASKCLUSTER_PROXY_URL` set: `<proxy>/api/<service>/v1/<path>`, no authentication (the
//!   taskcluster-proxy of a task adds it);
//! - else `TASKCLUSTER_ROOT_URL` set: `<root>/api/<service>/v1/<path>`, signed with Hawk when
//!   `TASKCLUSTER_CLIENT_ID` and `TASKCLUSTER_ACCESS_TOKEN` are set (plus
//!   `TASKCLUSTER_CERTIFICATE` for temporary credentials);
//! - neither: no client ([`Client::from_env`] returns `Ok(None)`).
//!
//! Calls are retried on connection errors, timeouts and 5xx answers, with exponential backoff
//! and jitter, a bounded number of times ([`RetryPolicy`]). A 4xx answer is not retried: it comes
//! back as [`CallError::Rejected`] carrying the server's status, `code` and `message`. Every
//! [`CallError`] converts into an `anyhow::Error` whose exit code is 3 (its source is a
//! [`crate::error::Failure`] with code 3), and callers can still inspect it with
//! `err.downcast_ref::<CallError>()` (for instance to treat an index 404 as "not found").
//!
//! Secrets never appear in output: [`Credentials`] has a redacting `Debug`, error messages name
//! the service, method and path of the call, never the headers.

use crate::error::{Failure, EXIT_REMOTE};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Taskcluster client credentials. `Debug` prints the client id only.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub access_token: String,
    /// Temporary credentials' certificate, as the JSON text Taskcluster hands out.
    pub certificate: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("access_token", &"<redacted>")
            .field("certificate", &self.certificate.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Where API calls go and how they are authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A taskcluster-proxy: no authentication from us.
    Proxy { url: String },
    /// A Taskcluster deployment's root URL, with Hawk credentials when given.
    Root { url: String, credentials: Option<Credentials> },
}

impl Endpoint {
    /// The base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        match self {
            Endpoint::Proxy { url } | Endpoint::Root { url, .. } => url,
        }
    }

    /// The credentials used to sign requests, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        match self {
            Endpoint::Proxy { .. } => None,
            Endpoint::Root { credentials, .. } => credentials.as_ref(),
        }
    }

    /// Read the endpoint from `TASKCLUSTER_*` variables through `var`; `Ok(None)` when neither
    /// a proxy nor a root URL is configured. Half-given credentials are a usage error.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<Endpoint>> {
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if let Some(proxy) = non_empty("TASKCLUSTER_PROXY_URL") {
            return Ok(Some(Endpoint::Proxy { url: normalize_root_url(&proxy) }));
        }
        let Some(root) = non_empty("TASKCLUSTER_ROOT_URL") else { return Ok(None) };
        let credentials = match (non_empty("TASKCLUSTER_CLIENT_ID"), non_empty("TASKCLUSTER_ACCESS_TOKEN")) {
            (Some(client_id), Some(access_token)) => {
                let certificate = non_empty("TASKCLUSTER_CERTIFICATE");
                if let Some(cert) = &certificate {
                    serde_json::from_str::<Value>(cert)
                        .map_err(|e| crate::error::usage(format!("TASKCLUSTER_CERTIFICATE is not valid JSON: {e}")))?;
                }
                Some(Credentials { client_id, access_token, certificate })
            }
            (None, None) => None,
            (Some(_), None) => {
                return Err(crate::error::usage("TASKCLUSTER_CLIENT_ID is set but TASKCLUSTER_ACCESS_TOKEN is not"))
            }
            (None, Some(_)) => {
                return Err(crate::error::usage("TASKCLUSTER_ACCESS_TOKEN is set but TASKCLUSTER_CLIENT_ID is not"))
            }
        };
        Ok(Some(Endpoint::Root { url: normalize_root_url(&root), credentials }))
    }

    /// URL of `<service>/v1/<path>` (`path` with or without a leading `/`).
    pub fn api_url(&self, service: &str, path: &str) -> String {
        format!("{}/api/{service}/v1/{}", self.base_url(), path.trim_start_matches('/'))
    }
}

/// Strip trailing slashes, as `taskcluster_urls.normalize_root_url` does.
pub fn normalize_root_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

/// How failed calls are retried: `max_retries` more attempts after the first, sleeping
/// `base_delay * 2^(n-1)` (±25 % jitter, at most `max_delay`) before retry `n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Taskcluster clients' defaults: 5 retries, 100 ms doubling, at most 30 s.
    fn default() -> Self {
        RetryPolicy { max_retries: 5, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(30) }
    }
}

impl RetryPolicy {
    /// The sleep before retry `attempt` (1-based), with `unit` in [0, 1) choosing the jitter.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        if attempt == 0 {
            return Duration::ZERO;
        }
        let factor = 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
        let jitter = 1.0 + 0.25 * (unit.clamp(0.0, 1.0) * 2.0 - 1.0);
        let secs = self.base_delay.as_secs_f64() * factor * jitter;
        Duration::from_secs_f64(secs.min(self.max_delay.as_secs_f64()).max(0.0))
    }
}

/// Timeouts of one HTTP attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Whole request, from sending to the last byte of the answer.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(10), request: Duration::from_secs(60) }
    }
}

/// Client settings; [`Config::from_env`] reads the endpoint, the rest has defaults.
#[derive(Clone, Debug)]
pub struct Config {
    pub endpoint: Endpoint,
    pub retry: RetryPolicy,
    pub timeouts: Timeouts,
    /// Connections kept open per host (set it to the caller's concurrency).
    pub max_idle_connections: usize,
}

impl Config {
    /// A config for `endpoint` with default retries and timeouts.
    pub fn new(endpoint: Endpoint) -> Config {
        Config { endpoint, retry: RetryPolicy::default(), timeouts: Timeouts::default(), max_idle_connections: 50 }
    }

    /// Read the endpoint from the process environment; `Ok(None)` when Taskcluster is not
    /// configured.
    pub fn from_env() -> anyhow::Result<Option<Config>> {
        Ok(Endpoint::from_vars(|name| std::env::var(name).ok())?.map(Config::new))
    }
}

/// Why a call failed. Converts to an exit-3 error (see the module doc).
#[derive(Debug)]
pub enum CallError {
    /// The service answered 4xx (or 5xx on the last attempt): not retried further.
    Rejected { call: String, status: u16, code: String, message: String, failure: Failure },
    /// No usable answer after every retry (connection errors, timeouts, 5xx).
    Unavailable { call: String, attempts: u32, last_error: String, failure: Failure },
}

impl CallError {
    fn rejected(call: &str, status: u16, code: String, message: String) -> CallError {
        let text = format!("{call}: HTTP {status} {code}: {message}");
        CallError::Rejected {
            call: call.to_string(),
            status,
            code,
            message,
            failure: Failure { code: EXIT_REMOTE, message: text },
        }
    }

    fn unavailable(call: &str, attempts: u32, last_error: String) -> CallError {
        let text = format!("{call}: failed after {attempts} attempts: {last_error}");
        CallError::Unavailable {
            call: call.to_string(),
            attempts,
            last_error,
            failure: Failure { code: EXIT_REMOTE, message: text },
        }
    }

    /// The HTTP status when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Rejected { status, .. } => Some(*status),
            CallError::Unavailable { .. } => None,
        }
    }

    /// True for a 404 answer (an index path with no task, an unknown task).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The server's message (4xx) or the last transport error.
    pub fn message(&self) -> &str {
        match self {
            CallError::Rejected { message, .. } => message,
            CallError::Unavailable { last_error, .. } => last_error,
        }
    }

    /// `service.METHOD /path` of the failed call.
    pub fn call(&self) -> &str {
        match self {
            CallError::Rejected { call, .. } | CallError::Unavailable { call, .. } => call,
        }
    }

    fn failure(&self) -> &Failure {
        match self {
            CallError::Rejected { failure, .. } | CallError::Unavailable { failure, .. } => failure,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.failure().message)
    }
}

impl std::error::Error for CallError {
    /// The exit-3 [`Failure`] (same text), so `tg_core::error::exit_code_of` finds code 3.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.failure())
    }
}

/// HTTP methods the client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// A blocking Taskcluster API client; cheap to clone and share between threads.
#[derive(Clone)]
pub struct Client {
    config: Config,
    http: reqwest::blocking::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("config", &self.config).finish()
    }
}

/// The outcome of one attempt: an answer to return, or a reason to try again.
enum Attempt {
    Done(Result<Value, CallError>),
    Retry(String),
}

impl Client {
    /// Build a client for `config`.
    pub fn new(config: Config) -> anyhow::Result<Client> {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .timeout(config.timeouts.request)
            .pool_max_idle_per_host(config.max_idle_connections)
            .user_agent(concat!("tg-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| crate::error::usage(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Client { config, http })
    }

    /// A client configured from `TASKCLUSTER_*` variables, `Ok(None)` when none are set.
    pub fn from_env() -> anyhow::Result<Option<Client>> {
        Config::from_env()?.map(Client::new).transpose()
    }

    /// The settings this client uses.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `GET <service>/v1/<path>`.
    pub fn get_json(&self, service: &str, path: &str) -> Result<Value, CallError> {
        self.call(Method::Get, service, path, None)
    }

    /// `POST <service>/v1/<path>` with a JSON body.
    pub fn post_json(&self, service: &str, path: &str, body: &Value) -> Result<Value, CallError> {
        self.call(Method::Post, service, path, Some(body))
    }

    /// `PUT <service>/v1/<path>` with a JSON body.
    pub fn put_json(&self, service: &str, path: &str, body: &Value) -> Result<Value, CallError> {
        self.call(Method::Put, service, path, Some(body))
    }

    /// One API call with retries. The answer's JSON (`Null` for an empty body).
    pub fn call(&self, method: Method, service: &str, path: &str, body: Option<&Value>) -> Result<Value, CallError> {
        let call = format!("{service}.{} /{}", method.as_str(), path.trim_start_matches('/'));
        let url = self.config.endpoint.api_url(service, path);
        let payload = match body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|e| CallError::unavailable(&call, 0, e.to_string()))?),
            None => None,
        };
        let retry = &self.config.retry;
        let mut attempt = 0;
        loop {
            if attempt > 0 {
                std::thread::sleep(retry.delay(attempt, random_unit()));
            }
            attempt += 1;
            match self.attempt(method, &url, payload.as_deref(), &call, attempt > retry.max_retries) {
                Attempt::Done(result) => return result,
                Attempt::Retry(reason) if attempt > retry.max_retries => {
                    return Err(CallError::unavailable(&call, attempt, reason))
                }
                Attempt::Retry(_) => {}
            }
        }
    }

    /// Send one request and classify its outcome. On the `last` attempt a 5xx is final.
    fn attempt(&self, method: Method, url: &str, payload: Option<&[u8]>, call: &str, last: bool) -> Attempt {
        let mut request = self.http.request(method.to_reqwest(), url);
        if let Some(creds) = self.config.endpoint.credentials() {
            match hawk_header_for(creds, method.as_str(), url, payload) {
                Ok(header) => request = request.header("Authorization", header),
                Err(e) => return Attempt::Done(Err(CallError::unavailable(call, 0, e))),
            }
        }
        if let Some(bytes) = payload {
            request = request.header("Content-Type", "application/json").body(bytes.to_vec());
        }
        let response = match request.send() {
            Ok(r) => r,
            Err(e) => return Attempt::Retry(describe_transport_error(&e)),
        };
        let status = response.status().as_u16();
        let bytes = match response.bytes() {
            Ok(b) => b,
            Err(e) => return Attempt::Retry(describe_transport_error(&e)),
        };
        if (200..300).contains(&status) {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Attempt::Done(Ok(Value::Null));
            }
            return match serde_json::from_slice(&bytes) {
                Ok(v) => Attempt::Done(Ok(v)),
                Err(e) => Attempt::Retry(format!("HTTP {status} with a body that is not JSON: {e}")),
            };
        }
        let (code, message) = error_fields(status, &bytes);
        if status >= 500 && !last {
            return Attempt::Retry(format!("HTTP {status} {code}: {message}"));
        }
        Attempt::Done(Err(CallError::rejected(call, status, code, message)))
    }
}

/// The `code` and `message` of a Taskcluster error body, or a summary of a non-JSON one.
fn error_fields(status: u16, body: &[u8]) -> (String, String) {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| parsed.as_ref().and_then(|v| v.get(name)).and_then(Value::as_str).map(str::to_string);
    let code = field("code").unwrap_or_else(|| reason_phrase(status).to_string());
    let message = field("message").unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            "(no message)".to_string()
        } else {
            text.chars().take(500).collect()
        }
    });
    (code, message)
}

fn reason_phrase(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error")
}

/// A transport error with its causes (reqwest's own Display is terse), never with headers.
fn describe_transport_error(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() { "timed out".to_string() } else { "connection error".to_string() };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A uniform random number in [0, 1) for backoff jitter.
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// A random Hawk nonce (8 URL-safe characters).
fn random_nonce() -> Result<String, String> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a Hawk nonce: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// A new random slugid in the "nice" form (first character `A`-`f`), as `slugid.nice()`.
pub fn slugid_nice() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| crate::error::usage(format!("no randomness for a taskId: {e}")))?;
    Ok(slugid_from_bytes(bytes))
}

/// The nice slugid of 16 random bytes: a v4 UUID with the top bit cleared, base64url, no padding.
pub fn slugid_from_bytes(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes[0] &= 0x7f;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The Hawk `Authorization` header for a request now, with a fresh nonce.
fn hawk_header_for(creds: &Credentials, method: &str, url: &str, payload: Option<&[u8]>) -> Result<String, String> {
    let ts = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let nonce = random_nonce()?;
    let ext = hawk_ext(creds)?;
    let request = HawkRequest { method, url, payload, content_type: "application/json" };
    hawk_header(creds, &request, ts, &nonce, &ext)
}

/// What Hawk signs of a request.
pub struct HawkRequest<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// The exact body bytes; `None` hashes an empty payload with an empty content type.
    pub payload: Option<&'a [u8]>,
    pub content_type: &'a str,
}

/// Taskcluster's Hawk `ext`: base64 of `{"certificate": ...}` (or `{}`), as its clients send.
pub fn hawk_ext(creds: &Credentials) -> Result<String, String> {
    let mut ext = serde_json::Map::new();
    if let Some(cert) = &creds.certificate {
        let parsed: Value = serde_json::from_str(cert).map_err(|e| format!("TASKCLUSTER_CERTIFICATE: {e}"))?;
        ext.insert("certificate".to_string(), parsed);
    }
    let json = serde_json::to_string(&Value::Object(ext)).map_err(|e| e.to_string())?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(json);
    Ok(b64.replace('+', "-").replace('/', "_"))
}

/// The Hawk header (`Hawk mac=..., hash=..., id=..., ts=..., nonce=..., ext=...`) for a request,
/// given the timestamp and nonce. Same string as Python `mohawk.Sender(...).request_header`.
pub fn hawk_header(creds: &Credentials, req: &HawkRequest, ts: u64, nonce: &str, ext: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(req.url).map_err(|e| format!("bad URL {}: {e}", req.url))?;
    let host = parsed.host_str().ok_or_else(|| format!("URL without host: {}", req.url))?;
    let port = parsed.port_or_known_default().ok_or_else(|| format!("URL without port: {}", req.url))?;
    let mut resource = parsed.path().to_string();
    if let Some(query) = parsed.query() {
        resource.push('?');
        resource.push_str(query);
    }
    let content_type = if req.payload.is_some() { req.content_type } else { "" };
    let hash = hawk_payload_hash(req.payload.unwrap_or_default(), content_type);
    let normalized = format!(
        "hawk.1.header\n{ts}\n{nonce}\n{}\n{resource}\n{}\n{port}\n{hash}\n{ext}\n",
        req.method.to_ascii_uppercase(),
        host.to_ascii_lowercase(),
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(creds.access_token.as_bytes()).map_err(|e| e.to_string())?;
    mac.update(normalized.as_bytes());
    let mac = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let mut header =
        format!("Hawk mac=\"{mac}\", hash=\"{hash}\", id=\"{}\", ts=\"{ts}\", nonce=\"{nonce}\"", creds.client_id);
    if !ext.is_empty() {
        header.push_str(&format!(", ext=\"{ext}\""));
    }
    Ok(header)
}

/// Hawk's payload hash: base64(sha256("hawk.1.payload\n<content-type>\n<payload>\n")).
pub fn hawk_payload_hash(payload: &[u8], content_type: &str) -> String {
    let content_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let mut hasher = Sha256::new();
    hasher.update(b"hawk.1.payload\n");
    hasher.update(content_type.as_bytes());
    hasher.update(b"\n");
    hasher.update(payload);
    hasher.update(b"\n");
    base64::engine::general_purpose::STANDARD.encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(cert: Option<&str>) -> Credentials {
        Credentials {
            client_id: "tester".into(),
            access_token: "secret-token".into(),
            certificate: cert.map(str::to_string),
        }
    }

    /// Expected headers made with Python mohawk 1.1.0 (what the taskcluster client uses):
    /// `mohawk.Sender(credentials={"id":"tester","key":"secret-token","algorithm":"sha256"},
    ///  url=URL, method=M, content=C, content_type=CT, ext=EXT, _timestamp=1700000000,
    ///  nonce="abc123").request_header`
    #[test]
    fn hawk_headers_match_mohawk() {
        let cases = [
            (
                "PUT",
                "http://127.0.0.1:8080/api/queue/v1/task/abc",
                Some(&b"{\"a\":1}"[..]),
                "e30=",
                "Hawk mac=\"QGc7Fev1NchVXWF72FuxD9Wp7kOMoTCeugtuQNMMMwI=\", hash=\"qKG2AtsqLMhIdy7+OrxWG0bU8wTDncYSW0gmNukAKpI=\", id=\"tester\", ts=\"1700000000\", nonce=\"abc123\", ext=\"e30=\"",
            ),
            (
                "GET",
                "https://tc.example.com/api/index/v1/task/a.b.c?x=1",
                None,
                "",
                "Hawk mac=\"nRISzhep1KCcCUSMfE71kXt4W5Y6VVw/dpIrnDhjKfU=\", hash=\"B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8=\", id=\"tester\", ts=\"1700000000\", nonce=\"abc123\"",
            ),
            (
                "POST",
                "https://tc.example.com:9443/api/queue/v1/tasks/status",
                Some(&b"{\"taskIds\":[]}"[..]),
                "eyJjZXJ0aWZpY2F0ZSI6eyJ4IjoxfX0=",
                "Hawk mac=\"8yBL/66v2/P15Yc0WpxlKAsCqoni54rLOY0bsbrFRwQ=\", hash=\"BXlSqXFf2pzV0cQ08xBVZ2kNcC+vnF5W64GgZLvrd14=\", id=\"tester\", ts=\"1700000000\", nonce=\"abc123\", ext=\"eyJjZXJ0aWZpY2F0ZSI6eyJ4IjoxfX0=\"",
            ),
        ];
        for (method, url, payload, ext, expected) in cases {
            let req = HawkRequest { method, url, payload, content_type: "application/json" };
            assert_eq!(hawk_header(&creds(None), &req, 1700000000, "abc123", ext).unwrap(), expected, "{method} {url}");
        }
    }

    #[test]
    fn ext_is_taskclusters_base64_json() {
        assert_eq!(hawk_ext(&creds(None)).unwrap(), "e30=");
        assert_eq!(hawk_ext(&creds(Some("{\"x\": 1}"))).unwrap(), "eyJjZXJ0aWZpY2F0ZSI6eyJ4IjoxfX0=");
    }

    #[test]
    fn endpoint_from_vars() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(Endpoint::from_vars(vars(&[])).unwrap(), None);
        let proxy = Endpoint::from_vars(vars(&[
            ("TASKCLUSTER_PROXY_URL", "http://taskcluster/"),
            ("TASKCLUSTER_ROOT_URL", "https://x"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(proxy.api_url("queue", "task/abc"), "http://taskcluster/api/queue/v1/task/abc");
        assert!(proxy.credentials().is_none());
        let root = Endpoint::from_vars(vars(&[
            ("TASKCLUSTER_ROOT_URL", "https://tc.example.com"),
            ("TASKCLUSTER_CLIENT_ID", "me"),
            ("TASKCLUSTER_ACCESS_TOKEN", "tok"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(root.api_url("index", "/tasks/indexes"), "https://tc.example.com/api/index/v1/tasks/indexes");
        assert_eq!(root.credentials().unwrap().client_id, "me");
        let half = Endpoint::from_vars(vars(&[("TASKCLUSTER_ROOT_URL", "https://x"), ("TASKCLUSTER_CLIENT_ID", "me")]));
        assert_eq!(crate::error::exit_code_of(&half.unwrap_err()), 2);
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = creds(Some("{\"secret\":\"cert-secret\"}"));
        let endpoint = Endpoint::Root { url: "https://x".into(), credentials: Some(c) };
        let client = Client::new(Config::new(endpoint)).unwrap();
        let text = format!("{client:?} {:#?}", client.config());
        assert!(!text.contains("secret-token") && !text.contains("cert-secret"), "{text}");
        assert!(text.contains("tester"));
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let p = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        assert_eq!(p.delay(0, 0.5), Duration::ZERO);
        assert_eq!(p.delay(1, 0.5), Duration::from_millis(100));
        assert_eq!(p.delay(2, 0.5), Duration::from_millis(200));
        assert_eq!(p.delay(3, 0.0), Duration::from_millis(300));
        assert_eq!(p.delay(3, 1.0), Duration::from_millis(500));
        assert_eq!(p.delay(10, 0.5), Duration::from_millis(500));
    }

    #[test]
    fn call_errors_exit_3_and_keep_their_status() {
        let err: anyhow::Error =
            CallError::rejected("queue.PUT /task/x", 400, "InputError".into(), "bad".into()).into();
        assert_eq!(crate::error::exit_code_of(&err), 3);
        assert_eq!(err.downcast_ref::<CallError>().and_then(CallError::status), Some(400));
        assert_eq!(crate::cli::render_chain(&err), "queue.PUT /task/x: HTTP 400 InputError: bad");
    }

    #[test]
    fn slugids_are_nice_v4() {
        let s = slugid_from_bytes([0xff; 16]);
        assert_eq!(s.len(), 22);
        assert!(s.as_bytes()[0] <= b'f' && s.as_bytes()[0] != b'-', "{s}");
        let r = slugid_nice().unwrap();
        assert_eq!(r.len(), 22);
        // tc-fake's (and the queue's) pattern for v4 slugids.
        let re =
            regex::Regex::new("^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$").unwrap();
        assert!(re.is_match(&r) && re.is_match(&s), "{r} {s}");
    }

    #[test]
    fn error_fields_read_taskcluster_bodies() {
        let (code, msg) = error_fields(409, br#"{"code":"RequestConflict","message":"taskId used"}"#);
        assert_eq!((code.as_str(), msg.as_str()), ("RequestConflict", "taskId used"));
        let (code, msg) = error_fields(502, b"");
        assert_eq!((code.as_str(), msg.as_str()), ("Bad Gateway", "(no message)"));
    }
}
