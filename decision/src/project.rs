//! The project's parameter hooks through the Python worker ([`tg_bridge::Worker`]), started only
//! when config.yml names `taskgraph.register` or `taskgraph.decision-parameters`.

use crate::parameters::ProjectHooks;
use serde_json::{Map, Value};
use std::path::Path;
use tg_bridge::{Worker, WorkerOptions};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;

/// The worker, as the parameter hooks.
pub struct WorkerHooks(pub Worker);

impl ProjectHooks for WorkerHooks {
    fn decision_hook(&mut self, parameters: &Map<String, Value>) -> anyhow::Result<Map<String, Value>> {
        self.0.decision_hook(parameters)
    }

    fn check(&mut self, parameters: &Map<String, Value>) -> anyhow::Result<()> {
        self.0.check_parameters(parameters)
    }
}

/// True when config.yml names a hook that only Python can run.
pub fn needs_python(graph_config: &GraphConfig) -> bool {
    let named = |key: &str| matches!(graph_config.taskgraph_key(key), Some(Value::String(s)) if !s.is_empty());
    named("register") || named("decision-parameters")
}

/// Start the worker for `root` when the project needs it.
pub fn start_if_needed(
    program: &'static str,
    root: &Path,
    graph_config: &GraphConfig,
    log: Log,
) -> anyhow::Result<Option<WorkerHooks>> {
    if !needs_python(graph_config) {
        return Ok(None);
    }
    let opts = WorkerOptions { program, root: root.to_path_buf(), parameters: None, overrides: None, log };
    Ok(Some(WorkerHooks(Worker::start(&opts)?)))
}
