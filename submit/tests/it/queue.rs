//! tg-submit against a local queue server: Hawk, bodies, order, faults, failures, resume after
//! kill -9, secrets, proxy mode, dry run, and a throughput figure.

use crate::common::*;
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fast retries and a short timeout, so fault tests finish quickly.
const FAST: &[&str] = &["--retry-delay-ms", "5", "--timeout", "2"];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut all: Vec<&str> = FAST.to_vec();
    all.extend_from_slice(extra);
    all
}

fn hash_of(id: &str) -> u32 {
    id.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32))
}

#[test]
fn creates_every_task_after_its_dependencies_with_hawk() {
    let server = QueueServer::start(|_, _| Fault::None);
    let (graph, _) = synthetic_graph(300);
    let out = tg_submit(&args(&[]), &graph, &server.env());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout.is_empty(), "stdout must stay empty");
    let inner = server.inner();
    assert!(inner.errors.is_empty(), "server saw violations: {:?}", inner.errors);
    let created: HashSet<String> = inner.tasks.keys().cloned().collect();
    assert_eq!(created, expected_task_ids(&graph));
    assert!(inner.requests.iter().all(|r| r.authorization.as_deref().is_some_and(|a| a.starts_with("Hawk "))));
    assert!(stderr.contains(&format!("created {} tasks", created.len())), "{stderr}");
}

#[test]
fn retries_server_errors_resets_and_slow_answers() {
    // Per taskId (by hash): 500 then reset then success; created-then-500; a 3 s stall against
    // a 2 s timeout; or nothing.
    let server = QueueServer::start(|id, attempt| match (hash_of(id) % 4, attempt) {
        (0, 1) => Fault::Status(500, "injected 500".into()),
        (0, 2) => Fault::Reset,
        (1, 1) => Fault::CreateThen500,
        (2, 1) if hash_of(id) % 40 == 2 => Fault::Delay(Duration::from_secs(3)),
        _ => Fault::None,
    });
    let (graph, _) = synthetic_graph(120);
    let out = tg_submit(&args(&[]), &graph, &server.env());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let inner = server.inner();
    assert!(inner.errors.is_empty(), "server saw violations: {:?}", inner.errors);
    assert_eq!(inner.tasks.keys().cloned().collect::<HashSet<_>>(), expected_task_ids(&graph));
    assert!(inner.attempts.values().any(|&n| n >= 3), "some task needed three attempts");
}

#[test]
fn a_refused_task_stops_its_dependents_and_exits_3() {
    let (graph, ids) = synthetic_graph(60);
    // synthetic-8 depends on 7 and 4; 9 depends on 8; ... everything after 8 that is reachable.
    let refused = ids[8].clone();
    let r = refused.clone();
    let server = QueueServer::start(move |id, _| {
        if id == r {
            Fault::Status(400, "scope queue:route:nope is missing".into())
        } else {
            Fault::None
        }
    });
    let dir = temp_dir("refused");
    let state = dir.join("state");
    let out = tg_submit(&args(&["--state", state.to_str().unwrap()]), &graph, &server.env());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(&format!("ERROR: could not create 'synthetic-8' ({refused}): queue.PUT /task/{refused}: HTTP 400 InjectedFault: scope queue:route:nope is missing")), "{stderr}");
    assert!(stderr.contains("tg-submit: error: 1 of 60 tasks could not be created"), "{stderr}");
    let inner = server.inner();
    assert!(inner.errors.is_empty(), "{:?}", inner.errors);
    // The refused task was asked once (4xx is not retried); its dependents never.
    assert_eq!(inner.attempts.get(&refused), Some(&1));
    let dependents: HashSet<&String> = [9, 10, 11, 12, 13, 16, 17, 18].iter().map(|&i| &ids[i]).collect();
    for d in &dependents {
        assert!(!inner.attempts.contains_key(*d), "dependent {d} of the refused task was sent");
    }
    assert!(inner.tasks.contains_key(&ids[7]) && inner.tasks.contains_key(&ids[14]));
    // Nothing is logged as created that the queue did not acknowledge.
    let log = std::fs::read_to_string(state.join("submit.log")).unwrap();
    let logged: HashSet<String> = log
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["created"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(logged, inner.tasks.keys().cloned().collect::<HashSet<_>>());
}

