//! Support shared by the run implementations (taskgraph/transforms/run/common.py): caches,
//! artifact directories and the VCS checkout environment of run-task.

use super::{worker_mut, worker_str, RunState};
use crate::util::cached_tasks::python_truthy;
use crate::util::caches::{get_checkout_cache_name, get_checkout_dir, CACHES};
use crate::util::repo_config::RepoConfig;
use crate::util::task_dict::object_entry;
use crate::util::taskcluster::get_artifact_prefix;
use crate::TransformConfig;
use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use tg_core::py::path as pypath;
use tg_core::py::value::python_str;

/// The checkout's directory name under the checkout dir: `src` on Windows, `vcs` elsewhere.
pub fn get_vcsdir_name(os: &str) -> &'static str {
    if os == "windows" {
        "src"
    } else {
        "vcs"
    }
}

/// `list.append` to `worker[key]` (created as a list when absent).
fn push_to_worker_list(state: &mut RunState, key: &str, item: Value) -> Result<(), String> {
    let worker = worker_mut(state);
    match worker.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
        Value::Array(list) => {
            list.push(item);
            Ok(())
        }
        other => Err(format!("worker.{key}: expected a list, got {other}")),
    }
}

/// taskgraph's `add_cache`: a persistent cache (docker-worker) or a cache mount
/// (generic-worker); other implementations have no caches.
pub fn add_cache(state: &mut RunState, name: &str, mount_point: &str, skip_untrusted: bool) -> Result<(), String> {
    match worker_str(state, "implementation").as_deref() {
        Some("docker-worker") => push_to_worker_list(
            state,
            "caches",
            json!({"type": "persistent", "name": name, "mount-point": mount_point, "skip-untrusted": skip_untrusted}),
        ),
        Some("generic-worker") => {
            push_to_worker_list(state, "mounts", json!({"cache-name": name, "directory": mount_point}))
        }
        _ => Ok(()),
    }
}

/// taskgraph's `add_artifacts`: a directory artifact named after the artifact prefix.
pub fn add_artifacts(state: &mut RunState, path: &str) -> Result<(), String> {
    let name = get_artifact_prefix(&state.taskdesc);
    push_to_worker_list(state, "artifacts", json!({"name": name, "path": path, "type": "directory"}))
}

/// `<workdir>/artifacts/` as `UPLOAD_DIR` and as an artifact directory.
pub fn docker_worker_add_artifacts(state: &mut RunState) -> Result<(), String> {
    let workdir = state.run.get("workdir").map(python_str).ok_or("run: KeyError: 'workdir'")?;
    let path = format!("{workdir}/artifacts/");
    let worker = worker_mut(state);
    match worker.get_mut("env") {
        Some(Value::Object(env)) => {
            env.insert("UPLOAD_DIR".into(), Value::String(path.clone()));
        }
        _ => return Err("worker: KeyError: 'env'".into()),
    }
    add_artifacts(state, &path)
}

/// The artifact prefix itself as the artifact directory (generic-worker).
pub fn generic_worker_add_artifacts(state: &mut RunState) -> Result<(), String> {
    let path = get_artifact_prefix(&state.taskdesc);
    add_artifacts(state, &path)
}

/// A view of the task as `get_checkout_dir` reads it: `worker` and `run`.
fn checkout_view(state: &RunState) -> Map<String, Value> {
    let mut view = Map::new();
    view.insert("worker".into(), state.taskdesc.get("worker").cloned().unwrap_or_else(|| json!({})));
    view.insert("run".into(), Value::Object(state.run.clone()));
    view
}

