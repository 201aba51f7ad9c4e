//! The built-in callbacks, one function each, as taskgraph 24.5.1 runs them
//! (`taskgraph/actions/{add_new_jobs,retrigger,cancel,cancel_all,rebuild_cached_tasks}.py`):
//!
//! | callback | does |
//! |---|---|
//! | `add-new-jobs` | creates `input.tasks` (labels of the full graph) `times` times, with whatever they depend on that does not exist yet |
//! | `retrigger` | creates the target task again (`downstream`: also everything the decision created downstream of it), `times` times; refused (exit 1) unless the task has the `retrigger` attribute or `force` is given |
//! | `retrigger-disabled` | the same, for tasks that should rather be rerun |
//! | `retrigger-multiple` | per request: reruns the tasks that are not retriggerable, retriggers the others `times` times |
//! | `rerun` | reruns the target task when it failed or raised an exception |
//! | `retrigger-decision` | creates a copy of the target task's definition (decision, action and cron tasks) |
//! | `cancel` | cancels the target task (one past its deadline is left alone) |
//! | `cancel-all` | cancels every running, pending and unscheduled task of the group but the action task itself |
//! | `rebuild-cached-tasks` | creates every task with a `cached_task` attribute again |
//!
//! In test mode nothing is changed on Taskcluster: tasks are printed instead of created, and
//! cancel, rerun and status calls are only logged, exactly where taskgraph's `testing` flag
//! stops them. Reads (the index, artifacts, task definitions, the task group) still happen.

use crate::artifacts::ArtifactsDir;
use crate::create::{relativize_datestamps, Creator, Sink};
use crate::decision::{self, Decision};
use crate::services::{Cancelled, Services};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::error::{bad_input, usage};
use tg_core::params::Parameters;
use tg_core::quote::capped;
use tg_core::time::Instant;
use tg_optimize::index::{EmptyIndex, IndexSource, TaskclusterIndex};
use tg_optimize::references::ArtifactUrls;
use tg_optimize::strategy::Registry;
use tg_optimize::taskids::TaskIdGenerator;
use tg_submit::queue::TaskclusterQueue;

/// States in which `rerun` reruns a task.
pub const RERUN_STATES: [&str; 2] = ["exception", "failed"];

/// What the action was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The callback (`cb_name`).
    pub callback: String,
    /// The user's input (checked against the action's schema).
    pub input: Value,
    /// The task group the action was triggered for.
    pub task_group_id: Option<String>,
    /// The task the action was triggered for (`null` for group actions).
    pub task_id: Option<String>,
}

/// Where the decision's artifacts come from.
#[derive(Debug, Clone)]
pub enum DecisionSource {
    /// The index and the queue (taskgraph's way).
    Queue,
    /// A directory of artifacts, with the decision task's id.
    Dir { dir: PathBuf, task_id: Option<String> },
}

/// Settings for task creation.
#[derive(Debug, Clone)]
pub struct CreateSettings {
    /// Deterministic taskIds from this seed.
    pub seed: Option<u64>,
    pub now: Instant,
    pub registry: Registry,
    pub urls: ArtifactUrls,
    pub concurrency: usize,
}

/// Everything a callback works with.
pub struct Runner<'a> {
    pub graph_config: &'a GraphConfig,
    pub parameters: &'a Parameters,
    pub services: &'a Services,
    pub source: DecisionSource,
    /// Test mode: print instead of create, only log cancel/rerun/status.
    pub testing: bool,
    /// The action task's own id (`TASK_ID`).
    pub own_task_id: Option<String>,
    pub artifacts: ArtifactsDir,
    pub settings: CreateSettings,
    /// Where test mode prints the createTask requests.
    pub out: &'a mut dyn Write,
    pub log: Log,
    /// Tasks created (or printed) so far.
    pub created: usize,
}

/// Run the callback the request names.
pub fn dispatch(runner: &mut Runner, request: &Request) -> anyhow::Result<()> {
    match request.callback.as_str() {
        "add-new-jobs" => add_new_jobs(runner, request),
        "retrigger" | "retrigger-disabled" => retrigger(runner, request),
        "retrigger-multiple" => retrigger_multiple(runner, request),
        "rerun" => rerun(runner, request),
        "retrigger-decision" => retrigger_decision(runner, request),
        "cancel" => cancel(runner, request),
        "cancel-all" => cancel_all(runner, request),
        "rebuild-cached-tasks" => rebuild_cached_tasks(runner, request),
        other => Err(unknown_callback(other)),
    }
}

/// The error for a callback nobody registered, listing the known ones.
pub fn unknown_callback(name: &str) -> anyhow::Error {
    bad_input(format!(
        "Unknown callback: {}. Known callbacks: {}",
        capped(name),
        crate::registry::callback_names().join(", ")
    ))
}