#[test]
fn an_unreachable_queue_is_a_remote_failure_naming_the_call() {
    // A port with nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (graph, ids) = synthetic_graph(3);
    let env = vec![
        ("TASKCLUSTER_ROOT_URL", format!("http://127.0.0.1:{port}")),
        ("TASKCLUSTER_CLIENT_ID", CLIENT_ID.to_string()),
        ("TASKCLUSTER_ACCESS_TOKEN", ACCESS_TOKEN.to_string()),
        ("TASK_ID", DECISION_ID.to_string()),
    ];
    let out = tg_submit(&args(&["--max-retries", "2"]), &graph, &env);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("queue.PUT /task/{}: failed after 3 attempts: connection error", ids[0])),
        "{stderr}"
    );
    assert!(stderr.contains("stopped early (2 not attempted) because the queue is unavailable"), "{stderr}");
}

#[test]
fn persistent_5xx_stops_the_run_after_retries() {
    let server = QueueServer::start(|_, _| Fault::Status(503, "queue is down for maintenance".into()));
    let (graph, _) = synthetic_graph(20);
    let out = tg_submit(&args(&["--max-retries", "3", "--concurrency", "2"]), &graph, &server.env());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("HTTP 503 InjectedFault: queue is down for maintenance"), "{stderr}");
    let inner = server.inner();
    // Roots first (0, 7, 14 have no dependencies); at most two in flight when the first gave up.
    assert!(inner.attempts.values().all(|&n| n == 4), "{:?}", inner.attempts);
    assert!(inner.attempts.len() <= 3, "{:?}", inner.attempts.len());
}

#[test]
fn kill_9_midway_then_resume_creates_exactly_the_missing_tasks() {
    let server = QueueServer::start(|_, _| Fault::None);
    let (graph, _) = synthetic_graph(400);
    let expected = expected_task_ids(&graph);
    let dir = temp_dir("kill9");
    let state = dir.join("state");
    let state_arg = state.to_str().unwrap().to_string();

    server.pause_after(150);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("tg-submit"));
    let (root, params) = example_root();
    cmd.arg("-r").arg(&root).arg("-p").arg(&params).args(args(&["--state", &state_arg, "--concurrency", "8"]));
    for (k, v) in server.env() {
        cmd.env(k, v);
    }
    cmd.env_remove("TASKCLUSTER_PROXY_URL");
    let graph_file = dir.join("morphed.jsonl");
    std::fs::write(&graph_file, &graph).unwrap();
    cmd.arg(&graph_file).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    assert!(
        server.wait_for(Duration::from_secs(60), |s| s.order.len() >= 150 && s.held >= 1),
        "the first run did not reach the pause"
    );
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());

    let logged_before: HashSet<String> = std::fs::read_to_string(state.join("submit.log"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| v["created"].as_str().unwrap().to_string())
        .collect();
    assert!(!logged_before.is_empty() && logged_before.len() < expected.len());
    // Requests held at the kill are handled now: created on the queue, never acknowledged.
    server.release();
    assert!(server.wait_for(Duration::from_secs(10), |s| s.held == 0));
    let requests_before = server.inner().requests.len();
    let created_before = server.inner().tasks.len();
    assert!(created_before >= logged_before.len());

    let out = tg_submit(&args(&["--state", &state_arg, "--concurrency", "8"]), &graph, &server.env());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("resuming"), "{stderr}");
    let inner = server.inner();
    assert!(inner.errors.is_empty(), "violations (a conflicting redefinition would be here): {:?}", inner.errors);
    let created: HashSet<String> = inner.tasks.keys().cloned().collect();
    assert_eq!(created, expected, "nothing missing, nothing extra");
    assert_eq!(inner.order.len(), expected.len(), "each task created once");
    let resent: Vec<&String> = inner.requests[requests_before..].iter().filter_map(|r| r.task_id.as_ref()).collect();
    assert!(resent.iter().all(|id| !logged_before.contains(*id)), "a task the state log had was sent again");
    // What the second run sent: the missing tasks, plus at most the acknowledged-but-unlogged ones.
    assert_eq!(resent.len(), expected.len() - logged_before.len());
    eprintln!(
        "kill -9 resume: {} logged before the kill, {} created on the queue before the rerun, {} sent by the rerun",
        logged_before.len(),
        created_before,
        resent.len()
    );
}

