//! tg-optimize against a local HTTP server speaking Taskcluster's `index.findTasksAtIndex` and
//! `queue.statuses`: which taskIds replace which labels (found, expired, failed, not indexed,
//! paginated), Hawk credentials used but never printed, retries on 5xx, and exit 3 with a
//! clear message when the service stays unreachable or refuses.

use crate::common;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

const SECRET: &str = "super-secret-access-token";
const FAR: &str = "2999-01-01T00:00:00.000Z";
const PAST: &str = "2000-01-01T00:00:00.000Z";

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    body: Value,
}

type Handler = dyn Fn(&Seen, usize) -> (u16, Value) + Send + Sync;

/// A threaded loopback HTTP/1.1 server; each connection answers one request and closes.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn start(handler: impl Fn(&Seen, usize) -> (u16, Value) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen_by_server = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let seen = Arc::clone(&seen_by_server);
                let handler = Arc::clone(&handler);
                thread::spawn(move || serve(stream, &seen, &*handler));
            }
        });
        Server { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<Seen>>, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut length = 0;
    let mut authorization = None;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap(),
            "authorization" => authorization = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let request = Seen { method, path, authorization, body: serde_json::from_slice(&body).unwrap_or(Value::Null) };
    let n = {
        let mut seen = seen.lock().unwrap();
        seen.push(request.clone());
        seen.len()
    };
    let (status, answer) = handler(&request, n);
    let text = answer.to_string();
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

fn deadline() -> &'static str {
    r#""deadline":{"relative-datestamp":"1 day"}"#
}

fn line(label: &str, deps: &str, paths: &[&str]) -> String {
    let optimization = if paths.is_empty() { "null".to_string() } else { json!({ "index-search": paths }).to_string() };
    format!(
        "{{\"kind\":\"k\",\"label\":\"{label}\",\"attributes\":{{}},\"dependencies\":{{{deps}}},\"optimization\":{optimization},\"task\":{{{}}}}}\n",
        deadline()
    )
}

/// The graph: four indexed tasks and one task that depends on two of them.
fn graph() -> String {
    line("img-found", "", &["p.found"])
        + &line("img-expired", "", &["p.expired"])
        + &line("img-failed", "", &["p.failed", "p.fallback"])
        + &line("img-missing", "", &["p.missing"])
        + &line("user", "\"a\":\"img-found\",\"b\":\"img-expired\"", &[])
}

/// The index and queue: two pages of each answer.
fn taskcluster(request: &Seen, _n: usize) -> (u16, Value) {
    let task = |ns: &str, id: &str| json!({"namespace": ns, "taskId": id, "rank": 0, "data": {}, "expires": FAR});
    let status = |id: &str, state: &str, expires: &str| json!({"taskId": id, "status": {"taskId": id, "state": state, "expires": expires}});
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/api/index/v1/tasks/indexes") => (
            200,
            json!({"tasks": [task("p.found", "FOUNDxxxxxxxxxxxxxxxxx"), task("p.expired", "EXPIREDxxxxxxxxxxxxxxx")], "continuationToken": "tok/1+"}),
        ),
        ("POST", "/api/index/v1/tasks/indexes?continuationToken=tok%2F1%2B") => (
            200,
            json!({"tasks": [task("p.failed", "FAILEDxxxxxxxxxxxxxxxx"), task("p.fallback", "FALLBACKxxxxxxxxxxxxxx")]}),
        ),
        ("POST", "/api/queue/v1/tasks/status") => (
            200,
            json!({"statuses": [status("FOUNDxxxxxxxxxxxxxxxxx", "completed", FAR), status("EXPIREDxxxxxxxxxxxxxxx", "completed", PAST)], "continuationToken": "s2"}),
        ),
        ("POST", "/api/queue/v1/tasks/status?continuationToken=s2") => (
            200,
            json!({"statuses": [status("FAILEDxxxxxxxxxxxxxxxx", "failed", FAR), status("FALLBACKxxxxxxxxxxxxxx", "completed", FAR)]}),
        ),
        _ => (404, json!({"code": "ResourceNotFound", "message": "no such route"})),
    }
}

