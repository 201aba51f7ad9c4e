//! The graph's links and taskgraph's two traversal orders.
//!
//! taskgraph visits with Kahn's algorithm: postorder puts every task after the tasks it depends
//! on, preorder every task before them. Python's order among ready tasks follows set iteration;
//! here ties are broken by input position, so the order is deterministic.

use std::collections::VecDeque;
use tg_core::graph::{GraphNode, TaskGraph};

/// Each task's distinct dependencies and dependents, by position, sorted.
#[derive(Debug, Clone)]
pub struct Links {
    pub dependencies: Vec<Vec<usize>>,
    pub dependents: Vec<Vec<usize>>,
}

impl Links {
    /// The links of a checked graph (every dependency present).
    pub fn of<T: GraphNode>(graph: &TaskGraph<T>) -> Links {
        let mut dependencies = graph.dependency_positions();
        for list in &mut dependencies {
            list.sort_unstable();
            list.dedup();
        }
        Links { dependencies, dependents: graph.dependent_positions() }
    }

    /// Tasks (those with `include[i]`) after the included tasks they depend on.
    pub fn postorder(&self, include: &[bool]) -> Vec<usize> {
        kahn(&self.dependencies, &self.dependents, include)
    }

    /// Tasks before the tasks they depend on.
    pub fn preorder(&self) -> Vec<usize> {
        let all = vec![true; self.dependencies.len()];
        kahn(&self.dependents, &self.dependencies, &all)
    }
}

/// Kahn's algorithm over the included nodes: a node is ready when all its included
/// `before` nodes have been emitted.
fn kahn(before: &[Vec<usize>], after: &[Vec<usize>], include: &[bool]) -> Vec<usize> {
    let included = |i: usize| include.get(i).copied().unwrap_or(false);
    let mut waiting: Vec<usize> = before.iter().map(|list| list.iter().filter(|&&b| included(b)).count()).collect();
    let mut queue: VecDeque<usize> =
        waiting.iter().enumerate().filter(|&(i, &w)| included(i) && w == 0).map(|(i, _)| i).collect();
    let mut order = Vec::with_capacity(queue.len());
    while let Some(node) = queue.pop_front() {
        order.push(node);
        for &next in after.get(node).map_or(&[][..], Vec::as_slice) {
            if !included(next) {
                continue;
            }
            let Some(w) = waiting.get_mut(next) else { continue };
            *w = w.saturating_sub(1);
            if *w == 0 {
                queue.push_back(next);
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_core::task::Task;

    fn task(label: &str, deps: &[&str]) -> Task {
        serde_json::from_value(serde_json::json!({
            "kind": "k", "label": label, "task": {},
            "dependencies": deps.iter().map(|d| (format!("n-{d}"), serde_json::Value::from(*d))).collect::<serde_json::Map<_, _>>()
        }))
        .unwrap()
    }

    #[test]
    fn orders_both_ways() {
        let g = TaskGraph::checked(vec![task("c", &["b", "a"]), task("a", &[]), task("b", &["a"])]).unwrap();
        let links = Links::of(&g);
        let labels = |order: Vec<usize>| order.into_iter().map(|i| g.tasks[i].label.clone()).collect::<Vec<_>>();
        assert_eq!(labels(links.postorder(&[true; 3])), ["a", "b", "c"]);
        assert_eq!(labels(links.preorder()), ["c", "b", "a"]);
        assert_eq!(labels(links.postorder(&[true, false, true])), ["b", "c"]);
    }
}
