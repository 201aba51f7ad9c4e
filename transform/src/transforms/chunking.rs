//! taskgraph.transforms.chunking: split one task into `total-chunks` tasks.
//!
//! Schema (`ChunkSchema`, unknown fields allowed):
//! * `chunk` (optional; null or absent leaves the task alone, the key removed): `ChunkConfig`,
//!   unknown fields refused:
//!   * `total-chunks` (int, required): how many tasks to make (none when < 1);
//!   * `substitution-fields` (list of str; taskgraph's schema default `[]` is never applied to
//!     the task, so leaving it out is an error as in taskgraph): the (dotted) fields whose keys
//!     and values get `{this_chunk}` and `{total_chunks}` formatted in.
//!
//! Step `chunk_tasks`: chunk N of T gets `attributes.this_chunk = N`,
//! `attributes.total_chunks = T` and the substitutions. A field's name is formatted too; the
//! value goes under the new name, leaving the old key in place when the name changed.

use crate::util::task_dict::identity_of;
use crate::util::task_dict::setdefault_object;
use crate::util::templates::{substitute, substitute_in_place};
use crate::{task_error, TaskDict, TransformConfig};
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use tg_core::py::format::format;
use tg_core::py::msgspec::{validate_struct, Field, StructDef, Ty};
use tg_core::py::value::truthy;

const CHUNK_CONFIG: StructDef = StructDef {
    fields: &[Field::req("total-chunks", Ty::Int), Field::opt("substitution-fields", Ty::List(&Ty::Str))],
    forbid_unknown: true,
    post_init: None,
};

/// `ChunkSchema`.
const CHUNK_SCHEMA: StructDef = StructDef {
    fields: &[Field::opt("chunk", Ty::Union(&[Ty::Struct(&CHUNK_CONFIG), Ty::Null]))],
    forbid_unknown: false,
    post_init: None,
};

/// The module's transform sequence: validate, then chunk.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    // Tasks are independent: chunk them in parallel, keep their order, report the first error.
    let results: Vec<anyhow::Result<Vec<TaskDict>>> = tasks
        .into_par_iter()
        .map(|task| {
            validate_struct(&CHUNK_SCHEMA, &task, "$").map_err(|e| task_error(config, &task, e))?;
            let name_source = identity_of(&task);
            chunk_task(task).map_err(|e| task_error(config, &name_source, e))
        })
        .collect();
    let mut out = Vec::with_capacity(results.len());
    for result in results {
        out.extend(result?);
    }
    Ok(out)
}

/// `chunk_tasks` for one task.
fn chunk_task(mut task: TaskDict) -> Result<Vec<TaskDict>, String> {
    let chunk = task.shift_remove("chunk");
    let Some(Value::Object(chunk)) = chunk.filter(truthy) else { return Ok(vec![task]) };
    let total_chunks = chunk.get("total-chunks").and_then(Value::as_i64).unwrap_or(0);
    let fields = match chunk.get("substitution-fields") {
        Some(Value::Array(f)) => f.iter().filter_map(Value::as_str).map(str::to_string).collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let has_fields = chunk.contains_key("substitution-fields");

    let mut out = Vec::new();
    for this_chunk in 1..=total_chunks {
        // The last chunk takes the task itself: one deep copy fewer, the same tasks out.
        let mut subtask = if this_chunk == total_chunks { std::mem::take(&mut task) } else { task.clone() };
        let subs: Map<String, Value> =
            [("this_chunk".to_string(), json!(this_chunk)), ("total_chunks".to_string(), json!(total_chunks))]
                .into_iter()
                .collect();
        let attributes = setdefault_object(&mut subtask, "attributes")?;
        attributes.extend(subs.clone());
        if !has_fields {
            return Err("chunk: KeyError: 'substitution-fields'".into());
        }
        for field in &fields {
            substitute_field(&mut subtask, field, &subs)?;
        }
        out.push(subtask);
    }
    Ok(out)
}

/// Format one (dotted) field's name and value; the result goes under the formatted name.
fn substitute_field(task: &mut TaskDict, field: &str, subs: &Map<String, Value>) -> Result<(), String> {
    let mut container = task;
    let mut subfield = field;
    while let Some((head, rest)) = subfield.split_once('.') {
        container = match container.get_mut(head) {
            Some(Value::Object(m)) => m,
            Some(_) => return Err(format!("{field}: '{head}' is not a mapping")),
            None => return Err(format!("{field}: KeyError: '{head}'")),
        };
        subfield = rest;
    }
    let value = container.get_mut(subfield).ok_or_else(|| format!("{field}: KeyError: '{subfield}'"))?;
    if !subfield.contains(['{', '}']) {
        // The name formats to itself: the value is formatted where it is.
        return substitute_in_place(value, subs).map_err(|e| format!("{field}: {e}"));
    }
    let new_value = substitute(value, subs).map_err(|e| format!("{field}: {e}"))?;
    let new_key = format(subfield, subs).map_err(|e| format!("{field}: {e}"))?;
    container.insert(new_key, new_value);
    Ok(())
}
