//! taskgraph.transforms.task (24.5.1): task descriptions -> Taskcluster task definitions.
//!
//! The input is a task description ([`schema::TASK_DESCRIPTION`], every field commented there):
//! label, description, worker-type alias, `worker` (checked by the payload schema of its
//! implementation, see [`parts::payload`]), treeherder, index, scopes, routes, tags, extra,
//! dependencies, run-on-* attributes, optimization, … The output is the dict the kind loader
//! turns into a `Task`: label, description, `task` (the definition), dependencies,
//! if-dependencies, soft-dependencies, attributes, optimization.
//!
//! Steps, in taskgraph's order, each applied to one task at a time (tasks are independent,
//! so they run in parallel; output order is input order and the first failing task in that
//! order reports its error):
//! 1. [`set_implementation`] — worker implementation and OS from the worker-type alias;
//! 2. [`set_defaults`] — always-target, optimization, needs-sccache, per-implementation worker defaults;
//! 3. [`task_name_from_label`] — `label` defaults to `<kind>-<name>`; `name` is dropped;
//! 4. [`validate`] — the task description schema, then the payload schema;
//! 5. [`parts::routes::process_treeherder_metadata`] — `extra.treeherder` and the treeherder route;
//! 6. [`parts::routes::add_index_routes`] — `extra.index.rank` and index routes;
//! 7. [`build_task`] — the task definition, payload, attributes, dependencies;
//! 8. [`add_github_checks`] — the `checks` route for git repositories;
//! 9. [`chain_of_trust`] — chain-of-trust inputs for the docker image.

#[path = "task_parts/mod.rs"]
pub mod parts;

pub use parts::schema;

use crate::{TaskDict, TransformConfig};
use parts::{dict_entry, format_with, truthy, truthy_key, type_name, Ctx};
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use tg_core::py::keyed_by::{evaluate_keyed_by, resolve_keyed_by, KeyedByOptions};
use tg_core::py::msgspec::validate_struct;
use tg_core::py::value::python_str;

/// The task transforms on every task of a kind.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    if tasks.is_empty() {
        return Ok(tasks);
    }
    let ctx = Ctx::new(config);
    let results: Vec<Result<TaskDict, (String, String)>> = tasks
        .into_par_iter()
        .map(|task| {
            let name = crate::util::task_dict::task_name(&task).to_string();
            transform_one(&ctx, task).map_err(|message| (name, message))
        })
        .collect();
    results
        .into_iter()
        .map(|r| {
            r.map_err(|(name, message)| tg_core::bad_input(format!("kind {}, task {name}: {message}", config.kind)))
        })
        .collect()
}

/// Every step on one task.
fn transform_one(ctx: &Ctx<'_>, mut task: TaskDict) -> Result<TaskDict, String> {
    set_implementation(ctx, &mut task)?;
    set_defaults(&mut task)?;
    task_name_from_label(ctx, &mut task)?;
    validate(&task)?;
    parts::routes::process_treeherder_metadata(ctx, &mut task)?;
    parts::routes::add_index_routes(ctx, &mut task)?;
    let mut out = build_task(ctx, task)?;
    add_github_checks(ctx, &mut out)?;
    chain_of_trust(&mut out)?;
    Ok(out)
}

/// The `worker` mapping (created when absent).
fn worker_entry(task: &mut TaskDict) -> Result<&mut Map<String, Value>, String> {
    dict_entry(task, "worker", "worker")
}

/// `task["worker-type"]` as a string.
fn worker_type(task: &TaskDict) -> Result<&str, String> {
    match task.get("worker-type") {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("worker-type: expected a string, got {}", type_name(other))),
        None => Err("KeyError: 'worker-type'".into()),
    }
}

