//! No task is created when any stage fails or is killed mid-stream: in the README's pipe (no
//! `pipefail`, so the shell would not stop it) and in tg-decision. Each stage in turn is
//! replaced by a wrapper that passes on part of the real stage's output and then exits 1, or
//! kills itself with SIGKILL; tg-submit must refuse the cut stream and create nothing.

use crate::common::{copy_dir, git};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const STAGES: &[&str] = &["tg-load", "tg-transform", "tg-resolve", "tg-optimize", "tg-morph"];

/// The directory of the built binaries (this test's profile directory).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-no-partial-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A directory of binaries where `stage` is a wrapper around the real one that lets `lines`
/// lines through, then fails (`exit 1`) or kills itself (`kill -9`).
fn sabotaged_bins(name: &str, stage: &str, lines: usize, ending: &str) -> PathBuf {
    let dir = temp(name);
    for entry in std::fs::read_dir(bin_dir()).unwrap() {
        let entry = entry.unwrap();
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with("tg-") && !file.contains('.') && entry.path().is_file() {
            std::fs::copy(entry.path(), dir.join(&file)).unwrap();
        }
    }
    let real = dir.join(format!("{stage}.real"));
    std::fs::rename(dir.join(stage), &real).unwrap();
    let script = format!("#!/bin/bash\n\"{}\" \"$@\" | head -n {lines}\n{ending}\n", real.display());
    std::fs::write(dir.join(stage), script).unwrap();
    std::fs::set_permissions(dir.join(stage), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// The example as a git checkout (taskcluster/ = kinds/, and its .taskcluster.yml).
fn checkout(name: &str) -> PathBuf {
    let dir = temp(&format!("{name}-repo"));
    let kinds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kinds");
    copy_dir(&kinds, &dir.join("taskcluster"));
    std::fs::copy(kinds.join(".taskcluster.yml"), dir.join(".taskcluster.yml")).unwrap();
    for args in [&["init", "-q"][..], &["add", "-A"], &["commit", "-qm", "x"]] {
        git(&dir, args);
    }
    dir
}

/// How many createTask requests reached the dry-run queue in `dir`.
fn created(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("createTask.jsonl")).map(|t| t.lines().count()).unwrap_or(0)
}

/// The README's pipe, without pipefail: the pipeline's status is tg-submit's.
fn pipe(bins: &Path, repo: &Path, queue: &Path) -> std::process::Output {
    let p = "-r taskcluster -p taskcluster/parameters.yml";
    let script = format!(
        "tg-load {p} | tg-transform {p} | jq -c 'select(.kind != \"docs\")' | tg-resolve {p} \
         | tg-optimize {p} --index empty | tg-morph {p} | tg-submit {p} --dry-run --dry-run-dir {}",
        queue.display()
    );
    Command::new("bash")
        .args(["-c", &script])
        .current_dir(repo)
        .env("PATH", format!("{}:{}", bins.display(), std::env::var("PATH").unwrap_or_default()))
        .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
        .env_remove("TASKCLUSTER_PROXY_URL")
        .env_remove("TASK_ID")
        .output()
        .unwrap()
}

fn require_jq() -> bool {
    testkit::require_command("jq", "a filter between stages in the pipe")
}

#[test]
fn the_pipe_creates_nothing_when_a_stage_fails_or_is_killed() {
    if !require_jq() {
        return;
    }
    let repo = checkout("pipe");
    // The intact pipe creates every task (so "nothing created" below means something).
    let queue = repo.join("queue-intact");
    let whole = pipe(&bin_dir(), &repo, &queue);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    assert_eq!(created(&queue), 24);
    for stage in STAGES {
        for lines in [0, 3] {
            for ending in ["exit 1", "kill -9 $$"] {
                let case = format!("{stage}-{lines}-{}", ending.len());
                let bins = sabotaged_bins(&case, stage, lines, ending);
                let queue = repo.join(format!("queue-{case}"));
                let out = pipe(&bins, &repo, &queue);
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(created(&queue), 0, "{case}: tasks were created from a cut stream\n{stderr}");
                assert!(!out.status.success(), "{case}: the pipe succeeded\n{stderr}");
                assert!(stderr.contains("end-of-stream record"), "{case}: {stderr}");
                let _ = std::fs::remove_dir_all(&bins);
            }
        }
    }
}

#[test]
fn an_empty_stream_is_not_an_empty_graph() {
    for stage in ["tg-resolve", "tg-optimize", "tg-morph", "tg-submit"] {
        let out = Command::new("bash")
            .args([
                "-c",
                &format!(
                    "true | {} -r kinds -p kinds/parameters.yml --dry-run-dir /dev/null",
                    bin_dir().join(stage).display()
                ),
            ])
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stage != "tg-submit" && stderr.contains("--dry-run-dir") {
            // Not tg-submit's flag: run it without.
            let out = Command::new("bash")
                .args(["-c", &format!("true | {} -r kinds -p kinds/parameters.yml", bin_dir().join(stage).display())])
                .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
                .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{stage}: {stderr}");
            assert!(stderr.contains("end-of-stream record"), "{stage}: {stderr}");
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{stage}: {stderr}");
        assert!(stderr.contains("end-of-stream record"), "{stage}: {stderr}");
    }
}

#[test]
fn tg_decision_creates_nothing_when_a_stage_fails_or_is_killed() {
    let repo = checkout("decision");
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let flags = [
        "--project=redo",
        "--pushlog-id=0",
        "--pushdate=1700000000",
        "--owner=me@example.com",
        "--level=1",
        "--repository-type=git",
        "--base-repository=https://github.com/x/redo",
        "--head-repository=https://github.com/x/redo",
        "--head-ref=main",
        "--tasks-for=github-push",
    ];
    let run = |bins: &Path, queue: &Path| {
        Command::new(bins.join("tg-decision"))
            .args(flags)
            .arg(format!("--head-rev={}", head.trim()))
            .arg("--dry-run")
            .arg(queue)
            .current_dir(&repo)
            .env_remove("TASKCLUSTER_ROOT_URL")
            .env_remove("TASKCLUSTER_PROXY_URL")
            .output()
            .unwrap()
    };
    let queue = repo.join("queue-intact");
    let whole = run(&bin_dir(), &queue);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    assert_eq!(created(&queue), 24);
    for stage in STAGES.iter().chain(&["tg-action"]) {
        for ending in ["exit 1", "kill -9 $$"] {
            let case = format!("decision-{stage}-{}", ending.len());
            let bins = sabotaged_bins(&case, stage, 3, ending);
            let queue = repo.join(format!("queue-{case}"));
            let out = run(&bins, &queue);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(created(&queue), 0, "{case}: tasks were created\n{stderr}");
            assert!(!out.status.success(), "{case}: tg-decision succeeded\n{stderr}");
            assert!(stderr.contains(&format!("{stage} failed")), "{case}: {stderr}");
            let _ = std::fs::remove_dir_all(&bins);
        }
    }
}

#[test]
fn tg_decision_without_task_id_does_nothing() {
    let repo = checkout("no-task-id");
    let out = Command::new(bin_dir().join("tg-decision"))
        .args(["--project=redo", "--pushlog-id=0", "--pushdate=0", "--owner=me@example.com", "--level=1"])
        .args(["--repository-type=git", "--base-repository=https://x/r", "--head-repository=https://x/r"])
        .args(["--head-ref=main", "--head-rev=0", "--tasks-for=github-push"])
        .current_dir(&repo)
        .env("TASKCLUSTER_ROOT_URL", "http://127.0.0.1:9")
        .env_remove("TASKCLUSTER_PROXY_URL")
        .env_remove("TASK_ID")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TASK_ID is not set"), "{stderr}");
    assert!(!repo.join("artifacts").exists() && !repo.join("docker-contexts").exists());
}
