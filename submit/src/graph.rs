//! The morphed graph as tg-submit sees it: tasks keyed by `task_id`, edges from each task
//! definition's `dependencies` (taskIds) restricted to tasks of the graph, as taskgraph's
//! `create_tasks` does. Dependencies on taskIds outside the graph (tasks an earlier decision
//! created, found by the optimizer) are not edges: those tasks exist already.
//!
//! Building one checks what creation relies on: every task has a `task_id`, taskIds and labels
//! are unique, `task.dependencies` is a list of strings, and the edges have no cycle (the error
//! prints its path). A task listing its own taskId is allowed (the queue allows it) and is not
//! an edge.

use tg_core::error::bad_input;
use tg_core::jsonl::JsonLinesReader;
use tg_core::task::Task;
use serde_json::Value;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::BufRead;

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

    /// Index `tasks` (with their positions) and check them.
    pub fn new(tasks: Vec<Task>, positions: Vec<String>) -> anyhow::Result<SubmitGraph> {
        let mut task_ids = Vec::with_capacity(tasks.len());
        let mut by_task_id = HashMap::with_capacity(tasks.len());
        let mut by_label: HashMap<&str, usize> = HashMap::with_capacity(tasks.len());
        for (i, task) in tasks.iter().enumerate() {
            let at = &positions[i];
            let Some(task_id) = task.task_id.clone() else {
                return Err(bad_input(format!(
                    "{at}: kind {}, task {}: task_id: missing; tg-submit reads the morphed graph (run tg-optimize first)",
                    task.kind, task.label
                )));
            };
            if let Some(prev) = by_task_id.insert(task_id.clone(), i) {
                return Err(bad_input(format!(
                    "{at}: kind {}, task {}: task_id: {task_id} is also the taskId of {} ({})",
                    task.kind, task.label, tasks[prev].label, positions[prev]
                )));
            }
            if let Some(prev) = by_label.insert(&task.label, i) {
                return Err(bad_input(format!(
                    "{at}: kind {}, task {}: label: duplicate label (first at {})",
                    task.kind, task.label, positions[prev]
                )));
            }
            if !task.task.is_object() {
                return Err(bad_input(format!(
                    "{at}: kind {}, task {}: task: expected a mapping (the task definition)",
                    task.kind, task.label
                )));
            }
            task_ids.push(task_id);
        }
        let deps = in_graph_dependencies(&tasks, &positions, &by_task_id)?;
        let mut dependents = vec![Vec::new(); tasks.len()];
        for (i, ds) in deps.iter().enumerate() {
            for &d in ds {
                dependents[d].push(i);
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
            (0..self.len()).filter(|&i| remaining[i] == 0).map(Reverse).collect();
        let mut order = Vec::with_capacity(self.len());
        while let Some(Reverse(i)) = ready.pop() {
            order.push(i);
            for &d in &self.dependents[i] {
                remaining[d] -= 1;
                if remaining[d] == 0 {
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
        let labels: Vec<&str> = cycle.iter().map(|&i| self.tasks[i].label.as_str()).collect();
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
        for start in 0..self.len() {
            if mark[start] != Mark::New {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            mark[start] = Mark::Open;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&dep) = self.deps[node].get(*next) {
                    *next += 1;
                    match mark[dep] {
                        Mark::New => {
                            mark[dep] = Mark::Open;
                            stack.push((dep, 0));
                        }
                        Mark::Open => {
                            let from = stack.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                            let mut cycle: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                            cycle.push(dep);
                            return cycle;
                        }
                        Mark::Done => {}
                    }
                } else {
                    mark[node] = Mark::Done;
                    stack.pop();
                }
            }
        }
        Vec::new()
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
            bad_input(format!("{}: kind {}, task {}: task.dependencies: {msg}", positions[i], task.kind, task.label))
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
        serde_json::json!({"kind": "k", "label": label, "task": {"dependencies": deps}, "task_id": id}).to_string() + "\n"
    }

    fn read(text: &str) -> anyhow::Result<SubmitGraph> {
        SubmitGraph::read(text.as_bytes(), "<stdin>")
    }

    #[test]
    fn orders_dependencies_first_and_ignores_outside_ids() {
        let text = [line("c", "C", &["B", "EXTERNAL"]), line("b", "B", &["A"]), line("a", "A", &[]), line("d", "D", &["D"])].concat();
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
        let e = read("{\"kind\":\"k\",\"label\":\"x\",\"task\":{\"dependencies\":[1]},\"task_id\":\"X\"}\n").unwrap_err();
        assert_eq!(e.to_string(), "<stdin>:1: kind k, task x: task.dependencies: [0]: expected a taskId string");
    }
}
