//! taskgraph.transforms.run: a *run description* (a task description whose `run` section says
//! how to run it at a high level) becomes a task description.
//!
//! Steps, in taskgraph's order:
//! 1. validate against [`RUN_DESCRIPTION`];
//! 2. `when.files-changed` becomes a `skip-unless-changed` optimization (plus the kind's
//!    kind.yml and the task's `task-from` file);
//! 3. the worker implementation and OS of `worker-type` are recorded in `worker` and `tags`;
//! 4. `label` defaults to `<kind>-<name>`; `name` is dropped;
//! 5. `fetches` become dependencies, a `MOZ_FETCHES` environment variable (JSON, keys sorted)
//!    and, for private artifacts, scopes and the taskcluster proxy;
//! 6. the `run.using` function registered for the worker implementation fills in the task
//!    description (see [`REGISTRY`]: run-task, toolchain-script, index-search, always-optimized).

mod common;
mod index_search;
mod run_task;
mod toolchain;

use crate::transforms::cached_tasks::order_tasks;
use crate::util::cached_tasks::python_truthy;
use crate::util::task_dict::object_entry;
use crate::util::taskcluster::{get_artifact_prefix, get_task_artifact_prefix};
use crate::{task_error, TaskDict, TransformConfig};
use indexmap::IndexMap;
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use tg_core::py::msgspec::{self, Field, StructDef, Ty, OPT_BOOL, OPT_DICT_ANY, OPT_LIST_STR, OPT_STR};
use tg_core::py::msgspec::{INDEX, OPTIMIZATION, TREEHERDER};
use tg_core::py::path as pypath;
use tg_core::py::value::python_str;
use tg_core::workertypes::Memo;

// ---------------------------------------------------------------- schema

/// `run`: `using` (str, required) names the run implementation; `workdir` (str) the base work
/// directory. Other keys belong to the implementation's own schema.
const RUN_CONFIG: StructDef = StructDef {
    fields: &[Field::req("using", Ty::Str), Field::opt("workdir", OPT_STR)],
    forbid_unknown: false,
    post_init: None,
};

/// `when`: `files-changed` (list of mozpack patterns): run only when a matching file changed.
const WHEN_CONFIG: StructDef =
    StructDef { fields: &[Field::opt("files-changed", OPT_LIST_STR)], forbid_unknown: true, post_init: None };

