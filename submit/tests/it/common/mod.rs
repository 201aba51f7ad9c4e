//! Test helpers: a local stand-in for the Taskcluster queue (a small threaded HTTP/1.1 server
//! on 127.0.0.1), synthetic graphs, and paths to the example root and ../shared.
//!
//! The server implements `PUT /api/queue/v1/task/<taskId>` (createTask) the way the queue
//! behaves: idempotent for an identical definition, 409 for a different one, 400 when a
//! dependency does not exist yet. It checks Hawk signatures with its own verifier (HMAC-SHA256
//! over the normalized string, payload hash over the received body, fresh nonces), the fields
//! every definition needs, and records every violation in `errors`. Faults are injected per
//! request by a closure; `pause_after(n)` holds every request after the n-th creation until
//! `release()`.
#![allow(dead_code)]

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const CLIENT_ID: &str = "project/widget/decision";
pub const ACCESS_TOKEN: &str = "sEcReT-tOkEn-0123456789-never-print-me";
pub const DECISION_ID: &str = "Dec1s1onTaskIdXXXXXXXw";

/// The repository's example taskgraph root (trust domain `widget`, level 3).
pub fn example_root() -> (PathBuf, PathBuf) {
    let kinds = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kinds");
    (kinds.clone(), kinds.join("parameters.yml"))
}

pub const SCHEDULER_ID: &str = "widget-level-3";

/// `../shared`, or `None` after a loud skip notice (a failure under CI).
pub use testkit::shared_dir;

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-submit-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A nice slugid derived from `seed` (valid for the queue's taskId pattern).
pub fn slug(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    tg_core::slugid::slugid_from_bytes(bytes)
}

/// A synthetic morphed graph of `n` tasks as JSON lines: task `i` depends on `i-1` and `i/2`
/// unless `i % 7 == 0` (so there are many roots and long chains); tasks with `i % 97 == 5`
/// have `task_duplicates: 2`. Returns the text and the taskIds.
pub fn synthetic_graph(n: usize) -> (String, Vec<String>) {
    let ids: Vec<String> = (0..n).map(|i| slug(&format!("task-{i}"))).collect();
    let mut text = String::new();
    for i in 0..n {
        let deps: Vec<usize> =
            if i % 7 == 0 { vec![] } else { [i - 1, i / 2].into_iter().collect::<HashSet<_>>().into_iter().collect() };
        let mut deps = deps;
        deps.sort();
        let mut named = serde_json::Map::new();
        for d in &deps {
            named.insert(format!("dep-{d}"), json!(ids[*d]));
        }
        let mut attributes = json!({"kind": "synthetic"});
        if i % 97 == 5 {
            attributes["task_duplicates"] = json!(2);
        }
        let task = json!({
            "kind": "synthetic",
            "label": format!("synthetic-{i}"),
            "description": "",
            "attributes": attributes,
            "dependencies": named,
            "soft_dependencies": [],
            "if_dependencies": [],
            "optimization": null,
            "task": {
                "provisionerId": "widget-3",
                "workerType": "linux",
                "created": {"relative-datestamp": "0 seconds"},
                "deadline": {"relative-datestamp": "1 day"},
                "expires": {"relative-datestamp": "28 days"},
                "dependencies": deps.iter().map(|d| ids[*d].clone()).collect::<Vec<_>>(),
                "metadata": {"name": format!("synthetic-{i}"), "description": "d", "owner": "dev@example.com", "source": "https://example.com/x"},
                "payload": {"command": ["true"], "maxRunTime": 600, "artifacts": {"public/x": {"expires": {"relative-datestamp": "28 days"}, "path": "/x", "type": "file"}}},
                "priority": "low",
                "routes": [],
                "scopes": [],
                "tags": {"kind": "synthetic"},
                "extra": {},
            },
            "task_id": ids[i],
        });
        text.push_str(&task.to_string());
        text.push('\n');
    }
    (text, ids)
}

/// Every taskId a graph text asks to create, duplicates included (as tg-submit derives them).
pub fn expected_task_ids(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        let id = v["task_id"].as_str().unwrap().to_string();
        let copies = v["attributes"]["task_duplicates"].as_u64().unwrap_or(1) as u32;
        for c in 0..copies.max(1) {
            out.insert(tg_submit::definition::duplicate_task_id(&id, c));
        }
    }
    out
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Fault {
    None,
    /// Answer this status with a Taskcluster error body, without creating the task.
    Status(u16, String),
    /// Create the task, then answer 500 (the client must retry with the same body).
    CreateThen500,
    /// Close the connection without answering.
    Reset,
    /// Create the task, then close the connection without answering (the answer is lost).
    CreateThenReset,
    /// Wait this long, then handle the request normally.
    Delay(Duration),
}

/// One request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub task_id: Option<String>,
    pub body: Vec<u8>,
    pub authorization: Option<String>,
}

