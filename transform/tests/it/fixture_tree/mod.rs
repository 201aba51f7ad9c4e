//! Runs fixtures written by `tests/py/run_transform_tree.py --fixture` (expected outputs from
//! taskgraph 24.5.1): rebuilds the case's repository tree exactly as the Python harness does
//! (copy_tree with modes normalised to 0644/0755, then the tree entries), runs the named modules
//! through the registry, and compares the output (key order included) with `expected`, or
//! checks that it fails when taskgraph raised (`expected_error`).

use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_transform::{TaskDict, TransformConfig};

/// The crate directory (fixture paths are relative to it).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What running one fixture gave.
#[derive(Debug)]
pub enum Outcome {
    Pass,
    Skipped(String),
    Fail(String),
}

/// A temporary repository directory, removed on drop.
pub struct TempRepo(pub PathBuf);

impl Drop for TempRepo {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn temp_repo() -> TempRepo {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("tg-fixture-tree-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("repo")).unwrap();
    TempRepo(dir)
}

/// `shutil.copytree(symlinks=True)` followed by the 0644/0755 normalisation.
fn copy_normalised(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    fs::set_permissions(dst, fs::Permissions::from_mode(0o755)).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let ft = entry.file_type().unwrap();
        if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&from).unwrap(), &to).unwrap();
        } else if ft.is_dir() {
            copy_normalised(&from, &to);
        } else {
            let exe = fs::metadata(&from).unwrap().permissions().mode() & 0o100 != 0;
            if to.exists() {
                let mut p = fs::metadata(&to).unwrap().permissions();
                p.set_mode(0o644);
                fs::set_permissions(&to, p).unwrap();
            }
            fs::copy(&from, &to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(if exe { 0o755 } else { 0o644 })).unwrap();
        }
    }
}