/// One `fetches` entry in long form: `artifact` (str, required), `dest` (str: where to
/// extract), `extract` (bool, default true), `verify-hash` (bool).
const FETCHES_ENTRY: StructDef = StructDef {
    fields: &[
        Field::req("artifact", Ty::Str),
        Field::opt("dest", OPT_STR),
        Field::opt("extract", OPT_BOOL),
        Field::opt("verify-hash", OPT_BOOL),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// taskgraph's `RunDescriptionSchema` (unknown fields pass). Fields shared with the task
/// description keep its types; see transforms/task.rs for their meaning.
pub const RUN_DESCRIPTION: StructDef = StructDef {
    fields: &[
        // How to run this task.
        Field::req("run", Ty::Struct(&RUN_CONFIG)),
        // The task's name; the label defaults to <kind>-<name>.
        Field::opt("name", OPT_STR),
        Field::opt("label", OPT_STR),
        // Passed through to the task description, possibly modified by the run function.
        Field::req("description", Ty::Str),
        Field::req("worker-type", Ty::Str),
        Field::opt(
            "priority",
            Ty::Union(&[
                Ty::Literal(&["highest", "very-high", "high", "medium", "low", "very-low", "lowest"]),
                Ty::Null,
            ]),
        ),
        Field::opt("attributes", OPT_DICT_ANY),
        Field::opt("task-from", OPT_STR),
        Field::opt("dependencies", OPT_DICT_ANY),
        Field::opt("soft-dependencies", OPT_LIST_STR),
        Field::opt("if-dependencies", OPT_LIST_STR),
        Field::opt("requires", Ty::Union(&[Ty::Literal(&["all-completed", "all-resolved"]), Ty::Null])),
        Field::opt("deadline-after", OPT_STR),
        Field::opt("expires-after", OPT_STR),
        Field::opt("routes", OPT_LIST_STR),
        Field::opt("scopes", OPT_LIST_STR),
        Field::opt("tags", Ty::Union(&[Ty::Dict(&Ty::Str), Ty::Null])),
        Field::opt("extra", OPT_DICT_ANY),
        Field::opt("treeherder", Ty::Union(&[Ty::Bool, Ty::Struct(&TREEHERDER), Ty::Null])),
        Field::opt("index", Ty::Union(&[Ty::Struct(&INDEX), Ty::Null])),
        // Optionally keyed by build-platform; taskgraph does not check it here.
        Field::opt("run-on-projects", Ty::Any),
        Field::opt("run-on-tasks-for", OPT_LIST_STR),
        Field::opt("run-on-git-branches", OPT_LIST_STR),
        Field::opt("shipping-phase", Ty::Union(&[Ty::Literal(&["build", "promote", "push", "ship"]), Ty::Null])),
        Field::opt("always-target", OPT_BOOL),
        Field::opt("optimization", Ty::Union(&[Ty::Struct(&OPTIMIZATION), Ty::Null])),
        Field::opt("needs-sccache", OPT_BOOL),
        // When to run the task (turned into an optimization; exclusive with `optimization`).
        Field::opt("when", Ty::Union(&[Ty::Struct(&WHEN_CONFIG), Ty::Null])),
        // Artifacts to install from fetch/toolchain tasks (or from dependencies by name).
        Field::opt(
            "fetches",
            Ty::Union(&[Ty::Dict(&Ty::List(&Ty::Union(&[Ty::Str, Ty::Struct(&FETCHES_ENTRY)]))), Ty::Null]),
        ),
        // Passed to the task description, with additions from the run function.
        Field::opt("worker", OPT_DICT_ANY),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// The schema check, including the exclusion of `optimization` and `when`.
fn validate(config: &TransformConfig<'_>, task: &TaskDict) -> anyhow::Result<()> {
    msgspec::validate_struct(&RUN_DESCRIPTION, task, "$").map_err(|e| task_error(config, task, e))?;
    let set = |k: &str| task.get(k).is_some_and(|v| !v.is_null());
    if set("optimization") && set("when") {
        return Err(task_error(config, task, "'optimization' and 'when' are mutually exclusive"));
    }
    Ok(())
}

// ---------------------------------------------------------------- the sequence

/// taskgraph's `transforms` sequence of taskgraph/transforms/run/__init__.py.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    let worker_types = tg_core::workertypes::Memo::default();
    let tasks = first_error_in_order(tasks.into_par_iter().map(|mut task| {
        validate(config, &task)?;
        rewrite_when_to_optimization(config, &mut task)?;
        set_implementation(config, &worker_types, &mut task)?;
        set_label(config, &mut task)?;
        Ok(task)
    }))?;
    let tasks = use_fetches(config, tasks)?;
    let ctx = RunContext::default();
    first_error_in_order(tasks.into_par_iter().map(|task| make_task_description(config, &ctx, task)))
}

/// Results of a parallel map, in input order; the error of the first failing task (so the
/// error reported does not depend on thread timing).
pub(crate) fn first_error_in_order<T: Send>(
    results: impl IndexedParallelIterator<Item = anyhow::Result<T>>,
) -> anyhow::Result<Vec<T>> {
    let results: Vec<anyhow::Result<T>> = results.collect();
    results.into_iter().collect()
}

/// `when: {files-changed: [...]}` -> `optimization: {skip-unless-changed: [...]}`, adding the
/// kind's kind.yml and the file the task came from.
fn rewrite_when_to_optimization(config: &TransformConfig<'_>, task: &mut TaskDict) -> anyhow::Result<()> {
    let Some(when) = task.shift_remove("when") else { return Ok(()) };
    if !python_truthy(&when) {
        return Ok(());
    }
    let mut files_changed = match when.get("files-changed") {
        Some(Value::Array(files)) => files.clone(),
        _ => return Err(task_error(config, task, "when.files-changed: 'NoneType' object has no attribute 'append'")),
    };
    let kind_path = config.kind_repo_path();
    files_changed.push(Value::String(format!("{kind_path}/kind.yml")));
    if let Some(from) = task.get("task-from").filter(|v| python_truthy(v)) {
        let from = python_str(from);
        if from != "kind.yml" {
            files_changed.push(Value::String(format!("{kind_path}/{from}")));
        }
    }
    task.insert("optimization".into(), json!({ "skip-unless-changed": files_changed }));
    Ok(())
}

/// Record the worker implementation (and OS) of the task's worker type.
fn set_implementation(config: &TransformConfig<'_>, worker_types: &Memo, task: &mut TaskDict) -> anyhow::Result<()> {
    let worker_type = task.get("worker-type").and_then(Value::as_str).unwrap_or_default().to_string();
    let (implementation, os) =
        worker_types.implementation(config.graph_config, &worker_type).map_err(|e| task_error(config, task, e))?;
    if os.is_some() || !implementation.is_empty() {
        let tags = setdefault_object(config, task, "tags")?;
        if let Some(os) = &os {
            tags.insert("os".into(), Value::String(os.clone()));
        }
        if !implementation.is_empty() {
            tags.insert("worker-implementation".into(), Value::String(implementation.clone()));
        }
    }
    let has_implementation = matches!(task.get("worker"), Some(Value::Object(w)) if w.contains_key("implementation"));
    if has_implementation {
        return Err(task_error(
            config,
            task,
            "worker.implementation: must not be set in a run description (it comes from the worker type)",
        ));
    }
    let worker = setdefault_object(config, task, "worker")?;
    worker.insert("implementation".into(), Value::String(implementation));
    if let Some(os) = os {
        worker.insert("os".into(), Value::String(os));
    }
    Ok(())
}

/// `task.setdefault(key, {})` for a key that must hold a mapping.
fn setdefault_object<'a>(
    config: &TransformConfig<'_>,
    task: &'a mut TaskDict,
    key: &str,
) -> anyhow::Result<&'a mut Map<String, Value>> {
    if task.get(key).is_some_and(|v| !v.is_object()) {
        return Err(task_error(config, task, format!("{key}: expected a mapping, got {}", task[key])));
    }
    Ok(object_entry(task, key))
}

/// `label` defaults to `<kind>-<name>`; a non-empty `name` is then dropped.
fn set_label(config: &TransformConfig<'_>, task: &mut TaskDict) -> anyhow::Result<()> {
    if !task.contains_key("label") {
        let Some(name) = task.get("name") else {
            return Err(task_error(config, task, "task has neither a name nor a label"));
        };
        let label = format!("{}-{}", config.kind, python_str(name));
        task.insert("label".into(), Value::String(label));
    }
    if task.get("name").is_some_and(python_truthy) {
        task.shift_remove("name");
    }
    Ok(())
}

// ---------------------------------------------------------------- fetches

/// What `use_fetches` knows about fetch and toolchain tasks.
#[derive(Default)]
struct FetchIndex {
    /// label -> artifact path (`<kind>-artifact` attribute, or a toolchain's run section).
    artifact_names: IndexMap<String, Value>,
    /// `<kind>-<alias>` -> label.
    aliases: IndexMap<String, String>,
    /// label -> extra environment (`<kind>-env` attribute).
    extra_env: IndexMap<String, Value>,
}

/// `dict[key] = attributes[name]` when that value is truthy (taskgraph's `get_attribute`).
fn get_attribute(dict: &mut IndexMap<String, Value>, key: &str, attributes: Option<&Value>, name: &str) {
    if let Some(v) = attributes.and_then(|a| a.get(name)) {
        if python_truthy(v) {
            dict.insert(key.to_string(), v.clone());
        }
    }
}

/// Fetch and toolchain tasks of this kind (when it is one of those) and of the kind dependencies.
fn fetch_index(config: &TransformConfig<'_>, tasks: &[TaskDict]) -> FetchIndex {
    let mut index = FetchIndex::default();
    if matches!(config.kind, "toolchain" | "fetch") {
        for task in tasks {
            let run = task.get("run");
            let label = task.get("label").map(python_str).unwrap_or_default();
            get_attribute(&mut index.artifact_names, &label, run, "toolchain-artifact");
            if let Some(alias) = run.and_then(|r| r.get(format!("{}-alias", config.kind))) {
                if python_truthy(alias) {
                    index.aliases.insert(format!("{}-{}", config.kind, python_str(alias)), label);
                }
            }
        }
    }
    for task in config.kind_dependencies_tasks.values() {
        if !matches!(task.kind.as_str(), "fetch" | "toolchain") {
            continue;
        }
        let attributes = Value::Object(task.attributes.clone());
        get_attribute(&mut index.artifact_names, &task.label, Some(&attributes), &format!("{}-artifact", task.kind));
        get_attribute(&mut index.extra_env, &task.label, Some(&attributes), &format!("{}-env", task.kind));
        if let Some(alias) = task.attributes.get(&format!("{}-alias", task.kind)) {
            if python_truthy(alias) {
                index.aliases.insert(format!("{}-{}", task.kind, python_str(alias)), task.label.clone());
            }
        }
    }
    index
}

/// A `fetches` entry in long form: (artifact, dest, extract, verify-hash).
struct FetchEntry {
    artifact: String,
    dest: Option<Value>,
    extract: Value,
    verify_hash: Value,
}

fn fetch_entry(entry: &Value) -> FetchEntry {
    match entry {
        Value::Object(m) => FetchEntry {
            artifact: m.get("artifact").map(python_str).unwrap_or_default(),
            dest: m.get("dest").filter(|v| !v.is_null()).cloned(),
            extract: m.get("extract").cloned().unwrap_or(Value::Bool(true)),
            verify_hash: m.get("verify-hash").cloned().unwrap_or(Value::Bool(false)),
        },
        other => FetchEntry {
            artifact: python_str(other),
            dest: None,
            extract: Value::Bool(true),
            verify_hash: Value::Bool(false),
        },
    }
}

/// Entries sorted by artifact name (stable, as Python's `sorted`).
fn sorted_entries(artifacts: &Value) -> Vec<FetchEntry> {
    let mut entries: Vec<FetchEntry> = artifacts.as_array().into_iter().flatten().map(fetch_entry).collect();
    entries.sort_by(|a, b| a.artifact.cmp(&b.artifact));
    entries
}

/// One `MOZ_FETCHES` item.
fn fetch_json(artifact: Value, task_ref: String, entry: &FetchEntry) -> Value {
    let mut fetch = Map::new();
    fetch.insert("artifact".into(), artifact);
    fetch.insert("task".into(), Value::String(task_ref));
    fetch.insert("extract".into(), entry.extract.clone());
    if let Some(dest) = &entry.dest {
        fetch.insert("dest".into(), dest.clone());
    }
    if python_truthy(&entry.verify_hash) {
        fetch.insert("verify-hash".into(), entry.verify_hash.clone());
    }
    Value::Object(fetch)
}

/// taskgraph's `use_fetches`: tasks in dependency order, each task's `fetches` resolved.
fn use_fetches(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    let index = fetch_index(config, &tasks);
    let mut artifact_prefixes: IndexMap<String, String> = IndexMap::new();
    let mut out = Vec::with_capacity(tasks.len());
    for mut task in order_tasks(config, tasks)? {
        let label = task.get("label").map(python_str).unwrap_or_default();
        artifact_prefixes.insert(label, get_artifact_prefix(&task));
        let fetches = task.shift_remove("fetches");
        match fetches {
            Some(Value::Object(fetches)) if !fetches.is_empty() => {
                resolve_fetches(config, &index, &artifact_prefixes, &mut task, &fetches)?;
            }
            _ => {}
        }
        out.push(task);
    }
    Ok(out)
}

/// `task[key]` as a mutable mapping (it was made one by `setdefault_object`).
fn map_mut<'a>(task: &'a mut TaskDict, key: &str) -> &'a mut Map<String, Value> {
    object_entry(task, key)
}