type FaultFn = Box<dyn Fn(&str, usize) -> Fault + Send + Sync>;

#[derive(Default)]
pub struct Inner {
    /// Created tasks and their definitions.
    pub tasks: HashMap<String, Value>,
    /// TaskIds in order of first creation.
    pub order: Vec<String>,
    pub requests: Vec<Seen>,
    /// Protocol violations seen by the server.
    pub errors: Vec<String>,
    /// createTask requests per taskId.
    pub attempts: HashMap<String, usize>,
    /// createTask requests for a task that already existed with an identical definition
    /// (accepted, as the queue does: a retry whose first answer was lost, or a resumed run
    /// re-sending what it had not logged).
    pub identical_recreates: usize,
    nonces: HashSet<String>,
    paused: bool,
    pub held: usize,
}

pub struct QueueServer {
    pub url: String,
    pub state: Arc<(Mutex<Inner>, Condvar)>,
    shutdown: Arc<AtomicBool>,
    pub connections: Arc<AtomicUsize>,
    config: Arc<ServerConfig>,
}

struct ServerConfig {
    /// Required Hawk credentials (None: no authentication expected).
    credentials: Option<(String, String)>,
    /// TaskIds that exist before the test (the decision task).
    existing: HashSet<String>,
    expected_group: String,
    expected_scheduler: String,
    fault: FaultFn,
    pause_after: Mutex<Option<usize>>,
}

impl QueueServer {
    /// Start a server requiring Hawk with the test credentials.
    pub fn start(fault: impl Fn(&str, usize) -> Fault + Send + Sync + 'static) -> QueueServer {
        QueueServer::start_with(Some((CLIENT_ID.into(), ACCESS_TOKEN.into())), fault)
    }

    pub fn start_with(
        credentials: Option<(String, String)>,
        fault: impl Fn(&str, usize) -> Fault + Send + Sync + 'static,
    ) -> QueueServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new((Mutex::new(Inner::default()), Condvar::new()));
        let shutdown = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let config = Arc::new(ServerConfig {
            credentials,
            existing: [DECISION_ID.to_string()].into_iter().collect(),
            expected_group: DECISION_ID.into(),
            expected_scheduler: SCHEDULER_ID.into(),
            fault: Box::new(fault),
            pause_after: Mutex::new(None),
        });
        let (st, sd, cn, cf) = (state.clone(), shutdown.clone(), connections.clone(), config.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if sd.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                cn.fetch_add(1, Ordering::SeqCst);
                let (st, sd, cf) = (st.clone(), sd.clone(), cf.clone());
                std::thread::spawn(move || serve_connection(stream, &st, &sd, &cf));
            }
        });
        QueueServer { url, state, shutdown, connections, config }
    }

    /// Hold every request once `n` tasks were created, until [`release`].
    pub fn pause_after(&self, n: usize) {
        *self.config.pause_after.lock().unwrap() = Some(n);
    }

    /// Let held requests through (they are then handled normally) and stop pausing.
    pub fn release(&self) {
        *self.config.pause_after.lock().unwrap() = None;
        let (lock, cond) = &*self.state;
        lock.lock().unwrap().paused = false;
        cond.notify_all();
    }

    /// Wait until `pred` holds on the server's state (at most `limit`).
    pub fn wait_for(&self, limit: Duration, pred: impl Fn(&Inner) -> bool) -> bool {
        let (lock, cond) = &*self.state;
        let deadline = std::time::Instant::now() + limit;
        let mut inner = lock.lock().unwrap();
        while !pred(&inner) {
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            inner = cond.wait_timeout(inner, deadline - now).unwrap().0;
        }
        true
    }

    pub fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.state.0.lock().unwrap()
    }

    /// Environment for tg-submit pointing at this server with the test credentials.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("TASKCLUSTER_ROOT_URL", self.url.clone()),
            ("TASKCLUSTER_CLIENT_ID", CLIENT_ID.into()),
            ("TASKCLUSTER_ACCESS_TOKEN", ACCESS_TOKEN.into()),
            ("TASK_ID", DECISION_ID.into()),
        ]
    }
}

impl Drop for QueueServer {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        self.release();
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// One parsed request.
struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, path, headers, body })
}

fn respond(stream: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let text = body.to_string();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        _ => "Error",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    )?;
    stream.flush()
}

