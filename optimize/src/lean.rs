//! tg-optimize on lean tasks ([`tg_core::lean`]): the definitions stay text.
//!
//! Optimizing reads labels, dependencies, `optimization`, the `always_target` attribute and, for
//! some tasks, `task.deadline` (taken from the text when asked). Making a kept task changes its
//! definition in two ways: references (`task-reference`, `artifact-reference`) are resolved, and
//! the taskIds of its dependencies are appended as `task.dependencies`. A definition without
//! references and without a `dependencies` member of its own (checked once, when read) gets the
//! list spliced onto its text: the same bytes as parsing it, changing it and writing it out. Any
//! other definition is parsed and made as [`crate::phases::finish_task`] makes it, before
//! anything is written, so that an error (a bad reference) leaves the output empty.

use crate::index::IndexSource;
use crate::phases::{self, SubgraphInputs};
use crate::strategy::is_truthy;
use crate::taskids::TaskIdGenerator;
use crate::{plan, OptTask, Options, Outcome, Plan};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use tg_core::bad_input;
use tg_core::graph::TaskGraph;
use tg_core::lean::{pick, read_lean, LeanTask, Want};
use tg_core::quote::capped;
use tg_core::stream::EndRule;

/// What tg-optimize takes from a task's text when reading it.
#[derive(Clone, Debug, Default)]
pub struct OptView {
    /// `attributes.always_target`, truthy.
    pub always_target: bool,
    /// `task.workerType` is `always-optimized` (an error if the task is kept).
    pub always_optimized: bool,
    /// The definition can take the `dependencies` list by splicing: an object without a
    /// `dependencies` member and without references.
    pub splice: bool,
}

/// A lean task with what tg-optimize reads.
pub type OptTaskLean = LeanTask<OptView>;

impl OptView {
    /// The view of a task.
    pub fn of(task: &LeanTask) -> anyhow::Result<OptView> {
        const BODY: &[(&str, Want)] = &[("workerType", Want::Whole), ("dependencies", Want::Whole)];
        const ATTRIBUTES: &[(&str, Want)] = &[("always_target", Want::Whole)];
        let body = pick(task.task.get(), BODY)?;
        let attributes = pick(task.attributes.get(), ATTRIBUTES)?;
        let text = task.task.get();
        let references = text.contains("\"task-reference\"") || text.contains("\"artifact-reference\"");
        Ok(OptView {
            always_target: attributes.member(0).value().is_some_and(is_truthy),
            always_optimized: body.member(0).value().and_then(Value::as_str) == Some("always-optimized"),
            splice: text.starts_with('{') && !body.member(1).is_present() && !references,
        })
    }
}

impl OptTask for OptTaskLean {
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
        self.optimization.as_deref()
    }

    fn always_target(&self) -> bool {
        self.view.always_target
    }

    fn deadline(&self) -> anyhow::Result<Option<Value>> {
        const DEADLINE: &[(&str, Want)] = &[("deadline", Want::Whole)];
        Ok(pick(self.task.get(), DEADLINE)?.member(0).value().cloned())
    }

    fn to_task(&self) -> anyhow::Result<tg_core::task::Task> {
        LeanTask::to_task(self)
    }
}

/// Read and check the graph (labels unique, dependencies present, no cycle).
pub fn read_graph<R: BufRead>(input: R, source: &str, end: EndRule) -> anyhow::Result<TaskGraph<OptTaskLean>> {
    TaskGraph::checked(read_lean(input, source, end, OptView::of)?)
}

/// The optimized graph, ready to be written.
pub struct Optimized<'a> {
    plan: Plan<'a, OptTaskLean>,
    opts: &'a Options,
    /// Kept tasks that could not be spliced, already made, by position.
    made: BTreeMap<usize, OptTaskLean>,
}

/// Optimize; nothing is written yet, but every error has been found.
pub fn optimize<'a>(
    graph: &'a TaskGraph<OptTaskLean>,
    opts: &'a Options,
    index: &mut dyn IndexSource,
    ids: &mut TaskIdGenerator,
) -> anyhow::Result<(Optimized<'a>, Outcome)> {
    let plan = plan(graph, opts, index, ids)?;
    let inputs = plan.inputs(opts);
    let mut made = BTreeMap::new();
    for (i, task) in positions(&graph.tasks, &plan.order) {
        if !task.view.splice {
            let links = phases::task_links(&plan.target, i, &inputs, &plan.label_to_task_id)?;
            let finished = phases::finish_task(&task.to_task()?, &links, &inputs)?;
            made.insert(i, LeanTask::from_task(&finished, OptView::default())?);
        }
    }
    // taskgraph's only optimized-graph verification: no kept task is `always-optimized`.
    for (i, task) in positions(&graph.tasks, &plan.order) {
        let always_optimized = match made.get(&i) {
            Some(made) => made.task.get().contains("\"workerType\":\"always-optimized\"") && worker_type_of(made)?,
            None => task.view.always_optimized,
        };
        if always_optimized {
            return Err(bad_input(format!("Could not optimize the task '{}'", capped(&task.label))));
        }
    }
    let outcome = Outcome {
        kept: plan.order.len(),
        removed: plan.removed.iter().filter(|r| **r).count(),
        replaced: plan.replaced.iter().filter(|r| **r).count(),
        label_to_task_id: plan.label_to_task_id.clone(),
    };
    opts.log.info(format!(
        "{} tasks in, {} kept, {} removed, {} replaced",
        graph.len(),
        outcome.kept,
        outcome.removed,
        outcome.replaced
    ));
    Ok((Optimized { plan, opts, made }, outcome))
}

