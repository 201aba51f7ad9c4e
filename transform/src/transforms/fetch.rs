//! taskgraph.transforms.fetch (being written).

use crate::{TaskDict, TransformConfig};

/// Not yet written: fails loudly rather than passing tasks through.
pub fn transforms(config: &TransformConfig<'_>, _tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    Err(tg_core::bad_input(format!("kind {}: transform module not implemented yet", config.kind)))
}
