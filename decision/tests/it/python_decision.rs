//! `tg-decision FLAGS` against `taskgraph decision FLAGS` (Python taskgraph 24.5.1), both
//! creating their tasks on one tc-fake queue, each with its own TASK_ID: the same tasks in
//! their task groups (by label; taskIds mapped to labels, timestamps as offsets from
//! `created`) and the same artifacts (parameters.yml as data, graph artifacts under
//! compare_graphs.py, the rest and the docker-context tarballs byte for byte).
//! `compare_decisions.py` does the comparison.

use crate::common::{copy_dir, git};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use testkit::tc_fake::TcFake;

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// A checkout of `root` (as taskcluster/) with kinds/.taskcluster.yml, a base commit and a head
/// commit that changes a file.
fn checkout(name: &str, root: &Path) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-vs-python-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    copy_dir(root, &dir.join("taskcluster"));
    std::fs::copy(here().join("../kinds/.taskcluster.yml"), dir.join(".taskcluster.yml")).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "base"]);
    std::fs::write(dir.join("CHANGES.md"), "changed\n").unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "head"]);
    dir
}

fn flags(dir: &Path) -> Vec<String> {
    let mut f: Vec<String> = [
        "--project=widget",
        "--pushlog-id=0",
        "--pushdate=1700000000",
        "--owner=dev@example.com",
        "--level=1",
        "--repository-type=git",
        "--base-repository=https://github.com/example/widget",
        "--head-repository=https://github.com/example/widget",
        "--head-ref=main",
        "--tasks-for=github-push",
    ]
    .map(String::from)
    .to_vec();
    f.push(format!("--base-rev={}", git(dir, &["rev-parse", "HEAD~1"])));
    f.push(format!("--head-rev={}", git(dir, &["rev-parse", "HEAD"])));
    f
}

/// Run `compare_decisions.py` with tc-fake's environment.
fn script(python: &str, fake: &TcFake, args: &[&str]) -> std::process::Output {
    Command::new(python)
        .arg(here().join("tests/compare_decisions.py"))
        .arg(args[0])
        .arg(fake.var("TASKCLUSTER_ROOT_URL"))
        .args(&args[1..])
        .envs(fake.env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

/// Both decisions of one case; returns the comparison report.
fn both(python: &str, fake: &TcFake, name: &str, root: &Path, scheduler: &str) -> Value {
    let (theirs, ours) = (checkout(&format!("{name}-python"), root), checkout(&format!("{name}-ours"), root));
    let (python_id, our_id) = (tg_core::slugid::slugid_nice().unwrap(), tg_core::slugid::slugid_nice().unwrap());
    for id in [&python_id, &our_id] {
        let made = script(python, fake, &["create-decision", id, scheduler]);
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    }
    let run = |program: &Path, pre: &[&str], dir: &Path, id: &str| {
        let out = Command::new(program)
            .args(pre)
            .args(flags(dir))
            .current_dir(dir)
            .envs(fake.env.iter().map(|(k, v)| (k, v)))
            .env_remove("TASKCLUSTER_PROXY_URL")
            .env("TASK_ID", id)
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}: {}", program.display(), String::from_utf8_lossy(&out.stderr));
    };
    run(Path::new(python), &["-c", "from taskgraph.main import main; main()", "decision"], &theirs, &python_id);
    let bins = std::env::current_exe().unwrap().parent().and_then(Path::parent).unwrap().to_path_buf();
    run(&bins.join("tg-decision"), &[], &ours, &our_id);
    let compare_graphs = testkit::shared_dir().unwrap().join("tools/compare_graphs.py");
    let args = [
        "compare",
        compare_graphs.to_str().unwrap(),
        &python_id,
        theirs.to_str().unwrap(),
        &our_id,
        ours.to_str().unwrap(),
    ];
    let report = script(python, fake, &args);
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    let _ = std::fs::remove_dir_all(&theirs);
    let _ = std::fs::remove_dir_all(&ours);
    serde_json::from_slice(&report.stdout).unwrap()
}

#[test]
fn tg_decision_creates_what_taskgraph_decision_creates() {
    let Some(python) = testkit::python_taskgraph() else { return };
    let Some(fake) = TcFake::start("decision") else { return };
    let cases = [
        ("example", here().join("../kinds"), "widget-level-1"),
        ("hooked", here().join("tests/fixtures/hooked/taskcluster"), "hooked-level-1"),
    ];
    for (name, root, scheduler) in cases {
        let report = both(&python, &fake, name, &root, scheduler);
        eprintln!("{name}: {report}");
        let n = report["tasks"].as_u64().unwrap();
        assert!(n > 0, "{name}: Python created no task: {report}");
        assert_eq!(report["tasks_ours"], report["tasks"], "{name}: {report:#}");
        assert_eq!(report["tasks_identical"], report["tasks"], "{name}: {report:#}");
        assert_eq!(report["artifacts_identical"], report["artifacts"], "{name}: {report:#}");
    }
}
