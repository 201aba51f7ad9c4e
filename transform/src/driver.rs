//! The stage itself: read items, run each kind's transform sequence in kind-dependency order,
//! turn the final dicts into [`Task`] records, check labels are unique, write them.
//!
//! A kind's sequence is planned into [`Step`]s:
//! - a name in the built-in table ([`registry::lookup`]) runs natively;
//! - `exec:<command>` runs an external command over JSON lines ([`tg_bridge::exec`]);
//! - any other name (project code: `module:attr`, or `module` meaning `module:transforms`) runs
//!   in the Python worker ([`tg_bridge::Worker`]); consecutive such names form one segment.
//!
//! When the project's `taskgraph.register` hook registered `run.using` functions, payload
//! builders or index builders (the worker reports what it changed), the built-in `run` /
//! `task` step of a kind runs in Python instead — for that kind only, and only when one of its
//! tasks uses a project-registered name (`run.using`; the worker implementation, from
//! `worker.implementation` or the worker-type alias; `index.type`). The native steps cannot
//! call project functions, and the rest of the step must stay in step with them.
//!
//! Kinds with a custom loader get their transform list from the loader: the worker calls it
//! again (with this kind's dependency tasks) and reports `config["transforms"]` right after the
//! call, when taskgraph reads it (a loader may extend it, as taskgraph's default loader appends
//! `run` and `task`). The items it would yield are not consumed: they come from tg-load's stream.

use crate::registry::{self, DEFAULT_LOADER_TRANSFORMS};
use crate::{TaskDict, TransformConfig, TransformFn};
use indexmap::IndexMap;
use serde_json::Value;
use tg_bridge::trace::{KindTrace, Tracer};
use tg_bridge::Worker;
use tg_core::bad_input;
use tg_core::cli::{Log, StageContext};
use tg_core::config::GraphConfig;
use tg_core::item::Item;
use tg_core::kinds::Kind;
use tg_core::task::Task;

/// Loaders whose items tg-load can produce (and whose transform lists we know how to extend).
const BUILTIN_LOADERS: &[&str] = tg_bridge::BUILTIN_LOADERS;

/// What the stage may use besides native steps: the Python worker and a tracer.
#[derive(Default)]
pub struct Extensions {
    /// The project's Python worker, when the run needs one (see [`needs_worker`]).
    pub worker: Option<Worker>,
    /// `--trace`: follow tasks step by step.
    pub tracer: Option<Tracer>,
}

/// One planned step of a kind's sequence.
enum Step {
    /// A built-in module, run natively (or in Python, see the module docs).
    Native { name: String, run: TransformFn },
    /// Consecutive project transforms, run in the worker as one segment.
    Python { names: Vec<String> },
    /// `exec:<command>`.
    Exec { name: String, command: String },
}

/// Transform every item; returns tasks in kind order, then item order.
pub fn transform_items(ctx: &StageContext, items: Vec<Item>, log: Log) -> anyhow::Result<Vec<Task>> {
    transform_items_with(ctx, items, log, &mut Extensions::default())
}

/// The kinds (in load order) that `items` belong to.
pub fn kinds_of(graph_config: &GraphConfig, items: &[Item]) -> anyhow::Result<Vec<Kind>> {
    let mut present: Vec<String> = Vec::new();
    for item in items {
        if present.last() != Some(&item.kind) && !present.contains(&item.kind) {
            present.push(item.kind.clone());
        }
    }
    if present.is_empty() {
        return Ok(Vec::new());
    }
    tg_core::kinds::load_kinds(graph_config, &present)
}

/// True when the run needs the Python worker: the project has a `taskgraph.register` hook
/// (it may register what built-in steps look up), or a kind has a custom loader or a transform
/// that is neither built in nor `exec:`.
pub fn needs_worker(graph_config: &GraphConfig, kinds: &[Kind]) -> bool {
    tg_bridge::has_register_hook(graph_config)
        || kinds.iter().any(|k| {
            !BUILTIN_LOADERS.contains(&k.loader()) || k.declared_transforms().iter().any(|n| is_python_transform(n))
        })
}

