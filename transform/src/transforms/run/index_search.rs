//! `run.using: index-search` (taskgraph/transforms/run/index_search.py), on the
//! `always-optimized` worker: the task is never run; the optimizer replaces it by the first task
//! found at one of the index paths, which are filled with the parameters (`str.format`).

use super::RunState;
use crate::TransformConfig;
use serde_json::{json, Value};
use tg_core::py::format::format as py_format;
use tg_core::py::msgspec::{Field, StructDef, Ty, LIST_STR};

/// taskgraph's `IndexSearchRunSchema` (no other keys).
pub const INDEX_SEARCH_RUN: StructDef = StructDef {
    fields: &[
        // Must be `index-search`.
        Field::req("using", Ty::Literal(&["index-search"])),
        // Index paths, in decreasing order of priority, formatted with the parameters.
        Field::req("index-search", LIST_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// Fill the index paths and set the `index-search` optimization.
pub fn fill_template(config: &TransformConfig<'_>, state: &mut RunState) -> Result<(), String> {
    let templates = state.run.get("index-search").and_then(Value::as_array).cloned().unwrap_or_default();
    let paths = templates
        .iter()
        .map(|t| {
            let template = t.as_str().unwrap_or_default();
            py_format(template, &config.params.values).map_err(|e| format!("run.index-search: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    state.taskdesc.insert("optimization".into(), json!({ "index-search": paths }));
    Ok(())
}
