//! tg-optimize: the target task graph in, the optimized task graph out (JSON lines).
//!
//! What taskgraph 24.5.1's `optimize_task_graph` does, in its order:
//!
//! 1. **Removal** ([`phases::remove_tasks`]), dependents first: tasks in `do_not_optimize`
//!    stay; a task something still depends on stays; a task that was not requested (only pulled
//!    in as a dependency) goes once its dependents went; otherwise the task's strategy decides
//!    ([`strategy`]); `if_dependencies` prune tasks whose listed dependencies all went.
//! 2. **Index look-up**: every path of every `index-search` task, in one batched
//!    `index.findTasksAtIndex`, then one `queue.statuses` for the taskIds found ([`index`]).
//! 3. **Replacement** ([`phases::replace_tasks`]), dependencies first: `existing_tasks`
//!    parameter entries, then strategies (`index-search` finds a usable indexed task).
//! 4. **Subgraph** ([`phases::subgraph`]): a new taskId per kept task (slugids assigned in label
//!    order, [`taskids`]), `task.dependencies` (name -> taskId, soft dependencies still present
//!    included) and the definition's `dependencies` list, `task-reference`/`artifact-reference`
//!    resolved ([`references`]).
//!
//! Requested tasks are the target set plus `always_target` tasks. The target set comes from
//! `--target-tasks FILE` (what `taskgraph target --json` prints, or a list of labels); without
//! it every input task counts as requested (a task pulled in only as a dependency then stays
//! when its dependents are optimized away, where taskgraph would drop it).

pub mod cli;
pub mod index;
pub mod order;
pub mod pathmatch;
pub mod phases;
pub mod project;
pub mod references;
pub mod strategy;

pub mod lean;

/// Homes in tg-core, under the paths `src/main.rs` uses.
pub use tg_core::taskids::{self, label_to_task_id_json};
pub use tg_core::time;

use index::{FileIndex, IndexSource};
use phases::{Choice, SubgraphInputs, Target};
use references::ArtifactUrls;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;
use strategy::{Evaluation, Registry};
use tg_core::cli::Log;
use tg_core::graph::{GraphNode, TaskGraph};
use tg_core::params::Parameters;
use tg_core::quote::capped;
use tg_core::task::Task;
use tg_core::taskids::TaskIdGenerator;
use tg_core::{bad_input, usage};

/// What optimizing reads of a task: [`Task`], or the lean form `tg-optimize` reads
/// ([`lean::OptTaskLean`]).
pub trait OptTask: GraphNode {
    fn kind(&self) -> &str;
    fn soft_dependencies(&self) -> &[String];
    fn if_dependencies(&self) -> &[String];
    /// `optimization`: `{strategy: argument}` or null.
    fn optimization(&self) -> Option<&Value>;
    /// A true `always_target` attribute.
    fn always_target(&self) -> bool;
    /// `task.deadline`, if there.
    fn deadline(&self) -> anyhow::Result<Option<Value>>;
    /// The whole task (for project strategies, which get taskgraph `Task` objects).
    fn to_task(&self) -> anyhow::Result<Task>;
}

impl OptTask for Task {
    fn kind(&self) -> &str {
        &self.kind
    }

    fn soft_dependencies(&self) -> &[String] {
        &self.soft_dependencies
    }

    fn if_dependencies(&self) -> &[String] {
        &self.if_dependencies
    }

    fn optimization(&self) -> Option<&Value> {
        self.optimization.as_ref()
    }

    fn always_target(&self) -> bool {
        self.attributes.get("always_target").is_some_and(strategy::is_truthy)
    }

    fn deadline(&self) -> anyhow::Result<Option<Value>> {
        Ok(self.task.get("deadline").cloned())
    }

    fn to_task(&self) -> anyhow::Result<Task> {
        Ok(self.clone())
    }
}

/// The decision task id when `TASK_ID` is not set, as `taskgraph optimized` uses.
pub const DEFAULT_DECISION_TASK_ID: &str = "DECISION-TASK";

/// Everything `run` needs besides the graph: no globals, no environment reads.
pub struct Options {
    pub parameters: Parameters,
    /// The target set (`--target-tasks`), or `None` for "every input task".
    pub target_tasks: Option<Vec<String>>,
    /// Strategy registry (built-ins plus a `--strategies` file).
    pub registry: Registry,
    pub decision_task_id: String,
    pub urls: ArtifactUrls,
    /// "Now" in microseconds since the epoch, for deadlines.
    pub now: i64,
    pub log: Log,
}