/// A transform name the worker runs: not built in, not `exec:`.
fn is_python_transform(name: &str) -> bool {
    registry::lookup(name).is_none() && tg_bridge::exec::command_of(name).is_none() && !tg_bridge::is_taskgraph_code(name)
}

/// [`transform_items`] with the worker and tracer.
pub fn transform_items_with(ctx: &StageContext, items: Vec<Item>, log: Log, ext: &mut Extensions) -> anyhow::Result<Vec<Task>> {
    let kinds = kinds_of(&ctx.graph_config, &items)?;
    let mut by_kind: IndexMap<String, Vec<TaskDict>> = IndexMap::new();
    for item in items {
        by_kind.entry(item.kind).or_default().push(item.item);
    }

    let mut tasks_by_kind: IndexMap<String, Vec<Task>> = IndexMap::new();
    let mut seen_labels: IndexMap<String, String> = IndexMap::new();
    for kind in &kinds {
        let inputs = by_kind.shift_remove(&kind.name).unwrap_or_default();
        let deps = kind_dependencies_tasks(kind, &tasks_by_kind);
        let config = TransformConfig {
            kind: &kind.name,
            path: &kind.path,
            config: &kind.config,
            params: &ctx.parameters,
            kind_dependencies_tasks: &deps,
            graph_config: &ctx.graph_config,
            log,
        };
        let steps = plan(kind, transform_names(kind, &deps, ext.worker.as_mut())?)?;
        let mut trace = ext.tracer.as_ref().map(|_| KindTrace::new(&kind.name, &inputs));
        let mut kind_ready = false;
        let mut dicts = inputs;
        for step in &steps {
            dicts = run_step(step, &config, dicts, ext, &mut kind_ready, trace.as_mut())?;
        }
        let tasks = dicts.into_iter().map(|d| to_task(&kind.name, d)).collect::<anyhow::Result<Vec<_>>>()?;
        if let (Some(trace), Some(tracer)) = (&trace, ext.tracer.as_mut()) {
            let labels: Vec<String> = tasks.iter().map(|t| t.label.clone()).collect();
            trace.finish(&labels, tracer)?;
        }
        for task in &tasks {
            if let Some(other) = seen_labels.insert(task.label.clone(), kind.name.clone()) {
                return Err(bad_input(format!(
                    "kind {}, task {}: duplicate label (also made by kind {other})",
                    kind.name, task.label
                )));
            }
        }
        log.debug(format!("generated {} tasks for kind {}", tasks.len(), kind.name));
        tasks_by_kind.insert(kind.name.clone(), tasks);
    }
    Ok(tasks_by_kind.into_values().flatten().collect())
}

/// Run one step over the kind's dicts, recording it in the trace.
fn run_step(
    step: &Step,
    config: &TransformConfig<'_>,
    dicts: Vec<TaskDict>,
    ext: &mut Extensions,
    kind_ready: &mut bool,
    trace: Option<&mut KindTrace>,
) -> anyhow::Result<Vec<TaskDict>> {
    let tracing = trace.is_some();
    let (out, how, name, steps) = match step {
        Step::Native { name, run } => {
            if let Some(worker) = ext.worker.as_mut().filter(|w| uses_project_registrations(name, &dicts, config, w)) {
                config.log.debug(format!("kind {}: running {name} in Python (project-registered names)", config.kind));
                let names = vec![name.clone()];
                let out = python_segment(worker, config, &names, dicts, kind_ready, false)?;
                (out.tasks, "python", name.clone(), None)
            } else {
                (run(config, dicts)?, "native", name.clone(), None)
            }
        }
        Step::Exec { name, command } => {
            let ectx = tg_bridge::exec::ExecContext {
                kind: config.kind,
                kind_path: config.path,
                root: &config.graph_config.root_dir,
                parameters: &config.params.values,
            };
            (tg_bridge::exec::run(command, &ectx, dicts)?, "exec", name.clone(), None)
        }
        Step::Python { names } => {
            let worker = ext.worker.as_mut().ok_or_else(|| {
                bad_input(format!("kind {}: transform {} needs the Python worker, which is not running", config.kind, names.join(", ")))
            })?;
            let out = python_segment(worker, config, names, dicts, kind_ready, tracing)?;
            (out.tasks, "python", names.join(", "), out.steps.map(|s| names.iter().cloned().zip(s).collect::<Vec<_>>()))
        }
    };
    if let Some(trace) = trace {
        match steps {
            Some(per_step) => per_step.iter().for_each(|(n, tasks)| trace.record(n, how, tasks)),
            None => trace.record(&name, how, &out),
        }
    }
    Ok(out)
}

