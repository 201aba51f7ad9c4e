//! tg-action on a project whose register hook registers optimization strategies
//! (`@register_strategy`), against Python taskgraph 24.5.1.
//!
//! The project is tg-bridge's fixture (`bridge/tests/fixtures/project`); the decision and the
//! expected outputs are in `tests/fixtures/project-strategies/`, made by its `regenerate.sh`
//! (Python `taskgraph test-action-callback add-new-jobs` against that decision, served by
//! `fake_tc.py`). Here `tg-action test` reads the same decision from `--decision-dir` and
//! `fixtures/compare_case.py` compares the created tasks and artifacts. In both cases the
//! requested `test-docs` depends on `build-docs`, which does not exist yet and whose strategy,
//! `fixture-skip`, is a project class: Python replaces it by `fixtureReplacedTask000` (from
//! `should_replace_task`, which reads the parameters and the deadline). Without project
//! strategies tg-action stops with "unknown strategy fixture-skip".

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const DECISION: &str = "Fp4c1dHBSVmpyP2UxxRa7A";

fn project_fixtures() -> PathBuf {
    fixtures().join("project-strategies")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "__pycache__" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// The project as regenerate.sh staged it for Python: its taskcluster/ in a git repository
/// with an `origin` remote. Returns the taskgraph root.
fn stage_project(work: &Path) -> PathBuf {
    let repo = work.join("repo");
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bridge/tests/fixtures/project/taskcluster");
    copy_dir(&project, &repo.join("taskcluster"));
    for args in [&["init", "-q"][..], &["remote", "add", "origin", "https://github.com/example/project"]] {
        let status = Command::new("git").args(args).current_dir(&repo).status().unwrap();
        assert!(status.success(), "git {args:?}");
    }
    repo.join("taskcluster")
}

#[test]
fn add_new_jobs_with_project_strategies_matches_python() {
    let Some(shared) = shared_dir() else { return };
    let Some(python) = testkit::python_taskgraph() else { return };
    let work = temp_dir("project-strategies");
    let root = stage_project(&work);
    let decision_dir = work.join("decision");
    copy_dir(&project_fixtures().join("world/files"), &decision_dir);
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(project_fixtures().join("cases.json")).unwrap()).unwrap();
    assert_eq!(cases.len(), 2);
    let mut failed = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let dir = work.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("input.json");
        std::fs::write(&input, case["input"].to_string()).unwrap();
        let artifacts = dir.join("artifacts");
        let params = decision_dir.join("parameters.yml");
        let args = [
            "test",
            "-r",
            root.to_str().unwrap(),
            "-p",
            params.to_str().unwrap(),
            "--decision-dir",
            decision_dir.to_str().unwrap(),
            "--decision-task-id",
            DECISION,
            "--task-group-id",
            DECISION,
            "--input",
            input.to_str().unwrap(),
            "--artifacts",
            artifacts.to_str().unwrap(),
            case["callback"].as_str().unwrap(),
        ];
        let out = tg_action(&args, &[("TG_PYTHON", python.clone())], &dir);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{name}: tg-action failed: {stderr}");
        // The project strategy ran in Python, once per run of the action.
        let asked = stderr.matches("project strategies: 1 should_replace_task calls in one python round trip").count();
        let times = case["input"].get("times").and_then(Value::as_u64).unwrap_or(1) as usize;
        assert_eq!(asked, times, "{name}: {stderr}");
        let stdout = dir.join("stdout.jsonl");
        std::fs::write(&stdout, &out.stdout).unwrap();
        let compared = Command::new("python3")
            .arg(fixtures().join("compare_case.py"))
            .arg(shared.join("tools/compare_graphs.py"))
            .arg(project_fixtures().join("expected").join(name))
            .arg(&stdout)
            .arg(&artifacts)
            .output()
            .unwrap();
        eprintln!("== {name}\n{}{}", text(&compared.stdout), text(&compared.stderr));
        if !compared.status.success() {
            failed.push(name.to_string());
        }
    }
    assert!(failed.is_empty(), "differ from Python: {failed:?}");
    let _ = std::fs::remove_dir_all(&work);
}
