//! tg-bridge: running a taskgraph project's own code from the tg-* stages.
//!
//! Projects extend taskgraph in Python: transforms named `module:attr` in kind.yml, loaders
//! (`loader: module:func`), a `taskgraph.register` hook that registers `run.using` functions,
//! payload and index builders, target-task methods, filters, strategies and morphs, and extends
//! the parameter schema. The stages run the built-in parts natively; what is not built in runs
//! in one long-lived Python worker per stage run ([`worker`]), which imports the project from
//! the taskgraph root exactly as `GraphConfig.register()` does.
//!
//! - [`python`]: which interpreter (TG_PYTHON, the venv, python3) and the install command;
//! - [`worker`]: the process and its JSON-lines protocol, errors with Python tracebacks;
//! - [`ops`]: the typed operations (kind set-up, transform segments, loaders, target methods);
//! - [`detect`]: whether project code may replace what a stage runs natively (a scan of the
//!   project's Python files, so that the worker starts only when it may be needed);
//! - [`deferred`]: custom loaders of kinds with kind-dependencies, run by tg-transform;
//! - [`exec`]: `exec:<command>` transforms in any language (JSON lines through `sh -c`);
//! - [`trace`]: `tg-transform --trace`, per-step field-path changes with lineage through splits.
//!
//! The worker script is `python/tg_bridge_worker.py`, embedded with `include_str!`.

pub mod deferred;
pub mod detect;
pub mod exec;
pub mod ops;
pub mod python;
pub mod trace;
pub mod worker;

pub use ops::{
    LoaderOutput, MorphOutput, Phase, SegmentOutput, StrategyAnswer, StrategyCall, StrategyInfo, TargetFunction,
};
pub use worker::{Registrations, Worker, WorkerOptions};

use serde_json::Value;
use tg_core::config::GraphConfig;

/// taskgraph's built-in loaders (the ones tg-load runs natively).
pub const BUILTIN_LOADERS: &[&str] = &["taskgraph.loader.default:loader", "taskgraph.loader.transform:loader"];

/// True when `reference` names taskgraph's own code (`taskgraph.` modules), which the stages
/// run natively; anything else is project code for the worker.
pub fn is_taskgraph_code(reference: &str) -> bool {
    reference.starts_with("taskgraph.") || reference == "taskgraph"
}

/// True when config.yml names a `taskgraph.register` hook.
pub fn has_register_hook(graph_config: &GraphConfig) -> bool {
    matches!(graph_config.taskgraph_key("register"), Some(Value::String(s)) if !s.is_empty())
}
