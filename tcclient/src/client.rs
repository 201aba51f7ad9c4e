//! [`Client`]: blocking API calls with the one retry loop; JSON calls and the artifact download
//! (a signed request whose redirect is followed by an unsigned one).

use crate::auth::hawk_header_now;
use crate::endpoint::Config;
use crate::error::CallError;
use serde_json::Value;
use std::fmt;
use tg_core::error::usage;

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

/// A 2xx or 3xx answer as received: status, `Location` header and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawAnswer {
    pub status: u16,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// A blocking Taskcluster API client; cheap to clone and share between threads. Redirects are
/// not followed (an artifact's redirect goes to storage that must not get our credentials).
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
enum Attempt<T> {
    Done(Result<T, CallError>),
    Retry(String),
}

/// What one request is: method, URL, call name for errors, body, and whether to sign it.
struct Request<'a> {
    method: Method,
    url: &'a str,
    call: &'a str,
    payload: Option<&'a [u8]>,
    signed: bool,
}

impl Client {
    /// Build a client for `config`.
    pub fn new(config: Config) -> anyhow::Result<Client> {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .timeout(config.timeouts.request)
            .pool_max_idle_per_host(config.max_idle_connections)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tg/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| usage(format!("cannot set up the HTTP client: {e}")))?;
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
        let request = Request { method, url: &url, call: &call, payload: payload.as_deref(), signed: true };
        self.with_retries(&request, |status, answer| json_answer(status, answer.body))
    }

    /// `GET <service>/v1/<path>` answered 2xx or 3xx, as received (redirects are not followed).
    pub fn get_raw(&self, service: &str, path: &str) -> Result<RawAnswer, CallError> {
        let call = format!("{service}.GET /{}", path.trim_start_matches('/'));
        let url = self.config.endpoint.api_url(service, path);
        let request = Request { method: Method::Get, url: &url, call: &call, payload: None, signed: true };
        self.with_retries(&request, |_, answer| Attempt::Done(Ok(answer)))
    }

    /// An unsigned `GET` of any URL (where an artifact redirect points), 2xx body.
    pub fn download(&self, url: &str, call: &str) -> Result<Vec<u8>, CallError> {
        let request = Request { method: Method::Get, url, call, payload: None, signed: false };
        self.with_retries(&request, |_, answer| Attempt::Done(Ok(answer.body)))
    }

    /// `queue.getLatestArtifact` and the download it redirects to: the artifact's bytes. A 4xx
    /// at either step is a [`CallError::Rejected`] (`is_client_error`).
    pub fn latest_artifact(&self, task_id: &str, name: &str) -> Result<Vec<u8>, CallError> {
        let path = format!("task/{}/artifacts/{name}", crate::percent_encode(task_id));
        let first = self.get_raw("queue", &path)?;
        if !(300..400).contains(&first.status) {
            return Ok(first.body);
        }
        let call = format!("queue.getLatestArtifact {task_id} {name}");
        let Some(target) = redirect_target(first.location.as_deref(), &first.body) else {
            return Err(CallError::unavailable(&call, 1, format!("HTTP {} without a URL to follow", first.status)));
        };
        self.download(&target, &format!("downloading {name} of task {task_id} from {target}"))
    }

    /// Send `request` until `accept` takes a 2xx/3xx answer, retrying transport errors and 5xx
    /// as the policy says; 4xx (and 5xx on the last attempt) is a [`CallError::Rejected`].
    fn with_retries<T>(
        &self,
        request: &Request,
        accept: impl Fn(u16, RawAnswer) -> Attempt<T>,
    ) -> Result<T, CallError> {
        let retry = &self.config.retry;
        let mut attempt = 0;
        loop {
            if attempt > 0 {
                retry.sleep_before(attempt);
            }
            attempt += 1;
            let last = attempt > retry.max_retries;
            let outcome = match self.send_once(request) {
                Err(reason) => Attempt::Retry(reason),
                Ok(answer) if answer.status < 400 => accept(answer.status, answer),
                Ok(answer) => refusal(request.call, answer, last),
            };
            match outcome {
                Attempt::Done(result) => return result,
                Attempt::Retry(reason) if last => return Err(CallError::unavailable(request.call, attempt, reason)),
                Attempt::Retry(_) => {}
            }
        }
    }

    /// One request: the answer whatever its status, or a transport error's description.
    fn send_once(&self, request: &Request) -> Result<RawAnswer, String> {
        let mut builder = self.http.request(request.method.to_reqwest(), request.url);
        if let Some(creds) = self.config.endpoint.credentials().filter(|_| request.signed) {
            let header = hawk_header_now(creds, request.method.as_str(), request.url, request.payload)?;
            builder = builder.header("Authorization", header);
        }
        if let Some(bytes) = request.payload {
            builder = builder.header("Content-Type", "application/json").body(bytes.to_vec());
        }
        let response = builder.send().map_err(|e| describe_transport_error(&e))?;
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = response.bytes().map_err(|e| describe_transport_error(&e))?.to_vec();
        Ok(RawAnswer { status, location, body })
    }
}

