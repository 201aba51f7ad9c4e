//! Helpers shared by tg-load's integration tests: throw-away taskgraph roots and paths to the
//! shared real-world cases.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A minimal valid `config.yml` (taskgraph's GraphConfigSchema's required keys).
pub const CONFIG: &str = "\
trust-domain: test
task-priority: low
workers:
  aliases:
    linux:
      provisioner: prov
      implementation: docker-worker
      os: linux
      worker-type: linux
taskgraph:
  repositories:
    test:
      name: Test
";

/// A complete parameters file with no project extensions.
pub const PARAMETERS: &str = "\
base_repository: https://github.com/example/test
base_ref: main
base_rev: abc
build_date: 0
build_number: 1
do_not_optimize: []
enable_always_target: true
existing_tasks: {}
files_changed: []
filters: [target_tasks_method]
head_ref: main
head_repository: https://github.com/example/test
head_rev: abc
head_tag: ''
level: '3'
moz_build_date: '19700101000000'
next_version: null
optimize_strategies: null
optimize_target_tasks: true
owner: nobody@example.com
project: test
pushdate: 0
pushlog_id: '0'
repository_type: git
target_tasks_method: default
tasks_for: github-push
version: null
";

/// A directory under the system temp dir, removed when dropped.
pub struct TempRoot {
    pub path: PathBuf,
}

impl TempRoot {
    /// An empty directory with a unique name.
    pub fn empty(tag: &str) -> TempRoot {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("tg-load-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempRoot { path }
    }

    /// A root holding a valid `config.yml` and `parameters.yml`, and no kinds yet.
    pub fn with_config(tag: &str) -> TempRoot {
        let root = TempRoot::empty(tag);
        root.write("config.yml", CONFIG);
        root.write("parameters.yml", PARAMETERS);
        root
    }

    /// Write `text` to `rel` under the root (creating directories) and return its path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create dir");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// `kinds/NAME/kind.yml`.
    pub fn kind(&self, name: &str, text: &str) -> PathBuf {
        self.write(&format!("kinds/{name}/kind.yml"), text)
    }

    /// The path of `rel` under the root, as a string (for messages and flags).
    pub fn at(&self, rel: &str) -> String {
        self.path.join(rel).display().to_string()
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Every real-world case directory (`shared/realworld/<repo>` with `config/taskcluster`), sorted;
/// `None` when `../shared` is absent (after `testkit::shared_dir`'s skip line, or its failure under CI).
pub fn realworld_cases() -> Option<Vec<PathBuf>> {
    let dir = testkit::shared_dir()?.join("realworld");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("config/taskcluster/config.yml").is_file())
        .collect();
    cases.sort();
    Some(cases)
}