/// What a run produced besides the tasks it wrote.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Kept and replaced tasks' labels -> taskIds.
    pub label_to_task_id: BTreeMap<String, String>,
    pub kept: usize,
    pub removed: usize,
    pub replaced: usize,
}

/// Read the target graph, optimize it, and write the optimized graph.
pub fn run(
    opts: &Options,
    index: &mut dyn IndexSource,
    ids: &mut TaskIdGenerator,
    input: impl BufRead,
    source: &str,
    output: impl Write,
) -> anyhow::Result<Outcome> {
    let graph = lean::read_graph(input, source, tg_core::stream::EndRule::Optional)?;
    let (optimized, outcome) = lean::optimize(&graph, opts, index, ids)?;
    optimized.write(output)?;
    Ok(outcome)
}

/// Optimize a checked graph; the kept tasks in postorder.
pub fn optimize(
    graph: &TaskGraph,
    opts: &Options,
    index: &mut dyn IndexSource,
    ids: &mut TaskIdGenerator,
) -> anyhow::Result<(Vec<Task>, Outcome)> {
    let plan = plan(graph, opts, index, ids)?;
    let inputs = plan.inputs(opts);
    let mut tasks = Vec::with_capacity(plan.order.len());
    for &i in &plan.order {
        let Some(task) = graph.tasks.get(i) else { continue };
        let links = phases::task_links(&plan.target, i, &inputs, &plan.label_to_task_id)?;
        tasks.push(phases::finish_task(task, &links, &inputs)?);
    }
    verify_always_optimized(&tasks)?;
    let outcome = plan.outcome(opts.log);
    Ok((tasks, outcome))
}

/// What the three phases decided; the kept tasks are made from it ([`optimize`], or the lean
/// writer).
pub struct Plan<'a, T> {
    pub target: Target<'a, T>,
    pub removed: Vec<bool>,
    pub replaced: Vec<bool>,
    /// Kept and replaced tasks' labels -> taskIds.
    pub label_to_task_id: BTreeMap<String, String>,
    /// The kept tasks' positions, in postorder.
    pub order: Vec<usize>,
}

impl<T: OptTask> Plan<'_, T> {
    /// What making the kept tasks reads besides the plan.
    pub fn inputs<'b>(&'b self, opts: &'b Options) -> SubgraphInputs<'b> {
        SubgraphInputs {
            removed: &self.removed,
            replaced: &self.replaced,
            decision_task_id: &opts.decision_task_id,
            urls: &opts.urls,
        }
    }

    /// The counts, logged as taskgraph's last line.
    pub fn outcome(self, log: Log) -> Outcome {
        let outcome = Outcome {
            kept: self.order.len(),
            removed: self.removed.iter().filter(|r| **r).count(),
            replaced: self.replaced.iter().filter(|r| **r).count(),
            label_to_task_id: self.label_to_task_id,
        };
        log.info(format!(
            "{} tasks in, {} kept, {} removed, {} replaced",
            self.target.graph.len(),
            outcome.kept,
            outcome.removed,
            outcome.replaced
        ));
        outcome
    }
}

/// Removal, index look-up, replacement, and the subgraph's taskIds and order.
pub fn plan<'a, T: OptTask>(
    graph: &'a TaskGraph<T>,
    opts: &Options,
    index: &mut dyn IndexSource,
    ids: &mut TaskIdGenerator,
) -> anyhow::Result<Plan<'a, T>> {
    let log = opts.log;
    let target = build_target(graph, opts)?;
    project::ask_removal(&target)?;

    let mut ev = Evaluation {
        params: &opts.parameters,
        index_to_task_id: &BTreeMap::new(),
        task_id_to_status: &BTreeMap::new(),
        index: &mut *index,
        matcher: pathmatch::PathMatcher::new(),
        log,
    };
    let (mut removed, counts, reasons) = phases::remove_tasks(&target, &mut ev)?;
    for (i, action, reason) in &reasons {
        let label = graph.tasks.get(*i).map_or("", |t| t.label());
        log.debug(format!("optimize: {label} {action} because of {reason}"));
    }
    log.info(phases::summary("removed", &counts));

    let (index_to_task_id, task_id_to_status) = look_up_index(&target, ev.index)?;
    let mut ev = Evaluation { index_to_task_id: &index_to_task_id, task_id_to_status: &task_id_to_status, ..ev };

    let existing = string_map(opts.parameters.get("existing_tasks"));
    project::ask_replacement(&target, &removed, &existing, opts.now)?;
    let mut label_to_task_id = BTreeMap::new();
    let replaced = phases::replace_tasks(&target, &mut ev, &existing, &mut removed, &mut label_to_task_id, opts.now)?;
    log.info(phases::summary("replaced", &replaced.counts));

    let inputs = SubgraphInputs {
        removed: &removed,
        replaced: &replaced.replaced,
        decision_task_id: &opts.decision_task_id,
        urls: &opts.urls,
    };
    let order = phases::subgraph_order(&target, &inputs, &mut label_to_task_id, ids)?;
    Ok(Plan { target, removed, replaced: replaced.replaced, label_to_task_id, order })
}