#[test]
fn no_secret_is_printed_at_any_verbosity() {
    let cert = r#"{"version":1,"scopes":["*"],"start":1,"expiry":2,"seed":"cErTsEeD-secret","signature":"cErTsIg-secret","issuer":"x"}"#;
    let secrets = [ACCESS_TOKEN, "cErTsEeD-secret", "cErTsIg-secret"];
    let (graph, _) = synthetic_graph(12);
    let dir = temp_dir("secrets");
    let mut outputs = Vec::new();
    for verbosity in [&[][..], &["-v"][..], &["-vv", "-v"][..]] {
        // Success, a refusal with the server's message, and an authentication failure.
        let ok = QueueServer::start(|_, _| Fault::None);
        let refusing = QueueServer::start(|_, _| Fault::Status(401, "bad credentials".into()));
        for (n, server) in [ok, refusing].iter().enumerate() {
            let state = dir.join(format!("state-{}-{n}", verbosity.len()));
            let artifacts = dir.join(format!("artifacts-{}-{n}", verbosity.len()));
            let mut a = args(verbosity);
            a.extend(["--state", state.to_str().unwrap(), "--artifacts", artifacts.to_str().unwrap()]);
            let out = tg_submit(&a, &graph, &server.env());
            outputs.push(text(&out.stdout) + &text(&out.stderr));
            // Every file tg-submit wrote: the state log and each artifact.
            let mut files = 0;
            for d in [&state, &artifacts] {
                for entry in std::fs::read_dir(d).unwrap() {
                    outputs.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
                    files += 1;
                }
            }
            assert!(files >= 4, "state log and artifacts written ({files} files)");
        }
        // With a certificate, against nothing (connection errors), and a usage error.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut env = vec![
            ("TASKCLUSTER_ROOT_URL", format!("http://127.0.0.1:{port}")),
            ("TASKCLUSTER_CLIENT_ID", CLIENT_ID.to_string()),
            ("TASKCLUSTER_ACCESS_TOKEN", ACCESS_TOKEN.to_string()),
            ("TASKCLUSTER_CERTIFICATE", cert.to_string()),
            ("TASK_ID", DECISION_ID.to_string()),
        ];
        let out = tg_submit(&args(&[verbosity, &["--max-retries", "1"]].concat()), &graph, &env);
        outputs.push(text(&out.stdout) + &text(&out.stderr));
        env.retain(|(k, _)| *k != "TASK_ID");
        let out = tg_submit(&args(verbosity), &graph, &env);
        assert_eq!(out.status.code(), Some(2));
        outputs.push(text(&out.stdout) + &text(&out.stderr));
        let out = tg_submit(&[verbosity, &["--help"]].concat(), "", &env);
        outputs.push(text(&out.stdout) + &text(&out.stderr));
    }
    for output in &outputs {
        for secret in secrets {
            assert!(!output.contains(secret), "secret printed:\n{output}");
        }
    }
    assert!(outputs.iter().any(|o| o.contains("bad credentials")), "the server's message is shown");
}