/// The tasks at `order`'s positions, with their positions (positions are the graph's own).
fn positions<'t, T>(tasks: &'t [T], order: &'t [usize]) -> impl Iterator<Item = (usize, &'t T)> {
    order.iter().filter_map(|&i| tasks.get(i).map(|t| (i, t)))
}

/// Whether a made task's `task.workerType` is `always-optimized`.
fn worker_type_of(task: &OptTaskLean) -> anyhow::Result<bool> {
    const WORKER_TYPE: &[(&str, Want)] = &[("workerType", Want::Whole)];
    Ok(pick(task.task.get(), WORKER_TYPE)?.member(0).value().and_then(Value::as_str) == Some("always-optimized"))
}

impl Optimized<'_> {
    /// Write the kept tasks, one per line, in postorder.
    pub fn write(&self, output: impl Write) -> anyhow::Result<()> {
        let inputs: SubgraphInputs = self.plan.inputs(self.opts);
        let mut out = std::io::BufWriter::with_capacity(1 << 16, output);
        for (i, task) in positions(&self.plan.target.graph.tasks, &self.plan.order) {
            match self.made.get(&i) {
                Some(made) => serde_json::to_writer(&mut out, made).map_err(std::io::Error::from)?,
                None => {
                    let links = phases::task_links(&self.plan.target, i, &inputs, &self.plan.label_to_task_id)?;
                    write_spliced(&mut out, task, &links)?;
                }
            }
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(())
    }
}

/// A kept task whose definition takes the `dependencies` list by splicing.
fn write_spliced(out: &mut impl Write, task: &OptTaskLean, links: &phases::TaskLinks) -> anyhow::Result<()> {
    let text = task.task.get();
    let ids = serde_json::to_string(&links.sorted_ids())?;
    let open = text
        .strip_suffix('}')
        .ok_or_else(|| bad_input(format!("task {}: task: expected a mapping", capped(&task.label))))?;
    let separator = if open == "{" { "" } else { "," };
    let body = [open, separator, "\"dependencies\":", &ids, "}"];
    task.write_line(out, &links.dependencies(&task.dependencies), &body, Some(&links.task_id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::FileIndex;
    use crate::references::ArtifactUrls;
    use crate::strategy::Registry;
    use tg_core::cli::Log;
    use tg_core::params::Parameters;
    use tg_core::task::Task;

    fn options(case: &Value) -> Options {
        let mut registry = Registry::builtin();
        if let Some(Value::Object(defs)) = case.get("strategies") {
            registry.extend_from(defs).unwrap();
        }
        Options {
            parameters: Parameters::from_map(case["params"].as_object().unwrap().clone()),
            target_tasks: Some(serde_json::from_value(case["target_tasks"].clone()).unwrap()),
            registry,
            decision_task_id: "DECISION-TASK".into(),
            urls: ArtifactUrls { proxy_url: None, root_url: Some("https://tc.example.com".into()), in_task: false },
            now: 1_700_000_000_000_000,
            log: Log::quiet("test"),
        }
    }

    /// The lean road writes the bytes the Task road writes, and fails with the same message,
    /// on every case of the Python-made fixtures.
    #[test]
    fn lean_output_is_the_task_output() {
        let cases: Vec<Value> = serde_json::from_str(include_str!("../tests/fixtures/optimize_cases.json")).unwrap();
        for case in &cases {
            let name = case["name"].as_str().unwrap();
            let opts = options(case);
            let tasks: Vec<Task> = serde_json::from_value(case["tasks"].clone()).unwrap();
            let lines: String = tasks.iter().map(|t| serde_json::to_string(t).unwrap() + "\n").collect();
            let index = || FileIndex::parse(&case["index"].to_string(), "index").unwrap();

            let by_task = (|| {
                let graph = tg_core::graph::read_graph(lines.as_bytes(), "<stdin>")?;
                let (out, outcome) = crate::optimize(&graph, &opts, &mut index(), &mut TaskIdGenerator::seeded(3))?;
                let text: String = out.iter().map(|t| serde_json::to_string(t).unwrap() + "\n").collect();
                Ok::<_, anyhow::Error>((text, outcome.label_to_task_id))
            })();
            let by_lean = (|| {
                let graph = read_graph(lines.as_bytes(), "<stdin>", EndRule::Optional)?;
                let (optimized, outcome) = optimize(&graph, &opts, &mut index(), &mut TaskIdGenerator::seeded(3))?;
                let mut buf = Vec::new();
                optimized.write(&mut buf)?;
                Ok::<_, anyhow::Error>((String::from_utf8(buf).unwrap(), outcome.label_to_task_id))
            })();
            match (by_task, by_lean) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{name}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                (a, b) => panic!("{name}: task road {:?}, lean road {:?}", a.map(|_| ()), b.map(|_| ())),
            }
        }
    }

    #[test]
    fn splices_only_plain_definitions() {
        let read = |def: &str| {
            let line = format!("{{\"kind\":\"k\",\"label\":\"a\",\"task\":{def}}}\n");
            read_lean(line.as_bytes(), "<stdin>", EndRule::Optional, OptView::of).unwrap().remove(0).view.splice
        };
        assert!(read(r#"{"a":1}"#));
        assert!(read(r#"{}"#));
        assert!(!read(r#"{"dependencies":[]}"#));
        assert!(!read(r#"{"a":{"task-reference":"<x>"}}"#));
        assert!(!read(r#"{"a":{"artifact-reference":"<x/y>"}}"#));
        assert!(!read(r#"[]"#));
        assert!(read(r#"{"a":{"dependencies":[]}}"#));
    }
}
