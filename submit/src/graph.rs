//! The morphed graph as tg-submit sees it: tasks keyed by `task_id`, edges from each task
//! definition's `dependencies` (taskIds) restricted to tasks of the graph, as taskgraph's
//! `create_tasks` does. Dependencies on taskIds outside the graph (tasks an earlier decision
//! created, found by the optimizer) are not edges: those tasks exist already.
//!
//! Building one checks what creation relies on: every task has a `task_id`, taskIds and labels
//! are unique, `task.dependencies` is a list of strings, and the edges have no cycle (the error
//! prints its path). A task listing its own taskId is allowed (the queue allows it) and is not
//! an edge.

use serde_json::Value;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::BufRead;
use tg_core::error::bad_input;
use tg_core::jsonl::JsonLinesReader;
use tg_core::quote::capped;
use tg_core::task::Task;

/// Tasks in input order with their taskIds and in-graph edges.
#[derive(Debug)]
pub struct SubmitGraph {
    pub tasks: Vec<Task>,
    /// `tasks[i].task_id`, unwrapped.
    pub task_ids: Vec<String>,
    /// Where each task came from (`<stdin>:17`), for messages.
    pub positions: Vec<String>,
    /// Positions of each task's in-graph dependencies (deduplicated, input order).
    pub deps: Vec<Vec<usize>>,
    /// Positions of each task's in-graph dependents (input order).
    pub dependents: Vec<Vec<usize>>,
    by_task_id: HashMap<String, usize>,
}

impl SubmitGraph {
    /// Read every task line of `input` (named `source` in errors) and check the graph.
    pub fn read(input: impl BufRead, source: &str) -> anyhow::Result<SubmitGraph> {
        let mut reader = JsonLinesReader::new(input, source);
        let mut tasks = Vec::new();
        let mut positions = Vec::new();
        while let Some(task) = reader.next_record::<Task>()? {
            tasks.push(task);
            positions.push(reader.position());
        }
        SubmitGraph::new(tasks, positions)
    }

    /// [`SubmitGraph::read`] holding less: each task definition (`task`) is kept as compact
    /// JSON text (returned by position, for [`crate::definition::serialized_bodies`]), and the
    /// records keep only what the graph and the copy counts use: kind, label, `task_id`,
    /// `attributes.task_duplicates` and `task.dependencies`. Checks and errors are those of
    /// [`SubmitGraph::read`]. For runs that write no artifacts (task-graph.json needs the records).
    pub fn read_lean(input: impl BufRead, source: &str) -> anyhow::Result<(SubmitGraph, Vec<Box<str>>)> {
        let mut reader = JsonLinesReader::new(input, source);
        let mut tasks = Vec::new();
        let mut positions = Vec::new();
        let mut definitions = Vec::new();
        while let Some(task) = reader.next_record::<Task>()? {
            let (task, definition) = lean_record(task)?;
            tasks.push(task);
            definitions.push(definition);
            positions.push(reader.position());
        }
        Ok((SubmitGraph::new(tasks, positions)?, definitions))
    }

