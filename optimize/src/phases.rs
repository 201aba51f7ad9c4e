//! The three phases of taskgraph's `optimize_task_graph`, in its order: removal (dependents
//! first), replacement (dependencies first, after one batched index look-up), and the
//! subgraph of what is left, with taskIds assigned and references resolved.

use crate::order::Links;
use crate::references::{ArtifactUrls, ReferenceContext};
use crate::strategy::{Evaluation, Replacement, Strategy};
use crate::taskids::TaskIdGenerator;
use crate::time::resolve_timestamps;
use crate::OptTask;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use tg_core::bad_input;
use tg_core::graph::TaskGraph;
use tg_core::quote::capped;
use tg_core::task::Task;

/// A task's strategy: `name (description)` for the logs, the strategy, its argument.
#[derive(Clone, Debug)]
pub struct Choice {
    pub opt_by: String,
    pub strategy: Strategy,
    pub arg: Value,
}

/// The target graph with what the phases need to know about it.
pub struct Target<'a, T = Task> {
    pub graph: &'a TaskGraph<T>,
    pub links: Links,
    /// Per task: its strategy (`None` only for do-not-optimize tasks, which never consult it).
    pub choices: Vec<Option<Choice>>,
    pub requested: Vec<bool>,
    pub do_not_optimize: Vec<bool>,
}

