//! Fidelity on the eight real repositories of ../shared/realworld: `fidelity.py STAGE` prunes
//! each to its built-in kinds, runs Python taskgraph 24.5.1 live on the same tree, runs our
//! binaries, and compares task by task.
//!
//! fidelity.py restricts the comparison to the BUILTIN-ONLY kinds. For `morphed` that
//! restriction cannot work on its own: a compared task that depends on a task of an uncompared
//! kind (a docker image whose project transform was stripped) holds that task's random taskId,
//! which compare_graphs.py can only map to a label when the dependency is in the compared
//! graph too. So each case is also compared whole (every kind of the pruned tree: both sides
//! ran the same tree), and that comparison must be 100 %.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use tg_tests::{bin_dir, compare_graphs, repo_root, shared_dir};

struct Run {
    stdout: String,
    success: bool,
    kept: Vec<PathBuf>,
}

/// fidelity.py makes its venv of Python taskgraph (`$TG_VENV`, default
/// `~/.cache/tg-reference-venv`) on first use, without a lock. The three tests below run it at
/// the same time: on a machine without the venv, each ran `python -m venv` and `pip install`
/// into the same directory, one while another already ran taskgraph from it (a package being
/// reinstalled under it), and a case failed. So the venv is made once, here, before any runs.
fn ensure_reference_venv(shared: &Path) {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let made = DONE.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-B", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import fidelity; fidelity.ensure_venv()"])
            .arg(shared.join("tools"))
            .output()
            .map_err(|e| format!("cannot run python3: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    });
    if let Err(e) = made {
        panic!("cannot make fidelity.py's venv of Python taskgraph 24.5.1: {e}");
    }
}

fn run_fidelity(shared: &Path, stage: &str) -> Run {
    ensure_reference_venv(shared);
    let out = Command::new("python3")
        .arg(shared.join("tools/fidelity.py"))
        .arg(stage)
        .arg("-v")
        .current_dir(repo_root())
        .env("TG_BIN", bin_dir())
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("fidelity {stage}:\n{stdout}");
    assert!(stdout.contains("identical:"), "fidelity.py printed no summary: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("skipped"), "a case was skipped:\n{stdout}");
    let kept = stdout.lines().filter_map(|l| l.trim().strip_prefix("outputs kept in ")).map(PathBuf::from).collect();
    Run { stdout, success: out.status.success(), kept }
}

/// Every case's whole graph (all kinds of the pruned tree) equals Python's.
fn assert_whole_graphs_equal(shared: &Path, run: &Run, python: &str, ours: &str) {
    assert!(!run.kept.is_empty(), "fidelity.py kept no outputs:\n{}", run.stdout);
    for dir in &run.kept {
        let (same, total, report) = compare_graphs(shared, &dir.join(python), &dir.join(ours));
        assert!(same == total, "{}: {same}/{total}\n{report}", dir.display());
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn realworld_full_graphs_equal_python() {
    let Some(shared) = shared_dir() else { return };
    let run = run_fidelity(&shared, "full");
    assert!(run.success, "not every compared task is identical:\n{}", run.stdout);
    assert_whole_graphs_equal(&shared, &run, "python-full.json", "full.jsonl");
}

#[test]
fn realworld_target_graphs_equal_python() {
    let Some(shared) = shared_dir() else { return };
    let run = run_fidelity(&shared, "target-graph");
    assert!(run.success, "not every compared task is identical:\n{}", run.stdout);
    assert_whole_graphs_equal(&shared, &run, "python-target-graph.json", "target-graph.jsonl");
}

#[test]
fn realworld_morphed_graphs_equal_python() {
    let Some(shared) = shared_dir() else { return };
    let run = run_fidelity(&shared, "morphed");
    assert_whole_graphs_equal(&shared, &run, "python-morphed.json", "morphed.jsonl");
}
