//! Soak: tg-submit against the local queue server (tests/common) injecting random 500s
//! (before and after creating the task), connection resets (before and after) and 0–20 ms of
//! latency on every request, on a layered DAG of tasks.
//!
//! - Phase A: one full run per size; afterwards every task exists exactly once, was created
//!   only after its in-graph dependencies, every request carried a valid Hawk signature, and
//!   no taskId was redefined with another body. tg-submit's resident memory is sampled from
//!   `/proc/<pid>/status` every 100 ms.
//! - Phase B: `kill -9` of tg-submit at random points (once the server saw a random number of
//!   creations, plus a random 0–50 ms), each time resumed with the same input and `--state`;
//!   at the end the same checks, plus: nothing the state log claims was not created.
//!
//! `soak_short` (1,000 tasks, 3 kills) runs with the tests and asserts only those invariants,
//! never times. `soak_full` is what `cargo xtask soak` runs (release build; sizes from
//! `TG_SOAK_TASKS`, `TG_SOAK_KILLS`, `TG_SOAK_SEED`) and prints the figures table.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// splitmix64: a small, seedable generator (no dependency, same sequence everywhere).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A layered DAG of `n` tasks as a morphed graph (JSON lines), in a shuffled input order so
/// that input order is not creation order. Layers are 100 tasks wide (10 for small graphs);
/// each task of a later layer depends on 1–3 tasks of the layer before and, one time in five,
/// on one of any earlier layer. Every 211th task has `task_duplicates: 2`.
/// Returns the text and each taskId's in-graph dependencies.
fn layered_graph(n: usize, seed: u64) -> (String, HashMap<String, Vec<String>>) {
    let mut rng = Rng(seed);
    let width = if n >= 2000 { 100 } else { 10 };
    let ids: Vec<String> = (0..n).map(|i| slug(&format!("soak-{seed}-{i}"))).collect();
    let mut deps_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, deps) in deps_of.iter_mut().enumerate() {
        let layer = i / width;
        if layer == 0 {
            continue;
        }
        let previous = (layer - 1) * width;
        for _ in 0..1 + rng.below(3) {
            deps.push(previous + rng.below(width as u64) as usize);
        }
        if rng.below(5) == 0 {
            deps.push(rng.below(previous as u64 + 1) as usize);
        }
        deps.sort();
        deps.dedup();
    }
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut text = String::new();
    for &i in &order {
        let mut attributes = json!({"kind": "soak"});
        if i % 211 == 7 {
            attributes["task_duplicates"] = json!(2);
        }
        let named: serde_json::Map<String, Value> =
            deps_of[i].iter().map(|&d| (format!("soak-{d}"), json!(ids[d]))).collect();
        let task = json!({
            "kind": "soak",
            "label": format!("soak-{i}"),
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
                "dependencies": deps_of[i].iter().map(|&d| ids[d].clone()).collect::<Vec<_>>(),
                "metadata": {"name": format!("soak-{i}"), "description": "soak", "owner": "dev@example.com", "source": "https://example.com/soak"},
                "payload": {"command": ["true"], "maxRunTime": 600},
                "priority": "low",
                "routes": [],
                "scopes": [],
                "tags": {"kind": "soak"},
                "extra": {},
            },
            "task_id": ids[i],
        });
        text.push_str(&task.to_string());
        text.push('\n');
    }
    let deps = (0..n).map(|i| (ids[i].clone(), deps_of[i].iter().map(|&d| ids[d].clone()).collect())).collect();
    (text, deps)
}

/// Fault kinds the injector chooses from, in table order.
const FAULT_NAMES: [&str; 4] = ["500 before create", "500 after create", "reset before create", "reset after create"];

/// Random faults and latency for every request; counts what it injected.
struct Injector {
    seed: u64,
    requests: AtomicU64,
    injected: [AtomicUsize; 4],
    max_latency_ms: u64,
}

impl Injector {
    fn new(seed: u64) -> Arc<Injector> {
        Arc::new(Injector { seed, requests: AtomicU64::new(0), injected: Default::default(), max_latency_ms: 20 })
    }