/// The target graph with each task's strategy, requested flag and do-not-optimize flag.
fn build_target<'a, T: OptTask>(graph: &'a TaskGraph<T>, opts: &Options) -> anyhow::Result<Target<'a, T>> {
    let params = &opts.parameters;
    let target_set: Vec<bool> = match &opts.target_tasks {
        None => vec![true; graph.len()],
        Some(labels) => {
            let mut set = vec![false; graph.len()];
            let mut missing = 0;
            for label in labels {
                match graph.position(label).and_then(|i| set.get_mut(i)) {
                    Some(flag) => *flag = true,
                    None => missing += 1,
                }
            }
            if missing > 0 {
                opts.log.warn(format!("{missing} target tasks are not in the input graph (ignored)"));
            }
            set
        }
    };
    let always = always_target_flags(graph, params.get("enable_always_target"));
    let requested: Vec<bool> = target_set.iter().zip(&always).map(|(t, a)| *t || *a).collect();

    let mut do_not_optimize = vec![false; graph.len()];
    if let Some(Value::Array(labels)) = params.get("do_not_optimize") {
        for label in labels.iter().filter_map(Value::as_str) {
            if let Some(flag) = graph.position(label).and_then(|i| do_not_optimize.get_mut(i)) {
                *flag = true;
            }
        }
    }
    if params.get("optimize_target_tasks") == Some(&Value::Bool(false)) {
        if opts.target_tasks.is_none() {
            opts.log
                .info("optimize_target_tasks is false and no --target-tasks given: every task counts as a target task");
        }
        for (flag, target) in do_not_optimize.iter_mut().zip(&target_set) {
            *flag |= *target;
        }
    }

    let mut choices = Vec::with_capacity(graph.len());
    for (task, &keep_as_is) in graph.tasks.iter().zip(&do_not_optimize) {
        match choose_strategy(task, &opts.registry) {
            Ok(choice) => choices.push(Some(choice)),
            Err(_) if keep_as_is => choices.push(None),
            Err(e) => return Err(e),
        }
    }
    Ok(Target { graph, links: order::Links::of(graph), choices, requested, do_not_optimize })
}

/// Tasks with the `always_target` attribute, where `enable_always_target` (true, or a list of
/// kinds) lets it count.
fn always_target_flags<T: OptTask>(graph: &TaskGraph<T>, enable: Option<&Value>) -> Vec<bool> {
    graph
        .tasks
        .iter()
        .map(|t| {
            let flagged = t.always_target();
            let enabled = match enable {
                Some(Value::Bool(b)) => *b,
                Some(Value::Array(kinds)) => kinds.iter().any(|k| k.as_str() == Some(t.kind())),
                _ => false,
            };
            flagged && enabled
        })
        .collect()
}

/// A task's strategy from its `optimization` (`null` or `{}`: `never`).
fn choose_strategy<T: OptTask>(task: &T, registry: &Registry) -> anyhow::Result<Choice> {
    let (name, arg) = match task.optimization() {
        None | Some(Value::Null) => ("never", Value::Null),
        Some(Value::Object(map)) => match map.iter().next() {
            None => ("never", Value::Null),
            Some((name, arg)) => (name.as_str(), arg.clone()),
        },
        Some(other) if !strategy::is_truthy(other) => ("never", Value::Null),
        Some(other) => {
            return Err(bad_input(format!(
                "task {}: optimization: expected null or {{strategy: argument}}, got {}",
                capped(task.label()),
                capped(&other.to_string())
            )))
        }
    };
    let strategy = registry.get(name).cloned().ok_or_else(|| {
        bad_input(format!(
            "task {}: optimization: unknown strategy {:?} (known: {})",
            capped(task.label()),
            capped(name).to_string(),
            registry.names().join(", ")
        ))
    })?;
    strategy
        .check_argument(&arg)
        .map_err(|e| bad_input(format!("task {}: optimization.{name}: {e}", capped(task.label()))))?;
    let opt_by = if task.optimization().is_some_and(strategy::is_truthy) {
        format!("{name} ({})", strategy.description())
    } else {
        "never".to_string()
    };
    Ok(Choice { opt_by, strategy, arg })
}