    /// Index `tasks` (with their positions) and check them.
    pub fn new(tasks: Vec<Task>, positions: Vec<String>) -> anyhow::Result<SubmitGraph> {
        if positions.len() != tasks.len() {
            return Err(bad_input(format!(
                "submit graph: {} tasks but {} positions (one position per task expected)",
                tasks.len(),
                positions.len()
            )));
        }
        let mut task_ids = Vec::with_capacity(tasks.len());
        let mut by_task_id = HashMap::with_capacity(tasks.len());
        let mut by_label: HashMap<&str, usize> = HashMap::with_capacity(tasks.len());
        for (i, (task, at)) in tasks.iter().zip(&positions).enumerate() {
            let (kind, label) = (capped(&task.kind), capped(&task.label));
            let Some(task_id) = task.task_id.clone() else {
                return Err(bad_input(format!(
                    "{at}: kind {kind}, task {label}: task_id: missing; \
                     tg-submit reads the morphed graph (run tg-optimize first)"
                )));
            };
            if let Some(prev) = by_task_id.insert(task_id.clone(), i) {
                let prev_label = tasks.get(prev).map_or("", |t| t.label.as_str());
                return Err(bad_input(format!(
                    "{at}: kind {kind}, task {label}: task_id: {} is also the taskId of {} ({})",
                    capped(&task_id),
                    capped(prev_label),
                    position_in(&positions, prev)
                )));
            }
            if let Some(prev) = by_label.insert(&task.label, i) {
                return Err(bad_input(format!(
                    "{at}: kind {kind}, task {label}: label: duplicate label (first at {})",
                    position_in(&positions, prev)
                )));
            }
            if !task.task.is_object() {
                return Err(bad_input(format!(
                    "{at}: kind {kind}, task {label}: task: expected a mapping (the task definition)"
                )));
            }
            task_ids.push(task_id);
        }
        let deps = in_graph_dependencies(&tasks, &positions, &by_task_id)?;
        let mut dependents = vec![Vec::new(); tasks.len()];
        for (i, ds) in deps.iter().enumerate() {
            for &d in ds {
                if let Some(list) = dependents.get_mut(d) {
                    list.push(i);
                }
            }
        }
        let graph = SubmitGraph { tasks, task_ids, positions, deps, dependents, by_task_id };
        graph.check_acyclic()?;
        Ok(graph)
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Position of the task with `task_id`.
    pub fn position_of(&self, task_id: &str) -> Option<usize> {
        self.by_task_id.get(task_id).copied()
    }

    /// Where task `i` came from (`<stdin>:17`), for messages.
    pub fn at(&self, i: usize) -> &str {
        position_in(&self.positions, i)
    }

    /// The label of task `i` (`""` for a position outside the graph).
    pub fn label(&self, i: usize) -> &str {
        self.tasks.get(i).map_or("", |t| t.label.as_str())
    }

    /// The taskId of task `i` (`""` for a position outside the graph).
    pub fn task_id(&self, i: usize) -> &str {
        self.task_ids.get(i).map_or("", String::as_str)
    }

    /// Positions of task `i`'s in-graph dependencies (none for a position outside the graph).
    pub fn dependencies_of(&self, i: usize) -> &[usize] {
        self.deps.get(i).map_or(&[], Vec::as_slice)
    }

    /// Positions of the tasks that depend on task `i` in the graph.
    pub fn dependents_of(&self, i: usize) -> &[usize] {
        self.dependents.get(i).map_or(&[], Vec::as_slice)
    }

    /// Free what the task records hold besides kind and label (the definitions, attributes,
    /// dependency maps): once the createTask bodies and the artifacts are made, messages need
    /// only those two, and the bodies are not kept twice while tasks are created.
    pub fn release_task_records(&mut self) {
        for task in &mut self.tasks {
            *task = Task {
                kind: std::mem::take(&mut task.kind),
                label: std::mem::take(&mut task.label),
                description: String::new(),
                attributes: Default::default(),
                dependencies: Default::default(),
                soft_dependencies: Vec::new(),
                if_dependencies: Vec::new(),
                optimization: None,
                task: Value::Null,
                task_id: None,
            };
        }
    }

    /// A creation order: dependencies first, ties broken by input order.
    pub fn creation_order(&self) -> Vec<usize> {
        let mut remaining: Vec<usize> = self.deps.iter().map(Vec::len).collect();
        let mut ready: BinaryHeap<Reverse<usize>> =
            remaining.iter().enumerate().filter(|&(_, &n)| n == 0).map(|(i, _)| Reverse(i)).collect();
        let mut order = Vec::with_capacity(self.len());
        while let Some(Reverse(i)) = ready.pop() {
            order.push(i);
            for &d in self.dependents_of(i) {
                if count_down(&mut remaining, d) {
                    ready.push(Reverse(d));
                }
            }
        }
        order
    }

    /// A cycle is bad input; the message lists its labels.
    fn check_acyclic(&self) -> anyhow::Result<()> {
        if self.creation_order().len() == self.len() {
            return Ok(());
        }
        let cycle = self.find_cycle();
        let labels: Vec<String> =
            cycle.iter().filter_map(|&i| self.tasks.get(i)).map(|t| capped(&t.label).to_string()).collect();
        Err(bad_input(format!("dependency cycle: {}", labels.join(" -> "))))
    }

    /// The tasks of one cycle, first task repeated at the end (iterative DFS, input order).
    fn find_cycle(&self) -> Vec<usize> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut mark = vec![Mark::New; self.len()];
        let set = |mark: &mut Vec<Mark>, i: usize, to: Mark| {
            if let Some(slot) = mark.get_mut(i) {
                *slot = to;
            }
        };
        for start in 0..self.len() {
            if mark.get(start) != Some(&Mark::New) {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            set(&mut mark, start, Mark::Open);
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&dep) = self.dependencies_of(node).get(*next) {
                    *next += 1;
                    match mark.get(dep) {
                        Some(Mark::New) => {
                            set(&mut mark, dep, Mark::Open);
                            stack.push((dep, 0));
                        }
                        Some(Mark::Open) => {
                            let from = stack.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                            let on_stack = stack.get(from..).unwrap_or_default();
                            return on_stack.iter().map(|&(n, _)| n).chain([dep]).collect();
                        }
                        Some(Mark::Done) | None => {}
                    }
                } else {
                    set(&mut mark, node, Mark::Done);
                    stack.pop();
                }
            }
        }
        Vec::new()
    }
}