/// Step 1: unless `worker.implementation` is given, take it (and the OS) from the worker-type
/// alias, and record both as tags.
fn set_implementation(ctx: &Ctx<'_>, task: &mut TaskDict) -> Result<(), String> {
    if worker_entry(task)?.contains_key("implementation") {
        return Ok(());
    }
    let (implementation, os) = ctx.implementation(worker_type(task)?)?;
    let tags = dict_entry(task, "tags", "tags")?;
    tags.insert("worker-implementation".into(), json!(implementation));
    if let Some(os) = os.as_deref().filter(|o| !o.is_empty()) {
        tags.insert("os".into(), json!(os));
    }
    let worker = worker_entry(task)?;
    worker.insert("implementation".into(), json!(implementation));
    if let Some(os) = os.filter(|o| !o.is_empty()) {
        worker.insert("os".into(), json!(os));
    }
    Ok(())
}

/// `m.setdefault(key, value)`.
fn set_default(m: &mut Map<String, Value>, key: &str, value: Value) {
    m.entry(key.to_string()).or_insert(value);
}

/// Step 2: task-level defaults and the worker defaults of its implementation.
fn set_defaults(task: &mut TaskDict) -> Result<(), String> {
    set_default(task, "always-target", json!(false));
    set_default(task, "optimization", Value::Null);
    set_default(task, "needs-sccache", json!(false));
    let worker = match task.get_mut("worker") {
        Some(Value::Object(w)) => w,
        _ => return Err("worker: expected a mapping".into()),
    };
    let implementation = worker.get("implementation").and_then(Value::as_str).unwrap_or_default().to_string();
    match implementation.as_str() {
        "docker-worker" => {
            for key in ["chain-of-trust", "taskcluster-proxy", "allow-ptrace", "loopback-video"] {
                set_default(worker, key, json!(false));
            }
            set_default(worker, "volumes", json!([]));
            set_default(worker, "env", json!({}));
            if let Some(caches) = worker.get_mut("caches") {
                let Value::Array(caches) = caches else {
                    return Err(format!("worker.caches: TypeError: '{}' object is not iterable", type_name(caches)));
                };
                for cache in caches {
                    let Value::Object(cache) = cache else {
                        return Err(format!(
                            "worker.caches[]: AttributeError: '{}' object has no attribute 'setdefault'",
                            type_name(cache)
                        ));
                    };
                    set_default(cache, "skip-untrusted", json!(false));
                }
            }
        }
        "generic-worker" => {
            set_default(worker, "env", json!({}));
            set_default(worker, "os-groups", json!([]));
            set_default(worker, "chain-of-trust", json!(false));
        }
        "scriptworker-signing" | "beetmover" | "beetmover-push-to-release" | "beetmover-maven" => {
            set_default(worker, "max-run-time", json!(600));
        }
        "push-apk" => set_default(worker, "commit", json!(false)),
        _ => {}
    }
    Ok(())
}

/// Step 3: `label` defaults to `<kind>-<name>`; a non-empty `name` is then dropped.
fn task_name_from_label(ctx: &Ctx<'_>, task: &mut TaskDict) -> Result<(), String> {
    if !task.contains_key("label") {
        let name = task.get("name").ok_or("task has neither a name nor a label")?;
        let label = format!("{}-{}", ctx.config.kind, python_str(name));
        task.insert("label".into(), json!(label));
    }
    if task.get("name").is_some_and(truthy) {
        task.shift_remove("name");
    }
    Ok(())
}

/// Step 4: the task description schema, then the payload schema of the implementation.
fn validate(task: &TaskDict) -> Result<(), String> {
    let label = task.get("label").map(python_str).unwrap_or_else(|| "?no-label?".into());
    validate_struct(&schema::TASK_DESCRIPTION, task, "$").map_err(|e| format!("In task '{label}': {e}"))?;
    let Some(Value::Object(worker)) = task.get("worker") else {
        return Err("worker: expected a mapping".into());
    };
    let implementation = worker.get("implementation").map(python_str).unwrap_or_default();
    let payload_schema = parts::payload::payload_schema(&implementation)
        .ok_or_else(|| format!("KeyError: no payload builder for worker implementation '{implementation}'"))?;
    validate_struct(payload_schema, worker, "$").map_err(|e| format!("In task.run '{label}': {e}"))
}

