//! The explicit table from transform names (as kind.yml writes them) to native modules.
//!
//! `taskgraph.transforms.task` and `taskgraph.transforms.task:transforms` name the same step
//! (taskgraph appends `:transforms` when no attribute is given). No registration at start-up:
//! adding a module means adding a line here.

use crate::TransformFn;

/// Every built-in transform module, by its taskgraph module path.
const TABLE: &[(&str, TransformFn)] = &[
    ("taskgraph.transforms.cached_tasks", crate::transforms::cached_tasks::transforms),
    ("taskgraph.transforms.chunking", crate::transforms::chunking::transforms),
    ("taskgraph.transforms.code_review", crate::transforms::code_review::transforms),
    ("taskgraph.transforms.docker_image", crate::transforms::docker_image::transforms),
    ("taskgraph.transforms.fetch", crate::transforms::fetch::transforms),
    ("taskgraph.transforms.from_deps", crate::transforms::from_deps::transforms),
    ("taskgraph.transforms.matrix", crate::transforms::matrix::transforms),
    ("taskgraph.transforms.notify", crate::transforms::notify::transforms),
    ("taskgraph.transforms.run", crate::transforms::run::transforms),
    ("taskgraph.transforms.task", crate::transforms::task::transforms),
    ("taskgraph.transforms.task_context", crate::transforms::task_context::transforms),
];

/// The step for `reference` (`module` or `module:transforms`), if built in.
pub fn lookup(reference: &str) -> Option<TransformFn> {
    let module = reference.strip_suffix(":transforms").unwrap_or(reference);
    TABLE.iter().find(|(name, _)| *name == module).map(|(_, f)| *f)
}

/// The names kind.yml may use, for error messages.
pub fn known_names() -> Vec<&'static str> {
    TABLE.iter().map(|(name, _)| *name).collect()
}

/// Transforms taskgraph's default loader appends to a kind's own list.
pub const DEFAULT_LOADER_TRANSFORMS: &[&str] =
    &["taskgraph.transforms.run:transforms", "taskgraph.transforms.task:transforms"];