type IndexAnswers = (BTreeMap<String, String>, BTreeMap<String, Value>);

/// The batched look-ups: index paths to taskIds, then those taskIds' statuses.
fn look_up_index<T: OptTask>(target: &Target<T>, index: &mut dyn IndexSource) -> anyhow::Result<IndexAnswers> {
    let paths = target.index_paths();
    if paths.is_empty() {
        return Ok(Default::default());
    }
    let found = index.find_tasks_at_index(&paths)?;
    let mut task_ids: Vec<String> = found.values().cloned().collect();
    task_ids.sort();
    task_ids.dedup();
    let statuses = if task_ids.is_empty() { BTreeMap::new() } else { index.statuses(&task_ids)? };
    Ok((found, statuses))
}

/// taskgraph's only `optimized_task_graph` verification.
fn verify_always_optimized(tasks: &[Task]) -> anyhow::Result<()> {
    match tasks.iter().find(|t| t.task.get("workerType").and_then(Value::as_str) == Some("always-optimized")) {
        Some(t) => Err(bad_input(format!("Could not optimize the task '{}'", capped(&t.label)))),
        None => Ok(()),
    }
}

/// A parameter holding a string -> string mapping (`existing_tasks`).
fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    match value {
        Some(Value::Object(map)) => {
            map.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect()
        }
        _ => BTreeMap::new(),
    }
}

/// Read `--target-tasks`: a JSON object keyed by label (`taskgraph target --json`), a JSON
/// list of labels, or JSON lines of tasks with a `label`.
pub fn read_target_tasks(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    let source = path.display();
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map.keys().cloned().collect()),
        Ok(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Object(o) => o
                    .get("label")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| bad_input(format!("{source}: a list entry has no \"label\""))),
                _ => Err(bad_input(format!("{source}: expected labels or tasks in the list"))),
            })
            .collect(),
        Ok(_) => Err(bad_input(format!("{source}: expected a JSON object keyed by label or a list of labels"))),
        Err(_) => {
            let mut reader = tg_core::jsonl::JsonLinesReader::new(text.as_bytes(), source.to_string());
            let mut labels = Vec::new();
            while let Some(v) = reader.next_value()? {
                let label = v
                    .get("label")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad_input(format!("{}: a task without \"label\"", reader.position())))?;
                labels.push(label.to_string());
            }
            Ok(labels)
        }
    }
}

/// Read `--index FILE`; a malformed file is bad input naming the file, the index path and the
/// tasks that search it.
pub fn read_index_file(path: &Path, tasks_by_path: impl Fn(&str) -> Vec<String>) -> anyhow::Result<FileIndex> {
    let text =
        std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read index file {}: {e}", path.display())))?;
    FileIndex::parse(&text, &path.display().to_string()).map_err(|e| {
        let mut msg = format!("malformed index file {}: ", path.display());
        if let Some(p) = &e.index_path {
            msg.push_str(&format!("entry {p:?}"));
            let labels = tasks_by_path(p);
            if !labels.is_empty() {
                msg.push_str(&format!(" (searched by task {})", labels.join(", ")));
            }
            msg.push_str(": ");
        }
        msg.push_str(&e.message);
        bad_input(msg)
    })
}

/// Read a strategies file (YAML or JSON) into the registry.
pub fn read_strategies(path: &Path, registry: &mut Registry) -> anyhow::Result<()> {
    let value = tg_core::yaml::load_file(path)?;
    let Value::Object(map) = value else {
        return Err(bad_input(format!("{}: expected a mapping of strategy name to definition", path.display())));
    };
    registry.extend_from(&map).map_err(|e| bad_input(format!("{}: {e}", path.display())))
}
