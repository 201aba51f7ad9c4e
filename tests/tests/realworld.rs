//! Fidelity on the eight real repositories of ../shared/realworld: `fidelity.py STAGE` prunes
//! each to its built-in kinds, runs Python taskgraph 24.5.1 live on the same tree, runs our
//! binaries, and compares task by task. Every compared task must be identical.

use std::process::Command;
use tg_tests::{bin_dir, repo_root, shared_dir};

fn fidelity(stage: &str) {
    let Some(shared) = shared_dir(&format!("realworld fidelity {stage}")) else { return };
    let out = Command::new("python3")
        .arg(shared.join("tools/fidelity.py"))
        .arg(stage)
        .current_dir(repo_root())
        .env("TG_BIN", bin_dir())
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("fidelity {stage}:\n{stdout}");
    assert!(stdout.contains("identical:"), "fidelity.py printed no summary: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("skipped"), "a case was skipped:\n{stdout}");
    assert!(out.status.success(), "not every task is identical:\n{stdout}");
}

#[test]
fn realworld_full_graphs_equal_python() {
    fidelity("full");
}

#[test]
fn realworld_target_graphs_equal_python() {
    fidelity("target-graph");
}

#[test]
fn realworld_morphed_graphs_equal_python() {
    fidelity("morphed");
}