impl Runner<'_> {
    /// The decision's graph and labels (taskgraph's `fetch_graph_and_labels`).
    fn decision(&self, request: &Request) -> anyhow::Result<Decision> {
        match &self.source {
            DecisionSource::Queue => decision::fetch(
                self.services,
                self.parameters,
                self.graph_config,
                request.task_group_id.as_deref(),
                self.log,
            ),
            DecisionSource::Dir { dir, task_id } => {
                let id = task_id.clone().or_else(|| request.task_group_id.clone()).ok_or_else(|| {
                    usage("--decision-dir needs the decision task's id: --decision-task-id or the task group id")
                })?;
                decision::read_dir(dir, &id)
            }
        }
    }

    /// A task creator for this decision.
    fn creator<'b>(&'b mut self, decision: &'b Decision) -> anyhow::Result<Creator<'b>> {
        let (index, sink): (Box<dyn IndexSource + 'b>, Sink<'b>) = if self.testing {
            // taskgraph's test mode sees no task statuses, so nothing is replaced from the index.
            (Box::new(EmptyIndex::silent(self.log)), Sink::Print(&mut *self.out))
        } else {
            let client = self.services.client("creating tasks")?.clone();
            let queue = TaskclusterQueue::new(client.clone());
            (Box::new(TaskclusterIndex::new(client)), Sink::Queue { queue, concurrency: self.settings.concurrency })
        };
        Ok(Creator {
            graph_config: self.graph_config,
            parameters: self.parameters,
            decision,
            own_task_id: self.own_task_id.clone(),
            artifacts: &self.artifacts,
            ids: match self.settings.seed {
                Some(seed) => TaskIdGenerator::seeded(seed),
                None => TaskIdGenerator::random(),
            },
            now: self.settings.now,
            registry: self.settings.registry.clone(),
            index,
            urls: self.settings.urls.clone(),
            sink,
            log: self.log,
            created: 0,
        })
    }

    /// The target task's id, which this callback needs.
    fn task_id<'r>(&self, request: &'r Request) -> anyhow::Result<&'r str> {
        request.task_id.as_deref().ok_or_else(|| {
            bad_input(format!(
                "{} applies to a task: give the task's id (ACTION_TASK_ID, or --task-id in test mode)",
                request.callback
            ))
        })
    }

    /// The label of a task definition (`metadata.name`).
    fn label_of(&self, definition: &Value, task_id: &str) -> anyhow::Result<String> {
        definition
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| bad_input(format!("task {}: its definition has no metadata.name", capped(task_id))))
    }

    /// taskgraph's `_rerun_task`.
    fn rerun_task(&self, task_id: &str, label: &str) -> anyhow::Result<()> {
        let state = if self.testing {
            self.log.info(format!("Would have gotten state for {task_id}."));
            "None".to_string()
        } else {
            let status = self.services.status(task_id)?;
            status.get("state").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or("unknown").to_string()
        };
        if !RERUN_STATES.contains(&state.as_str()) {
            self.log.warn(format!("No need to rerun {label}: state '{state}' not in ('exception', 'failed')!"));
            return Ok(());
        }
        if self.testing {
            self.log.info(format!("Would have rerun {task_id}."));
        } else {
            self.services.rerun_task(task_id)?;
        }
        self.log.info(format!("Reran {label}"));
        Ok(())
    }

    /// taskgraph's `cancel_task`, with a 409 (past the deadline) logged and ignored.
    fn cancel_task(&self, task_id: &str, quoted: bool) -> anyhow::Result<()> {
        if self.testing {
            self.log.info(format!("Would have cancelled {task_id}."));
            return Ok(());
        }
        if self.services.cancel_task(task_id)? == Cancelled::PastDeadline {
            let name = if quoted { format!("\"{task_id}\"") } else { task_id.to_string() };
            self.log.info(format!("Task {name} is past its deadline and cannot be cancelled."));
        }
        Ok(())
    }
}

/// `input.<key>` as a list of labels (the schema checked the type when present).
fn labels(input: &Value, key: &str, path: &str) -> anyhow::Result<Vec<String>> {
    match input.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad_input(format!("{path}: expected labels"))))
            .collect(),
        Some(other) => Err(bad_input(format!("{path}: expected a list of labels, got {}", capped(&other.to_string())))),
        None => Err(bad_input(format!("{path}: required (a list of task labels)"))),
    }
}

/// `input.times` (default 1).
fn times(input: &Value) -> anyhow::Result<u64> {
    match input.get("times") {
        None | Some(Value::Null) => Ok(1),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
            .ok_or_else(|| bad_input(format!("input.times: expected a count, got {}", capped(&v.to_string())))),
    }
}

