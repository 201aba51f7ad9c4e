//! Helpers the fuzz targets share: turning fuzz bytes into text, the invariants every error
//! must keep, and a loopback HTTP server that answers Taskcluster calls with the fuzz input.
//!
//! Each target lives in `fuzz_targets/<name>.rs`; its seed corpus in `corpus/<name>/`. A panic,
//! an abort (stack overflow, out of memory) or a failed invariant below is a crash that
//! libFuzzer saves under `artifacts/<name>/`.

use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The fuzz input as text, or `None` when it is not UTF-8 (callers that read `&str` only).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Split the input at the first `\n`: a head (template, selector) and a body.
pub fn split_first_line(text: &str) -> (&str, &str) {
    match text.split_once('\n') {
        Some((head, body)) => (head, body),
        None => (text, ""),
    }
}

/// An error for bad input must carry exit code 1 (or 2 for I/O), never 0 or 3, and a message.
pub fn assert_input_error(err: &anyhow::Error, source: &str) {
    let code = tg_core::error::exit_code_of(err);
    assert!(code == 1 || code == 2, "input error mapped to exit code {code}: {err:#}");
    let text = tg_core::cli::render_chain(err);
    assert!(text.starts_with(source), "error does not name {source}: {text}");
}

/// A few values of every JSON type, for templates and keyed-by look-ups to find.
pub fn sample_fields() -> Map<String, Value> {
    match serde_json::json!({
        "name": "linux64-opt",
        "level": "3",
        "project": "fuzz",
        "platform": "linux64/opt",
        "chunk": 3,
        "ratio": 1.5,
        "flag": true,
        "nothing": null,
        "list": ["a", 1, [2], {"k": "v"}],
        "map": {"a": "b", "n": 7, "deep": {"x": ["y", "z"]}, "0": "zero"},
        "empty": "",
        "unicode": "h\u{e9}llo \u{1f600}",
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Every dotted field path (with `name[]` for lists of mappings) that leads to a single-key
/// `by-*` mapping inside `item`, as `resolve_keyed_by` takes them; at most `limit` of them.
pub fn keyed_by_paths(item: &Map<String, Value>, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    collect_paths(item, "", &mut out, limit, 0);
    out
}

fn collect_paths(map: &Map<String, Value>, prefix: &str, out: &mut Vec<String>, limit: usize, depth: usize) {
    if depth > 8 {
        return;
    }
    for (key, value) in map {
        if out.len() >= limit {
            return;
        }
        if key.contains('.') || key.ends_with("[]") {
            continue;
        }
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            // Alternatives may hold more keyed-by values: resolving the outer one finds them.
            Value::Object(_) if tg_core::merge::is_keyed_by(value) => out.push(path),
            Value::Object(m) => collect_paths(m, &path, out, limit, depth + 1),
            Value::Array(items) => {
                for item in items {
                    if let Value::Object(m) = item {
                        collect_paths(m, &format!("{path}[]"), out, limit, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

/// What the loopback server answers next: an HTTP status and a body.
type Reply = Arc<Mutex<(u16, Vec<u8>)>>;

/// A loopback HTTP/1.1 server (127.0.0.1, an ephemeral port) answering every request with the
/// reply set last, keeping connections alive so that each fuzz run costs one round trip.
pub struct Loopback {
    url: String,
    reply: Reply,
}

impl Loopback {
    /// The process-wide server, started at the first call.
    pub fn get() -> &'static Loopback {
        static SERVER: OnceLock<Loopback> = OnceLock::new();
        SERVER.get_or_init(Loopback::start)
    }

    fn start() -> Loopback {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("loopback address"));
        let reply: Reply = Arc::new(Mutex::new((200, b"{}".to_vec())));
        let shared = Arc::clone(&reply);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let reply = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &reply));
            }
        });
        Loopback { url, reply }
    }

    /// The server's base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Answer the following requests with `status` and `body`.
    pub fn set_reply(&self, status: u16, body: &[u8]) {
        if let Ok(mut r) = self.reply.lock() {
            *r = (status, body.to_vec());
        }
    }
}

/// Serve requests on one connection until the client closes it.
fn serve(stream: TcpStream, reply: &Reply) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let mut content_length = 0usize;
        let mut line = String::new();
        // Request line, then headers up to the blank line.
        let mut first = true;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() && !first {
                break;
            }
            first = false;
            if let Some((name, value)) = trimmed.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; content_length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (status, answer) = match reply.lock() {
            Ok(r) => r.clone(),
            Err(_) => return,
        };
        // One write (and no Nagle delay): two small writes cost a delayed ACK, ~40 ms a run.
        let mut response = format!(
            "HTTP/1.1 {status} Fuzz\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        )
        .into_bytes();
        response.extend_from_slice(&answer);
        if writer.write_all(&response).is_err() {
            return;
        }
    }
}

/// The client id and access token the fuzzed client signs with; no message may show the token.
pub const FUZZ_CLIENT_ID: &str = "fuzz-client";
pub const FUZZ_ACCESS_TOKEN: &str = "SECRET-fuzz-token-4f1c";

/// A Taskcluster client for the loopback server: Hawk-signed, no retries, short timeouts.
pub fn loopback_client() -> &'static tg_tcclient::Client {
    use tg_tcclient::{Client, Config, Credentials, Endpoint, RetryPolicy, Timeouts};
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let endpoint = Endpoint::Root {
            url: Loopback::get().url().to_string(),
            credentials: Some(Credentials {
                client_id: FUZZ_CLIENT_ID.into(),
                access_token: FUZZ_ACCESS_TOKEN.into(),
                certificate: None,
            }),
        };
        let config = Config {
            endpoint,
            retry: RetryPolicy { max_retries: 0, base_delay: Duration::ZERO, max_delay: Duration::ZERO },
            timeouts: Timeouts { connect: Duration::from_secs(5), request: Duration::from_secs(10) },
            max_idle_connections: 1,
        };
        Client::new(config).expect("an HTTP client")
    })
}
