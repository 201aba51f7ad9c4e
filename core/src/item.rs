//! The item record that `tg-load` writes and `tg-transform` reads: one loader output.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One item of a kind, as taskgraph's loader yields it to the kind's first transform.
/// `item` holds the merged task-defaults and task, plus taskgraph's `name` and `task-from`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The kind the item belongs to.
    pub kind: String,
    /// The item's name (its key in `tasks:` or a `tasks-from` file).
    pub name: String,
    /// The loaded item, exactly as the loader yields it.
    pub item: Map<String, Value>,
}
