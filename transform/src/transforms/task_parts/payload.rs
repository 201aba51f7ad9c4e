//! Payload builders, by worker implementation (task.py's `@payload_builder`s): each turns the
//! task's `worker` mapping into `task_def["payload"]` and adds the scopes the payload needs.
//!
//! | implementation     | schema                     | payload                                   |
//! |--------------------|----------------------------|-------------------------------------------|
//! | `docker-worker`    | [`schema::DOCKER_WORKER`]  | image, env, command, caches, artifacts…   |
//! | `generic-worker`   | [`schema::GENERIC_WORKER`] | command, env, mounts, artifacts, features |
//! | `beetmover`        | [`schema::BEETMOVER`]      | release properties, upstream artifacts    |
//! | `invalid`          | [`schema::INVALID`]        | the string `invalid task - …`             |
//! | `always-optimized` | [`schema::ALWAYS_OPTIMIZED`] | `{}`                                    |
//! | `succeed`          | [`schema::SUCCEED`]        | `{}`                                      |

use super::schema;
use super::{dict_at, dict_entry, json_key, list_entry, required, truthy, truthy_key, type_name, Ctx};
use crate::TaskDict;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use tg_core::py::msgspec::StructDef;
use tg_core::py::value::python_str;

/// The payload schema of a worker implementation, if task.py has a builder for it.
pub fn payload_schema(implementation: &str) -> Option<&'static StructDef> {
    Some(match implementation {
        "docker-worker" => &schema::DOCKER_WORKER,
        "generic-worker" => &schema::GENERIC_WORKER,
        "beetmover" => &schema::BEETMOVER,
        "invalid" => &schema::INVALID,
        "always-optimized" => &schema::ALWAYS_OPTIMIZED,
        "succeed" => &schema::SUCCEED,
        _ => return None,
    })
}

/// Run the builder of `implementation` (already validated to exist).
pub fn build_payload(
    ctx: &Ctx<'_>,
    implementation: &str,
    task: &mut TaskDict,
    task_def: &mut TaskDict,
) -> Result<(), String> {
    match implementation {
        "docker-worker" => build_docker_worker_payload(ctx, task, task_def),
        "generic-worker" => build_generic_worker_payload(ctx, task, task_def),
        "beetmover" => build_beetmover_payload(ctx, task, task_def),
        "invalid" => {
            task_def.insert("payload".into(), json!("invalid task - should never be created"));
            Ok(())
        }
        "always-optimized" | "succeed" => {
            task_def.insert("payload".into(), json!({}));
            Ok(())
        }
        other => Err(format!("KeyError: no payload builder for worker implementation '{other}'")),
    }
}

/// The task's `worker` mapping.
fn worker_mut(task: &mut TaskDict) -> Result<&mut Map<String, Value>, String> {
    match task.get_mut("worker") {
        Some(Value::Object(w)) => Ok(w),
        _ => Err("worker: expected a mapping".into()),
    }
}

/// `task_def["scopes"]`, a list.
fn scopes_mut(task_def: &mut TaskDict) -> Result<&mut Vec<Value>, String> {
    list_entry(task_def, "scopes", "task.scopes")
}

/// The cache-name version; change it to force new caches everywhere.
const CACHE_VERSION: &str = "v3";

