//! Test helpers: a local stand-in for the Taskcluster index, queue and auth services (a small
//! threaded HTTP/1.1 server on 127.0.0.1), paths to the fixtures, and a runner for the binary.
//!
//! The server holds a "world" (tasks with definitions, states and artifacts; index routes) —
//! loaded from `tests/fixtures/world/world.json` (the file Python's reference runs were made
//! against, through `fake_tc.py`, which serves the same endpoints read-only) or built by a
//! test. It answers what tg-action and tg-submit call: `index.findTask`, `index.listTasks`,
//! `index.findTasksAtIndex` (nothing indexed), `queue.task`, `queue.status`, `queue.statuses`,
//! `queue.getLatestArtifact` (303 to `/blobs/...`), `queue.listTaskGroup`, `queue.createTask`
//! (idempotent for the same body, 409 for another, 400 when a dependency does not exist),
//! `queue.cancelTask`, `queue.rerunTask` and `auth.currentScopes`. Hawk signatures are checked
//! when the server has credentials (the verifier is a copy of tg-submit's test server's). Every
//! request is recorded.
#![allow(dead_code)]

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const CLIENT_ID: &str = "project/widget/action";
pub const ACCESS_TOKEN: &str = "aCtIoN-sEcReT-never-print-me";

/// `action/tests/fixtures`.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The repository's example taskgraph root.
pub fn kinds() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kinds")
}

pub use testkit::shared_dir;

/// A fresh temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-action-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The ids make_world.py derived (`world/ids.json`).
pub fn world_ids() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("world/ids.json")).unwrap()).unwrap()
}

/// One task the server knows.
#[derive(Clone, Debug, Default)]
pub struct TaskEntry {
    pub definition: Option<Value>,
    pub group: String,
    pub state: String,
    pub artifacts: BTreeMap<String, Vec<u8>>,
}

/// One request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// Everything the server knows and saw.
#[derive(Default)]
pub struct World {
    pub tasks: BTreeMap<String, TaskEntry>,
    /// findTask routes.
    pub find: BTreeMap<String, String>,
    /// listTasks namespaces.
    pub list: BTreeMap<String, Vec<String>>,
    /// Scopes `auth.currentScopes` answers.
    pub scopes: Vec<String>,
    /// TaskIds created through createTask, in order.
    pub created: Vec<String>,
    pub cancelled: Vec<String>,
    pub rerun: Vec<String>,
    pub requests: Vec<Seen>,
    /// Protocol violations.
    pub errors: Vec<String>,
    nonces: HashSet<String>,
}

