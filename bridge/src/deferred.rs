//! Custom loaders of kinds with `kind-dependencies`, run by tg-transform.
//!
//! taskgraph loads and transforms kinds one after the other in kind-dependency order and passes
//! a kind's loader the tasks of its kind-dependencies (`loaded_tasks`). Those tasks exist only
//! in tg-transform, so tg-load does not call such a loader: it writes one marker item for the
//! kind instead, `{"kind": K, "name": "", "item": {"tg:deferred-loader": "module:func"}}`, and
//! tg-transform, when it reaches the kind (after its kind-dependencies), calls the loader once in
//! the worker with their tasks, as taskgraph does, and transforms what it yields. Custom loaders
//! of kinds without kind-dependencies still run in tg-load (with an empty `loaded_tasks`, which
//! is what taskgraph gives them too).

use serde_json::{Map, Value};
use tg_core::item::Item;
use tg_core::kinds::Kind;

/// The key of the marker item's only field.
pub const MARKER_KEY: &str = "tg:deferred-loader";

/// True when `kind`'s loader is project code and the kind has kind-dependencies: tg-transform
/// runs the loader.
pub fn is_deferred(kind: &Kind) -> bool {
    !crate::BUILTIN_LOADERS.contains(&kind.loader()) && !kind.dependencies().is_empty()
}

/// The marker item tg-load writes for a deferred kind.
pub fn marker(kind: &Kind) -> Item {
    let mut item = Map::new();
    item.insert(MARKER_KEY.into(), Value::String(kind.loader().to_string()));
    Item { kind: kind.name.clone(), name: String::new(), item }
}

/// True when `item` is a marker (an item dict whose only key is [`MARKER_KEY`]).
pub fn is_marker(item: &Map<String, Value>) -> bool {
    item.len() == 1 && item.contains_key(MARKER_KEY)
}
