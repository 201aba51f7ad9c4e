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
//!
//! Speed and memory ([`transform_items_streaming`], what the binary runs): each kind's tasks
//! are written as soon as the kind is done, and only the kinds a later kind depends on stay in
//! memory (lent to that kind, not copied). A kind whose steps are all per-task built-ins runs
//! them on batches of dicts, in parallel, one matrix task at a time; anything a batch cannot
//! decide alone (in-kind dependencies, duplicate labels, errors) makes the kind run whole, so
//! outputs and errors never depend on the batching.

use crate::registry::{self, DEFAULT_LOADER_TRANSFORMS};
use crate::{TaskDict, TransformConfig, TransformFn};
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
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
    /// `--docker-contexts DIR`: write in-tree images' context tarballs, as the decision does.
    pub docker_contexts: Option<std::path::PathBuf>,
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
    registry::lookup(name).is_none()
        && tg_bridge::exec::command_of(name).is_none()
        && !tg_bridge::is_taskgraph_code(name)
}

/// [`transform_items`] with the worker and tracer.
pub fn transform_items_with(
    ctx: &StageContext,
    items: Vec<Item>,
    log: Log,
    ext: &mut Extensions,
) -> anyhow::Result<Vec<Task>> {
    let mut tasks = Vec::new();
    run_kinds(ctx, items, log, ext, &mut Output::Collect(&mut tasks))?;
    Ok(tasks)
}