/// docker-worker: the image (in-tree images add the `docker-image` dependency and their
/// Dockerfile's volumes), features and capabilities with their scopes, sccache, run-task's
/// exit statuses, artifacts, and caches named `<trust-domain>-level-<level>-<name>-<suffix>`.
fn build_docker_worker_payload(ctx: &Ctx<'_>, task: &mut TaskDict, task_def: &mut TaskDict) -> Result<(), String> {
    let level = ctx.level_int()?;
    let image = docker_image(ctx, task)?;
    let needs_sccache = truthy_key(task, "needs-sccache");
    let worker = worker_mut(task)?;

    let mut features = Map::new();
    if truthy_key(worker, "taskcluster-proxy") {
        features.insert("taskclusterProxy".into(), json!(true));
    }
    if truthy_key(worker, "allow-ptrace") {
        features.insert("allowPtrace".into(), json!(true));
        scopes_mut(task_def)?.push(json!("docker-worker:feature:allowPtrace"));
    }
    if truthy_key(worker, "chain-of-trust") {
        features.insert("chainOfTrust".into(), json!(true));
    }
    let mut env = dict_at(worker, "env", "worker.env")?.clone();
    if needs_sccache {
        features.insert("taskclusterProxy".into(), json!(true));
        let scope = format!(
            "assume:project:taskcluster:{}:level-{}-sccache-buckets",
            ctx.trust_domain()?,
            ctx.param_str("level")?
        );
        scopes_mut(task_def)?.push(json!(scope));
        env.insert("USE_SCCACHE".into(), json!("1"));
        env.insert("SCCACHE_IDLE_TIMEOUT".into(), json!("0"));
    } else {
        env.insert("SCCACHE_DISABLE".into(), json!("1"));
    }

    let mut capabilities = Map::new();
    if truthy_key(worker, "loopback-video") {
        capabilities.insert("devices".into(), json!({"loopbackVideo": true}));
        scopes_mut(task_def)?.push(json!("docker-worker:capability:device:loopbackVideo"));
    }

    let mut payload = Map::new();
    payload.insert("image".into(), image);
    payload.insert("env".into(), Value::Object(Map::new()));
    if let Some(command) = worker.get("command") {
        payload.insert("command".into(), command.clone());
    }
    if let Some(max_run_time) = worker.get("max-run-time") {
        payload.insert("maxRunTime".into(), max_run_time.clone());
    }
    let run_task = is_run_task(payload.get("command"))?;

    // run-task exits 72 when its caches are bad: retry and purge them then
    if run_task {
        list_entry(worker, "retry-exit-status", "worker.retry-exit-status")?.push(json!(72));
        list_entry(worker, "purge-caches-exit-status", "worker.purge-caches-exit-status")?.push(json!(72));
    }
    let mut on_exit = Map::new();
    if let Some(v) = worker.get("retry-exit-status") {
        on_exit.insert("retry".into(), v.clone());
    }
    if let Some(v) = worker.get("purge-caches-exit-status") {
        on_exit.insert("purgeCaches".into(), v.clone());
    }
    payload.insert("onExitStatus".into(), Value::Object(on_exit));

    if let Some(artifacts) = worker.get("artifacts") {
        payload.insert("artifacts".into(), docker_artifacts(artifacts, task_def)?);
    }

    let out_of_tree_image = worker.get("docker-image").and_then(Value::as_str).map(str::to_string);
    if let Some(caches) = worker.get("caches") {
        let suffix = cache_suffix(ctx, run_task, out_of_tree_image.as_deref());
        let mut named = Map::new();
        let Value::Array(caches) = caches else {
            return Err(format!("worker.caches: expected a list, got {}", type_name(caches)));
        };
        for cache in caches {
            let Value::Object(cache) = cache else { return Err("worker.caches: expected mappings".into()) };
            // some caches are not used where behaviour cannot be guaranteed
            if truthy_key(cache, "skip-untrusted") && level == 1 {
                continue;
            }
            let name = format!(
                "{}-level-{}-{}-{suffix}",
                ctx.trust_domain()?,
                ctx.param_str("level")?,
                python_str(required(cache, "name", "worker.caches[]")?)
            );
            named.insert(name.clone(), required(cache, "mount-point", "worker.caches[]")?.clone());
            scopes_mut(task_def)?.push(json!({"task-reference": format!("docker-worker:cache:{name}")}));
        }
        if run_task {
            env.insert("TASKCLUSTER_CACHES".into(), json!(sorted_join(named.values(), "worker.caches[].mount-point")?));
        }
        payload.insert("cache".into(), json!({"task-reference": named}));
    }

    if run_task {
        if let Some(volumes) = worker.get("volumes").filter(|v| truthy(v)) {
            let Value::Array(volumes) = volumes else { return Err("worker.volumes: expected a list".into()) };
            env.insert("TASKCLUSTER_VOLUMES".into(), json!(sorted_join(volumes.iter(), "worker.volumes")?));
        }
    }
    if payload.get("cache").is_some_and(truthy) && level == 1 {
        env.insert("TASKCLUSTER_UNTRUSTED_CACHES".into(), json!("1"));
    }
    payload.insert("env".into(), Value::Object(env));
    if !features.is_empty() {
        payload.insert("features".into(), Value::Object(features));
    }
    if !capabilities.is_empty() {
        payload.insert("capabilities".into(), Value::Object(capabilities));
    }
    task_def.insert("payload".into(), Value::Object(payload));
    Ok(())
}

