//! Helpers for the end-to-end tests: where the binaries, the example and `../shared` are, and
//! running a shell pipeline of our stages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `../shared` beside the checkout, or `None` (and a loud SKIPPED line) when it is absent.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let dir = repo_root().join("../shared");
    if dir.join("realworld").is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED {test}: ../shared not found beside the checkout");
        None
    }
}

/// The directory holding the built `tg-*` binaries (the same profile as this test).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test-exe> -> target/<profile>
    exe.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default()
}

/// Run `script` under `bash -euo pipefail` with the binaries first on PATH, in `cwd`.
pub fn sh(script: &str, cwd: &Path) -> Output {
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(cwd)
        .env("PATH", path)
        .env_remove("TASKCLUSTER_PROXY_URL")
        .env_remove("TASKCLUSTER_CLIENT_ID")
        .env_remove("TASKCLUSTER_ACCESS_TOKEN")
        .env_remove("TASK_ID")
        .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash: {e}"))
}

/// Run `compare_graphs.py EXPECTED ACTUAL` from `../shared`; returns (identical, total, report).
pub fn compare_graphs(shared: &Path, expected: &Path, actual: &Path) -> (usize, usize, String) {
    let out = Command::new("python3")
        .arg(shared.join("tools/compare_graphs.py"))
        .arg(expected)
        .arg(actual)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let last = text.lines().rev().find(|l| l.starts_with("identical:")).unwrap_or("identical: 0/0").to_string();
    let nums: Vec<usize> = last
        .trim_start_matches("identical:")
        .split_whitespace()
        .next()
        .unwrap_or("0/0")
        .split('/')
        .filter_map(|n| n.parse().ok())
        .collect();
    (nums.first().copied().unwrap_or(0), nums.get(1).copied().unwrap_or(0), text)
}
