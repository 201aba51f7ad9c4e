//! A whole task graph in memory: what resolve, optimize, morph and submit read before writing.
//!
//! Building one checks the graph invariants every whole-graph stage relies on: labels are
//! unique, every dependency names a task in the graph, and there is no cycle (the error prints
//! the cycle's path). Orders are deterministic: input order, dependencies first.

use crate::error::bad_input;
use crate::quote::capped;
use crate::task::Task;
use indexmap::IndexMap;
use std::collections::HashMap;

/// What a graph needs of a task: its label and its named dependencies (name -> label).
/// [`Task`] is one; so is the leaner form the whole-graph stages keep ([`crate::lean::LeanTask`]).
pub trait GraphNode {
    fn label(&self) -> &str;
    fn dependencies(&self) -> &IndexMap<String, String>;
}

impl GraphNode for Task {
    fn label(&self) -> &str {
        &self.label
    }

    fn dependencies(&self) -> &IndexMap<String, String> {
        &self.dependencies
    }
}

/// Tasks by position, with a label index.
#[derive(Debug, Clone)]
pub struct TaskGraph<T = Task> {
    pub tasks: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for TaskGraph<T> {
    fn default() -> Self {
        TaskGraph { tasks: Vec::new(), index: HashMap::new() }
    }
}

impl<T: GraphNode> TaskGraph<T> {
    /// Index `tasks`, rejecting duplicate labels. Dependencies are not checked here.
    pub fn new(tasks: Vec<T>) -> anyhow::Result<TaskGraph<T>> {
        let mut index = HashMap::with_capacity(tasks.len());
        for (i, task) in tasks.iter().enumerate() {
            if index.insert(task.label().to_string(), i).is_some() {
                return Err(bad_input(format!("duplicate task label {}", capped(task.label()))));
            }
        }
        Ok(TaskGraph { tasks, index })
    }

    /// Index `tasks` and check that every dependency is present and there is no cycle.
    pub fn checked(tasks: Vec<T>) -> anyhow::Result<TaskGraph<T>> {
        let graph = TaskGraph::new(tasks)?;
        graph.check_dependencies()?;
        graph.topological_order()?;
        Ok(graph)
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Position of `label`.
    pub fn position(&self, label: &str) -> Option<usize> {
        self.index.get(label).copied()
    }

    /// The task labelled `label`.
    pub fn get(&self, label: &str) -> Option<&T> {
        self.position(label).and_then(|i| self.tasks.get(i))
    }

    /// Every dependency names a task of the graph; the error names both labels.
    pub fn check_dependencies(&self) -> anyhow::Result<()> {
        for task in &self.tasks {
            for (name, dep) in task.dependencies() {
                if !self.index.contains_key(dep) {
                    return Err(bad_input(format!(
                        "task {} depends on {} (as \"{}\"), which is not in the graph; \
                         was it filtered out upstream?",
                        capped(task.label()),
                        capped(dep),
                        capped(name)
                    )));
                }
            }
        }
        Ok(())
    }

    /// Positions of each task's in-graph dependencies.
    pub fn dependency_positions(&self) -> Vec<Vec<usize>> {
        self.tasks.iter().map(|t| t.dependencies().values().filter_map(|l| self.position(l)).collect()).collect()
    }

    /// Positions of each task's dependents (reverse edges), in input order.
    pub fn dependent_positions(&self) -> Vec<Vec<usize>> {
        let mut rev = vec![Vec::new(); self.tasks.len()];
        for (i, deps) in self.dependency_positions().into_iter().enumerate() {
            for d in deps {
                if let Some(dependents) = rev.get_mut(d) {
                    dependents.push(i);
                }
            }
        }
        for list in &mut rev {
            list.sort_unstable();
            list.dedup();
        }
        rev
    }

    /// Positions with every task after its dependencies (stable: ties keep input order).
    /// A cycle is an error that prints its path.
    pub fn topological_order(&self) -> anyhow::Result<Vec<usize>> {
        let deps = self.dependency_positions();
        let mut state = vec![Visit::New; self.tasks.len()];
        let mut order = Vec::with_capacity(self.tasks.len());
        for start in 0..self.tasks.len() {
            if state.get(start) != Some(&Visit::New) {
                continue;
            }
            // Iterative DFS: (node, next dependency index).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            mark(&mut state, start, Visit::Active);
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&dep) = deps.get(node).and_then(|d| d.get(*next)) {
                    *next += 1;
                    match state.get(dep) {
                        Some(Visit::New) => {
                            mark(&mut state, dep, Visit::Active);
                            stack.push((dep, 0));
                        }
                        Some(Visit::Active) => return Err(self.cycle_error(&stack, dep)),
                        Some(Visit::Done) | None => {}
                    }
                } else {
                    mark(&mut state, node, Visit::Done);
                    order.push(node);
                    stack.pop();
                }
            }
        }
        Ok(order)
    }

