//! tg-transform: items (from tg-load) -> tasks in `Task.to_json()` shape.
//!
//! Kind by kind, in kind-dependency order, each kind's transform sequence (the names kind.yml
//! uses, e.g. `taskgraph.transforms.run:transforms`) is applied to its items. Each taskgraph
//! transform module has a native Rust module here; [`registry::lookup`] is the explicit table
//! from names to those modules. The tasks of a kind's `kind-dependencies` are handed to its
//! transforms through [`TransformConfig::kind_dependencies_tasks`].

pub mod cli;
pub mod deferred_loader;
pub mod driver;
pub mod registry;
pub mod transforms;
pub mod util;

use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::path::Path;
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::params::Parameters;
use tg_core::task::Task;

pub use util::task_dict::TaskDict;

/// Everything a transform step may read: taskgraph's `TransformConfig`.
pub struct TransformConfig<'a> {
    /// The kind's name.
    pub kind: &'a str,
    /// The kind's directory (`ROOT/kinds/<kind>`).
    pub path: &'a Path,
    /// The parsed kind.yml.
    pub config: &'a Map<String, Value>,
    /// The parameters of this run.
    pub params: &'a Parameters,
    /// Tasks of the kinds this kind depends on, label -> task, in load order.
    pub kind_dependencies_tasks: &'a IndexMap<String, Task>,
    /// config.yml.
    pub graph_config: &'a GraphConfig,
    /// Stderr logging.
    pub log: Log,
    /// Where to write docker-context tarballs (taskgraph's `write_artifacts` mode of the
    /// decision task), if anywhere.
    pub docker_contexts: Option<&'a Path>,
}

impl TransformConfig<'_> {
    /// The kind's directory as taskgraph names it in task definitions (`metadata.source`,
    /// `when.files-changed`): the path given on the command line when it is relative (taskgraph
    /// runs from the repository root with `-r taskcluster`), else the path relative to the VCS
    /// root, so the name is always a repository path.
    pub fn kind_repo_path(&self) -> String {
        let given = self.path.to_string_lossy().into_owned();
        if self.path.is_relative() {
            return given;
        }
        match self.graph_config.root_repo_rel() {
            rel if rel.is_empty() => format!("kinds/{}", self.kind),
            rel if std::path::Path::new(&rel).is_absolute() => given,
            rel => format!("{rel}/kinds/{}", self.kind),
        }
    }
}

/// A transform step: taskgraph's `transforms(config, tasks)` generator, applied to a whole kind.
pub type TransformFn = fn(&TransformConfig<'_>, Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>>;

/// An error inside a transform, naming the kind and task: `kind K, task T: message`.
pub fn task_error(config: &TransformConfig<'_>, task: &TaskDict, message: impl std::fmt::Display) -> anyhow::Error {
    let name = tg_core::quote::capped(util::task_dict::task_name(task));
    tg_core::bad_input(format!("kind {}, task {name}: {message}", config.kind))
}