/// [`transform_items_with`], handing each kind's tasks to `emit` as JSON lines (the bytes
/// `JsonLinesWriter` writes) as soon as the kind is done; returns how many tasks there were.
///
/// Only the tasks of kinds that a later kind lists in `kind-dependencies` stay in memory. A kind
/// whose steps are all per-task built-ins (see [`batchable`]) runs its step chain on small
/// batches of dicts, so memory holds one batch in flight plus the kind's text; when a batch
/// shows a kind-wide dependency (see [`run_batch_safe`]), a duplicate label or an error, the
/// kind is run again whole, so outputs and errors are exactly those of the whole-kind run.
pub fn transform_items_streaming(
    ctx: &StageContext,
    items: Vec<Item>,
    log: Log,
    ext: &mut Extensions,
    emit: &mut dyn FnMut(&[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    let mut count = 0;
    run_kinds(ctx, items, log, ext, &mut Output::Stream { emit, count: &mut count })?;
    Ok(count)
}

/// Where finished kinds go.
enum Output<'a> {
    /// Every task, in order (the library API).
    Collect(&'a mut Vec<Task>),
    /// JSON lines, kind by kind.
    Stream { emit: &'a mut dyn FnMut(&[u8]) -> anyhow::Result<()>, count: &'a mut usize },
}

/// A finished kind: its labels in order, its JSON lines (streaming) and the tasks kept.
struct KindDone {
    labels: Vec<String>,
    /// The JSON lines, in pieces (joining them would copy them all once more).
    text: Vec<Vec<u8>>,
    tasks: Vec<Task>,
}

/// The driver loop: every kind in order, through its steps, to `output`.
fn run_kinds(
    ctx: &StageContext,
    items: Vec<Item>,
    log: Log,
    ext: &mut Extensions,
    output: &mut Output<'_>,
) -> anyhow::Result<()> {
    let kinds = kinds_of(&ctx.graph_config, &items)?;
    let mut by_kind: IndexMap<String, Vec<TaskDict>> = IndexMap::new();
    for item in items {
        by_kind.entry(item.kind).or_default().push(item.item);
    }
    let streaming = matches!(output, Output::Stream { .. });

    let mut tasks_by_kind: IndexMap<String, Vec<Task>> = IndexMap::new();
    let mut seen_labels: HashMap<String, String> = HashMap::new();
    let docker_contexts = ext.docker_contexts.clone();
    for (position, kind) in kinds.iter().enumerate() {
        let inputs = by_kind.shift_remove(&kind.name).unwrap_or_default();
        let (deps, lent) = lend_dependencies(kind, &mut tasks_by_kind);
        // A custom loader tg-load deferred (kind-dependencies) runs now, with their tasks.
        let (inputs, names) = match crate::deferred_loader::load(kind, &inputs, &deps, ext.worker.as_mut())? {
            Some(loaded) => loaded,
            None => (inputs, transform_names(kind, &deps, ext.worker.as_mut())?),
        };
        let config = TransformConfig {
            kind: &kind.name,
            path: &kind.path,
            config: &kind.config,
            params: &ctx.parameters,
            kind_dependencies_tasks: &deps,
            graph_config: &ctx.graph_config,
            log,
            docker_contexts: docker_contexts.as_deref(),
        };
        let steps = plan(kind, names)?;
        let keep = !streaming || kinds.iter().skip(position + 1).any(|later| later.dependencies().contains(&kind.name));
        let batched = if streaming && ext.worker.is_none() && ext.tracer.is_none() && batchable(&steps) {
            run_kind_batched(&steps, &config, inputs.clone(), keep)
        } else {
            None
        };
        let done = match batched {
            Some(done) => done,
            None => run_kind_whole(&steps, &config, inputs, ext, streaming)?,
        };
        give_back_dependencies(deps, lent, &mut tasks_by_kind);
        for label in &done.labels {
            if let Some(other) = seen_labels.insert(label.clone(), kind.name.clone()) {
                return Err(bad_input(format!(
                    "kind {}, task {label}: duplicate label (also made by kind {other})",
                    kind.name
                )));
            }
        }
        log.debug(format!("generated {} tasks for kind {}", done.labels.len(), kind.name));
        match output {
            Output::Collect(all) => all.extend(done.tasks.iter().cloned()),
            Output::Stream { emit, count } => {
                for piece in &done.text {
                    emit(piece)?;
                }
                **count += done.labels.len();
            }
        }
        if keep {
            tasks_by_kind.insert(kind.name.clone(), done.tasks);
        } else if position + 1 == kinds.len() {
            // Freeing tens of thousands of `Value` trees costs as much as making them; the
            // process ends soon after.
            std::mem::forget(done.tasks);
        }
    }
    std::mem::forget(tasks_by_kind);
    Ok(())
}

/// The kind's whole step chain on all its dicts at once (the reference behaviour).
fn run_kind_whole(
    steps: &[Step],
    config: &TransformConfig<'_>,
    inputs: Vec<TaskDict>,
    ext: &mut Extensions,
    streaming: bool,
) -> anyhow::Result<KindDone> {
    let mut trace = ext.tracer.as_ref().map(|_| KindTrace::new(config.kind, &inputs));
    let mut kind_ready = false;
    let mut dicts = inputs;
    for step in steps {
        dicts = run_step(step, config, dicts, ext, &mut kind_ready, trace.as_mut())?;
    }
    let tasks = dicts.into_iter().map(|d| to_task(config.kind, d)).collect::<anyhow::Result<Vec<_>>>()?;
    let labels: Vec<String> = tasks.iter().map(|t| t.label.clone()).collect();
    if let (Some(trace), Some(tracer)) = (&trace, ext.tracer.as_mut()) {
        trace.finish(&labels, tracer)?;
    }
    let text = if streaming { json_lines(&tasks)? } else { Vec::new() };
    Ok(KindDone { labels, text, tasks })
}

/// Steps that treat every dict on its own, so a batch of dicts goes through them as the whole
/// kind would (`run` only for batches [`run_batch_safe`] accepts).
const PER_TASK_STEPS: &[&str] = &[
    "taskgraph.transforms.matrix",
    "taskgraph.transforms.task_context",
    "taskgraph.transforms.chunking",
    "taskgraph.transforms.run",
    "taskgraph.transforms.task",
];

/// Dicts per batch; `matrix` (which multiplies a dict by its cells) takes one at a time.
const BATCH: usize = 256;

/// The built-in module a native step runs.
fn module_of(step: &Step) -> Option<&str> {
    match step {
        Step::Native { name, .. } => Some(name.strip_suffix(":transforms").unwrap_or(name)),
        _ => None,
    }
}

/// Whether every step of the chain is a per-task built-in.
fn batchable(steps: &[Step]) -> bool {
    !steps.is_empty() && steps.iter().all(|s| module_of(s).is_some_and(|m| PER_TASK_STEPS.contains(&m)))
}

/// Whether `run` gives a batch the same result as the whole kind: its kind-wide parts (the
/// in-kind ordering by dependencies, fetches of this kind's own artifacts, the toolchain and
/// fetch kinds' artifact index) have nothing to do.
fn run_batch_safe(config: &TransformConfig<'_>, dicts: &[TaskDict]) -> bool {
    if matches!(config.kind, "toolchain" | "fetch") {
        return false;
    }
    let prefix = format!("{}-", config.kind);
    dicts.iter().all(|d| {
        let in_kind_dep = match d.get("dependencies") {
            Some(Value::Object(deps)) => deps.values().any(|v| v.as_str().is_none_or(|l| l.starts_with(&prefix))),
            _ => false,
        };
        let own_fetch = match d.get("fetches") {
            Some(Value::Object(f)) => f.contains_key(config.kind),
            _ => false,
        };
        !in_kind_dep && !own_fetch
    })
}

/// The kind's steps on batches; `None` when the kind must run whole instead.
fn run_kind_batched(
    steps: &[Step],
    config: &TransformConfig<'_>,
    inputs: Vec<TaskDict>,
    keep: bool,
) -> Option<KindDone> {
    let done = run_batches(steps, config, inputs, keep).ok().flatten().filter(|d| unique(&d.labels));
    if done.is_none() {
        config.log.debug(format!("kind {}: running its steps on the whole kind", config.kind));
    }
    done
}

/// Whether no label appears twice.
fn unique(labels: &[String]) -> bool {
    let mut seen: HashSet<&str> = HashSet::with_capacity(labels.len());
    labels.iter().all(|l| seen.insert(l))
}

/// `steps` on `dicts`, split into batches that run in parallel; the finished tasks of every
/// batch, in order. `Ok(None)`: a batch cannot stand for the whole kind.
fn run_batches(
    steps: &[Step],
    config: &TransformConfig<'_>,
    dicts: Vec<TaskDict>,
    keep: bool,
) -> anyhow::Result<Option<KindDone>> {
    use rayon::prelude::*;
    let Some((step, rest)) = steps.split_first() else {
        return finish_batch(config, dicts, keep).map(Some);
    };
    let Step::Native { run, .. } = step else { return Ok(None) };
    let module = module_of(step).unwrap_or_default();
    let size = if module == "taskgraph.transforms.matrix" { 1 } else { BATCH };
    let mut batches: Vec<Vec<TaskDict>> = Vec::with_capacity(dicts.len().div_ceil(size));
    let mut dicts = dicts.into_iter();
    loop {
        let batch: Vec<TaskDict> = dicts.by_ref().take(size).collect();
        if batch.is_empty() {
            break;
        }
        batches.push(batch);
    }
    let one = |batch: Vec<TaskDict>| {
        if module == "taskgraph.transforms.run" && !run_batch_safe(config, &batch) {
            return Ok(None);
        }
        let out = run(config, batch)?;
        run_batches(rest, config, out, keep)
    };
    // Matrix cells of one task at a time (they are many): the batches below them run in
    // parallel, bounded by one task's cells.
    let parts: Vec<anyhow::Result<Option<KindDone>>> =
        if size == 1 { batches.into_iter().map(one).collect() } else { batches.into_par_iter().map(one).collect() };
    let mut done = KindDone { labels: Vec::new(), text: Vec::new(), tasks: Vec::new() };
    for part in parts {
        let Some(part) = part? else { return Ok(None) };
        done.labels.extend(part.labels);
        done.text.extend(part.text);
        done.tasks.extend(part.tasks);
    }
    Ok(Some(done))
}

/// Finished dicts -> tasks -> JSON lines (the tasks kept when `keep`).
fn finish_batch(config: &TransformConfig<'_>, dicts: Vec<TaskDict>, keep: bool) -> anyhow::Result<KindDone> {
    let tasks: Vec<Task> = dicts.into_iter().map(|d| to_task(config.kind, d)).collect::<anyhow::Result<_>>()?;
    let labels = tasks.iter().map(|t| t.label.clone()).collect();
    let text = json_lines(&tasks)?;
    Ok(KindDone { labels, text, tasks: if keep { tasks } else { Vec::new() } })
}

/// Tasks as JSON lines, the bytes `JsonLinesWriter` writes, serialized in parallel in pieces
/// of a few tasks (kept apart: joining them would copy them all once more).
fn json_lines(tasks: &[Task]) -> anyhow::Result<Vec<Vec<u8>>> {
    use rayon::prelude::*;
    tasks
        .par_chunks(16)
        .map(|chunk| {
            let mut text = Vec::with_capacity(chunk.len() * 2048);
            for task in chunk {
                serde_json::to_writer(&mut text, task)?;
                text.push(b'\n');
            }
            // An exact copy: the kind's text stays in memory until the kind is done.
            Ok(text.as_slice().to_vec())
        })
        .collect()
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
                bad_input(format!(
                    "kind {}: transform {} needs the Python worker, which is not running",
                    config.kind,
                    names.join(", ")
                ))
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
        "taskgraph.transforms.run" if !project.run_using.is_empty() => dicts
            .iter()
            .any(|d| named(&project.run_using, d.get("run").and_then(|r| r.get("using")).and_then(Value::as_str))),
        "taskgraph.transforms.task" if !project.payload_builders.is_empty() || !project.index_builders.is_empty() => {
            dicts.iter().any(|d| {
                let index_type = d
                    .get("index")
                    .filter(|i| i.is_object())
                    .map(|i| i.get("type").and_then(Value::as_str).unwrap_or("generic"));
                named(&project.payload_builders, implementation_of(d, config).as_deref())
                    || named(&project.index_builders, index_type)
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
    tg_core::workertypes::worker_type_implementation(config.graph_config, worker_type).ok().map(|(imp, _)| imp)
}

/// The tasks of `kind`'s kind-dependencies, label -> task, in the order kinds were loaded:
/// moved out of `done` (labels are unique across kinds), with each kind's task count, so
/// [`give_back_dependencies`] can put them back without copying a task.
fn lend_dependencies(
    kind: &Kind,
    done: &mut IndexMap<String, Vec<Task>>,
) -> (IndexMap<String, Task>, Vec<(String, usize)>) {
    let deps = kind.dependencies();
    let mut lent = Vec::new();
    let mut out = IndexMap::new();
    for (name, tasks) in done.iter_mut().filter(|(name, _)| deps.contains(name)) {
        lent.push((name.clone(), tasks.len()));
        out.extend(std::mem::take(tasks).into_iter().map(|t| (t.label.clone(), t)));
    }
    (out, lent)
}

/// Put the tasks [`lend_dependencies`] lent back where they were.
fn give_back_dependencies(
    deps: IndexMap<String, Task>,
    lent: Vec<(String, usize)>,
    done: &mut IndexMap<String, Vec<Task>>,
) {
    let mut tasks = deps.into_values();
    for (name, count) in lent {
        if let Some(list) = done.get_mut(&name) {
            list.extend(tasks.by_ref().take(count));
        }
    }
}

/// The kind's transform names: its own list plus the default loader's additions, or, for a
/// custom loader, the list the loader leaves in the kind config.
fn transform_names(
    kind: &Kind,
    deps: &IndexMap<String, Task>,
    worker: Option<&mut Worker>,
) -> anyhow::Result<Vec<String>> {
    let loader = kind.loader();
    let mut names = kind.declared_transforms();
    if !BUILTIN_LOADERS.contains(&loader) {
        let worker = worker.ok_or_else(|| {
            bad_input(format!(
                "kind {}: loader {loader} is project code and the Python worker is not running",
                kind.name
            ))
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