/// The payload's `image`: a name as is; `{in-tree: X}` becomes the task image of the
/// `docker-image-X` dependency (and X's Dockerfile volumes join `worker.volumes`);
/// `{indexed: NS}` an indexed image.
fn docker_image(ctx: &Ctx<'_>, task: &mut TaskDict) -> Result<Value, String> {
    let image = required(worker_mut(task)?, "docker-image", "worker")?.clone();
    let Value::Object(spec) = &image else { return Ok(image) };
    if let Some(name) = spec.get("in-tree") {
        let name = python_str(name);
        let deps = match task.get("dependencies") {
            None => None,
            Some(Value::Object(d)) => Some(d),
            Some(other) => return Err(format!("dependencies: expected a mapping, got {}", type_name(other))),
        };
        if deps.is_some_and(|d| d.contains_key("docker-image")) {
            return Err("AssertionError: docker-image key in dependencies object is reserved".into());
        }
        dict_entry(task, "dependencies", "dependencies")?
            .insert("docker-image".into(), json!(format!("docker-image-{name}")));
        let volumes = ctx.volumes.volumes(&name)?;
        if !volumes.is_empty() {
            let worker_volumes = match worker_mut(task)?.get_mut("volumes") {
                Some(Value::Array(v)) => v,
                _ => return Err("worker.volumes: expected a list".into()),
            };
            for v in volumes {
                if worker_volumes.iter().any(|w| w.as_str() == Some(v.as_str())) {
                    return Err(format!(
                        "volume {v} already defined; if it is defined in a Dockerfile, it does not need to be specified in the worker definition"
                    ));
                }
                worker_volumes.push(json!(v));
            }
        }
        return Ok(
            json!({"path": "public/image.tar.zst", "taskId": {"task-reference": "<docker-image>"}, "type": "task-image"}),
        );
    }
    if let Some(namespace) = spec.get("indexed") {
        return Ok(json!({"path": "public/image.tar.zst", "namespace": namespace, "type": "indexed-image"}));
    }
    Err("unknown docker image type".into())
}

/// Whether the command runs run-task: `basename(command[0])` starts with `run-task`.
fn is_run_task(command: Option<&Value>) -> Result<bool, String> {
    let first = match command {
        None => return Ok(false),
        Some(Value::Array(items)) => {
            items.first().ok_or("worker.command: IndexError: list index out of range (empty command)")?
        }
        Some(other) => {
            return Err(format!("worker.command: TypeError: '{}' object is not subscriptable", type_name(other)))
        }
    };
    let Value::String(first) = first else {
        return Err(format!("worker.command[0]: TypeError: expected str, got {}", type_name(first)));
    };
    Ok(first.rsplit('/').next().unwrap_or_default().starts_with("run-task"))
}

/// `artifacts`: name -> {path, type, expires (the task's)}.
fn docker_artifacts(artifacts: &Value, task_def: &TaskDict) -> Result<Value, String> {
    let Value::Array(list) = artifacts else {
        return Err(format!("worker.artifacts: expected a list, got {}", type_name(artifacts)));
    };
    let expires = task_def.get("expires").cloned().unwrap_or(Value::Null);
    let mut out = Map::new();
    for artifact in list {
        let Value::Object(a) = artifact else { return Err("worker.artifacts: expected mappings".into()) };
        let what = "worker.artifacts[]";
        let name = json_key(required(a, "name", what)?);
        let entry = json!({"path": required(a, "path", what)?, "type": required(a, "type", what)?, "expires": expires});
        out.insert(name, entry);
    }
    Ok(Value::Object(out))
}

/// Cache-name suffix: `v3-<run-task hash>` plus the image (hash of an out-of-tree image's name,
/// `-<docker-image>` for in-tree ones) for run-task tasks; `v3` otherwise.
fn cache_suffix(ctx: &Ctx<'_>, run_task: bool, out_of_tree_image: Option<&str>) -> String {
    if !run_task {
        return CACHE_VERSION.to_string();
    }
    let mut suffix = format!("{CACHE_VERSION}-{}", ctx.run_task_suffix);
    match out_of_tree_image {
        Some(image) => suffix.push_str(&hex::encode(Sha256::digest(image.as_bytes()))[..12]),
        None => suffix.push_str("-<docker-image>"),
    }
    suffix
}