/// Run `names` in the worker, setting the kind up first if this is its first Python step.
fn python_segment(
    worker: &mut Worker,
    config: &TransformConfig<'_>,
    names: &[String],
    dicts: Vec<TaskDict>,
    kind_ready: &mut bool,
    tracing: bool,
) -> anyhow::Result<tg_bridge::SegmentOutput> {
    if !*kind_ready {
        let deps: Vec<&Task> = config.kind_dependencies_tasks.values().collect();
        worker.set_kind(config.kind, config.path, config.config, &deps)?;
        *kind_ready = true;
    }
    worker.run_transforms(config.kind, names, dicts, tracing)
}

/// Whether the built-in step `name` must run in Python for these dicts: the project registered
/// a `run.using`, payload builder or index builder that one of them uses.
fn uses_project_registrations(name: &str, dicts: &[TaskDict], config: &TransformConfig<'_>, worker: &Worker) -> bool {
    let project = &worker.info.project;
    let module = name.strip_suffix(":transforms").unwrap_or(name);
    let named = |list: &[String], v: Option<&str>| v.is_some_and(|v| list.iter().any(|n| n == v));
    match module {
        "taskgraph.transforms.run" if !project.run_using.is_empty() => {
            dicts.iter().any(|d| named(&project.run_using, d.get("run").and_then(|r| r.get("using")).and_then(Value::as_str)))
        }
        "taskgraph.transforms.task" if !project.payload_builders.is_empty() || !project.index_builders.is_empty() => {
            dicts.iter().any(|d| {
                let index_type = d.get("index").filter(|i| i.is_object()).map(|i| i.get("type").and_then(Value::as_str).unwrap_or("generic"));
                named(&project.payload_builders, implementation_of(d, config).as_deref()) || named(&project.index_builders, index_type)
            })
        }
        _ => false,
    }
}

/// A task description's worker implementation, as taskgraph's task transform will set it.
fn implementation_of(task: &TaskDict, config: &TransformConfig<'_>) -> Option<String> {
    if let Some(imp) = task.get("worker").and_then(|w| w.get("implementation")).and_then(Value::as_str) {
        return Some(imp.to_string());
    }
    let worker_type = task.get("worker-type").and_then(Value::as_str)?;
    crate::util::workertypes::worker_type_implementation(config.graph_config, worker_type).ok().map(|(imp, _)| imp)
}

/// The tasks of `kind`'s kind-dependencies, label -> task, in the order kinds were loaded.
fn kind_dependencies_tasks(kind: &Kind, done: &IndexMap<String, Vec<Task>>) -> IndexMap<String, Task> {
    let deps = kind.dependencies();
    done.iter()
        .filter(|(name, _)| deps.contains(name))
        .flat_map(|(_, tasks)| tasks.iter().map(|t| (t.label.clone(), t.clone())))
        .collect()
}