    /// Per request: a latency of 0–20 ms, then 10 % 500s (three quarters before creating the
    /// task, one quarter after), 1 % connection resets (half before, half after).
    fn decide(&self) -> Fault {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        let r = mix(self.seed ^ mix(n));
        std::thread::sleep(Duration::from_millis(r % (self.max_latency_ms + 1)));
        let (kind, fault) = match (r >> 16) % 1000 {
            0..=74 => (0, Fault::Status(500, "injected 500".into())),
            75..=99 => (1, Fault::CreateThen500),
            100..=104 => (2, Fault::Reset),
            105..=109 => (3, Fault::CreateThenReset),
            _ => return Fault::None,
        };
        self.injected[kind].fetch_add(1, Ordering::SeqCst);
        fault
    }

    fn counts(&self) -> [usize; 4] {
        [0, 1, 2, 3].map(|k| self.injected[k].load(Ordering::SeqCst))
    }
}

/// A queue server with the injector.
fn faulty_server(seed: u64) -> (QueueServer, Arc<Injector>) {
    let injector = Injector::new(seed);
    let inj = Arc::clone(&injector);
    (QueueServer::start(move |_, _| inj.decide()), injector)
}

/// One tg-submit run: how it ended, its peak memory, its time.
struct RunResult {
    killed: bool,
    code: Option<i32>,
    stderr: String,
    /// Largest VmRSS sampled (KiB).
    peak_rss_kib: u64,
    /// Largest VmHWM sampled (KiB): the kernel's own high-water mark, up to the last sample.
    peak_hwm_kib: u64,
    elapsed: Duration,
}

/// `tg-submit` on `input` against `server`, with `--state state`.
fn submit_command(server: &QueueServer, input: &Path, state: &Path, stderr: &Path) -> Command {
    let (root, params) = example_root();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("tg-submit"));
    cmd.arg("-r").arg(root).arg("-p").arg(params);
    cmd.args(["--max-retries", "10", "--timeout", "30", "--progress-interval", "5"]);
    cmd.arg("--state").arg(state).arg(input);
    for var in ["TASKCLUSTER_PROXY_URL", "TASKCLUSTER_CERTIFICATE"] {
        cmd.env_remove(var);
    }
    for (k, v) in server.env() {
        cmd.env(k, v);
    }
    let err = std::fs::File::create(stderr).unwrap();
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(err);
    cmd
}