/// `";".join(sorted(values))`; the values must be strings.
fn sorted_join<'v>(values: impl Iterator<Item = &'v Value>, what: &str) -> Result<String, String> {
    let mut strings = values
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{what}: TypeError: expected str, got {}", type_name(v)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    strings.sort();
    Ok(strings.join(";"))
}

/// generic-worker: command, run time, exit statuses (Windows adds its interruption codes),
/// env with sccache, artifacts, mounts (cache names get the trust-domain/level prefix, private
/// content artifacts a scope), OS groups and features with their scopes.
fn build_generic_worker_payload(ctx: &Ctx<'_>, task: &mut TaskDict, task_def: &mut TaskDict) -> Result<(), String> {
    let needs_sccache = truthy_key(task, "needs-sccache");
    let worker_type = task.get("worker-type").map(python_str).unwrap_or_default();
    let worker = worker_mut(task)?;
    let mut payload = Map::new();
    payload.insert("command".into(), required(worker, "command", "worker")?.clone());
    payload.insert("maxRunTime".into(), required(worker, "max-run-time", "worker")?.clone());

    let mut on_exit = Map::new();
    if let Some(v) = worker.get("retry-exit-status") {
        on_exit.insert("retry".into(), v.clone());
    }
    if let Some(v) = worker.get("purge-caches-exit-status") {
        on_exit.insert("purgeCaches".into(), v.clone());
    }
    if worker.get("os").and_then(Value::as_str) == Some("windows") {
        // process force-killed by a system shutdown; any interrupt (bug 1544403)
        list_entry(&mut on_exit, "retry", "worker.retry-exit-status")?
            .extend([json!(1073807364u64), json!(3221225786u64)]);
    }
    if !on_exit.is_empty() {
        payload.insert("onExitStatus".into(), Value::Object(on_exit));
    }

    let mut env = match worker.get("env") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => return Err(format!("worker.env: expected a mapping, got {}", type_name(other))),
    };
    if needs_sccache {
        env.insert("USE_SCCACHE".into(), json!("1"));
        env.insert("SCCACHE_IDLE_TIMEOUT".into(), json!("0"));
    } else {
        env.insert("SCCACHE_DISABLE".into(), json!("1"));
    }
    payload.insert("env".into(), Value::Object(env));

    let artifacts = generic_artifacts(worker.get("artifacts"))?;
    if !artifacts.is_empty() {
        payload.insert("artifacts".into(), Value::Array(artifacts));
    }

    let mounts = generic_mounts(ctx, worker.get("mounts"), task_def)?;
    if !mounts.is_empty() {
        payload.insert("mounts".into(), Value::Array(mounts));
    }

    if let Some(groups) = worker.get("os-groups").filter(|g| truthy(g)) {
        payload.insert("osGroups".into(), groups.clone());
        let Value::Array(groups) = groups else { return Err("worker.os-groups: expected a list".into()) };
        let scopes = scopes_mut(task_def)?;
        for group in groups {
            scopes.push(json!(format!("generic-worker:os-group:{worker_type}/{}", python_str(group))));
        }
    }

    let mut features = Map::new();
    if truthy_key(worker, "chain-of-trust") {
        features.insert("chainOfTrust".into(), json!(true));
    }
    if truthy_key(worker, "taskcluster-proxy") {
        features.insert("taskclusterProxy".into(), json!(true));
    }
    if truthy_key(worker, "run-as-administrator") {
        features.insert("runAsAdministrator".into(), json!(true));
        scopes_mut(task_def)?.push(json!(format!("generic-worker:run-as-administrator:{worker_type}")));
    }
    if truthy_key(worker, "run-task-as-current-user") {
        features.insert("runTaskAsCurrentUser".into(), json!(true));
        scopes_mut(task_def)?.push(json!(format!("generic-worker:run-task-as-current-user:{worker_type}")));
    }
    if truthy_key(worker, "hide-cmd-window") {
        features.insert("hideCmdWindow".into(), json!(true));
    }
    if !features.is_empty() {
        payload.insert("features".into(), Value::Object(features));
    }
    task_def.insert("payload".into(), Value::Object(payload));
    Ok(())
}