/// taskgraph's `support_vcs_checkout`: the environment run-task needs to check out
/// `repo_configs`; returns the VCS directory.
pub fn support_vcs_checkout(
    state: &mut RunState,
    repo_configs: &IndexMap<String, RepoConfig>,
) -> Result<String, String> {
    let os = worker_str(state, "os").unwrap_or_default();
    if !matches!(os.as_str(), "linux" | "macosx" | "windows") {
        return Err(format!("a checkout needs a linux, macosx or windows worker, not os {os:?} (AssertionError)"));
    }
    let is_win = os == "windows";
    let is_docker = worker_str(state, "implementation").as_deref() == Some("docker-worker");
    let checkoutdir = get_checkout_dir(&checkout_view(state))?;
    let hgstore = if is_win {
        "y:/hg-shared".to_string()
    } else if is_docker {
        format!("{checkoutdir}/hg-store")
    } else {
        format!("{checkoutdir}/hg-shared")
    };
    let vcsdir = format!("{checkoutdir}/{}", get_vcsdir_name(&os));

    let repositories: Map<String, Value> =
        repo_configs.values().map(|r| (r.prefix.clone(), Value::String(r.name.clone()))).collect();
    let mut scopes = Vec::new();
    {
        let env = env_mut(state)?;
        env.insert("HG_STORE_PATH".into(), Value::String(hgstore));
        env.insert("REPOSITORIES".into(), Value::String(pypath::json_dumps(&Value::Object(repositories), false)));
        env.insert("VCS_PATH".into(), Value::String(vcsdir.clone()));
        for repo in repo_configs.values() {
            let upper = repo.prefix.to_uppercase();
            let values = [
                ("BASE_REPOSITORY", Some(&repo.base_repository)),
                ("HEAD_REPOSITORY", Some(&repo.head_repository)),
                ("HEAD_REV", repo.head_rev.as_ref()),
                ("HEAD_REF", Some(&repo.head_ref)),
                ("REPOSITORY_TYPE", Some(&repo.repo_type)),
                ("SSH_SECRET_NAME", repo.ssh_secret_name.as_ref()),
            ];
            for (key, value) in values {
                if let Some(value) = value {
                    env.insert(format!("{upper}_{key}"), Value::String(value.clone()));
                }
            }
            if let Some(secret) = repo.ssh_secret_name.as_ref().filter(|s| !s.is_empty()) {
                scopes.push(format!("secrets:get:{secret}"));
            }
        }
    }
    for scope in scopes {
        match state.taskdesc.get_mut("scopes") {
            Some(Value::Array(list)) => list.push(Value::String(scope)),
            _ => return Err("scopes: expected a list".into()),
        }
    }
    // Only some worker platforms have taskcluster-proxy enabled.
    if is_docker {
        worker_mut(state).insert("taskcluster-proxy".into(), Value::Bool(true));
    }
    Ok(vcsdir)
}

/// `taskdesc["worker"].setdefault("env", {})`.
pub fn env_mut<'a>(state: &'a mut RunState<'_>) -> Result<&'a mut Map<String, Value>, String> {
    let worker = worker_mut(state);
    if worker.get("env").is_some_and(|v| !v.is_object()) {
        return Err("worker.env: expected a mapping".into());
    }
    Ok(object_entry(worker, "env"))
}

/// taskgraph's `should_use_cache`: never the checkout cache without a checkout; otherwise all
/// or nothing for a boolean `use-caches`, membership for a list.
fn should_use_cache(name: &str, use_caches: &Value, has_checkout: bool) -> bool {
    if name == "checkout" && !has_checkout {
        return false;
    }
    match use_caches {
        Value::Bool(b) => *b,
        Value::Array(list) => list.iter().any(|v| v.as_str() == Some(name)),
        Value::Object(m) => m.contains_key(name),
        Value::String(s) => s.contains(name),
        _ => false,
    }
}

/// taskgraph's `support_caches`: mount the caches `run.use-caches` (or the project's
/// `taskgraph.run.use-caches`, default `[checkout]`) selects.
pub fn support_caches(config: &TransformConfig<'_>, state: &mut RunState) -> Result<(), String> {
    let implementation = worker_str(state, "implementation").unwrap_or_default();
    let mut base_cache_dir = ".task-cache".to_string();
    if implementation == "docker-worker" {
        let workdir = state
            .run
            .get("workdir")
            .filter(|v| python_truthy(v))
            .map(python_str)
            .unwrap_or_else(|| "/builds/worker".into());
        base_cache_dir = pypath::join(&[&workdir, &base_cache_dir]);
    }
    let use_caches = match state.run.get("use-caches").filter(|v| !v.is_null()) {
        Some(v) => v.clone(),
        None => project_use_caches(config),
    };
    let has_checkout = state.run.get("checkout").is_some_and(python_truthy);

    for cache in CACHES {
        if !should_use_cache(cache.name, &use_caches, has_checkout) {
            continue;
        }
        let (cache_dir, cache_name) = if cache.is_checkout {
            (get_checkout_dir(&checkout_view(state))?, get_checkout_cache_name(config)?)
        } else {
            (format!("{base_cache_dir}/{}", cache.name), cache.name.to_string())
        };
        if let Some(var) = cache.env {
            env_mut(state)?.insert(var.into(), Value::String(cache_dir.clone()));
        }
        add_cache(state, &cache_name, &cache_dir, false)?;
    }
    Ok(())
}

/// `(graph_config.get("taskgraph") or {}).get("run", {}).get("use-caches", ["checkout"])`.
fn project_use_caches(config: &TransformConfig<'_>) -> Value {
    config
        .graph_config
        .get("taskgraph")
        .filter(|v| python_truthy(v))
        .and_then(|t| t.get("run"))
        .and_then(|r| r.get("use-caches"))
        .cloned()
        .unwrap_or_else(|| json!(["checkout"]))
}