impl World {
    /// The fixture world of Python's reference runs.
    pub fn from_fixture() -> World {
        let dir = fixtures().join("world");
        let data: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("world.json")).unwrap()).unwrap();
        let mut world = World::default();
        for (id, t) in data["tasks"].as_object().unwrap() {
            let mut entry = TaskEntry {
                definition: t.get("definition").filter(|d| !d.is_null()).cloned(),
                group: t["group"].as_str().unwrap_or_default().to_string(),
                state: t.get("state").and_then(Value::as_str).unwrap_or("completed").to_string(),
                artifacts: BTreeMap::new(),
            };
            for (name, rel) in t["artifacts"].as_object().unwrap() {
                entry.artifacts.insert(name.clone(), std::fs::read(dir.join(rel.as_str().unwrap())).unwrap());
            }
            world.tasks.insert(id.clone(), entry);
        }
        for (ns, id) in data["index"]["find"].as_object().unwrap() {
            world.find.insert(ns.clone(), id.as_str().unwrap().to_string());
        }
        for (ns, ids) in data["index"]["list"].as_object().unwrap() {
            world
                .list
                .insert(ns.clone(), ids.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect());
        }
        world
    }

    /// Add every file of `dir` as an artifact `public/<name>` of `task_id`.
    pub fn upload_artifacts(&mut self, task_id: &str, dir: &Path) {
        let entry = self.tasks.entry(task_id.to_string()).or_default();
        for file in std::fs::read_dir(dir).unwrap() {
            let path = file.unwrap().path();
            if path.is_file() {
                let name = format!("public/{}", path.file_name().unwrap().to_string_lossy());
                entry.artifacts.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
}

pub struct Server {
    pub url: String,
    pub world: Arc<Mutex<World>>,
    shutdown: Arc<AtomicBool>,
}

impl Server {
    /// Serve `world`; with `credentials`, every API request must carry a valid Hawk header.
    pub fn start(world: World, credentials: Option<(&str, &str)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let world = Arc::new(Mutex::new(world));
        let shutdown = Arc::new(AtomicBool::new(false));
        let creds = credentials.map(|(a, b)| (a.to_string(), b.to_string()));
        let (w, sd, root) = (world.clone(), shutdown.clone(), url.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if sd.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let (w, sd, creds, root) = (w.clone(), sd.clone(), creds.clone(), root.clone());
                std::thread::spawn(move || serve_connection(stream, &w, &sd, creds.as_ref(), &root));
            }
        });
        Server { url, world, shutdown }
    }

    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    /// Environment pointing a client at this server (with the test credentials when `signed`).
    pub fn env(&self, signed: bool) -> Vec<(&'static str, String)> {
        let mut env = vec![("TASKCLUSTER_ROOT_URL", self.url.clone())];
        if signed {
            env.push(("TASKCLUSTER_CLIENT_ID", CLIENT_ID.into()));
            env.push(("TASKCLUSTER_ACCESS_TOKEN", ACCESS_TOKEN.into()));
        }
        env
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

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

/// An answer: status, extra headers, body bytes.
type Answer = (u16, Vec<(String, String)>, Vec<u8>);

fn json_answer(status: u16, body: Value) -> Answer {
    (status, vec![("Content-Type".into(), "application/json".into())], body.to_string().into_bytes())
}

fn error(status: u16, code: &str, message: String) -> Answer {
    json_answer(status, json!({"code": code, "message": message}))
}

fn respond(stream: &mut TcpStream, (status, headers, body): &Answer) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        _ => "Error",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn serve_connection(
    stream: TcpStream,
    world: &Arc<Mutex<World>>,
    shutdown: &AtomicBool,
    creds: Option<&(String, String)>,
    root: &str,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while !shutdown.load(Ordering::SeqCst) {
        let Some(req) = read_request(&mut reader) else { return };
        let answer = handle(&req, world, creds, root);
        if respond(&mut writer, &answer).is_err() {
            return;
        }
    }
}

fn status_of(id: &str, entry: &TaskEntry) -> Value {
    json!({"taskId": id, "state": entry.state, "expires": "2030-01-01T00:00:00.000Z", "runs": []})
}

fn handle(req: &Request, world: &Arc<Mutex<World>>, creds: Option<&(String, String)>, root: &str) -> Answer {
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let mut w = world.lock().unwrap();
    w.requests.push(Seen { method: req.method.clone(), path: req.path.clone(), body: req.body.clone() });
    if let (Some((id, key)), true) = (creds, path.starts_with("/api/")) {
        let mut nonces = std::mem::take(&mut w.nonces);
        let verdict = verify_hawk(req, id, key, &mut nonces);
        w.nonces = nonces;
        if let Err(why) = verdict {
            w.errors.push(format!("{} {}: hawk: {why}", req.method, req.path));
            return error(401, "AuthenticationFailed", why);
        }
    }
    let parts: Vec<String> = path.split('/').skip(1).map(decode).collect();
    let p: Vec<&str> = parts.iter().map(String::as_str).collect();
    match (req.method.as_str(), p.as_slice()) {
        ("GET", ["api", "index", "v1", "task", ns]) => match w.find.get(*ns) {
            Some(id) => json_answer(
                200,
                json!({"namespace": ns, "taskId": id, "rank": 0, "data": {}, "expires": "2030-01-01T00:00:00.000Z"}),
            ),
            None => error(404, "ResourceNotFound", format!("Indexed task {ns} not found")),
        },
        ("GET", ["api", "index", "v1", "tasks", ns]) => {
            let ids = w.list.get(*ns).cloned().unwrap_or_default();
            let tasks: Vec<Value> = ids
                .iter()
                .map(|t| json!({"namespace": format!("{ns}.{t}"), "taskId": t, "rank": 0, "data": {}, "expires": "2030-01-01T00:00:00.000Z"}))
                .collect();
            let _ = query;
            json_answer(200, json!({"tasks": tasks}))
        }
        ("POST", ["api", "index", "v1", "tasks", "indexes"]) => json_answer(200, json!({"tasks": []})),
        ("POST", ["api", "queue", "v1", "tasks", "status"]) => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let statuses: Vec<Value> = body["taskIds"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|id| w.tasks.get(id).map(|e| json!({"taskId": id, "status": status_of(id, e)})))
                .collect();
            json_answer(200, json!({"statuses": statuses}))
        }
        ("GET", ["api", "auth", "v1", "scopes", "current"]) => {
            json_answer(200, json!({"scopes": w.scopes, "expires": "2030-01-01T00:00:00.000Z"}))
        }
        ("GET", ["api", "queue", "v1", "task-group", group, "list"]) => {
            let tasks: Vec<Value> = w
                .tasks
                .iter()
                .filter(|(_, e)| e.group == *group)
                .map(|(id, e)| json!({"status": status_of(id, e), "task": e.definition.clone().unwrap_or(json!({}))}))
                .collect();
            json_answer(200, json!({"taskGroupId": group, "tasks": tasks}))
        }
        ("GET", ["api", "queue", "v1", "task", id]) => match w.tasks.get(*id).and_then(|e| e.definition.clone()) {
            Some(def) => json_answer(200, def),
            None => error(404, "ResourceNotFound", format!("Task {id} not found")),
        },
        ("GET", ["api", "queue", "v1", "task", id, "status"]) => match w.tasks.get(*id) {
            Some(e) => json_answer(200, json!({"status": status_of(id, e)})),
            None => error(404, "ResourceNotFound", format!("Task {id} not found")),
        },
        ("GET", ["api", "queue", "v1", "task", id, "artifacts", rest @ ..]) => {
            let name = rest.join("/");
            match w.tasks.get(*id).filter(|e| e.artifacts.contains_key(&name)) {
                Some(_) => {
                    let url = format!("{root}/blobs/{id}/{name}");
                    let mut answer = json_answer(303, json!({"storageType": "s3", "url": url}));
                    answer.1.push(("Location".into(), url));
                    answer
                }
                None => error(404, "ResourceNotFound", format!("Artifact {name} of {id} not found")),
            }
        }
        ("GET", ["blobs", id, rest @ ..]) => {
            let name = rest.join("/");
            match w.tasks.get(*id).and_then(|e| e.artifacts.get(&name)) {
                Some(bytes) => (200, vec![], bytes.clone()),
                None => error(404, "ResourceNotFound", format!("blob {name}")),
            }
        }
        ("PUT", ["api", "queue", "v1", "task", id]) => create_task(&mut w, id, &req.body),
        ("POST", ["api", "queue", "v1", "task", id, "cancel"]) => {
            if !w.tasks.contains_key(*id) {
                return error(404, "ResourceNotFound", format!("Task {id} not found"));
            }
            w.cancelled.push(id.to_string());
            if let Some(e) = w.tasks.get_mut(*id) {
                e.state = "exception".into();
            }
            json_answer(200, json!({"status": {"taskId": id, "state": "exception"}}))
        }
        ("POST", ["api", "queue", "v1", "task", id, "rerun"]) => {
            if !w.tasks.contains_key(*id) {
                return error(404, "ResourceNotFound", format!("Task {id} not found"));
            }
            w.rerun.push(id.to_string());
            json_answer(200, json!({"status": {"taskId": id, "state": "pending"}}))
        }
        _ => error(501, "NotImplemented", format!("{} {}", req.method, req.path)),
    }
}

fn decode(part: &str) -> String {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = part.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// createTask: idempotent for the same body, 409 for another, 400 for a missing dependency.
fn create_task(w: &mut World, id: &str, body: &[u8]) -> Answer {
    let def: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return error(400, "MalformedPayload", e.to_string()),
    };
    if let Some(existing) = w.tasks.get(id).and_then(|e| e.definition.as_ref()) {
        if existing != &def {
            w.errors.push(format!("{id}: redefined with a different body"));
            return error(409, "RequestConflict", format!("taskId {id} already used"));
        }
        return json_answer(200, json!({"status": {"taskId": id, "state": "pending"}}));
    }
    let missing: Vec<String> = def["dependencies"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .filter(|d| *d != id && !w.tasks.contains_key(*d))
        .map(str::to_string)
        .collect();
    if !missing.is_empty() {
        w.errors.push(format!("{id}: created before its dependencies {missing:?}"));
        return error(400, "InputError", format!("dependencies not found: {}", missing.join(", ")));
    }
    if def.to_string().contains("relative-datestamp") {
        w.errors.push(format!("{id}: unresolved relative-datestamp"));
        return error(400, "InputValidationError", "unresolved relative-datestamp".into());
    }
    let group = def["taskGroupId"].as_str().unwrap_or_default().to_string();
    w.tasks.insert(
        id.to_string(),
        TaskEntry { definition: Some(def), group, state: "pending".into(), artifacts: BTreeMap::new() },
    );
    w.created.push(id.to_string());
    json_answer(200, json!({"status": {"taskId": id, "state": "pending"}}))
}

/// An independent Hawk verifier (a copy of tg-submit's test server's).
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

/// Run tg-action with `args` and extra `env` (Taskcluster and ACTION_* variables of the
/// calling environment cleared), in `cwd`.
pub fn tg_action(args: &[&str], env: &[(&str, String)], cwd: &Path) -> std::process::Output {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("tg-action"));
    cmd.args(args).current_dir(cwd);
    for var in [
        "TASKCLUSTER_PROXY_URL",
        "TASKCLUSTER_ROOT_URL",
        "TASKCLUSTER_CLIENT_ID",
        "TASKCLUSTER_ACCESS_TOKEN",
        "TASKCLUSTER_CERTIFICATE",
        "TASK_ID",
        "ACTION_TASK_GROUP_ID",
        "ACTION_TASK_ID",
        "ACTION_INPUT",
        "ACTION_CALLBACK",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