/// `VmRSS` and `VmHWM` of a running process, in KiB.
fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)?.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Run `cmd`, sampling its memory every 100 ms; `kill_when` is checked at every sample (and
/// every 5 ms in between) and a `true` sends SIGKILL.
fn run_sampled(mut cmd: Command, stderr: &Path, kill_when: &mut dyn FnMut() -> bool) -> RunResult {
    let started = Instant::now();
    let mut child: Child = cmd.spawn().unwrap();
    let pid = child.id();
    let (mut peak_rss_kib, mut peak_hwm_kib) = (0, 0);
    let mut next_sample = Instant::now();
    let mut killed = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= next_sample {
            if let Some((rss, hwm)) = memory_kib(pid) {
                peak_rss_kib = peak_rss_kib.max(rss);
                peak_hwm_kib = peak_hwm_kib.max(hwm);
            }
            next_sample += Duration::from_millis(100);
        }
        if !killed && kill_when() {
            child.kill().unwrap(); // SIGKILL
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    RunResult {
        killed,
        code: status.code(),
        stderr: std::fs::read_to_string(stderr).unwrap_or_default(),
        peak_rss_kib,
        peak_hwm_kib,
        elapsed: started.elapsed(),
    }
}

/// What the server saw, checked against the graph: panics on any violation of exactly-once,
/// order, Hawk or completeness; returns the figures.
struct Checked {
    requests: usize,
    /// createTask requests with a body different from the task's first one.
    conflicting: usize,
    lost: usize,
    created: usize,
    retries: usize,
    identical_recreates: usize,
}

fn check_server(server: &QueueServer, graph: &str, deps: &HashMap<String, Vec<String>>, what: &str) -> Checked {
    let inner = server.inner();
    let conflicting = inner.errors.iter().filter(|e| e.ends_with("redefined with a different body")).count();
    let hawk_failures = inner.errors.iter().filter(|e| e.starts_with("hawk:")).count();
    assert_eq!(hawk_failures, 0, "{what}: Hawk failures: {:?}", &inner.errors[..inner.errors.len().min(5)]);
    assert!(
        inner.errors.is_empty(),
        "{what}: violations (order, conflicting redefinition, body): {:?}",
        &inner.errors[..inner.errors.len().min(10)]
    );
    assert!(
        inner.requests.iter().all(|r| r.authorization.as_deref().is_some_and(|a| a.starts_with("Hawk "))),
        "{what}: an unsigned request"
    );
    let expected = expected_task_ids(graph);
    let created: HashSet<&String> = inner.tasks.keys().collect();
    let missing = expected.iter().filter(|id| !created.contains(id)).count();
    let extra = created.iter().filter(|id| !expected.contains(**id)).count();
    assert_eq!((missing, extra), (0, 0), "{what}: tasks lost / created that are not in the graph");
    assert_eq!(inner.order.len(), expected.len(), "{what}: each task created exactly once");
    // Order, independently of the server's own check: every in-graph dependency was created
    // before the task.
    let position: HashMap<&String, usize> = inner.order.iter().enumerate().map(|(n, id)| (id, n)).collect();
    for (id, ds) in deps {
        for d in ds {
            assert!(position[d] < position[id], "{what}: {id} created before its dependency {d}");
        }
    }
    let requests = inner.requests.iter().filter(|r| r.method == "PUT").count();
    Checked {
        requests,
        conflicting,
        lost: missing,
        created: inner.order.len(),
        retries: requests - inner.attempts.len(),
        identical_recreates: inner.identical_recreates,
    }
}

/// TaskIds the state log records as created.
fn logged(state: &Path) -> HashSet<String> {
    std::fs::read_to_string(state.join("submit.log"))
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["created"].as_str().map(str::to_string))
        .collect()
}

/// Phase A at one size: a clean full run with faults; returns the row of the table.
fn phase_a(n: usize, seed: u64, faults: bool, dir: &Path) -> Row {
    let (graph, deps) = layered_graph(n, seed);
    let input = dir.join(format!("graph-{n}.jsonl"));
    std::fs::write(&input, &graph).unwrap();
    let (server, injector) =
        if faults { faulty_server(seed) } else { (QueueServer::start(|_, _| Fault::None), Injector::new(seed)) };
    let state = dir.join(format!("state-a-{n}-{faults}"));
    let stderr = dir.join(format!("stderr-a-{n}-{faults}.txt"));
    let run = run_sampled(submit_command(&server, &input, &state, &stderr), &stderr, &mut || false);
    assert_eq!(run.code, Some(0), "phase A, {n} tasks: tg-submit failed:\n{}", run.stderr);
    let what = format!("phase A, {n} tasks");
    let checked = check_server(&server, &graph, &deps, &what);
    let logged = logged(&state);
    assert_eq!(logged.len(), checked.created, "{what}: the state log records every creation");
    Row {
        name: format!("A: one run{}", if faults { "" } else { ", no faults" }),
        tasks: n,
        kills: 0,
        injected: injector.counts(),
        checked,
        runs: vec![run],
    }
}

/// Phase B: `kills` kills at random points, a resume after each, then a final run.
fn phase_b(n: usize, kills: usize, seed: u64, dir: &Path) -> Row {
    let (graph, deps) = layered_graph(n, seed ^ 0xB);
    let input = dir.join(format!("graph-b-{n}.jsonl"));
    std::fs::write(&input, &graph).unwrap();
    let total = expected_task_ids(&graph).len();
    let (server, injector) = faulty_server(seed ^ 0xB);
    let state = dir.join("state-b");
    let mut rng = Rng(seed ^ 0x5eed);
    let mut points: Vec<usize> =
        (0..kills).map(|_| 1 + rng.below((total as u64).saturating_sub(1).max(1)) as usize).collect();
    points.sort();
    let mut runs = Vec::new();
    for (k, &point) in points.iter().enumerate() {
        let extra = Duration::from_millis(rng.below(51));
        let stderr = dir.join(format!("stderr-b-{k}.txt"));
        let mut reached: Option<Instant> = None;
        let run = run_sampled(submit_command(&server, &input, &state, &stderr), &stderr, &mut || {
            if reached.is_none() && server.inner().order.len() >= point {
                reached = Some(Instant::now());
            }
            reached.is_some_and(|t| t.elapsed() >= extra)
        });
        let created = server.inner().order.len();
        let in_log = logged(&state);
        eprintln!(
            "SOAK: kill {}/{kills}: at >= {point} creations + {} ms: {}; {created} created on the queue, {} in the state log",
            k + 1,
            extra.as_millis(),
            if run.killed { "killed (SIGKILL)".to_string() } else { format!("finished first (exit {:?})", run.code) },
            in_log.len()
        );
        if !run.killed {
            assert_eq!(run.code, Some(0), "phase B run {k}: {}", run.stderr);
        }
        // The log never claims a task the queue did not create.
        let inner = server.inner();
        assert!(
            in_log.iter().all(|id| inner.tasks.contains_key(id)),
            "phase B run {k}: the state log claims an uncreated task"
        );
        drop(inner);
        runs.push(run);
    }
    let stderr = dir.join("stderr-b-final.txt");
    let run = run_sampled(submit_command(&server, &input, &state, &stderr), &stderr, &mut || false);
    assert_eq!(run.code, Some(0), "phase B final run: {}", run.stderr);
    assert!(kills == 0 || run.stderr.contains("resuming"), "{}", run.stderr);
    runs.push(run);
    let checked = check_server(&server, &graph, &deps, "phase B");
    assert_eq!(logged(&state), expected_task_ids(&graph), "phase B: the state log ends with every task");
    Row {
        name: "B: kill -9 + resume".into(),
        tasks: n,
        kills: runs.iter().filter(|r| r.killed).count(),
        injected: injector.counts(),
        checked,
        runs,
    }
}

/// One line of the figures table.
struct Row {
    name: String,
    tasks: usize,
    kills: usize,
    injected: [usize; 4],
    checked: Checked,
    runs: Vec<RunResult>,
}

fn print_table(rows: &[Row], seed: u64) {
    eprintln!("\nSOAK figures (seed {seed}; faults: 10 % 500s, 1 % resets, 0-20 ms latency per request)\n");
    eprintln!("| phase | tasks | requests | {} | retries | identical re-creates | conflicting | lost | kills | tasks/s | peak RSS (VmHWM) |", FAULT_NAMES.join(" | "));
    eprintln!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let elapsed: f64 = row.runs.iter().map(|r| r.elapsed.as_secs_f64()).sum();
        let peak = row.runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
        let hwm = row.runs.iter().map(|r| r.peak_hwm_kib).max().unwrap_or(0);
        let i = row.injected;
        eprintln!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.1} MiB ({:.1} MiB) |",
            row.name,
            row.tasks,
            row.checked.requests,
            i[0],
            i[1],
            i[2],
            i[3],
            row.checked.retries,
            row.checked.identical_recreates,
            row.checked.conflicting,
            row.checked.lost,
            row.kills,
            row.checked.created as f64 / elapsed.max(1e-9),
            peak as f64 / 1024.0,
            hwm as f64 / 1024.0,
        );
    }
}

