//! `../shared/tools/tc-fake` for the tests that talk to a queue: started from a writable copy
//! of its directory (`../shared` may be read-only: `TG_TC_FAKE_DIR`, which `.ci/run` prepares
//! with `npm ci`, else `$TMPDIR/tg-tc-fake`), stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running tc-fake; stopped on drop.
pub struct TcFake {
    script: PathBuf,
    rundir: PathBuf,
    /// `TASKCLUSTER_ROOT_URL`, `TASKCLUSTER_CLIENT_ID`, `TASKCLUSTER_ACCESS_TOKEN` for it.
    pub env: Vec<(String, String)>,
}

impl Drop for TcFake {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(&self.script).arg("stop").env("TC_FAKE_RUNDIR", &self.rundir).status();
        let _ = std::fs::remove_dir_all(&self.rundir);
    }
}

impl TcFake {
    /// Start one (its own run directory, a fresh state); `None` after [`crate::require`] when
    /// node, npm or `../shared` is missing or it does not start.
    #[track_caller]
    pub fn start(name: &str) -> Option<TcFake> {
        let shared = crate::shared_dir()?;
        if !crate::require_command("node", "tc-fake runs on it") || !crate::require_command("npm", "tc-fake's deps") {
            return None;
        }
        let script = writable_copy(&shared).join("tc-fake.sh");
        let rundir = std::env::temp_dir().join(format!("tc-fake-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&rundir);
        let out = Command::new("bash").arg(&script).arg("start").env("TC_FAKE_RUNDIR", &rundir).output().ok()?;
        let env: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("export ")?.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let fake = TcFake { script, rundir, env };
        let started = out.status.success() && fake.env.len() == 3;
        crate::require(started, format!("tc-fake did not start: {}", String::from_utf8_lossy(&out.stderr)))
            .then_some(fake)
    }

    /// One of its environment variables.
    pub fn var(&self, name: &str) -> String {
        self.env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

/// A writable copy of `../shared/tools/tc-fake` (its files refreshed, its node_modules kept).
fn writable_copy(shared: &Path) -> PathBuf {
    let dir = std::env::var_os("TG_TC_FAKE_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("tg-tc-fake"));
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(entries) = std::fs::read_dir(shared.join("tools/tc-fake")) {
        for path in entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()) {
            if let Some(name) = path.file_name() {
                let _ = std::fs::copy(&path, dir.join(name));
            }
        }
    }
    dir
}