/// Python truthiness of `input.<key>`.
fn flag(input: &Value, key: &str) -> bool {
    match input.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

fn add_new_jobs(runner: &mut Runner, request: &Request) -> anyhow::Result<()> {
    let decision = runner.decision(request)?;
    let mut to_run = BTreeSet::new();
    for label in labels(&request.input, "tasks", "input.tasks")? {
        if decision.full_graph.position(&label).is_none() {
            return Err(bad_input(format!("{} was not found in the task-graph", capped(&label))));
        }
        to_run.insert(label);
    }
    let times = times(&request.input)?;
    let artifacts = runner.artifacts.clone();
    let mut creator = runner.creator(&decision)?;
    let suffixes: Vec<String> = (0..times).map(|i| i.to_string()).collect();
    for suffix in &suffixes {
        creator.create_tasks(&to_run, suffix)?;
    }
    let created = creator.created;
    drop(creator);
    runner.created += created;
    artifacts.combine_task_graph_files(&suffixes)
}

/// taskgraph's `_should_retrigger`: the task's `retrigger` attribute (false when not in the graph).
fn should_retrigger(decision: &Decision, label: &str, log: Log) -> bool {
    match decision.full_graph.get(label) {
        None => {
            log.info(format!("Task {label} not in full taskgraph, assuming task should not be retriggered."));
            false
        }
        Some(task) => flag(&Value::Object(task.attributes.clone()), "retrigger"),
    }
}

fn retrigger(runner: &mut Runner, request: &Request) -> anyhow::Result<()> {
    let decision = runner.decision(request)?;
    let task_id = runner.task_id(request)?;
    let definition = decision.task_definition(runner.services, task_id)?;
    let label = runner.label_of(&definition, task_id)?;
    if !flag(&request.input, "force") && !should_retrigger(&decision, &label, runner.log) {
        return Err(bad_input(format!(
            "Not retriggering task {label}, task should not be retrigged and force not specified."
        )));
    }
    let mut to_run: BTreeSet<String> = [label.clone()].into_iter().collect();
    let mut with_downstream = " ";
    if flag(&request.input, "downstream") {
        to_run = downstream_of(&decision, &label)?;
        with_downstream = " (with downstream) ";
    }
    let times = times(&request.input)?;
    let artifacts = runner.artifacts.clone();
    let log = runner.log;
    let mut creator = runner.creator(&decision)?;
    let suffixes: Vec<String> = (0..times).map(|i| i.to_string()).collect();
    for (i, suffix) in suffixes.iter().enumerate() {
        creator.create_tasks(&to_run, suffix)?;
        log.info(format!("Scheduled {label}{with_downstream}(time {}/{times})", i + 1));
    }
    let created = creator.created;
    drop(creator);
    runner.created += created;
    artifacts.combine_task_graph_files(&suffixes)
}

/// `label` and every task depending on it, directly or not, that the decision (or an earlier
/// action) created.
fn downstream_of(decision: &Decision, label: &str) -> anyhow::Result<BTreeSet<String>> {
    let graph = &decision.full_graph;
    let start = graph
        .position(label)
        .ok_or_else(|| bad_input(format!("Unknown nodes in transitive closure: {}", capped(label))))?;
    let dependents = graph.dependent_positions();
    // Positions come from the graph's own index and edges: all below `graph.len()`.
    let mut seen = vec![false; graph.len()];
    let mut queue = Vec::new();
    let mut visit = |i: usize, queue: &mut Vec<usize>| {
        if let Some(flag @ false) = seen.get_mut(i) {
            *flag = true;
            queue.push(i);
        }
    };
    visit(start, &mut queue);
    while let Some(i) = queue.pop() {
        for &d in dependents.get(i).into_iter().flatten() {
            visit(d, &mut queue);
        }
    }
    Ok(graph
        .tasks
        .iter()
        .zip(&seen)
        .filter(|&(t, &seen)| seen && decision.label_to_taskid.contains_key(&t.label))
        .map(|(t, _)| t.label.clone())
        .collect())
}

fn retrigger_multiple(runner: &mut Runner, request: &Request) -> anyhow::Result<()> {
    let decision = runner.decision(request)?;
    let requests: Vec<Value> = match request.input.get("requests") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            return Err(bad_input(format!("input.requests: expected a list, got {}", capped(&other.to_string()))))
        }
    };
    let artifacts = runner.artifacts.clone();
    let mut suffixes = Vec::new();
    for (i, entry) in requests.iter().enumerate() {
        let path = format!("input.requests[{i}].tasks");
        let times = times(entry)?;
        let all = labels(entry, "tasks", &path)?;
        let (retrigger_tasks, rerun_tasks): (Vec<String>, Vec<String>) =
            all.into_iter().partition(|l| should_retrigger(&decision, l, runner.log));
        for label in &rerun_tasks {
            let task_id = decision
                .label_to_taskid
                .get(label)
                .ok_or_else(|| bad_input(format!("{path}: {} has no taskId in label-to-taskid.json", capped(label))))?;
            runner.rerun_task(task_id, label)?;
        }
        let to_run: BTreeSet<String> = retrigger_tasks.into_iter().collect();
        let mut creator = runner.creator(&decision)?;
        for j in 0..times {
            let suffix = format!("{i}-{j}");
            creator.create_tasks(&to_run, &suffix)?;
            suffixes.push(suffix);
        }
        let created = creator.created;
        drop(creator);
        runner.created += created;
    }
    artifacts.combine_task_graph_files(&suffixes)
}

