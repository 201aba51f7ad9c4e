//! Custom loaders of kinds with kind-dependencies ([`tg_bridge::deferred`]): tg-load wrote a
//! marker item for the kind; here, when the kind's turn comes (its kind-dependencies are
//! transformed), the loader runs once in the worker with their tasks, as taskgraph's generator
//! calls it, and its items and the kind's transform list (read right after the call) replace
//! the marker.

use crate::TaskDict;
use indexmap::IndexMap;
use tg_bridge::Worker;
use tg_core::bad_input;
use tg_core::kinds::Kind;
use tg_core::task::Task;

/// The loader's items and the kind's transforms, when `inputs` is a deferred-loader marker;
/// `None` for ordinary items.
pub fn load(
    kind: &Kind,
    inputs: &[TaskDict],
    deps: &IndexMap<String, Task>,
    worker: Option<&mut Worker>,
) -> anyhow::Result<Option<(Vec<TaskDict>, Vec<String>)>> {
    if !inputs.iter().any(tg_bridge::deferred::is_marker) {
        return Ok(None);
    }
    if !tg_bridge::deferred::is_deferred(kind) || inputs.len() != 1 {
        return Err(bad_input(format!(
            "kind {}: a {:?} marker item, but the kind's loader {} is not a project loader of a kind with kind-dependencies, or there are other items",
            kind.name,
            tg_bridge::deferred::MARKER_KEY,
            kind.loader()
        )));
    }
    let worker = worker.ok_or_else(|| {
        bad_input(format!(
            "kind {}: loader {} is project code and the Python worker is not running",
            kind.name,
            kind.loader()
        ))
    })?;
    let deps: Vec<&Task> = deps.values().collect();
    let out = worker.run_loader(&kind.name, &kind.path, &kind.config, kind.loader(), &deps, true)?;
    Ok(Some((out.items, out.transforms)))
}