#[test]
fn proxy_mode_sends_no_credentials() {
    let server = QueueServer::start_with(None, |_, _| Fault::None);
    let (graph, _) = synthetic_graph(30);
    let env = vec![
        ("TASKCLUSTER_PROXY_URL", server.url.clone()),
        ("TASK_ID", DECISION_ID.to_string()),
        ("TASKCLUSTER_ROOT_URL", "https://unused.example.com".to_string()),
    ];
    let out = tg_submit(&args(&[]), &graph, &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let inner = server.inner();
    assert!(inner.errors.is_empty(), "{:?}", inner.errors);
    assert_eq!(inner.tasks.len(), expected_task_ids(&graph).len());
    assert!(inner.requests.iter().all(|r| r.authorization.is_none()));
}

#[test]
fn a_queue_needs_the_decision_task_id() {
    let server = QueueServer::start(|_, _| Fault::None);
    let (graph, _) = synthetic_graph(3);
    let env: Vec<_> = server.env().into_iter().filter(|(k, _)| *k != "TASK_ID").collect();
    let out = tg_submit(&args(&[]), &graph, &env);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("tg-submit: error: TASK_ID is not set"), "{}", text(&out.stderr));
    assert!(server.inner().requests.is_empty());
}

#[test]
fn resuming_another_graph_is_refused() {
    let server = QueueServer::start(|_, _| Fault::None);
    let dir = temp_dir("other-graph");
    let state = dir.join("state");
    let (graph, _) = synthetic_graph(5);
    let a = args(&["--state", state.to_str().unwrap()]);
    assert_eq!(tg_submit(&a, &graph, &server.env()).status.code(), Some(0));
    let (bigger, _) = synthetic_graph(6);
    let out = tg_submit(&a, &bigger, &server.env());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("records a submission with input sha256"), "{}", text(&out.stderr));
    // The same graph again: everything is there already, nothing is sent.
    let before = server.inner().requests.len();
    let out = tg_submit(&a, &graph, &server.env());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(server.inner().requests.len(), before);
    assert!(text(&out.stderr).contains("already created by an earlier run"));
}

#[test]
fn dry_run_writes_the_exact_requests_in_a_valid_deterministic_order() {
    let dir = temp_dir("dry-run");
    let (graph, ids) = synthetic_graph(200);
    let run = |sub: &str| {
        let d = dir.join(sub);
        let out = tg_submit(&["--dry-run-dir", d.to_str().unwrap(), "--now", "2026-01-01T00:00:00Z"], &graph, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("dry run"), "{}", text(&out.stderr));
        std::fs::read(d.join("createTask.jsonl")).unwrap()
    };
    let first = run("a");
    assert_eq!(first, run("b"), "same input, same bytes");
    let lines: Vec<Value> = text(&first).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), expected_task_ids(&graph).len());
    let mut seen = HashSet::new();
    let id_set: HashSet<&String> = ids.iter().collect();
    for line in &lines {
        let task_id = line["taskId"].as_str().unwrap();
        for dep in line["task"]["dependencies"].as_array().unwrap() {
            let dep = dep.as_str().unwrap();
            assert!(!id_set.contains(&dep.to_string()) || seen.contains(dep), "{task_id} before its dependency {dep}");
        }
        assert_eq!(line["task"]["created"], "2026-01-01T00:00:00.000Z");
        assert_eq!(line["task"]["deadline"], "2026-01-02T00:00:00.000Z");
        seen.insert(task_id.to_string());
    }
}

/// A figure, not an assertion: tasks per second on a 10,000-task graph against the local server
/// (the test binary is usually a debug build; `cargo test --release` for the real figure).
#[test]
fn throughput_on_a_10k_task_graph() {
    let server = QueueServer::start(|_, _| Fault::None);
    let (graph, _) = synthetic_graph(10_000);
    let expected = expected_task_ids(&graph);
    let started = Instant::now();
    let out = tg_submit(&args(&[]), &graph, &server.env());
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let inner = server.inner();
    assert!(inner.errors.is_empty(), "{:?}", &inner.errors[..inner.errors.len().min(5)]);
    assert_eq!(inner.tasks.len(), expected.len());
    eprintln!(
        "THROUGHPUT: {} createTask requests in {:.2}s = {:.0} tasks/s (concurrency 50, Hawk, {} connections)",
        expected.len(),
        elapsed.as_secs_f64(),
        expected.len() as f64 / elapsed.as_secs_f64(),
        server.connections.load(std::sync::atomic::Ordering::SeqCst)
    );
}