fn rerun(runner: &mut Runner, request: &Request) -> anyhow::Result<()> {
    let task_id = runner.task_id(request)?;
    let decision = runner.decision(request)?;
    let definition = decision.task_definition(runner.services, task_id)?;
    let label = runner.label_of(&definition, task_id)?;
    if !decision.label_to_taskid.values().any(|id| id == task_id) {
        runner.log.warn(format!(
            "Refusing to rerun {label}: taskId {task_id} not in decision task {} label_to_taskid!",
            decision.task_id
        ));
    }
    runner.rerun_task(task_id, &label)
}

fn retrigger_decision(runner: &mut Runner, request: &Request) -> anyhow::Result<()> {
    let task_id = runner.task_id(request)?;
    // The definition comes from the queue; a decision directory's task-graph.json never holds
    // the decision task itself, but may hold an action's target.
    let definition = match &runner.source {
        DecisionSource::Dir { .. } if !runner.services.is_live() => {
            runner.decision(request)?.task_definition(runner.services, task_id)?
        }
        _ => runner.services.task_definition(task_id)?,
    };
    let definition = relativize_datestamps(&definition)?;
    let placeholder = Decision {
        task_id: request.task_group_id.clone().unwrap_or_default(),
        full_graph: Default::default(),
        label_to_taskid: Default::default(),
        definitions: Default::default(),
    };
    let mut creator = runner.creator(&placeholder)?;
    creator.create_task_from_def(definition)?;
    let created = creator.created;
    drop(creator);
    runner.created += created;
    Ok(())
}

fn cancel(runner: &mut Runner, request: &Request) -> anyhow::Result<()> {
    let task_id = runner.task_id(request)?;
    runner.cancel_task(task_id, true)
}

fn cancel_all(runner: &mut Runner, request: &Request) -> anyhow::Result<()> {
    let group = request
        .task_group_id
        .as_deref()
        .ok_or_else(|| bad_input("cancel-all needs the task group id (ACTION_TASK_GROUP_ID, or --task-group-id)"))?;
    let own = runner.own_task_id.clone().unwrap_or_default();
    let to_cancel: Vec<String> = runner.services.incomplete_tasks(group)?.into_iter().filter(|t| *t != own).collect();
    runner.log.info(format!("Cancelling {} tasks", to_cancel.len()));
    for task_id in &to_cancel {
        runner.log.info(format!("Cancelling task {task_id}"));
        runner.cancel_task(task_id, false)?;
    }
    Ok(())
}

fn rebuild_cached_tasks(runner: &mut Runner, request: &Request) -> anyhow::Result<()> {
    let decision = runner.decision(request)?;
    let cached: BTreeSet<String> = decision
        .full_graph
        .tasks
        .iter()
        .filter(|t| flag(&Value::Object(t.attributes.clone()), "cached_task"))
        .map(|t| t.label.clone())
        .collect();
    if cached.is_empty() {
        runner.log.info("no cached tasks in the full task graph: nothing to rebuild");
        return Ok(());
    }
    let mut creator = runner.creator(&decision)?;
    creator.create_tasks(&cached, "")?;
    let created = creator.created;
    drop(creator);
    runner.created += created;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn input_helpers_follow_python() {
        assert_eq!(times(&json!({})).unwrap(), 1);
        assert_eq!(times(&json!({"times": 3})).unwrap(), 3);
        assert!(times(&json!({"times": "3"})).is_err());
        assert!(flag(&json!({"force": true}), "force"));
        assert!(!flag(&json!({"force": 0}), "force"));
        assert!(!flag(&json!({}), "force"));
        assert_eq!(
            labels(&json!({}), "tasks", "input.tasks").unwrap_err().to_string(),
            "input.tasks: required (a list of task labels)"
        );
    }

    #[test]
    fn unknown_callbacks_list_the_known_ones() {
        let e = unknown_callback("nope").to_string();
        assert!(e.starts_with("Unknown callback: nope. Known callbacks: add-new-jobs, cancel, cancel-all,"), "{e}");
    }
}