/// `task` reduced as [`SubmitGraph::read_lean`] describes, and its definition as compact JSON.
/// A definition that is not a mapping stays in the record, for [`SubmitGraph::new`]'s error.
fn lean_record(task: Task) -> anyhow::Result<(Task, Box<str>)> {
    let Task { kind, label, mut attributes, task: definition, task_id, .. } = task;
    let (kept, text) = match definition {
        Value::Object(map) => {
            let mut kept = serde_json::Map::new();
            if let Some(deps) = map.get("dependencies") {
                kept.insert("dependencies".to_string(), deps.clone());
            }
            (Value::Object(kept), serde_json::to_string(&map)?)
        }
        other => (other, String::new()),
    };
    let mut lean_attributes = serde_json::Map::new();
    if let Some(n) = attributes.remove("task_duplicates") {
        lean_attributes.insert("task_duplicates".to_string(), n);
    }
    let lean = Task {
        kind,
        label,
        description: String::new(),
        attributes: lean_attributes,
        dependencies: Default::default(),
        soft_dependencies: Vec::new(),
        if_dependencies: Vec::new(),
        optimization: None,
        task: kept,
        task_id,
    };
    Ok((lean, text.into_boxed_str()))
}

/// `positions[i]`, or a placeholder for a position outside the graph.
fn position_in(positions: &[String], i: usize) -> &str {
    positions.get(i).map_or("<unknown position>", String::as_str)
}

/// Decrement `remaining[i]`; true when it reaches 0 (the task is ready).
pub(crate) fn count_down(remaining: &mut [usize], i: usize) -> bool {
    match remaining.get_mut(i) {
        Some(n) if *n > 0 => {
            *n -= 1;
            *n == 0
        }
        _ => false,
    }
}

/// Each task's `task.dependencies` that name tasks of the graph (not itself), deduplicated.
fn in_graph_dependencies(
    tasks: &[Task],
    positions: &[String],
    by_task_id: &HashMap<String, usize>,
) -> anyhow::Result<Vec<Vec<usize>>> {
    let mut all = Vec::with_capacity(tasks.len());
    for (i, task) in tasks.iter().enumerate() {
        let mut deps = Vec::new();
        for dep in dependency_ids(task).map_err(|msg| {
            bad_input(format!(
                "{}: kind {}, task {}: task.dependencies: {msg}",
                position_in(positions, i),
                capped(&task.kind),
                capped(&task.label)
            ))
        })? {
            if let Some(&d) = by_task_id.get(dep) {
                if d != i && !deps.contains(&d) {
                    deps.push(d);
                }
            }
        }
        all.push(deps);
    }
    Ok(all)
}