/// `evaluate_keyed_by(graph_config[key], "Graph Config", {"project": project})`.
fn graph_default(ctx: &Ctx<'_>, value: &Value) -> Result<Value, String> {
    let project = ctx.param("project")?.clone();
    let lookup = move |k: &str| (k == "project").then(|| project.clone());
    evaluate_keyed_by(value, "Graph Config", &lookup, KeyedByOptions::default())
}

/// Step 7: the task definition (provisioner/worker type from the alias at this level,
/// routes, relative created/deadline/expires, scopes with `{level}`/`{project}`, metadata
/// with the kind's source URL, extra, tags, priority, requires, payload), then the
/// attributes (run_on_*, always_target, shipping_phase), MOZ_AUTOMATION, and if-dependencies
/// resolved to labels.
fn build_task(ctx: &Ctx<'_>, mut task: TaskDict) -> Result<TaskDict, String> {
    let level = ctx.param_str("level")?;
    let (provisioner_id, worker_type_name) = ctx.worker_type(worker_type(&task)?, &level)?;
    task.insert("worker-type".into(), json!(format!("{provisioner_id}/{worker_type_name}")));
    let project = ctx.param_str("project")?;
    let label = task.get("label").cloned().unwrap_or(Value::Null);

    let routes = task.get("routes").cloned().unwrap_or_else(|| json!([]));
    let scopes = format_scopes(task.get("scopes"), &level, &project)?;

    let mut extra = task.get("extra").cloned().unwrap_or_else(|| json!({}));
    match &mut extra {
        Value::Object(e) => {
            e.insert("parent".into(), json!(ctx.parent));
        }
        other => return Err(format!("extra: expected a mapping, got {}", type_name(other))),
    }

    if !task.contains_key("expires-after") {
        let expires = if ctx.param("level")? == &json!("1") {
            ctx.config.graph_config.get("task-expires-after").cloned().unwrap_or_else(|| json!("28 days"))
        } else {
            json!("1 year")
        };
        task.insert("expires-after".into(), expires);
    }
    if !task.contains_key("deadline-after") {
        let deadline = match ctx.config.graph_config.get("task-deadline-after") {
            Some(v) => graph_default(ctx, v)?,
            None => json!("1 day"),
        };
        task.insert("deadline-after".into(), deadline);
    }
    if !task.contains_key("priority") {
        let priority = graph_default(ctx, ctx.graph("task-priority")?)?;
        task.insert("priority".into(), priority);
    }

    let mut tags = match task.get("tags") {
        None => Map::new(),
        Some(Value::Object(t)) => t.clone(),
        Some(other) => return Err(format!("tags: expected a mapping, got {}", type_name(other))),
    };
    tags.insert("createdForUser".into(), ctx.param("owner")?.clone());
    tags.insert("kind".into(), json!(ctx.config.kind));
    tags.insert("label".into(), label.clone());
    tags.insert("project".into(), ctx.param("project")?.clone());
    tags.insert("trust-domain".into(), ctx.graph("trust-domain")?.clone());

    let description = task.get("description").cloned().unwrap_or(Value::Null);
    let source = ctx.config.params.file_url(&ctx.config.kind_repo_path(), true)?;
    let mut task_def = Map::new();
    task_def.insert("provisionerId".into(), json!(provisioner_id));
    task_def.insert("workerType".into(), json!(worker_type_name));
    task_def.insert("routes".into(), routes);
    task_def.insert("created".into(), json!({"relative-datestamp": "0 seconds"}));
    task_def.insert("deadline".into(), json!({"relative-datestamp": task.get("deadline-after")}));
    task_def.insert("expires".into(), json!({"relative-datestamp": task.get("expires-after")}));
    task_def.insert("scopes".into(), Value::Array(scopes));
    task_def.insert(
        "metadata".into(),
        json!({"description": description, "name": label, "owner": ctx.param("owner")?, "source": source}),
    );
    task_def.insert("extra".into(), extra);
    task_def.insert("tags".into(), Value::Object(tags));
    task_def.insert("priority".into(), task.get("priority").cloned().unwrap_or(Value::Null));
    if let Some(requires) = task.get("requires").filter(|v| truthy(v)) {
        task_def.insert("requires".into(), requires.clone());
    }
    if task.get("extra").and_then(|e| e.get("treeherder")).is_some_and(truthy) {
        add_treeherder_link(ctx, &mut task_def)?;
    }

    let implementation = task
        .get("worker")
        .and_then(|w| w.get("implementation"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    parts::payload::build_payload(ctx, &implementation, &mut task, &mut task_def)?;

    let attributes = build_attributes(&mut task)?;

    if implementation == "generic-worker" || implementation == "docker-worker" {
        if let Some(payload) = task_def.get_mut("payload").filter(|p| truthy(p)) {
            let Value::Object(payload) = payload else { return Err("payload: expected a mapping".into()) };
            dict_entry(payload, "env", "payload.env")?.insert("MOZ_AUTOMATION".into(), json!("1"));
        }
    }

    let dependencies = task.get("dependencies").cloned().unwrap_or_else(|| json!({}));
    let if_dependencies = resolve_if_dependencies(&task, &dependencies)?;

    let mut out = Map::new();
    out.insert("label".into(), label);
    out.insert("description".into(), description);
    out.insert("task".into(), Value::Object(task_def));
    out.insert("dependencies".into(), dependencies);
    out.insert("if-dependencies".into(), if_dependencies);
    out.insert("soft-dependencies".into(), task.get("soft-dependencies").cloned().unwrap_or_else(|| json!([])));
    out.insert("attributes".into(), Value::Object(attributes));
    out.insert("optimization".into(), task.get("optimization").cloned().unwrap_or(Value::Null));
    Ok(out)
}

/// `[s.format(level=level, project=project) for s in task.get("scopes", [])]`.
fn format_scopes(scopes: Option<&Value>, level: &str, project: &str) -> Result<Vec<Value>, String> {
    let list = match scopes {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(format!("scopes: TypeError: '{}' object is not iterable", type_name(other))),
    };
    list.iter()
        .map(|s| {
            let Value::String(s) = s else { return Err(format!("scopes: expected strings, got {}", type_name(s))) };
            format_with(s, &[("level", json!(level)), ("project", json!(project))])
                .map(Value::String)
                .map_err(|e| format!("scope {s:?}: {e}"))
        })
        .collect()
}

/// The treeherder push link appended to the metadata description.
fn add_treeherder_link(ctx: &Ctx<'_>, task_def: &mut TaskDict) -> Result<(), String> {
    let (_, suffix) = parts::routes::treeherder_project(ctx)?;
    let link = format!(
        "https://treeherder.mozilla.org/#/jobs?repo={}{suffix}&revision={}",
        ctx.param_str("project")?,
        ctx.param_str("head_rev")?
    );
    let Some(Value::Object(metadata)) = task_def.get_mut("metadata") else { return Ok(()) };
    let description = match metadata.get("description") {
        Some(Value::String(d)) => d.clone(),
        _ => return Err("description: expected a string".into()),
    };
    metadata.insert("description".into(), json!(format!("{description} ([Treeherder push]({link}))")));
    Ok(())
}

/// The task's attributes plus run_on_projects (keyed by build-platform), run_on_tasks_for,
/// run_on_git_branches (when set), always_target and shipping_phase.
fn build_attributes(task: &mut TaskDict) -> Result<Map<String, Value>, String> {
    let mut attributes = match task.get("attributes") {
        None => Map::new(),
        Some(Value::Object(a)) => a.clone(),
        Some(other) => return Err(format!("attributes: expected a mapping, got {}", type_name(other))),
    };
    let label = task.get("label").map(python_str).unwrap_or_default();
    let mut extra = Map::new();
    extra.insert("build-platform".into(), attributes.get("build_platform").cloned().unwrap_or(Value::Null));
    resolve_keyed_by(task, "run-on-projects", &label, &extra, KeyedByOptions::default())?;
    attributes.insert("run_on_projects".into(), task.get("run-on-projects").cloned().unwrap_or_else(|| json!(["all"])));
    attributes
        .insert("run_on_tasks_for".into(), task.get("run-on-tasks-for").cloned().unwrap_or_else(|| json!(["all"])));
    if let Some(branches) = task.get("run-on-git-branches").filter(|v| truthy(v)) {
        attributes.insert("run_on_git_branches".into(), branches.clone());
    }
    attributes.insert("always_target".into(), task.get("always-target").cloned().unwrap_or(Value::Null));
    match task.get("shipping-phase").filter(|v| !v.is_null()) {
        Some(phase) => {
            attributes.insert("shipping_phase".into(), phase.clone());
        }
        None => set_default(&mut attributes, "shipping_phase", Value::Null),
    }
    Ok(attributes)
}

/// `if-dependencies` names mapped to the labels of those dependencies.
fn resolve_if_dependencies(task: &TaskDict, dependencies: &Value) -> Result<Value, String> {
    let if_dependencies = task.get("if-dependencies").cloned().unwrap_or_else(|| json!([]));
    let Value::Array(names) = &if_dependencies else { return Ok(if_dependencies) };
    if names.is_empty() {
        return Ok(if_dependencies);
    }
    let Value::Object(deps) = dependencies else {
        return Err(format!("dependencies: expected a mapping, got {}", type_name(dependencies)));
    };
    let label = task.get("label").map(python_str).unwrap_or_default();
    names
        .iter()
        .map(|dep| {
            let key = python_str(dep);
            deps.get(&key)
                .cloned()
                .ok_or_else(|| format!("{label} specifies '{key}' in if-dependencies, but {key} is not a dependency!"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// Step 8: git repositories get the `checks` route.
fn add_github_checks(ctx: &Ctx<'_>, out: &mut TaskDict) -> Result<(), String> {
    if ctx.param("repository_type")? != &json!("git") {
        return Ok(());
    }
    match out.get_mut("task").and_then(|t| t.get_mut("routes")) {
        Some(Value::Array(routes)) => {
            routes.push(json!("checks"));
            Ok(())
        }
        Some(other) => Err(format!("routes: AttributeError: '{}' object has no attribute 'append'", type_name(other))),
        None => Err("task.routes: KeyError: 'routes'".into()),
    }
}

/// Step 9: a chain-of-trust task with an in-tree image lists that image as a CoT input.
fn chain_of_trust(out: &mut TaskDict) -> Result<(), String> {
    let cot = match out.get("task").and_then(|t| t.get("payload")) {
        None => false,
        Some(Value::Object(payload)) => match payload.get("features") {
            None => false,
            Some(Value::Object(features)) => truthy_key(features, "chainOfTrust"),
            Some(other) => {
                return Err(format!(
                    "payload.features: AttributeError: '{}' object has no attribute 'get'",
                    type_name(other)
                ))
            }
        },
        Some(other) => {
            return Err(format!("task.payload: AttributeError: '{}' object has no attribute 'get'", type_name(other)))
        }
    };
    if !cot {
        return Ok(());
    }
    let has_image = match out.get("dependencies") {
        Some(Value::Object(d)) => d.get("docker-image").is_some_and(truthy),
        _ => false,
    };
    if has_image {
        let Some(Value::Object(task_def)) = out.get_mut("task") else { return Ok(()) };
        let extra = dict_entry(task_def, "extra", "task.extra")?;
        let cot = dict_entry(extra, "chainOfTrust", "task.extra.chainOfTrust")?;
        dict_entry(cot, "inputs", "task.extra.chainOfTrust.inputs")?
            .insert("docker-image".into(), json!({"task-reference": "<docker-image>"}));
    }
    Ok(())
}