/// A 2xx answer's JSON (`Null` for an empty body); a body that is not JSON is retried.
fn json_answer(status: u16, body: Vec<u8>) -> Attempt<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Attempt::Done(Ok(Value::Null));
    }
    match serde_json::from_slice(&body) {
        Ok(v) => Attempt::Done(Ok(v)),
        Err(e) => Attempt::Retry(format!("HTTP {status} with a body that is not JSON: {e}")),
    }
}

/// A 4xx or 5xx answer: 5xx is retried unless this was the `last` attempt.
fn refusal<T>(call: &str, answer: RawAnswer, last: bool) -> Attempt<T> {
    let (code, message) = error_fields(answer.status, &answer.body);
    if answer.status >= 500 && !last {
        return Attempt::Retry(format!("HTTP {} {code}: {message}", answer.status));
    }
    Attempt::Done(Err(CallError::rejected(call, answer.status, code, message)))
}

/// Where a redirect points: the `url` of the queue's JSON answer, else the `Location` header.
fn redirect_target(location: Option<&str>, body: &[u8]) -> Option<String> {
    let from_body = serde_json::from_slice::<Value>(body).ok().and_then(|v| v.get("url")?.as_str().map(str::to_string));
    from_body.or_else(|| location.map(str::to_string))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::{Credentials, Endpoint};

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials {
            client_id: "tester".into(),
            access_token: "secret-token".into(),
            certificate: Some("{\"secret\":\"cert-secret\"}".into()),
        };
        let endpoint = Endpoint::Root { url: "https://x".into(), credentials: Some(c) };
        let client = Client::new(Config::new(endpoint)).unwrap();
        let text = format!("{client:?} {:#?}", client.config());
        assert!(!text.contains("secret-token") && !text.contains("cert-secret"), "{text}");
        assert!(text.contains("tester"));
    }

    #[test]
    fn error_fields_read_taskcluster_bodies() {
        let (code, msg) = error_fields(409, br#"{"code":"RequestConflict","message":"taskId used"}"#);
        assert_eq!((code.as_str(), msg.as_str()), ("RequestConflict", "taskId used"));
        let (code, msg) = error_fields(502, b"");
        assert_eq!((code.as_str(), msg.as_str()), ("Bad Gateway", "(no message)"));
    }

    #[test]
    fn redirects_prefer_the_queue_answer() {
        assert_eq!(redirect_target(Some("http://a"), br#"{"url": "http://b"}"#).as_deref(), Some("http://b"));
        assert_eq!(redirect_target(Some("http://a"), b"").as_deref(), Some("http://a"));
        assert_eq!(redirect_target(None, b"{}"), None);
    }
}
