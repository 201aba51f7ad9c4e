//! Optimization strategies registered by project code (`@register_strategy("name")` in
//! `taskgraph.optimize.base`, from the `taskgraph.register` hook or the modules it imports).
//!
//! When a task's `optimization` names a strategy that is neither built in nor in the
//! `--strategies` file, and config.yml has a register hook, tg-optimize starts the project's
//! Python worker ([`tg_bridge`]) and asks it what the names are ([`add_project_strategies`]):
//!
//! - a composite (`Any`, `All`, `Alias`, `Not`, default `split_args`) of taskgraph's own
//!   strategies becomes the native composite (as if written in a strategies file);
//! - anything else is project code: [`Strategy::Project`]. Its calls run in the worker on
//!   taskgraph `Task` objects made from our records, with taskgraph's arguments:
//!   `should_remove_task(task, params, arg)` and `should_replace_task(task, params, deadline,
//!   arg)` (`deadline`: the latest resolved `task.deadline` of the task's dependents, or None).
//!
//! Each phase asks the worker once ([`ask_removal`], [`ask_replacement`]), for every task the
//! phase might ask about: removal, every requested task that is not in `do_not_optimize`;
//! replacement, every task not in `do_not_optimize` nor `existing_tasks` none of whose
//! dependencies surely stays (not removed, and in `do_not_optimize` or with a strategy that never
//! replaces — `never`, `always`, `skip-unless-changed` — and not in `existing_tasks`). taskgraph asks lazily (only the tasks whose dependents all went,
//! resp. whose dependencies all went), so a strategy may be asked about a few more tasks here;
//! the answers used, and so the graph, are the same for strategies without side effects. Built-in
//! names always run natively (taskgraph's `register_strategy` keeps the first registration of a
//! name, so a project cannot replace them that way).

use crate::phases::Target;
use crate::strategy::{Registry, Replacement, Strategy};
use crate::OptTask;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tg_bridge::{Phase, StrategyAnswer, StrategyCall, StrategyInfo, Worker, WorkerOptions};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::graph::TaskGraph;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_core::{bad_input, Map};

/// A strategy registered by project code.
#[derive(Clone)]
pub struct ProjectStrategy {
    /// The registered name.
    pub name: String,
    /// Its `description`, as taskgraph logs it in `name (description)`.
    pub description: String,
    oracle: Arc<Oracle>,
}

impl std::fmt::Debug for ProjectStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Project({:?})", self.name)
    }
}

impl PartialEq for ProjectStrategy {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && Arc::ptr_eq(&self.oracle, &other.oracle)
    }
}

/// The worker, and the answers of the current phase by (strategy, label).
struct Oracle {
    worker: Mutex<Worker>,
    log: Log,
    removal: Mutex<HashMap<(String, String), bool>>,
    replacement: Mutex<HashMap<(String, String), Replacement>>,
}

fn poisoned() -> anyhow::Error {
    bad_input("python worker unusable after an earlier failure")
}

impl ProjectStrategy {
    /// The worker's `should_remove_task` answer for `label` (asked by [`ask_removal`]).
    pub fn removal(&self, label: &str) -> anyhow::Result<bool> {
        let answers = self.oracle.removal.lock().map_err(|_| poisoned())?;
        answers.get(&(self.name.clone(), label.to_string())).copied().ok_or_else(|| self.not_asked(label))
    }

    /// The worker's `should_replace_task` answer for `label` (asked by [`ask_replacement`]).
    pub fn replacement(&self, label: &str) -> anyhow::Result<Replacement> {
        let answers = self.oracle.replacement.lock().map_err(|_| poisoned())?;
        answers.get(&(self.name.clone(), label.to_string())).cloned().ok_or_else(|| self.not_asked(label))
    }

    fn not_asked(&self, label: &str) -> anyhow::Error {
        bad_input(format!(
            "task {label}: optimization strategy {}: the worker was not asked about this task",
            self.name
        ))
    }
}