/// Turn one task's `fetches` into dependencies, `MOZ_FETCHES`, `MOZ_FETCHES_DIR` and scopes.
fn resolve_fetches(
    config: &TransformConfig<'_>,
    index: &FetchIndex,
    artifact_prefixes: &IndexMap<String, String>,
    task: &mut TaskDict,
    fetches: &Map<String, Value>,
) -> anyhow::Result<()> {
    let name = task.get("name").or_else(|| task.get("label")).map(python_str).unwrap_or_else(|| "None".into());
    setdefault_object(config, task, "dependencies")?;
    setdefault_object(config, task, "worker")?;
    if map_mut(task, "worker").get("env").is_some_and(|v| !v.is_object()) {
        return Err(task_error(config, task, "worker.env: expected a mapping"));
    }
    object_entry(map_mut(task, "worker"), "env");

    let mut task_fetches: Vec<Value> = Vec::new();

    let mut kinds: Vec<&String> = fetches.keys().collect();
    kinds.sort();
    for kind in kinds {
        let artifacts = &fetches[kind];
        if matches!(kind.as_str(), "fetch" | "toolchain") {
            for entry in sorted_entries(artifacts) {
                let label = format!("{kind}-{}", entry.artifact);
                let label = index.aliases.get(&label).cloned().unwrap_or(label);
                let Some(path) = index.artifact_names.get(&label) else {
                    return Err(task_error(
                        config,
                        task,
                        format!("Missing fetch task for {}-{name}: {}", config.kind, entry.artifact),
                    ));
                };
                if let Some(extra) = index.extra_env.get(&label) {
                    let Value::Object(extra) = extra else {
                        return Err(task_error(
                            config,
                            task,
                            format!("{label}: {kind}-env: expected a mapping, got {extra}"),
                        ));
                    };
                    object_entry(map_mut(task, "worker"), "env").extend(extra.clone());
                }
                map_mut(task, "dependencies").insert(label.clone(), Value::String(label.clone()));
                task_fetches.push(fetch_json(path.clone(), format!("<{label}>"), &entry));
            }
        } else {
            let Some(dep_label) = map_mut(task, "dependencies").get(kind).map(python_str) else {
                return Err(task_error(
                    config,
                    task,
                    format!("{name} can't fetch {kind} artifacts because it has no {kind} dependencies!"),
                ));
            };
            let prefix = match artifact_prefixes.get(&dep_label) {
                Some(p) => p.clone(),
                None => match config.kind_dependencies_tasks.get(&dep_label) {
                    Some(dep) => get_task_artifact_prefix(dep),
                    None => {
                        let labels: Vec<&str> = config.kind_dependencies_tasks.keys().map(String::as_str).collect();
                        return Err(task_error(
                            config,
                            task,
                            format!(
                                "{name} can't fetch {kind} artifacts because there are no tasks with label {dep_label} in kind dependencies!\nAvailable tasks:\n - {}",
                                labels.join("\n - ")
                            ),
                        ));
                    }
                },
            };
            for entry in sorted_entries(artifacts) {
                let artifact = Value::String(format!("{prefix}/{}", entry.artifact));
                task_fetches.push(fetch_json(artifact, format!("<{kind}>"), &entry));
            }
        }
    }

    // Private artifacts need the taskcluster proxy and a scope per directory.
    let mut private_prefixes: Vec<String> = task_fetches
        .iter()
        .filter_map(|f| f.get("artifact").map(python_str))
        .filter(|a| !a.starts_with("public/"))
        .map(|a| pypath::dirname(&a))
        .collect();
    private_prefixes.sort();
    private_prefixes.dedup();
    if !private_prefixes.is_empty() {
        map_mut(task, "worker").insert("taskcluster-proxy".into(), Value::Bool(true));
        let scopes = task.entry("scopes").or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(scopes) = scopes else {
            return Err(task_error(config, task, "scopes: expected a list"));
        };
        for p in private_prefixes {
            let scope = Value::String(format!("queue:get-artifact:{p}/*"));
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
    }

    let moz_fetches = pypath::json_dumps(&Value::Array(task_fetches), true);
    let env = object_entry(map_mut(task, "worker"), "env");
    env.insert("MOZ_FETCHES".into(), json!({ "task-reference": moz_fetches }));
    env.entry("MOZ_FETCHES_DIR").or_insert_with(|| Value::String("fetches".into()));
    Ok(())
}

// ---------------------------------------------------------------- run functions

/// What a run function works on: the task's `run` section and the task description being
/// built (which holds the worker; taskgraph aliases the task's and the description's worker).
pub(crate) struct RunState<'c> {
    pub run: Map<String, Value>,
    pub taskdesc: TaskDict,
    pub ctx: &'c RunContext,
}

