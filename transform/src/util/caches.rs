//! Caches that run-task tasks may mount (taskgraph/util/caches.py): `cargo`, `checkout`,
//! `npm`, `pip`, `uv`, in that order. The checkout cache lives in the task's checkout
//! directory and is named after the set of repositories checked out; the others live under
//! the task's cache directory and export their location in an environment variable.

use crate::util::repo_config::repo_configs;
use crate::TransformConfig;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A known cache: its name and the environment variable that points the tool at it.
pub struct CacheDef {
    pub name: &'static str,
    /// Variable set to the cache directory, if any.
    pub env: Option<&'static str>,
    /// Directory and name come from the checkout (`get_checkout_dir`, `get_checkout_cache_name`).
    pub is_checkout: bool,
}

/// taskgraph's `CACHES`, in its order.
pub const CACHES: &[CacheDef] = &[
    CacheDef { name: "cargo", env: Some("CARGO_HOME"), is_checkout: false },
    CacheDef { name: "checkout", env: None, is_checkout: true },
    CacheDef { name: "npm", env: Some("npm_config_cache"), is_checkout: false },
    CacheDef { name: "pip", env: Some("PIP_CACHE_DIR"), is_checkout: false },
    CacheDef { name: "uv", env: Some("UV_CACHE_DIR"), is_checkout: false },
];

/// `task["worker"][key]` as a string (None when absent or not a string).
fn worker_str<'a>(task: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    task.get("worker").and_then(|w| w.get(key)).and_then(Value::as_str)
}

/// Where the checkout goes: `build` on Windows, `<workdir>/checkouts` on docker-worker,
/// `checkouts` otherwise.
pub fn get_checkout_dir(task: &Map<String, Value>) -> Result<String, String> {
    let os = task
        .get("worker")
        .and_then(|w| w.get("os"))
        .ok_or_else(|| "worker: KeyError: 'os' (the worker type has no os)".to_string())?;
    if os.as_str() == Some("windows") {
        return Ok("build".into());
    }
    if worker_str(task, "implementation") == Some("docker-worker") {
        let workdir =
            task.get("run").and_then(|r| r.get("workdir")).ok_or_else(|| "run: KeyError: 'workdir'".to_string())?;
        return Ok(format!("{}/checkouts", tg_core::py::value::python_str(workdir)));
    }
    Ok("checkouts".into())
}

/// `checkouts`, or with several repositories `checkouts-repos-<sha256 of their paths and
/// prefixes>` (robustcheckout does not clean subrepositories, so different sets of
/// repositories need different caches).
pub fn get_checkout_cache_name(config: &TransformConfig<'_>) -> Result<String, String> {
    let repos = repo_configs(config)?;
    let mut name = "checkouts".to_string();
    if repos.len() > 1 {
        // Python joins a *set* of "path\tprefix" lines: its iteration order is CPython's (with
        // PYTHONHASHSEED=0, the seed of the reference outputs).
        let mut sorted: Vec<_> = repos.values().collect();
        sorted.sort_by(|a, b| a.path.cmp(&b.path));
        let lines: Vec<String> = sorted.iter().map(|r| format!("{}\t{}", r.path, r.prefix)).collect();
        let lines = tg_core::py::set::python_set_order(&lines);
        let digest = hex::encode(Sha256::digest(lines.join("\n").as_bytes()));
        name.push_str(&format!("-repos-{digest}"));
    }
    Ok(name)
}