fn soak_dir(name: &str) -> PathBuf {
    temp_dir(name)
}

#[test]
fn soak_short() {
    let dir = soak_dir("soak-short");
    let a = phase_a(1000, 11, true, &dir);
    let b = phase_b(1000, 3, 11, &dir);
    assert!(a.injected.iter().sum::<usize>() > 0, "faults were injected");
    print_table(&[a, b], 11);
    let _ = std::fs::remove_dir_all(&dir);
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `cargo xtask soak`: the full soak (release build), with a figures table.
#[test]
#[ignore = "long; run by `cargo xtask soak`"]
fn soak_full() {
    let tasks = env_number("TG_SOAK_TASKS", 10_000) as usize;
    let kills = env_number("TG_SOAK_KILLS", 10) as usize;
    let seed = env_number("TG_SOAK_SEED", 1);
    let dir = soak_dir("soak-full");
    let mut rows = Vec::new();
    let small = tasks.min(1000);
    rows.push(phase_a(small, seed, true, &dir));
    if tasks > small {
        rows.push(phase_a(tasks, seed, false, &dir));
        rows.push(phase_a(tasks, seed, true, &dir));
    }
    rows.push(phase_b(tasks, kills, seed, &dir));
    print_table(&rows, seed);
    if rows.len() >= 3 {
        let hwm = |r: &Row| r.runs[0].peak_hwm_kib as f64 * 1024.0;
        let per_task = (hwm(&rows[2]) - hwm(&rows[0])) / (rows[2].tasks - rows[0].tasks) as f64;
        eprintln!(
            "\nSOAK memory: peak {:.1} MiB at {} tasks, {:.1} MiB at {} tasks ({:.1} MiB without faults): {:.0} bytes per task",
            hwm(&rows[0]) / 1048576.0,
            rows[0].tasks,
            hwm(&rows[2]) / 1048576.0,
            rows[2].tasks,
            hwm(&rows[1]) / 1048576.0,
            per_task
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