/// What the tasks of one kind share: the repository's tracked files, listed once (taskgraph
/// caches them per process) for the toolchain digests.
#[derive(Default)]
pub(crate) struct RunContext {
    tracked_files: std::sync::OnceLock<Result<Vec<String>, String>>,
}

impl RunContext {
    /// The files git tracks at HEAD in `repo_root` (listed on first use).
    /// Files git tracks in the repository, named as taskgraph sees them (the taskgraph root
    /// as `taskcluster/`, see `GraphConfig::repo_path_for_taskgraph`), listed once per kind.
    pub fn tracked_files(&self, graph_config: &tg_core::config::GraphConfig) -> Result<&[String], String> {
        self.tracked_files
            .get_or_init(|| {
                crate::util::hash::tracked_files(&graph_config.vcs_root())
                    .map(|files| files.iter().filter_map(|f| graph_config.repo_path_for_taskgraph(f)).collect())
                    .map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map(Vec::as_slice)
            .map_err(Clone::clone)
    }
}

/// A run function: fills in the task description for one `run.using` and worker implementation.
type RunFn = fn(&TransformConfig<'_>, &mut RunState) -> Result<(), String>;

/// One registered run implementation (taskgraph's `run_task_using`).
struct RunUsing {
    implementation: &'static str,
    using: &'static str,
    schema: Option<&'static StructDef>,
    /// Defaults filled into `run` before validation.
    defaults: fn() -> Vec<(&'static str, Value)>,
    func: RunFn,
}

fn no_defaults() -> Vec<(&'static str, Value)> {
    Vec::new()
}

/// `run.using: always-optimized` (forbids other keys).
const ALWAYS_OPTIMIZED_RUN: StructDef = StructDef {
    fields: &[Field::req("using", Ty::Literal(&["always-optimized"]))],
    forbid_unknown: true,
    post_init: None,
};

/// Every built-in run implementation, as taskgraph registers them on import.
const REGISTRY: &[RunUsing] = &[
    RunUsing {
        implementation: "always-optimized",
        using: "always-optimized",
        schema: Some(&ALWAYS_OPTIMIZED_RUN),
        defaults: no_defaults,
        func: |_, _| Ok(()),
    },
    RunUsing {
        implementation: "always-optimized",
        using: "index-search",
        schema: Some(&index_search::INDEX_SEARCH_RUN),
        defaults: no_defaults,
        func: index_search::fill_template,
    },
    RunUsing {
        implementation: "docker-worker",
        using: "run-task",
        schema: Some(&run_task::RUN_TASK_RUN),
        defaults: run_task::worker_defaults,
        func: run_task::docker_worker_run_task,
    },
    RunUsing {
        implementation: "generic-worker",
        using: "run-task",
        schema: Some(&run_task::RUN_TASK_RUN),
        defaults: run_task::worker_defaults,
        func: run_task::generic_worker_run_task,
    },
    RunUsing {
        implementation: "docker-worker",
        using: "toolchain-script",
        schema: Some(&toolchain::TOOLCHAIN_RUN),
        defaults: no_defaults,
        func: toolchain::docker_worker_toolchain,
    },
    RunUsing {
        implementation: "generic-worker",
        using: "toolchain-script",
        schema: Some(&toolchain::TOOLCHAIN_RUN),
        defaults: no_defaults,
        func: toolchain::generic_worker_toolchain,
    },
];

/// taskgraph's `make_task_description`.
fn make_task_description(
    config: &TransformConfig<'_>,
    ctx: &RunContext,
    mut task: TaskDict,
) -> anyhow::Result<TaskDict> {
    let implementation = task.get("worker").and_then(|w| w.get("implementation")).map(python_str).unwrap_or_default();
    let mut run = match task.shift_remove("run") {
        Some(Value::Object(run)) => run,
        _ => return Err(task_error(config, &task, "run: expected a mapping")),
    };
    // Always-optimized tasks never execute, so have no workdir.
    if matches!(implementation.as_str(), "docker-worker" | "generic-worker") {
        run.entry("workdir").or_insert_with(|| Value::String("/builds/worker".into()));
    }
    let mut taskdesc = task;
    taskdesc.entry("attributes").or_insert_with(|| json!({}));
    taskdesc.entry("dependencies").or_insert_with(|| json!({}));
    taskdesc.entry("soft-dependencies").or_insert_with(|| json!([]));
    taskdesc.entry("routes").or_insert_with(|| json!([]));
    taskdesc.entry("scopes").or_insert_with(|| json!([]));
    taskdesc.entry("extra").or_insert_with(|| json!({}));

    let mut state = RunState { run, taskdesc, ctx };
    configure_taskdesc_for_run(config, &mut state, &implementation)
        .map_err(|e| task_error(config, &state.taskdesc, e))?;
    Ok(state.taskdesc)
}

/// taskgraph's `configure_taskdesc_for_run`: find the function for `run.using` on this worker
/// implementation, fill the run defaults, validate, and call it.
pub(crate) fn configure_taskdesc_for_run(
    config: &TransformConfig<'_>,
    state: &mut RunState,
    implementation: &str,
) -> Result<(), String> {
    let using = state.run.get("using").map(python_str).unwrap_or_default();
    if !REGISTRY.iter().any(|r| r.using == using) {
        return Err(format!("no functions for run.using '{using}'"));
    }
    let Some(entry) = REGISTRY.iter().find(|r| r.using == using && r.implementation == implementation) else {
        return Err(format!("no functions for run.using '{using}' on '{implementation}'"));
    };
    for (key, value) in (entry.defaults)() {
        state.run.entry(key).or_insert(value);
    }
    if let Some(schema) = entry.schema {
        msgspec::validate_struct(schema, &state.run, "$").map_err(|e| {
            let label = state.taskdesc.get("label").map(python_str).unwrap_or_default();
            format!("In task.run using '{using}'/'{implementation}' for task '{label}': {e}")
        })?;
    }
    (entry.func)(config, state)
}

/// `state.taskdesc["worker"]` as a mapping (created if absent).
pub(crate) fn worker_mut<'a>(state: &'a mut RunState<'_>) -> &'a mut Map<String, Value> {
    object_entry(&mut state.taskdesc, "worker")
}

/// `task["worker"][key]` as text, if present.
pub(crate) fn worker_str(state: &RunState, key: &str) -> Option<String> {
    state.taskdesc.get("worker").and_then(|w| w.get(key)).map(python_str)
}