/// The kind's transform names: its own list plus the default loader's additions, or, for a
/// custom loader, the list the loader leaves in the kind config.
fn transform_names(kind: &Kind, deps: &IndexMap<String, Task>, worker: Option<&mut Worker>) -> anyhow::Result<Vec<String>> {
    let loader = kind.loader();
    let mut names = kind.declared_transforms();
    if !BUILTIN_LOADERS.contains(&loader) {
        let worker = worker.ok_or_else(|| {
            bad_input(format!("kind {}: loader {loader} is project code and the Python worker is not running", kind.name))
        })?;
        let deps: Vec<&Task> = deps.values().collect();
        return Ok(worker.run_loader(&kind.name, &kind.path, &kind.config, loader, &deps, false)?.transforms);
    }
    if loader == "taskgraph.loader.default:loader" {
        for t in DEFAULT_LOADER_TRANSFORMS {
            if names.iter().any(|n| n == t) {
                return Err(bad_input(format!(
                    "kind {}: transform {t} is already present in the loader's default transforms; it must not be defined in the kind",
                    kind.name
                )));
            }
            names.push(t.to_string());
        }
    }
    Ok(names)
}

/// The steps for `names`: built-in, `exec:`, or Python (consecutive project names merged).
fn plan(kind: &Kind, names: Vec<String>) -> anyhow::Result<Vec<Step>> {
    let mut steps: Vec<Step> = Vec::new();
    for name in names {
        if let Some(run) = registry::lookup(&name) {
            steps.push(Step::Native { name, run });
        } else if let Some(command) = tg_bridge::exec::command_of(&name) {
            steps.push(Step::Exec { command: command.to_string(), name });
        } else if tg_bridge::is_taskgraph_code(&name) {
            return Err(bad_input(format!(
                "kind {}: unknown transform {name}; built-in transforms: {}",
                kind.name,
                registry::known_names().join(", ")
            )));
        } else if let Some(Step::Python { names }) = steps.last_mut() {
            names.push(name);
        } else {
            steps.push(Step::Python { names: vec![name] });
        }
    }
    Ok(steps)
}

/// taskgraph's `Task(kind, label=…, …)` from a final task dict.
fn to_task(kind: &str, mut d: TaskDict) -> anyhow::Result<Task> {
    let name = crate::util::task_dict::task_name(&d).to_string();
    let field_err = |field: &str, want: &str| bad_input(format!("kind {kind}, task {name}: {field}: expected {want}"));
    let label = match d.remove("label") {
        Some(Value::String(s)) => s,
        _ => return Err(field_err("label", "a string")),
    };
    let description = match d.remove("description") {
        Some(Value::String(s)) => s,
        _ => return Err(field_err("description", "a string")),
    };
    let mut attributes = match d.remove("attributes") {
        Some(Value::Object(m)) => m,
        _ => return Err(field_err("attributes", "a mapping")),
    };
    // taskgraph's Task.__post_init__: attributes["kind"] = kind
    attributes.insert("kind".into(), Value::String(kind.to_string()));
    let task = d.remove("task").ok_or_else(|| field_err("task", "a task definition"))?;
    let dependencies = match d.remove("dependencies") {
        None | Some(Value::Null) => IndexMap::new(),
        Some(v) => serde_json::from_value(v).map_err(|_| field_err("dependencies", "a mapping of strings"))?,
    };
    let string_list = |v: Option<Value>, field: &str| -> anyhow::Result<Vec<String>> {
        match v {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(v) => serde_json::from_value(v).map_err(|_| field_err(field, "a list of strings")),
        }
    };
    let soft_dependencies = string_list(d.remove("soft-dependencies"), "soft-dependencies")?;
    let if_dependencies = string_list(d.remove("if-dependencies"), "if-dependencies")?;
    let optimization = d.remove("optimization").filter(|v| !v.is_null());
    Ok(Task {
        kind: kind.to_string(),
        label,
        description,
        attributes,
        dependencies,
        soft_dependencies,
        if_dependencies,
        optimization,
        task,
        task_id: None,
    })
}
