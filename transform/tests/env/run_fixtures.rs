//! Table-driven tests of taskgraph.transforms.{run, fetch, cached_tasks}: every case of every
//! fixture file under tests/fixtures/{run,fetch,cached_tasks}/ runs through the native transform
//! sequence the file names, and the output must equal (value and key order) what taskgraph
//! 24.5.1 produced for the same input, stored in the file. Cases where taskgraph raises must
//! fail here too. Tasks are matched by label (our order among independent tasks is input order,
//! taskgraph's follows Python set order).
//!
//! Fixture families (all expected outputs by `run_transform.py --update`, Python taskgraph 24.5.1):
//! - `rw-<repo>-<kind>`: what reached the module in the real-world repositories' built-in kinds
//!   (pruned work trees of shared/realworld/check-python.sh): `bash transform/tests/py/capture_run_fixtures.sh`;
//! - `rwfull-<repo>-<kind>`: the same from full source checkouts, project transforms included
//!   (tasks using project-defined run.using left out): `transform/tests/py/capture_full_source.sh`;
//! - `zoo-*`: hand-written inputs for the branches real repositories miss:
//!   `python3 transform/tests/py/make_run_zoo.py`, then
//!   `python3 transform/tests/py/run_transform.py --update transform/tests/fixtures/{run,fetch,cached_tasks}/zoo-*.json`.
//!
//! Fixtures with `repo_files` (toolchain digests hash tracked files) need `git`; without it
//! they are skipped loudly.

use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_transform::{registry, TransformConfig};

/// Environment the fixtures run under (generic-worker run-task reads the root URL and TASK_ID).
fn set_env(fixture: &Value) {
    if let Some(env) = fixture.get("env").and_then(Value::as_object) {
        for (k, v) in env {
            if let Some(v) = v.as_str() {
                std::env::set_var(k, v);
            }
        }
    }
    std::env::remove_var("TASK_ID");
    std::env::remove_var("MOZ_AUTOMATION");
}

/// A throw-away one-commit git repository holding a fixture's `repo_files` (removed on drop).
struct TempRepo(PathBuf);

impl TempRepo {
    fn new(fixture: &Path, files: &Map<String, Value>) -> Option<TempRepo> {
        let stem = fixture.file_stem().unwrap().to_string_lossy().to_string();
        let dir = std::env::temp_dir().join(format!("tg-run-fixture-{}-{stem}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (rel, text) in files {
            let full = dir.join(rel);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, text.as_str().unwrap_or_default()).unwrap();
        }
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"])
                .args(args)
                .current_dir(&dir)
                .output()
                .is_ok_and(|o| o.status.success())
        };
        (git(&["init", "-q"]) && git(&["add", "-A"]) && git(&["commit", "-q", "-m", "fixture"]))
            .then_some(TempRepo(dir))
    }
}

impl Drop for TempRepo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One fixture file's outcome: number of cases and a description per failing case.
fn run_fixture(path: &Path) -> (usize, Vec<(String, String)>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fixture: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    set_env(&fixture);
    let get = |k: &str| fixture.get(k).cloned().unwrap_or(Value::Null);
    let kind = get("kind").as_str().unwrap_or_default().to_string();
    let kind_path =
        PathBuf::from(get("path").as_str().map(str::to_string).unwrap_or(format!("taskcluster/kinds/{kind}")));
    let kind_config = get("kind_config").as_object().cloned().unwrap_or_default();
    let params = Parameters::from_map(get("params").as_object().cloned().unwrap_or_default());
    let here = path.parent().unwrap();
    let mut root_dir = here.join(get("root_dir").as_str().unwrap_or("no-such-root"));
    let _repo = match get("repo_files").as_object() {
        Some(files) => match TempRepo::new(path, files) {
            Some(repo) => {
                root_dir = repo.0.join("taskcluster");
                Some(repo)
            }
            None => {
                // A loud skip outside CI, a failure under CI.
                testkit::require(false, format!("{}: git could not build its repository", path.display()));
                return (0, Vec::new());
            }
        },
        None => None,
    };
    let graph_config = GraphConfig { config: get("graph_config").as_object().cloned().unwrap_or_default(), root_dir };
    let mut deps: IndexMap<String, Task> = IndexMap::new();
    for t in get("kind_dependencies_tasks").as_array().cloned().unwrap_or_default() {
        let task: Task = serde_json::from_value(t).expect("kind_dependencies_tasks entry");
        deps.insert(task.label.clone(), task);
    }
    let steps: Vec<_> = get("transforms")
        .as_array()
        .expect("transforms")
        .iter()
        .map(|n| registry::lookup(n.as_str().unwrap()).unwrap_or_else(|| panic!("unknown transform {n}")))
        .collect();
    let config = TransformConfig {
        kind: &kind,
        path: &kind_path,
        config: &kind_config,
        params: &params,
        kind_dependencies_tasks: &deps,
        graph_config: &graph_config,
        log: Log::quiet("tg-transform"),
        docker_contexts: None,
    };
    let cases = get("cases").as_array().cloned().unwrap_or_default();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?").to_string();
        let input: Vec<Map<String, Value>> =
            serde_json::from_value(case["input"].clone()).expect("input: list of mappings");
        let mut result = Ok(input);
        for step in &steps {
            result = result.and_then(|tasks| step(&config, tasks));
        }
        match (result, case.get("expected"), case.get("error")) {
            (Ok(out), Some(Value::Array(expected)), _) => {
                if let Some(why) = compare(expected, out) {
                    failures.push((name, why));
                }
            }
            (Err(e), None, Some(err)) => {
                let ours = format!("{e:#}");
                if std::env::var_os("SHOW_ERRORS").is_some() {
                    eprintln!("{name}: taskgraph: {err}\n    we: {ours}");
                }
                if let Some(core) = core_message(err.as_str().unwrap_or_default()) {
                    if !ours.contains(&core) {
                        failures.push((name, format!("error differs: taskgraph says {core:?}, we say {ours:?}")));
                    }
                }
            }
            (Ok(out), None, Some(err)) => {
                failures.push((name, format!("taskgraph fails ({err}) but we produced {} tasks", out.len())))
            }
            (Err(e), Some(_), _) => failures.push((name, format!("we fail: {e:#}"))),
            _ => failures.push((name, "no expected output recorded (run run_transform.py --update)".into())),
        }
    }
    (cases.len(), failures)
}