impl<T: OptTask> Target<'_, T> {
    /// The task at position `i` (the phases only visit positions of this graph's links).
    fn task(&self, i: usize) -> anyhow::Result<&T> {
        self.graph.tasks.get(i).ok_or_else(|| bad_input(format!("optimize: no task at position {i} of the graph")))
    }

    fn choice(&self, i: usize) -> anyhow::Result<&Choice> {
        match self.choices.get(i) {
            Some(Some(choice)) => Ok(choice),
            _ => Err(bad_input(format!("task {}: no optimization strategy", capped(self.task(i)?.label())))),
        }
    }

    /// Every index path of the tasks whose own strategy is `index-search` (do-not-optimize
    /// tasks excluded), sorted and without repeats.
    pub fn index_paths(&self) -> Vec<String> {
        let mut paths = BTreeSet::new();
        for (choice, &do_not_optimize) in self.choices.iter().zip(&self.do_not_optimize) {
            if do_not_optimize {
                continue;
            }
            if let Some(Choice { strategy: Strategy::IndexSearch, arg: Value::Array(items), .. }) = choice {
                paths.extend(items.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
        paths.into_iter().collect()
    }
}

/// `flags[i]`; false for a position outside them.
fn is_set(flags: &[bool], i: usize) -> bool {
    flags.get(i).copied().unwrap_or(false)
}

/// Set `flags[i]` to `value` (a position outside them is ignored).
fn set(flags: &mut [bool], i: usize, value: bool) {
    if let Some(flag) = flags.get_mut(i) {
        *flag = value;
    }
}

/// `lists[i]`; empty for a position outside them.
fn at(lists: &[Vec<usize>], i: usize) -> &[usize] {
    lists.get(i).map_or(&[], Vec::as_slice)
}

/// Counts per reason, for the summary line.
pub type Counts = BTreeMap<String, usize>;

/// The summary taskgraph logs after a phase.
pub fn summary(verb: &str, counts: &Counts) -> String {
    if counts.is_empty() {
        return format!("No tasks {verb} during optimization");
    }
    let parts: Vec<String> = counts.iter().map(|(by, n)| format!("{n} tasks by {by}")).collect();
    let mut title = verb.to_string();
    if let Some(first) = title.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    format!("{title} {} during optimization.", parts.join(", "))
}

/// What the removal phase decided about each task, for `-v`.
pub type Reasons = Vec<(usize, &'static str, String)>;

/// The removal phase (`remove_tasks`): which tasks are removed.
pub fn remove_tasks<T: OptTask>(
    target: &Target<T>,
    ev: &mut Evaluation,
) -> anyhow::Result<(Vec<bool>, Counts, Reasons)> {
    let n = target.graph.len();
    let dependents = &target.links.dependents;
    let mut removed = vec![false; n];
    let mut prune_candidates = vec![false; n];
    let mut counts = Counts::new();
    let mut reasons: Reasons = Vec::new();

    for label in target.links.preorder() {
        let task = target.task(label)?;
        let prune_deps: Vec<usize> = at(dependents, label)
            .iter()
            .copied()
            .filter(|&l| is_set(&prune_candidates, l))
            .filter(|&l| {
                target.task(l).is_ok_and(|t| {
                    let ifs = t.if_dependencies();
                    ifs.is_empty() || ifs.iter().any(|d| d == task.label())
                })
            })
            .collect();

        let keep = |reason: String, prune_candidates: &mut Vec<bool>, reasons: &mut Reasons| {
            reasons.push((label, "kept", reason));
            let mut queue = prune_deps.clone();
            while let Some(l) = queue.pop() {
                if !is_set(prune_candidates, l) || target.task(l).map_or(true, |t| t.if_dependencies().is_empty()) {
                    continue;
                }
                set(prune_candidates, l, false);
                queue.extend(at(dependents, l).iter().copied().filter(|&r| is_set(prune_candidates, r)));
            }
        };
        let remove = |reason: String,
                      prune_candidates: &mut Vec<bool>,
                      removed: &mut Vec<bool>,
                      counts: &mut Counts,
                      reasons: &mut Reasons| {
            if prune_deps.is_empty() {
                reasons.push((label, "removed", reason.clone()));
                *counts.entry(reason).or_default() += 1;
                set(removed, label, true);
            } else {
                set(prune_candidates, label, true);
            }
        };

        if is_set(&target.do_not_optimize, label) {
            keep("do not optimize".into(), &mut prune_candidates, &mut reasons);
            continue;
        }
        if at(dependents, label).iter().any(|&l| !is_set(&removed, l) && !prune_deps.contains(&l)) {
            keep("dependent tasks".into(), &mut prune_candidates, &mut reasons);
            continue;
        }
        if !is_set(&target.requested, label) {
            remove("dependents optimized".into(), &mut prune_candidates, &mut removed, &mut counts, &mut reasons);
            continue;
        }
        let choice = target.choice(label)?;
        if choice.strategy.should_remove(task, &choice.arg, ev)? {
            remove(choice.opt_by.clone(), &mut prune_candidates, &mut removed, &mut counts, &mut reasons);
            continue;
        }
        if !task.if_dependencies().is_empty() {
            reasons.push((label, "kept", choice.opt_by.clone()));
            set(&mut prune_candidates, label, true);
        } else {
            keep(choice.opt_by.clone(), &mut prune_candidates, &mut reasons);
        }
    }

    let reason = "if-dependencies pruning";
    let candidates: Vec<usize> = (0..n).filter(|&i| is_set(&prune_candidates, i)).collect();
    for label in candidates {
        let live_dependent =
            at(dependents, label).iter().any(|&d| !is_set(&prune_candidates, d) && !is_set(&removed, d));
        if live_dependent {
            reasons.push((label, "kept", "dependent tasks".into()));
            continue;
        }
        set(&mut removed, label, true);
        *counts.entry(reason.to_string()).or_default() += 1;
        reasons.push((label, "removed", reason.into()));
    }
    Ok((removed, counts, reasons))
}

/// What the replacement phase produced: replaced tasks' taskIds, and more removals.
pub struct Replaced {
    pub replaced: Vec<bool>,
    pub counts: Counts,
}

/// The replacement phase (`replace_tasks`). `label_to_task_id` receives the replacements;
/// `removed` grows when a strategy answers "remove".
pub fn replace_tasks<T: OptTask>(
    target: &Target<T>,
    ev: &mut Evaluation,
    existing_tasks: &BTreeMap<String, String>,
    removed: &mut [bool],
    label_to_task_id: &mut BTreeMap<String, String>,
    now: i64,
) -> anyhow::Result<Replaced> {
    let n = target.graph.len();
    let mut replaced = vec![false; n];
    let mut counts = Counts::new();
    let mut deadlines: BTreeMap<usize, String> = BTreeMap::new();

    for label in target.links.postorder(&vec![true; n]) {
        if is_set(&target.do_not_optimize, label) {
            continue;
        }
        if at(&target.links.dependencies, label).iter().any(|&l| !is_set(&replaced, l) && !is_set(removed, l)) {
            continue;
        }
        let task = target.task(label)?;
        if let Some(id) = existing_tasks.get(task.label()).filter(|id| !id.is_empty()) {
            label_to_task_id.insert(task.label().to_string(), id.clone());
            set(&mut replaced, label, true);
            *counts.entry("existing_tasks".into()).or_default() += 1;
            continue;
        }
        let choice = target.choice(label)?;
        let mut deadline: Option<String> = None;
        for &dependent in at(&target.links.dependents, label) {
            let d = deadline_of(target, dependent, now, &mut deadlines)?;
            if deadline.as_deref().is_none_or(|best| d.as_str() > best) {
                deadline = Some(d);
            }
        }
        let batched = matches!(choice.strategy, Strategy::IndexSearch);
        match choice.strategy.should_replace(task, deadline.as_deref(), &choice.arg, batched, ev)? {
            Replacement::Keep => continue,
            Replacement::Remove => set(removed, label, true),
            Replacement::With(id) => {
                ev.log.debug(format!("replace_tasks: {} replaced with {id} by optimization strategy", task.label()));
                label_to_task_id.insert(task.label().to_string(), id);
                set(&mut replaced, label, true);
            }
        }
        *counts.entry(choice.opt_by.clone()).or_default() += 1;
    }
    Ok(Replaced { replaced, counts })
}

/// A task's resolved `task.deadline`, computed once.
pub fn deadline_of<T: OptTask>(
    target: &Target<T>,
    i: usize,
    now: i64,
    cache: &mut BTreeMap<usize, String>,
) -> anyhow::Result<String> {
    if let Some(d) = cache.get(&i) {
        return Ok(d.clone());
    }
    let task = target.task(i)?;
    let label = capped(task.label());
    let raw =
        task.deadline()?.ok_or_else(|| bad_input(format!("task {label}: task.deadline: required key missing")))?;
    let resolved = resolve_timestamps(&raw, tg_core::time::Instant(now))
        .map_err(|e| bad_input(format!("task {label}: task.deadline: {e}")))?;
    let Value::String(text) = resolved else {
        return Err(bad_input(format!(
            "task {label}: task.deadline: expected a timestamp, got {}",
            capped(&resolved.to_string())
        )));
    };
    cache.insert(i, text.clone());
    Ok(text)
}

/// What `get_subgraph` needs besides the target graph.
pub struct SubgraphInputs<'a> {
    pub removed: &'a [bool],
    pub replaced: &'a [bool],
    pub decision_task_id: &'a str,
    pub urls: &'a ArtifactUrls,
}

/// `get_subgraph`, first half: taskIds for every task not removed (new ones assigned in label
/// order), and the kept tasks' positions in postorder. [`finish_task`] (or the lean writer)
/// then makes each kept task.
pub fn subgraph_order<T: OptTask>(
    target: &Target<T>,
    inputs: &SubgraphInputs,
    label_to_task_id: &mut BTreeMap<String, String>,
    ids: &mut TaskIdGenerator,
) -> anyhow::Result<Vec<usize>> {
    check_no_removed_dependencies(target, inputs.removed)?;
    let n = target.graph.len();
    let mut unassigned: Vec<&str> = target
        .graph
        .tasks
        .iter()
        .zip(inputs.removed)
        .filter(|&(_, &removed)| !removed)
        .map(|(t, _)| t.label())
        .filter(|l| !label_to_task_id.contains_key(*l))
        .collect();
    unassigned.sort_unstable();
    for label in unassigned {
        label_to_task_id.insert(label.to_string(), ids.next_id()?);
    }
    let kept: Vec<bool> = (0..n).map(|i| !(is_set(inputs.removed, i) || is_set(inputs.replaced, i))).collect();
    Ok(target.links.postorder(&kept))
}

/// `get_subgraph`: the kept tasks, with taskIds, named dependencies mapped to taskIds,
/// references resolved and `task.dependencies` filled, in postorder.
pub fn subgraph(
    target: &Target,
    inputs: &SubgraphInputs,
    label_to_task_id: &mut BTreeMap<String, String>,
    ids: &mut TaskIdGenerator,
) -> anyhow::Result<Vec<Task>> {
    let order = subgraph_order(target, inputs, label_to_task_id, ids)?;
    let mut out = Vec::with_capacity(order.len());
    for i in order {
        out.push(finish_task(target.task(i)?, &task_links(target, i, inputs, label_to_task_id)?, inputs)?);
    }
    Ok(out)
}

/// "Optimization error: A depends on B as N but it has been removed" for every such edge.
fn check_no_removed_dependencies<T: OptTask>(target: &Target<T>, removed: &[bool]) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    for (task, &gone) in target.graph.tasks.iter().zip(removed) {
        if gone {
            continue;
        }
        for (name, dep) in task.dependencies() {
            if target.graph.position(dep).is_some_and(|d| is_set(removed, d)) {
                problems.push(format!(
                    "{} depends on {} as {} but it has been removed",
                    capped(task.label()),
                    capped(dep),
                    capped(name)
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(bad_input(format!("Optimization error: {}", problems.join(", "))))
    }
}

/// A kept task's new links: its taskId and its dependencies by name (soft dependencies still
/// present included, by label) mapped to taskIds, in `get_subgraph`'s order.
pub struct TaskLinks {
    pub task_id: String,
    pub named: Vec<(String, String)>,
}

impl TaskLinks {
    /// The task's `dependencies` mapping after the subgraph: names now map to taskIds.
    pub fn dependencies(&self, before: &indexmap::IndexMap<String, String>) -> indexmap::IndexMap<String, String> {
        let mut deps = before.clone();
        for (name, id) in &self.named {
            deps.insert(name.clone(), id.clone());
        }
        deps
    }

    /// The taskIds for the definition's `dependencies` list, sorted.
    pub fn sorted_ids(&self) -> Vec<&String> {
        let mut ids: Vec<&String> = self.named.iter().map(|(_, id)| id).collect();
        ids.sort();
        ids
    }
}

/// The links of kept task `i`.
pub fn task_links<T: OptTask>(
    target: &Target<T>,
    i: usize,
    inputs: &SubgraphInputs,
    label_to_task_id: &BTreeMap<String, String>,
) -> anyhow::Result<TaskLinks> {
    let task = target.task(i)?;
    let id_of = |label: &str| {
        label_to_task_id.get(label).cloned().ok_or_else(|| {
            bad_input(format!("task {}: dependency {} has no taskId", capped(task.label()), capped(label)))
        })
    };
    let task_id = id_of(task.label())?;
    let mut named: Vec<(String, String)> = Vec::new();
    for (name, dep) in task.dependencies() {
        named.push((name.clone(), id_of(dep)?));
    }
    for soft in task.soft_dependencies() {
        let present =
            target.graph.position(soft).is_some_and(|p| !(is_set(inputs.removed, p) || is_set(inputs.replaced, p)));
        if present {
            if let Some(id) = label_to_task_id.get(soft) {
                named.retain(|(n, _)| n != soft);
                named.push((soft.clone(), id.clone()));
            }
        }
    }
    Ok(TaskLinks { task_id, named })
}

/// One kept task, as `get_subgraph` leaves it.
pub fn finish_task(task: &Task, links: &TaskLinks, inputs: &SubgraphInputs) -> anyhow::Result<Task> {
    let mut task = task.clone();
    let by_name: BTreeMap<String, String> = links.named.iter().cloned().collect();
    let ctx = ReferenceContext {
        label: &task.label,
        task_id: &links.task_id,
        decision_task_id: inputs.decision_task_id,
        dependencies: &by_name,
        urls: inputs.urls,
    };
    let mut definition = ctx.resolve(&task.task).map_err(bad_input)?;
    let Value::Object(def) = &mut definition else {
        return Err(bad_input(format!("task {}: task: expected a mapping", capped(&task.label))));
    };
    let deps = def.entry("dependencies").or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(deps) = deps else {
        return Err(bad_input(format!("task {}: task.dependencies: expected a list", capped(&task.label))));
    };
    deps.extend(links.sorted_ids().into_iter().map(|id| Value::String(id.clone())));
    task.dependencies = links.dependencies(&task.dependencies);
    task.task = definition;
    task.task_id = Some(links.task_id.clone());
    Ok(task)
}
