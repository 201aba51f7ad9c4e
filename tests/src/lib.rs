//! Helpers for the end-to-end tests: where the binaries, the example and `../shared` are, and
//! running a shell pipeline of our stages.

// Test-support code, used only by this crate's tests: a failed unwrap or a panic here is a
// test failure, which is what it should be.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `../shared` beside the checkout, or `None` after a loud SKIPPED line (a failure under CI).
pub use testkit::shared_dir;

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

/// A temporary directory holding a staged copy of the example, removed when dropped.
pub struct Staged {
    dir: PathBuf,
}

impl Staged {
    /// The repository root: it holds `taskcluster/` (a copy of `kinds/`) and `.git`.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// `taskcluster/` inside the staged repository.
    pub fn taskgraph_root(&self) -> PathBuf {
        self.dir.join("taskcluster")
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Stage the example as taskgraph expects it: a one-commit git repository (origin
/// `https://github.com/example/widget`) whose `taskcluster/` is a copy of `kinds/`. `name`
/// makes the directory unique among the tests of one process.
pub fn stage_example(name: &str) -> Staged {
    let dir = std::env::temp_dir().join(format!("tg-staged-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let staged = Staged { dir };
    let script = format!(
        "cp -r '{}' taskcluster && git init -q && git remote add origin https://github.com/example/widget \
         && git add -A && git -c user.name=t -c user.email=t@example.com commit -qm example",
        repo_root().join("kinds").display()
    );
    let out = sh(&script, staged.path());
    assert!(out.status.success(), "staging the example failed: {}", String::from_utf8_lossy(&out.stderr));
    staged
}

/// The Python reference full graph of the example (tests/golden/full-task-graph.json) as JSON
/// lines, one task per line in the file's order: input for the whole-graph stages.
pub fn golden_full_graph_jsonl() -> String {
    let path = repo_root().join("tests/golden/full-task-graph.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let graph: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    graph.values().map(|task| format!("{task}\n")).collect()
}

/// A `Command` for the built binary `name` (`tg-load`, ...), with the environment `sh` uses:
/// no Taskcluster credentials or proxy, a fixed root URL.
pub fn tg(name: &str) -> Command {
    let mut cmd = Command::new(bin_dir().join(name));
    cmd.env_remove("TASKCLUSTER_PROXY_URL")
        .env_remove("TASKCLUSTER_CLIENT_ID")
        .env_remove("TASKCLUSTER_ACCESS_TOKEN")
        .env_remove("TASK_ID")
        .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com");
    cmd
}

/// Run `cmd` with `input` on stdin (written from another thread, so large inputs cannot
/// deadlock; a reader that stops early is fine) and collect its output.
pub fn run_with_input(cmd: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut stdin = child.stdin.take();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(&input);
        }
    });
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("cannot wait for {cmd:?}: {e}"));
    let _ = writer.join();
    out
}
