//! Morphs registered by project code (`@register_morph` in `taskgraph.morph`).
//!
//! taskgraph applies `registered_morphs` in list order: its own two first (they register when
//! `taskgraph.morph` is imported), then the project's, in the order the `taskgraph.register`
//! hook registered them. tg-morph runs its native morphs first, then, when the project may
//! register morphs ([`tg_bridge::detect::may_register_morphs`]: a register hook, and a Python
//! file under the root that mentions `register_morph`), starts the worker and, if the hook did
//! register some, runs them there on the morphed graph: a taskgraph `TaskGraph` keyed by taskId
//! (edges from the tasks' dependencies), `label_to_taskid`, the parameters and the graph
//! config, as `taskgraph.morph.morph` calls them. What they return (tasks in the graph's order,
//! label -> taskId) replaces the graph and is checked like tg-morph's input.

use crate::{MorphTask, MorphedGraph};
use tg_bridge::{Worker, WorkerOptions};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::params::Parameters;
use tg_core::task::Task;

/// Run the project's morphs, if it registered any, after the built-in ones.
pub fn apply_project_morphs<T: MorphTask>(
    graph: &mut MorphedGraph<T>,
    graph_config: &GraphConfig,
    parameters: &Parameters,
    log: Log,
) -> anyhow::Result<()> {
    if !tg_bridge::detect::may_register_morphs(graph_config) {
        return Ok(());
    }
    let mut worker = Worker::start(&WorkerOptions {
        program: "tg-morph",
        root: graph_config.root_dir.clone(),
        parameters: None,
        overrides: Some(parameters.values.clone()),
        log,
    })?;
    if worker.info.project.morphs.is_empty() {
        log.debug("the register hook registered no morphs");
        return Ok(());
    }
    let tasks = graph.tasks.iter().map(MorphTask::to_task).collect::<anyhow::Result<Vec<Task>>>()?;
    let out = worker.morph(&tasks, &graph.label_to_task_id)?;
    let before = graph.tasks.len();
    let tasks = out.tasks.into_iter().map(T::from_task).collect::<anyhow::Result<Vec<T>>>()?;
    *graph = MorphedGraph::new(tasks, out.label_to_task_id)?;
    log.info(format!("project morphs {}: {} tasks in, {} out", out.morphs.join(", "), before, graph.tasks.len()));
    Ok(())
}