/// Build REPO from the case's `copy_tree` and `tree`; `Err` = skip reason.
fn build_tree(case: &Map<String, Value>, repo: &Path) -> Result<(), String> {
    if let Some(src) = case.get("copy_tree").and_then(Value::as_str) {
        let src = crate_dir().join(src);
        // A loud skip outside CI, a failure under CI.
        if !testkit::require(src.is_dir(), format!("../shared not found ({})", src.display())) {
            return Err(format!("SKIPPED: ../shared not found ({})", src.display()));
        }
        copy_normalised(&src, repo);
    }
    for entry in case.get("tree").and_then(Value::as_array).into_iter().flatten() {
        let path = repo.join(entry["path"].as_str().unwrap());
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        if let Some(target) = entry.get("symlink").and_then(Value::as_str) {
            std::os::unix::fs::symlink(target, &path).unwrap();
        } else {
            fs::write(&path, entry.get("content").and_then(Value::as_str).unwrap_or("")).unwrap();
            let mode = entry.get("mode").and_then(Value::as_u64).unwrap_or(0o644) as u32;
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    Ok(())
}

/// Run the case's modules; the transform output, or the error's text.
pub fn run_case(case: &Map<String, Value>, repo: &Path) -> Result<Vec<TaskDict>, String> {
    let root = repo.join("taskcluster");
    let graph_config = match case.get("graph_config") {
        Some(Value::Object(m)) => m.clone(),
        _ if root.join("config.yml").exists() => match tg_core::yaml::load_file(&root.join("config.yml")).unwrap() {
            Value::Object(m) => m,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    let graph_config = GraphConfig { config: graph_config, root_dir: root.clone() };
    let kind = case["kind"].as_str().unwrap();
    let kind_path = root.join("kinds").join(kind);
    let kind_config = case.get("kind_config").and_then(Value::as_object).cloned().unwrap_or_default();
    let params = Parameters::from_map(case.get("params").and_then(Value::as_object).cloned().unwrap_or_default());
    let deps: IndexMap<String, Task> = case
        .get("kind_dependencies_tasks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            let task: Task = serde_json::from_value(t.clone()).unwrap();
            (task.label.clone(), task)
        })
        .collect();
    let config = TransformConfig {
        kind,
        path: &kind_path,
        config: &kind_config,
        params: &params,
        kind_dependencies_tasks: &deps,
        graph_config: &graph_config,
        log: Log::quiet("tg-transform-test"),
        docker_contexts: None,
    };
    let mut tasks: Vec<TaskDict> =
        case["tasks"].as_array().unwrap().iter().map(|t| t.as_object().unwrap().clone()).collect();
    for module in case["modules"].as_array().unwrap() {
        let name = module.as_str().unwrap();
        let step = tg_transform::registry::lookup(name).ok_or_else(|| format!("module {name} not in the registry"))?;
        tasks = step(&config, tasks).map_err(|e| tg_core::cli::render_chain(&e))?;
    }
    Ok(tasks)
}

/// Run one fixture's modules: `None` when skipped (../shared absent).
pub fn run_fixture_tasks(path: &Path) -> Option<Result<Vec<TaskDict>, String>> {
    let fixture: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let case = fixture["input"].as_object().unwrap();
    let tmp = temp_repo();
    let repo = tmp.0.join("repo");
    build_tree(case, &repo).ok()?;
    Some(run_case(case, &repo))
}

/// Run one fixture file against its expected result.
pub fn run_fixture(path: &Path) -> Outcome {
    let fixture: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let case = fixture["input"].as_object().unwrap();
    let tmp = temp_repo();
    let repo = tmp.0.join("repo");
    if let Err(skip) = build_tree(case, &repo) {
        return Outcome::Skipped(skip);
    }
    let got = run_case(case, &repo);
    match (got, fixture.get("expected"), fixture.get("expected_error")) {
        (Ok(_), None, Some(err)) => Outcome::Fail(format!("expected an error like taskgraph's ({err}), got success")),
        (Err(_), None, Some(_)) => Outcome::Pass,
        (Err(e), Some(_), _) => Outcome::Fail(format!("failed: {e}")),
        (Ok(tasks), Some(Value::Array(expected)), _) => compare(&tasks, expected),
        _ => Outcome::Fail("fixture has neither expected nor expected_error".into()),
    }
}

/// Output equality, key order included; the first difference is reported.
fn compare(got: &[TaskDict], expected: &[Value]) -> Outcome {
    if got.len() != expected.len() {
        let labels = |v: Vec<String>| v.join(", ");
        return Outcome::Fail(format!(
            "{} tasks, expected {}\n got names: {}\n expected names: {}",
            got.len(),
            expected.len(),
            labels(got.iter().map(|t| tg_transform::util::task_dict::task_name(t).to_string()).collect()),
            labels(
                expected
                    .iter()
                    .map(|t| t.get("name").or(t.get("label")).map(|v| v.to_string()).unwrap_or_default())
                    .collect()
            ),
        ));
    }
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        let g = serde_json::to_string(g).unwrap();
        let e = serde_json::to_string(e).unwrap();
        if g != e {
            let at = g.bytes().zip(e.bytes()).position(|(a, b)| a != b).unwrap_or(g.len().min(e.len()));
            let from = at.saturating_sub(150);
            return Outcome::Fail(format!(
                "task #{i} differs at byte {at}\n got:      …{}\n expected: …{}",
                &g[from..(at + 150).min(g.len())],
                &e[from..(at + 150).min(e.len())]
            ));
        }
    }
    Outcome::Pass
}

/// Run every fixture of `module` (a directory under tests/fixtures) written by the tree harness;
/// panics listing every failure. Returns (passed, skipped).
pub fn run_module(module: &str) -> (usize, usize) {
    let dir = crate_dir().join("tests/fixtures").join(module);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| fs::read_to_string(p).unwrap().contains("run_transform_tree.py"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", dir.display());
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        match run_fixture(path) {
            Outcome::Pass => passed += 1,
            Outcome::Skipped(why) => {
                eprintln!("{module}/{name}: {why}");
                skipped += 1;
            }
            Outcome::Fail(why) => failures.push(format!("{module}/{name}: {why}")),
        }
    }
    eprintln!("{module}: {passed} fixtures pass, {skipped} skipped, {} fail", failures.len());
    assert!(failures.is_empty(), "{} of {} fixtures fail:\n{}", failures.len(), paths.len(), failures.join("\n\n"));
    (passed, skipped)
}