/// The strategy names the tasks use (each task's first `optimization` key).
fn used_names<T: OptTask>(graph: &TaskGraph<T>) -> BTreeSet<String> {
    graph
        .tasks
        .iter()
        .filter_map(|t| match t.optimization() {
            Some(Value::Object(map)) => map.keys().next().cloned(),
            _ => None,
        })
        .collect()
}

/// Register the project strategies the tasks use that `registry` does not know (see the
/// module documentation). Nothing happens (and no worker starts) when every name is known or
/// there is no register hook (the unknown name is then reported where it is used).
pub fn add_project_strategies<T: OptTask>(
    registry: &mut Registry,
    graph: &TaskGraph<T>,
    root: &Path,
    parameters: &Parameters,
    log: Log,
) -> anyhow::Result<()> {
    let unknown: Vec<String> = used_names(graph).into_iter().filter(|n| registry.get(n).is_none()).collect();
    if unknown.is_empty() || !root.join("config.yml").is_file() {
        return Ok(());
    }
    let graph_config = GraphConfig::load(root)?;
    if !tg_bridge::has_register_hook(&graph_config) {
        return Ok(());
    }
    log.debug(format!("optimization strategies registered by project code: {}", unknown.join(", ")));
    let mut worker = Worker::start(&WorkerOptions {
        program: "tg-optimize",
        root: root.to_path_buf(),
        parameters: None,
        overrides: Some(parameters.values.clone()),
        log,
    })?;
    let described = worker.strategies(&unknown)?;
    let oracle =
        Arc::new(Oracle { worker: Mutex::new(worker), log, removal: Mutex::default(), replacement: Mutex::default() });
    for (name, info) in described {
        match info {
            StrategyInfo::Definition(definition) => {
                let mut entry = Map::new();
                entry.insert(name.clone(), definition);
                registry.extend_from(&entry).map_err(|e| bad_input(format!("optimization strategy {e}")))?;
            }
            StrategyInfo::Python { description } => {
                let strategy = ProjectStrategy { name: name.clone(), description, oracle: Arc::clone(&oracle) };
                registry.insert(&name, Strategy::Project(strategy));
            }
        }
    }
    Ok(())
}

/// The oracle of the first project strategy a task uses, if any.
fn oracle_of<T>(target: &Target<T>) -> Option<Arc<Oracle>> {
    target.choices.iter().flatten().find_map(|c| match &c.strategy {
        Strategy::Project(p) => Some(Arc::clone(&p.oracle)),
        _ => None,
    })
}

/// A batch being built: the tasks (each once) and the calls naming them.
#[derive(Default)]
struct Batch {
    tasks: Vec<Task>,
    labels: Vec<String>,
    calls: Vec<StrategyCall>,
}

impl Batch {
    fn add<T: OptTask>(&mut self, task: &T, name: &str, arg: &Value, deadline: Option<String>) -> anyhow::Result<()> {
        self.tasks.push(task.to_task()?);
        self.labels.push(task.label().to_string());
        self.calls.push(StrategyCall {
            name: name.to_string(),
            task: self.tasks.len() - 1,
            arg: arg.clone(),
            deadline,
        });
        Ok(())
    }

    fn ask(self, oracle: &Oracle, phase: Phase) -> anyhow::Result<Vec<((String, String), StrategyAnswer)>> {
        let tasks: Vec<&Task> = self.tasks.iter().collect();
        let what = if phase == Phase::Remove { "should_remove_task" } else { "should_replace_task" };
        oracle.log.info(format!("project strategies: {} {what} calls in one python round trip", self.calls.len()));
        let answers = oracle.worker.lock().map_err(|_| poisoned())?.strategy_calls(phase, &tasks, &self.calls)?;
        Ok(self.calls.into_iter().zip(self.labels).zip(answers).map(|((c, l), a)| ((c.name, l), a)).collect())
    }
}