/// The taskIds a task definition lists in `dependencies` (absent: none).
pub fn dependency_ids(task: &Task) -> Result<Vec<&str>, String> {
    match task.task.get("dependencies") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(n, v)| v.as_str().ok_or_else(|| format!("[{n}]: expected a taskId string")))
            .collect(),
        Some(other) => Err(format!("expected a list of taskIds, got {}", tg_core::config::type_name(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(label: &str, id: &str, deps: &[&str]) -> String {
        serde_json::json!({"kind": "k", "label": label, "task": {"dependencies": deps}, "task_id": id}).to_string()
            + "\n"
    }

    fn read(text: &str) -> anyhow::Result<SubmitGraph> {
        SubmitGraph::read(text.as_bytes(), "<stdin>")
    }

    #[test]
    fn orders_dependencies_first_and_ignores_outside_ids() {
        let text =
            [line("c", "C", &["B", "EXTERNAL"]), line("b", "B", &["A"]), line("a", "A", &[]), line("d", "D", &["D"])]
                .concat();
        let g = read(&text).unwrap();
        assert_eq!(g.creation_order(), vec![2, 1, 0, 3]);
        assert_eq!(g.deps[0], vec![1]);
        assert!(g.deps[3].is_empty());
    }

    #[test]
    fn cycles_and_duplicates_are_named() {
        let text = [line("a", "A", &["C"]), line("b", "B", &["A"]), line("c", "C", &["B"])].concat();
        assert_eq!(read(&text).unwrap_err().to_string(), "dependency cycle: a -> c -> b -> a");
        let text = [line("a", "A", &[]), line("b", "A", &[])].concat();
        assert_eq!(
            read(&text).unwrap_err().to_string(),
            "<stdin>:2: kind k, task b: task_id: A is also the taskId of a (<stdin>:1)"
        );
        let e = read("{\"kind\":\"k\",\"label\":\"x\",\"task\":{}}\n").unwrap_err().to_string();
        assert!(e.starts_with("<stdin>:1: kind k, task x: task_id: missing"), "{e}");
        let e =
            read("{\"kind\":\"k\",\"label\":\"x\",\"task\":{\"dependencies\":[1]},\"task_id\":\"X\"}\n").unwrap_err();
        assert_eq!(e.to_string(), "<stdin>:1: kind k, task x: task.dependencies: [0]: expected a taskId string");
    }

    fn shown(huge: &str) -> String {
        format!("{}… ({} bytes)", &huge[..tg_core::quote::MAX_QUOTED_CHARS], huge.len())
    }

    #[test]
    fn huge_labels_and_task_ids_are_capped_in_errors() {
        let huge = "h".repeat(1_000_000);
        let text = [line(&huge, "A", &[]), line("b", "A", &[])].concat();
        let e = read(&text).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("<stdin>:2: kind k, task b: task_id: A is also the taskId of {} (<stdin>:1)", shown(&huge))
        );
        let text = [line("a", &huge, &[]), line("b", &huge, &[])].concat();
        let e = read(&text).unwrap_err().to_string();
        assert!(e.starts_with(&format!("<stdin>:2: kind k, task b: task_id: {} is also", shown(&huge))), "{e}");
        let text = [line(&huge, "A", &[]), line(&huge, "B", &[])].concat();
        let e = read(&text).unwrap_err().to_string();
        assert_eq!(e, format!("<stdin>:2: kind k, task {}: label: duplicate label (first at <stdin>:1)", shown(&huge)));
        let text = [line(&huge, "A", &["B"]), line("b", "B", &["A"])].concat();
        assert_eq!(read(&text).unwrap_err().to_string(), format!("dependency cycle: {0} -> b -> {0}", shown(&huge)));
    }

    #[test]
    fn inconsistent_parts_are_errors_or_ignored_not_panics() {
        let g = read(&[line("a", "A", &[]), line("b", "B", &["A"])].concat()).unwrap();
        let e = SubmitGraph::new(g.tasks.clone(), vec!["<stdin>:1".into()]).unwrap_err().to_string();
        assert_eq!(e, "submit graph: 2 tasks but 1 positions (one position per task expected)");
        // The edge lists are public: a caller that shortens them gets no panic.
        let mut g = g;
        g.dependents.clear();
        assert_eq!(g.creation_order(), vec![0]);
        assert_eq!((g.label(5), g.task_id(5), g.at(5)), ("", "", "<unknown position>"));
        assert!(g.dependencies_of(5).is_empty() && g.dependents_of(0).is_empty());
    }
}