fn serve_connection(
    stream: TcpStream,
    state: &Arc<(Mutex<Inner>, Condvar)>,
    shutdown: &AtomicBool,
    config: &ServerConfig,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut writer = match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    while !shutdown.load(Ordering::SeqCst) {
        let Some(req) = read_request(&mut reader) else { return };
        let task_id = req.path.strip_prefix("/api/queue/v1/task/").map(str::to_string);
        let attempt = {
            let mut inner = state.0.lock().unwrap();
            inner.requests.push(Seen {
                method: req.method.clone(),
                path: req.path.clone(),
                task_id: task_id.clone(),
                body: req.body.clone(),
                authorization: req.headers.get("authorization").cloned(),
            });
            let n = inner.attempts.entry(task_id.clone().unwrap_or_default()).or_insert(0);
            *n += 1;
            *n
        };
        hold_if_paused(state, config);
        let fault = (config.fault)(task_id.as_deref().unwrap_or(""), attempt);
        let (status, body) = match fault {
            Fault::Reset => return,
            Fault::Status(code, message) => (code, json!({"code": "InjectedFault", "message": message})),
            Fault::Delay(d) => {
                std::thread::sleep(d);
                handle(&req, task_id.as_deref(), state, config)
            }
            Fault::CreateThen500 => {
                let _ = handle(&req, task_id.as_deref(), state, config);
                (500, json!({"code": "InternalServerError", "message": "injected after create"}))
            }
            Fault::CreateThenReset => {
                let _ = handle(&req, task_id.as_deref(), state, config);
                return;
            }
            Fault::None => handle(&req, task_id.as_deref(), state, config),
        };
        if respond(&mut writer, status, &body).is_err() {
            return;
        }
    }
}

/// Block while the server is paused (set once `pause_after` creations happened).
fn hold_if_paused(state: &Arc<(Mutex<Inner>, Condvar)>, config: &ServerConfig) {
    let (lock, cond) = &**state;
    let mut inner = lock.lock().unwrap();
    let limit = *config.pause_after.lock().unwrap();
    if let Some(n) = limit {
        if inner.order.len() >= n {
            inner.paused = true;
        }
    }
    if inner.paused {
        inner.held += 1;
        cond.notify_all();
        while inner.paused {
            inner = cond.wait(inner).unwrap();
        }
        inner.held -= 1;
    }
}

fn error(code: u16, name: &str, message: String) -> (u16, Value) {
    (code, json!({"code": name, "message": message}))
}

/// createTask, with every check; violations are also recorded in `errors`.
fn handle(
    req: &Request,
    task_id: Option<&str>,
    state: &Arc<(Mutex<Inner>, Condvar)>,
    config: &ServerConfig,
) -> (u16, Value) {
    let (lock, cond) = &**state;
    if let Some((id, key)) = &config.credentials {
        let mut inner = lock.lock().unwrap();
        if let Err(why) = verify_hawk(req, id, key, &mut inner.nonces) {
            inner.errors.push(format!("hawk: {why}"));
            return error(401, "AuthenticationFailed", why);
        }
    }
    let Some(task_id) = task_id.filter(|_| req.method == "PUT") else {
        return error(404, "ResourceNotFound", format!("no endpoint {} {}", req.method, req.path));
    };
    let def: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return error(400, "MalformedPayload", e.to_string()),
    };
    if let Err(why) = check_definition(&def, config) {
        lock.lock().unwrap().errors.push(format!("{task_id}: {why}"));
        return error(400, "InputValidationError", why);
    }
    let mut inner = lock.lock().unwrap();
    if let Some(existing) = inner.tasks.get(task_id) {
        if existing != &def {
            inner.errors.push(format!("{task_id}: redefined with a different body"));
            return error(409, "RequestConflict", format!("taskId {task_id} already used by another task"));
        }
        inner.identical_recreates += 1;
        return (200, json!({"status": {"taskId": task_id, "state": "pending"}}));
    }
    let deps = def["dependencies"].as_array().cloned().unwrap_or_default();
    let missing: Vec<String> = deps
        .iter()
        .filter_map(Value::as_str)
        .filter(|d| *d != task_id && !inner.tasks.contains_key(*d) && !config.existing.contains(*d))
        .map(str::to_string)
        .collect();
    if !missing.is_empty() {
        inner.errors.push(format!("{task_id}: created before its dependencies {missing:?}"));
        return error(400, "InputError", format!("dependencies not found: {}", missing.join(", ")));
    }
    inner.tasks.insert(task_id.to_string(), def);
    inner.order.push(task_id.to_string());
    cond.notify_all();
    (200, json!({"status": {"taskId": task_id, "state": "pending"}}))
}