/// generic-worker artifacts: {path, type} plus `name` when given (even null).
fn generic_artifacts(artifacts: Option<&Value>) -> Result<Vec<Value>, String> {
    let list = match artifacts {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(format!("worker.artifacts: expected a list, got {}", type_name(other))),
    };
    list.iter()
        .map(|artifact| {
            let Value::Object(a) = artifact else { return Err("worker.artifacts: expected mappings".to_string()) };
            let mut out = Map::new();
            out.insert("path".into(), required(a, "path", "worker.artifacts[]")?.clone());
            out.insert("type".into(), required(a, "type", "worker.artifacts[]")?.clone());
            if let Some(name) = a.get("name") {
                out.insert("name".into(), name.clone());
            }
            Ok(Value::Object(out))
        })
        .collect()
}

/// generic-worker mounts with keys renamed (`cache-name` -> `cacheName`, prefixed and scoped;
/// `content.task-id` -> `content.taskId`) and a scope for private content artifacts.
fn generic_mounts(ctx: &Ctx<'_>, mounts: Option<&Value>, task_def: &mut TaskDict) -> Result<Vec<Value>, String> {
    let list = match mounts {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) => list.clone(),
        Some(other) => return Err(format!("worker.mounts: expected a list, got {}", type_name(other))),
    };
    let mut out = Vec::with_capacity(list.len());
    for mount in list {
        let Value::Object(mut mount) = mount else { return Err("worker.mounts: expected mappings".into()) };
        if let Some(name) = mount.shift_remove("cache-name") {
            let cache_name = format!("{}-level-{}-{}", ctx.trust_domain()?, ctx.param_str("level")?, python_str(&name));
            scopes_mut(task_def)?.push(json!(format!("generic-worker:cache:{cache_name}")));
            mount.insert("cacheName".into(), json!(cache_name));
        }
        if let Some(content) = mount.get_mut("content") {
            let Value::Object(content) = content else {
                return Err(format!("worker.mounts[].content: expected a mapping, got {}", type_name(content)));
            };
            if let Some(task_id) = content.shift_remove("task-id") {
                content.insert("taskId".into(), task_id);
            }
            if let Some(artifact) = content.get("artifact") {
                let Value::String(artifact) = artifact else {
                    return Err(format!(
                        "worker.mounts[].content.artifact: expected a string, got {}",
                        type_name(artifact)
                    ));
                };
                if !artifact.starts_with("public/") {
                    scopes_mut(task_def)?.push(json!(format!("queue:get-artifact:{artifact}")));
                }
            }
        }
        out.push(Value::Object(mount));
    }
    Ok(out)
}

/// beetmover (scriptworker): run time, release properties (renamed to camelCase), the upload
/// date (`build_date`), upstream artifacts, and the optional locale / artifact map / partner flag.
fn build_beetmover_payload(ctx: &Ctx<'_>, task: &mut TaskDict, task_def: &mut TaskDict) -> Result<(), String> {
    let worker = worker_mut(task)?;
    let props = dict_at(worker, "release-properties", "worker.release-properties")?;
    let prop = |key: &str| required(props, key, "worker.release-properties").cloned();
    let mut payload = Map::new();
    payload.insert("maxRunTime".into(), required(worker, "max-run-time", "worker")?.clone());
    payload.insert(
        "releaseProperties".into(),
        json!({
            "appName": prop("app-name")?,
            "appVersion": prop("app-version")?,
            "branch": prop("branch")?,
            "buildid": prop("build-id")?,
            "hashType": prop("hash-type")?,
            "platform": prop("platform")?,
        }),
    );
    payload.insert("upload_date".into(), ctx.param("build_date")?.clone());
    payload.insert("upstreamArtifacts".into(), required(worker, "upstream-artifacts", "worker")?.clone());
    if let Some(locale) = worker.get("locale").filter(|v| truthy(v)) {
        payload.insert("locale".into(), locale.clone());
    }
    if let Some(map) = worker.get("artifact-map").filter(|v| truthy(v)) {
        payload.insert("artifactMap".into(), map.clone());
    }
    if let Some(public) = worker.get("partner-public").filter(|v| truthy(v)) {
        payload.insert("is_partner_repack_public".into(), public.clone());
    }
    task_def.insert("payload".into(), Value::Object(payload));
    Ok(())
}
