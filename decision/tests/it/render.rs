//! kinds/.taskcluster.yml, rendered with JSON-e (the `json-e` package on PyPI, what
//! Taskcluster's GitHub service implements) for a GitHub push, runs tg-decision with
//! `taskgraph decision`'s flags; the rendered command, run in a checkout, makes the decision.

use crate::common::{copy_dir, git};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn checkout() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-render-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let kinds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kinds");
    copy_dir(&kinds, &dir.join("taskcluster"));
    std::fs::copy(kinds.join(".taskcluster.yml"), dir.join(".taskcluster.yml")).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "base"]);
    std::fs::write(dir.join("README.md"), "changed\n").unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "head"]);
    dir
}

fn rev(dir: &Path, spec: &str) -> String {
    git(dir, &["rev-parse", spec])
}

#[test]
fn the_rendered_decision_command_runs_tg_decision() {
    let Some(python) = testkit::python_taskgraph() else { return };
    let has_jsone = Command::new(&python).args(["-c", "import jsone"]).status().is_ok_and(|s| s.success());
    if !testkit::require(has_jsone, "python3 with json-e (pip install json-e); .ci/run installs it") {
        return;
    }
    let repo = checkout();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/render_taskcluster_yml.py");
    let rendered = Command::new(&python)
        .arg(script)
        .arg(repo.join(".taskcluster.yml"))
        .arg("https://github.com/example/redo")
        .arg(rev(&repo, "HEAD~1"))
        .arg(rev(&repo, "HEAD"))
        .output()
        .unwrap();
    assert!(rendered.status.success(), "{}", String::from_utf8_lossy(&rendered.stderr));
    let task: Value = serde_json::from_slice(&rendered.stdout).unwrap();
    let command = task["command"].as_str().unwrap();
    // In the task: `cd <checkout> && ln -s <artifacts> artifacts && tg-decision ...`.
    let decision = command.split(" && ").last().unwrap();
    assert!(decision.starts_with("tg-decision --pushlog-id='0'"), "{command}");
    assert!(!command.contains("taskgraph decision"), "{command}");
    let bins = std::env::current_exe().unwrap().parent().and_then(Path::parent).unwrap().to_path_buf();
    let out = Command::new("bash")
        .args(["-c", decision])
        .current_dir(&repo)
        .env("PATH", format!("{}:{}", bins.display(), std::env::var("PATH").unwrap_or_default()))
        .env_remove("TASKCLUSTER_ROOT_URL")
        .env_remove("TASKCLUSTER_PROXY_URL")
        .env("TASK_ID", "dEcIsIoNtAsKiD0000000A")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let requests = std::fs::read_to_string(repo.join("queue/createTask.jsonl")).unwrap();
    assert_eq!(requests.lines().count(), 24);
    let params = std::fs::read_to_string(repo.join("artifacts/parameters.yml")).unwrap();
    let params = tg_core::yaml::from_str(&params, "parameters.yml").unwrap();
    assert_eq!(params["head_rev"], Value::from(rev(&repo, "HEAD")));
    assert_eq!(params["files_changed"], serde_json::json!(["README.md"]));
    assert_eq!(params["owner"], Value::from("pusher@example.com"));
    for artifact in ["actions.json", "full-task-graph.json", "task-graph.json", "label-to-taskid.json"] {
        assert!(repo.join("artifacts").join(artifact).is_file(), "{artifact}");
    }
    let _ = std::fs::remove_dir_all(&repo);
}