/// Run tg-optimize against `url`; (exit code, stdout, stderr, label-to-taskid text).
fn run(url: &str, proxy: bool) -> (i32, String, String, String) {
    let dir =
        std::env::temp_dir().join(format!("tg-optimize-http-{}-{}", std::process::id(), url.replace([':', '/'], "_")));
    std::fs::create_dir_all(&dir).unwrap();
    let l2t = dir.join("label-to-taskid.json");
    let mut cmd = assert_cmd::Command::cargo_bin("tg-optimize").unwrap();
    for var in [
        "TASKCLUSTER_ROOT_URL",
        "TASKCLUSTER_PROXY_URL",
        "TASKCLUSTER_CLIENT_ID",
        "TASKCLUSTER_ACCESS_TOKEN",
        "TASK_ID",
    ] {
        cmd.env_remove(var);
    }
    if proxy {
        cmd.env("TASKCLUSTER_PROXY_URL", url);
    } else {
        cmd.env("TASKCLUSTER_ROOT_URL", url)
            .env("TASKCLUSTER_CLIENT_ID", "tester")
            .env("TASKCLUSTER_ACCESS_TOKEN", SECRET);
    }
    let out = cmd
        .current_dir(&dir)
        .args(["-v", "-v", "--seed", "4", "--label-to-taskid"])
        .arg(&l2t)
        .write_stdin(testkit::sealed(graph()))
        .output()
        .unwrap();
    let l2t_text = std::fs::read_to_string(&l2t).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        l2t_text,
    )
}

#[test]
fn index_answers_decide_the_replacements() {
    let server = Server::start(taskcluster);
    let (code, stdout, stderr, l2t) = run(&server.url, false);
    assert_eq!(code, 0, "{stderr}");
    let map: Value = serde_json::from_str(&l2t).unwrap();
    // Found and usable: replaced. Failed first path: the fallback path's task.
    assert_eq!(map["img-found"], "FOUNDxxxxxxxxxxxxxxxxx");
    assert_eq!(map["img-failed"], "FALLBACKxxxxxxxxxxxxxx");
    // Expires before its dependent's deadline, or not indexed: kept, with a new taskId.
    let tasks = common::parse_lines(&testkit::unsealed(&stdout, "tg-optimize"));
    let labels: Vec<&str> = tasks.iter().map(|t| t["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["img-expired", "img-missing", "user"]);
    assert_eq!(map["img-expired"], tasks[0]["task_id"]);
    let user = &tasks[2];
    assert_eq!(user["dependencies"], json!({"a": "FOUNDxxxxxxxxxxxxxxxxx", "b": map["img-expired"]}));
    // One batched call per page, each page's token passed on, Hawk-signed as "tester".
    let seen = server.seen();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/index/v1/tasks/indexes",
            "/api/index/v1/tasks/indexes?continuationToken=tok%2F1%2B",
            "/api/queue/v1/tasks/status",
            "/api/queue/v1/tasks/status?continuationToken=s2"
        ]
    );
    assert_eq!(seen[0].body, json!({"indexes": ["p.expired", "p.failed", "p.fallback", "p.found", "p.missing"]}));
    assert_eq!(seen[1].body, seen[0].body, "the same payload with the continuation token");
    assert_eq!(
        seen[2].body,
        json!({"taskIds": ["EXPIREDxxxxxxxxxxxxxxx", "FAILEDxxxxxxxxxxxxxxxx", "FALLBACKxxxxxxxxxxxxxx", "FOUNDxxxxxxxxxxxxxxxxx"]})
    );
    for s in &seen {
        let auth = s.authorization.as_deref().unwrap_or_default();
        assert!(auth.starts_with("Hawk ") && auth.contains("id=\"tester\""), "{auth}");
        assert!(!auth.contains(SECRET));
    }
    for text in [&stdout, &stderr, &l2t] {
        assert!(!text.contains(SECRET), "secret printed: {text}");
    }
    assert!(stderr.contains("Replaced 2 tasks by index-search (index-search) during optimization."), "{stderr}");
}

#[test]
fn server_errors_are_retried() {
    let server = Server::start(|request, n| {
        if n <= 2 {
            (500, json!({"code": "InternalServerError", "message": "boom"}))
        } else {
            taskcluster(request, n)
        }
    });
    let (code, _, stderr, l2t) = run(&server.url, true);
    assert_eq!(code, 0, "{stderr}");
    assert!(l2t.contains("FOUNDxxxxxxxxxxxxxxxxx"), "{l2t}");
    let seen = server.seen();
    assert_eq!(seen.len(), 6, "two failures, then four pages");
    assert!(seen.iter().all(|s| s.authorization.is_none()), "the proxy signs, not us");
}

#[test]
fn an_unreachable_index_exits_3_naming_the_call() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (code, stdout, stderr, _) = run(&format!("http://127.0.0.1:{port}"), false);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("tg-optimize: error: index.findTasksAtIndex: index.POST /tasks/indexes: failed after 6 attempts: connection error"), "{stderr}");
    assert!(!stderr.contains(SECRET));
}

#[test]
fn a_refusing_index_exits_3_without_retrying() {
    let server =
        Server::start(|_, _| (403, json!({"code": "InsufficientScopes", "message": "you need index:find-task"})));
    let (code, _, stderr, _) = run(&server.url, false);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(
            "index.findTasksAtIndex: index.POST /tasks/indexes: HTTP 403 InsufficientScopes: you need index:find-task"
        ),
        "{stderr}"
    );
    assert_eq!(server.seen().len(), 1);
    assert!(!stderr.contains(SECRET));
}