/// Before the removal phase: one batch of `should_remove_task` calls.
pub fn ask_removal<T: OptTask>(target: &Target<T>) -> anyhow::Result<()> {
    let Some(oracle) = oracle_of(target) else { return Ok(()) };
    let mut batch = Batch::default();
    let per_task =
        target.graph.tasks.iter().zip(&target.choices).zip(target.do_not_optimize.iter().zip(&target.requested));
    for ((task, choice), (&do_not_optimize, &requested)) in per_task {
        if do_not_optimize || !requested {
            continue;
        }
        if let Some(crate::phases::Choice { strategy: Strategy::Project(p), arg, .. }) = choice {
            batch.add(task, &p.name, arg, None)?;
        }
    }
    let answers = batch.ask(&oracle, Phase::Remove)?;
    let mut removal = oracle.removal.lock().map_err(|_| poisoned())?;
    removal.extend(answers.into_iter().map(|(k, a)| (k, a == StrategyAnswer::Yes)));
    Ok(())
}

/// Before the replacement phase (after the index look-up): one batch of `should_replace_task`
/// calls, each with the latest deadline of the task's dependents.
pub fn ask_replacement<T: OptTask>(
    target: &Target<T>,
    removed: &[bool],
    existing_tasks: &BTreeMap<String, String>,
    now: i64,
) -> anyhow::Result<()> {
    let Some(oracle) = oracle_of(target) else { return Ok(()) };
    let mut batch = Batch::default();
    let mut deadlines = BTreeMap::new();
    // A dependency that stays (not removed, and neither do-not-optimize-free nor able to be
    // replaced) means the phase never asks about the task.
    let stays = |d: &usize| {
        let d = *d;
        if removed.get(d) == Some(&true) {
            return false;
        }
        if target.do_not_optimize.get(d) == Some(&true) {
            return true;
        }
        let Some(dep) = target.graph.tasks.get(d) else { return false };
        let existing = existing_tasks.get(dep.label()).is_some_and(|id| !id.is_empty());
        let never_replaces = matches!(
            target.choices.get(d),
            Some(Some(crate::phases::Choice {
                strategy: Strategy::Never | Strategy::Always | Strategy::SkipUnlessChanged,
                ..
            }))
        );
        !existing && never_replaces
    };
    let none: &[usize] = &[];
    for (i, (task, choice)) in target.graph.tasks.iter().zip(&target.choices).enumerate() {
        let existing = existing_tasks.get(task.label()).is_some_and(|id| !id.is_empty());
        let blocked = target.links.dependencies.get(i).map_or(none, |d| d.as_slice()).iter().any(stays);
        if target.do_not_optimize.get(i) == Some(&true) || existing || blocked {
            continue;
        }
        if let Some(crate::phases::Choice { strategy: Strategy::Project(p), arg, .. }) = choice {
            // A dependent without a usable deadline fails the phase if it reaches this task
            // (as in taskgraph); until then, the task is not asked about.
            let mut deadline: Option<String> = None;
            let mut usable = true;
            for &dependent in target.links.dependents.get(i).map_or(none, |d| d.as_slice()) {
                match crate::phases::deadline_of(target, dependent, now, &mut deadlines) {
                    Ok(d) if deadline.as_deref().is_none_or(|best| d.as_str() > best) => deadline = Some(d),
                    Ok(_) => {}
                    Err(_) => usable = false,
                }
            }
            if usable {
                batch.add(task, &p.name, arg, deadline)?;
            }
        }
    }
    let answers = batch.ask(&oracle, Phase::Replace)?;
    let mut replacement = oracle.replacement.lock().map_err(|_| poisoned())?;
    replacement.extend(answers.into_iter().map(|(k, a)| {
        let r = match a {
            StrategyAnswer::No => Replacement::Keep,
            StrategyAnswer::Yes => Replacement::Remove,
            StrategyAnswer::TaskId(id) => Replacement::With(id),
        };
        (k, r)
    }));
    Ok(())
}