/// The part of a taskgraph error our message must contain: the text of a plain `Exception`, or
/// the msgspec line of a schema error (other Python exceptions are compared only as failures).
fn core_message(python_error: &str) -> Option<String> {
    if let Some(text) = python_error.strip_prefix("Exception: ") {
        return Some(text.to_string());
    }
    if python_error.starts_with("SchemaValidationError: ") {
        return python_error.lines().nth(1).map(str::to_string);
    }
    None
}

/// Compare outputs task by task, matched by label (our order among independent tasks may
/// differ from Python's set order); values must be equal and mappings in the same key order.
fn compare(expected: &[Value], got: Vec<Map<String, Value>>) -> Option<String> {
    if expected.len() != got.len() {
        return Some(format!("expected {} tasks, got {}", expected.len(), got.len()));
    }
    let label = |v: &Value| v.get("label").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut problems = Vec::new();
    for (i, e) in expected.iter().enumerate() {
        let g = got.iter().find(|g| g.get("label").and_then(Value::as_str) == Some(label(e).as_str()));
        let g = match (g, label(e).is_empty()) {
            (Some(g), false) => Value::Object(g.clone()),
            _ => Value::Object(got[i].clone()),
        };
        let mut out = Vec::new();
        walk(&label(e), e, &g, &mut out);
        problems.extend(out);
    }
    problems.truncate(12);
    (!problems.is_empty()).then(|| problems.join("\n    "))
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => walk(&format!("{path}.{k}"), v, w, out),
                    None => out.push(format!("{path}.{k}: missing (expected {v})")),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}.{k}: unexpected {}", y[k]));
            }
            let (xk, yk): (Vec<_>, Vec<_>) = (x.keys().collect(), y.keys().collect());
            if out.is_empty() && xk != yk {
                out.push(format!("{path}: key order {xk:?}, got {yk:?}"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                walk(&format!("{path}[{i}]"), v, w, out);
            }
        }
        _ if a != b => out.push(format!("{path}: expected {a}, got {b}")),
        _ => {}
    }
}

/// Run every fixture file of one module directory.
fn check_module(module: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(module);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    let (mut total, mut failed) = (0, Vec::new());
    for file in &files {
        let (n, failures) = run_fixture(file);
        total += n;
        let fname = file.file_name().unwrap().to_string_lossy().to_string();
        failed.extend(failures.into_iter().map(|(case, why)| format!("{fname} / {case}:\n    {why}")));
    }
    eprintln!("{module} fixtures: {} files, {total} cases, {} failing", files.len(), failed.len());
    assert!(failed.is_empty(), "{} of {total} cases differ from taskgraph:\n{}", failed.len(), failed.join("\n"));
}

// One test per module, run one after another: the fixtures set process environment variables.
#[test]
fn run_fetch_cached_tasks_fixtures_match_taskgraph() {
    let _env = crate::env_lock();
    let mut panics = Vec::new();
    for module in ["run", "fetch", "cached_tasks"] {
        if let Err(e) = std::panic::catch_unwind(|| check_module(module)) {
            let msg = e.downcast_ref::<String>().cloned().unwrap_or_else(|| "panic".into());
            panics.push(msg);
        }
    }
    assert!(panics.is_empty(), "{}", panics.join("\n\n"));
}