    fn cycle_error(&self, stack: &[(usize, usize)], back_to: usize) -> anyhow::Error {
        let start = stack.iter().position(|(n, _)| *n == back_to).unwrap_or(0);
        let on_cycle = stack.get(start..).unwrap_or_default().iter().map(|(n, _)| *n).chain([back_to]);
        let path: Vec<String> =
            on_cycle.filter_map(|n| self.tasks.get(n)).map(|t| capped(t.label()).to_string()).collect();
        bad_input(format!("dependency cycle: {}", path.join(" -> ")))
    }

    /// Consume the graph, returning its tasks.
    pub fn into_tasks(self) -> Vec<T> {
        self.tasks
    }
}

/// Set `state[i]` (positions come from the graph's own index, so `i` is always in range).
fn mark(state: &mut [Visit], i: usize, visit: Visit) {
    if let Some(slot) = state.get_mut(i) {
        *slot = visit;
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Visit {
    New,
    Active,
    Done,
}

/// Read every task from a JSON-lines source and check the graph.
pub fn read_graph<R: std::io::BufRead>(input: R, source: &str) -> anyhow::Result<TaskGraph> {
    let tasks: Vec<Task> = crate::jsonl::JsonLinesReader::new(input, source).read_all()?;
    TaskGraph::checked(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(label: &str, deps: &[&str]) -> Task {
        Task {
            kind: "k".into(),
            label: label.into(),
            description: String::new(),
            attributes: Default::default(),
            dependencies: deps.iter().map(|d| (d.to_string(), d.to_string())).collect(),
            soft_dependencies: vec![],
            if_dependencies: vec![],
            optimization: None,
            task: serde_json::json!({}),
            task_id: None,
        }
    }

    #[test]
    fn orders_dependencies_first() {
        let g = TaskGraph::checked(vec![task("c", &["b"]), task("a", &[]), task("b", &["a"])]).unwrap();
        let order: Vec<&str> = g.topological_order().unwrap().iter().map(|&i| g.tasks[i].label.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn errors_name_labels() {
        let e = TaskGraph::checked(vec![task("a", &[]), task("a", &[])]).unwrap_err().to_string();
        assert_eq!(e, "duplicate task label a");
        let e = TaskGraph::checked(vec![task("a", &["gone"])]).unwrap_err().to_string();
        assert!(e.starts_with("task a depends on gone (as \"gone\"), which is not in the graph"), "{e}");
        let e = TaskGraph::checked(vec![task("x", &[]), task("a", &["b"]), task("b", &["c"]), task("c", &["a"])])
            .unwrap_err()
            .to_string();
        assert_eq!(e, "dependency cycle: a -> b -> c -> a");
    }

    #[test]
    fn huge_labels_are_capped_in_errors() {
        let huge = "h".repeat(1_000_000);
        let shown = format!("{}… (1000000 bytes)", "h".repeat(crate::quote::MAX_QUOTED_CHARS));
        let e = TaskGraph::checked(vec![task(&huge, &[]), task(&huge, &[])]).unwrap_err().to_string();
        assert_eq!(e, format!("duplicate task label {shown}"));
        let e = TaskGraph::checked(vec![task("a", &[&huge])]).unwrap_err().to_string();
        assert!(e.starts_with(&format!("task a depends on {shown} (as \"{shown}\"), which")), "{e}");
        let e = TaskGraph::checked(vec![task(&huge, &["b"]), task("b", &[&huge])]).unwrap_err().to_string();
        assert_eq!(e, format!("dependency cycle: {shown} -> b -> {shown}"));
    }
}