/// The fields taskgraph's create_tasks sets and the queue requires.
fn check_definition(def: &Value, config: &ServerConfig) -> Result<(), String> {
    let obj = def.as_object().ok_or("definition is not an object")?;
    if obj.get("taskGroupId").and_then(Value::as_str) != Some(&config.expected_group) {
        return Err(format!("taskGroupId {:?}, expected {}", obj.get("taskGroupId"), config.expected_group));
    }
    if obj.get("schedulerId").and_then(Value::as_str) != Some(&config.expected_scheduler) {
        return Err(format!("schedulerId {:?}, expected {}", obj.get("schedulerId"), config.expected_scheduler));
    }
    let has_queue =
        obj.contains_key("taskQueueId") || (obj.contains_key("provisionerId") && obj.contains_key("workerType"));
    if !has_queue {
        return Err("need taskQueueId or provisionerId+workerType".into());
    }
    for key in ["created", "deadline", "expires"] {
        let text = obj.get(key).and_then(Value::as_str).ok_or(format!("{key}: not a string"))?;
        let ok = text.len() == 24 && text.ends_with('Z') && text.as_bytes()[10] == b'T' && text.as_bytes()[19] == b'.';
        if !ok {
            return Err(format!("{key}: {text} is not YYYY-MM-DDTHH:MM:SS.mmmZ"));
        }
    }
    if obj["created"].as_str() >= obj["deadline"].as_str() {
        return Err("deadline must be after created".into());
    }
    for key in ["name", "description", "owner", "source"] {
        if obj.get("metadata").and_then(|m| m.get(key)).and_then(Value::as_str).is_none() {
            return Err(format!("metadata.{key} missing"));
        }
    }
    if !obj.get("payload").is_some_and(Value::is_object) {
        return Err("payload missing".into());
    }
    let deps = obj.get("dependencies").and_then(Value::as_array).ok_or("dependencies: not a list")?;
    if deps.is_empty() {
        return Err("dependencies empty (a task without in-graph dependencies must depend on the decision task)".into());
    }
    if def.to_string().contains("relative-datestamp") {
        return Err("unresolved relative-datestamp".into());
    }
    Ok(())
}

/// An independent Hawk verifier (what Taskcluster's auth service checks).
fn verify_hawk(req: &Request, id: &str, key: &str, nonces: &mut HashSet<String>) -> Result<(), String> {
    let header = req.headers.get("authorization").ok_or("no Authorization header")?;
    let attrs = header.strip_prefix("Hawk ").ok_or("not a Hawk header")?;
    let mut fields = HashMap::new();
    for part in attrs.split(", ") {
        let (k, v) = part.split_once('=').ok_or("bad attribute")?;
        fields.insert(k.to_string(), v.trim_matches('"').to_string());
    }
    let get = |k: &str| fields.get(k).cloned().ok_or(format!("no {k}"));
    if get("id")? != id {
        return Err("unknown client".into());
    }
    let ts: u64 = get("ts")?.parse().map_err(|_| "bad ts")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    if ts.abs_diff(now) > 60 {
        return Err("stale timestamp".into());
    }
    let nonce = get("nonce")?;
    if !nonces.insert(format!("{ts}:{nonce}")) {
        return Err("nonce reused".into());
    }
    let host_header = req.headers.get("host").ok_or("no Host")?;
    let (host, port) = host_header.rsplit_once(':').unwrap_or((host_header, "80"));
    let ext = fields.get("ext").cloned().unwrap_or_default();
    let content_type = req
        .headers
        .get("content-type")
        .map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    let mut payload = Sha256::new();
    payload.update(format!("hawk.1.payload\n{content_type}\n").as_bytes());
    payload.update(&req.body);
    payload.update(b"\n");
    let hash = base64::engine::general_purpose::STANDARD.encode(payload.finalize());
    if get("hash")? != hash {
        return Err("payload hash does not match the body".into());
    }
    let normalized =
        format!("hawk.1.header\n{ts}\n{nonce}\n{}\n{}\n{host}\n{port}\n{hash}\n{ext}\n", req.method, req.path);
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(normalized.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if get("mac")? != expected {
        return Err("bad mac".into());
    }
    Ok(())
}

/// Run tg-submit with `args`, `stdin` piped as a complete stream (followed by its
/// end-of-stream record, as a successful tg-morph writes it) and extra `env`; the Taskcluster
/// variables of the calling environment are cleared first.
pub fn tg_submit(args: &[&str], stdin: &str, env: &[(&str, String)]) -> std::process::Output {
    tg_submit_raw(args, &testkit::sealed(stdin), env)
}

/// [`tg_submit`] with `stdin` piped exactly as given (no end-of-stream record added).
pub fn tg_submit_raw(args: &[&str], stdin: &str, env: &[(&str, String)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("tg-submit"));
    let (root, params) = example_root();
    cmd.arg("-r").arg(root).arg("-p").arg(params).args(args);
    for var in [
        "TASKCLUSTER_PROXY_URL",
        "TASKCLUSTER_ROOT_URL",
        "TASKCLUSTER_CLIENT_ID",
        "TASKCLUSTER_ACCESS_TOKEN",
        "TASKCLUSTER_CERTIFICATE",
        "TASK_ID",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let text = stdin.to_string();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out
}
