//! The parts of taskgraph/util/taskcluster.py that transforms use: artifact prefixes and the
//! Taskcluster root URL (with the URLs built on it). No network access here.

use serde_json::Value;
use tg_core::py::value::python_str;
use tg_core::task::Task;

/// The artifact prefix when a task sets none.
pub const DEFAULT_ARTIFACT_PREFIX: &str = "public/build";

use tg_core::py::truthy;

/// `attributes.artifact_prefix or "public/build"`, given a task's attributes (if any).
pub fn artifact_prefix_from_attributes(attributes: Option<&Value>) -> String {
    match attributes.and_then(|a| a.get("artifact_prefix")) {
        Some(p) if truthy(p) => python_str(p),
        _ => DEFAULT_ARTIFACT_PREFIX.to_string(),
    }
}

/// `get_artifact_prefix(task)` for a task dict (a transform's working item).
pub fn get_artifact_prefix(task: &serde_json::Map<String, Value>) -> String {
    artifact_prefix_from_attributes(task.get("attributes"))
}

/// `get_artifact_prefix(task)` for a finished [`Task`] (e.g. a kind dependency).
pub fn get_task_artifact_prefix(task: &Task) -> String {
    match task.attributes.get("artifact_prefix") {
        Some(p) if truthy(p) => python_str(p),
        _ => DEFAULT_ARTIFACT_PREFIX.to_string(),
    }
}

/// `get_artifact_path(task, path)`: `<prefix>/<path>`.
pub fn get_artifact_path(task: &serde_json::Map<String, Value>, path: &str) -> String {
    format!("{}/{path}", get_artifact_prefix(task))
}

/// taskcluster_urls' `normalize_root_url`: trailing slashes removed.
pub fn normalize_root_url(root_url: &str) -> String {
    root_url.trim_end_matches('/').to_string()
}

/// `get_root_url(block_proxy)` reading variables through `env`: `TASKCLUSTER_PROXY_URL` (unless
/// blocked), else `TASKCLUSTER_ROOT_URL`; otherwise an error worded as taskgraph's.
pub fn get_root_url_with(env: &dyn Fn(&str) -> Option<String>, block_proxy: bool) -> Result<String, String> {
    if !block_proxy {
        if let Some(proxy) = env("TASKCLUSTER_PROXY_URL") {
            return Ok(normalize_root_url(&proxy));
        }
    }
    if let Some(root) = env("TASKCLUSTER_ROOT_URL") {
        return Ok(normalize_root_url(&root));
    }
    if env("TASK_ID").is_some() {
        Err("$TASKCLUSTER_ROOT_URL must be set when running in a task".into())
    } else {
        Err("Could not detect Taskcluster instance, set $TASKCLUSTER_ROOT_URL".into())
    }
}

/// `get_root_url(block_proxy)` from the process environment.
pub fn get_root_url(block_proxy: bool) -> Result<String, String> {
    get_root_url_with(&|k| std::env::var(k).ok(), block_proxy)
}

/// taskcluster_urls' `api(root_url, service, version, path)`.
pub fn api_url(root_url: &str, service: &str, version: &str, path: &str) -> String {
    format!("{}/api/{service}/{version}/{}", normalize_root_url(root_url), path.trim_start_matches('/'))
}

/// `get_artifact_url(task_id, path, use_proxy)`.
pub fn get_artifact_url(task_id: &str, path: &str, use_proxy: bool) -> Result<String, String> {
    let root = get_root_url(!use_proxy)?;
    Ok(api_url(&root, "queue", "v1", &format!("task/{task_id}/artifacts/{path}")))
}

/// `get_index_url(index_path, multiple, use_proxy)`.
pub fn get_index_url(index_path: &str, multiple: bool, use_proxy: bool) -> Result<String, String> {
    let root = get_root_url(!use_proxy)?;
    Ok(api_url(&root, "index", "v1", &format!("task{}/{index_path}", if multiple { "s" } else { "" })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefixes() {
        let task = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(get_artifact_prefix(&task(json!({}))), "public/build");
        assert_eq!(get_artifact_prefix(&task(json!({"attributes": {"artifact_prefix": ""}}))), "public/build");
        assert_eq!(get_artifact_prefix(&task(json!({"attributes": {"artifact_prefix": "public/x"}}))), "public/x");
        assert_eq!(get_artifact_path(&task(json!({})), "target.tar.gz"), "public/build/target.tar.gz");
    }

    #[test]
    fn root_url() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let both =
            env(&[("TASKCLUSTER_PROXY_URL", "http://proxy/"), ("TASKCLUSTER_ROOT_URL", "https://tc.example.com//")]);
        assert_eq!(get_root_url_with(&both, false).unwrap(), "http://proxy");
        assert_eq!(get_root_url_with(&both, true).unwrap(), "https://tc.example.com");
        assert!(get_root_url_with(&env(&[]), false).unwrap_err().starts_with("Could not detect"));
        assert!(get_root_url_with(&env(&[("TASK_ID", "x")]), false).unwrap_err().starts_with("$TASKCLUSTER_ROOT_URL"));
        assert_eq!(
            api_url("https://tc.example.com/", "index", "v1", "task/a.b"),
            "https://tc.example.com/api/index/v1/task/a.b"
        );
    }
}
