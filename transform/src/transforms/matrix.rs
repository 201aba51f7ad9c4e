//! taskgraph.transforms.matrix: split one task into one task per combination of the values of a
//! `matrix`.
//!
//! Schema (`MatrixSchema`, unknown fields allowed):
//! * `name` (str, required): the task name; each value appends `-<value>`.
//! * `matrix` (optional): `MatrixConfig`, unknown fields allowed, of which:
//!   * `exclude` (list of {str: str}): drop every combination that contains all pairs of a rule
//!     (checked after each dimension, so a rule naming one dimension drops it early);
//!   * `set-name` (str): a format string replacing the name (`{matrix[platform]}`);
//!   * `substitution-fields` (list of str): the (dotted) fields to format with `matrix=...`;
//!     default: every top-level field the task had (which is why an `attributes` key added
//!     by the split itself is left alone);
//!   * every other key is a dimension: key -> its values (iterated as Python iterates them: a
//!     list's items, a string's characters, a mapping's keys).
//!
//! Step `split_matrix`: dimensions are applied in order (the first varies slowest); each new
//! task records its values in `attributes.matrix`.

use crate::util::task_dict::setdefault_object;
use crate::util::templates::substitute_task_fields;
use crate::{task_error, TaskDict, TransformConfig};
use rayon::prelude::*;
use serde_json::{Map, Value};
use tg_core::py::msgspec::{validate_struct, Field, StructDef, Ty};
use tg_core::py::value::python_str;
use tg_core::py::value::{python_eq, truthy};

const MATRIX_CONFIG: StructDef = StructDef {
    fields: &[
        Field::opt("exclude", Ty::Union(&[Ty::List(&Ty::Dict(&Ty::Str)), Ty::Null])),
        Field::opt("set-name", Ty::Union(&[Ty::Str, Ty::Null])),
        Field::opt("substitution-fields", Ty::Union(&[Ty::List(&Ty::Str), Ty::Null])),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// `MatrixSchema`.
const MATRIX_SCHEMA: StructDef = StructDef {
    fields: &[Field::req("name", Ty::Str), Field::opt("matrix", Ty::Union(&[Ty::Struct(&MATRIX_CONFIG), Ty::Null]))],
    forbid_unknown: false,
    post_init: None,
};

/// The module's transform sequence: validate, then split.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    // Tasks are independent: split them in parallel, keep their order, report the first error.
    let results: Vec<anyhow::Result<Vec<TaskDict>>> = tasks
        .into_par_iter()
        .map(|task| {
            validate_struct(&MATRIX_SCHEMA, &task, "$").map_err(|e| task_error(config, &task, e))?;
            split_matrix(task).map_err(|(task, e)| task_error(config, &task, e))
        })
        .collect();
    let mut out = Vec::with_capacity(results.len());
    for result in results {
        out.extend(result?);
    }
    Ok(out)
}

/// The values of one dimension, as Python's `for value in values` yields them.
fn dimension_values(key: &str, values: &Value) -> Result<Vec<Value>, String> {
    match values {
        Value::Array(items) => Ok(items.clone()),
        Value::String(s) => Ok(s.chars().map(|c| Value::String(c.to_string())).collect()),
        Value::Object(m) => Ok(m.keys().map(|k| Value::String(k.clone())).collect()),
        other => Err(format!("matrix.{key}: '{}' object is not iterable", tg_core::py::value::type_name(other))),
    }
}

/// Does a rule (`{dimension: value}`) match the values chosen so far?
fn excluded(matrix: &Map<String, Value>, rules: &[Value]) -> bool {
    rules.iter().any(|rule| {
        rule.as_object().is_some_and(|r| r.iter().all(|(k, v)| matrix.get(k).is_some_and(|m| python_eq(m, v))))
    })
}

/// Extend every task with every value of one dimension.
fn resolve_dimension(
    tasks: Vec<TaskDict>,
    key: &str,
    values: &[Value],
    exclude: &Option<Vec<Value>>,
) -> Result<Vec<TaskDict>, String> {
    let mut out = Vec::new();
    for mut task in tasks {
        for (i, value) in values.iter().enumerate() {
            // The last value takes the task itself: one deep copy fewer, the same tasks out.
            let mut new_task = if i + 1 == values.len() { std::mem::take(&mut task) } else { task.clone() };
            let name = python_str(new_task.get("name").unwrap_or(&Value::Null));
            new_task.insert("name".into(), Value::String(format!("{name}-{}", python_str(value))));
            let attributes = setdefault_object(&mut new_task, "attributes")?;
            let matrix = setdefault_object(attributes, "matrix").map_err(|e| format!("attributes.{e}"))?;
            matrix.insert(key.to_string(), value.clone());
            let rules = exclude.as_ref().ok_or("matrix.exclude: 'NoneType' object is not iterable")?;
            if !excluded(matrix, rules) {
                out.push(new_task);
            }
        }
    }
    Ok(out)
}

/// `split_matrix` for one task; on error, the task the error is about.
fn split_matrix(mut task: TaskDict) -> Result<Vec<TaskDict>, (TaskDict, String)> {
    let Some(matrix) = task.shift_remove("matrix") else { return Ok(vec![task]) };
    let fail = |task: &TaskDict, e: String| (task.clone(), e);
    let Value::Object(mut matrix) = matrix else {
        return Err(fail(&task, "matrix: 'NoneType' object has no attribute 'pop'".into()));
    };
    let set_name = matrix.shift_remove("set-name").filter(|v| !v.is_null());
    // An explicit null fails only once there is a task to substitute into, as in Python.
    let fields: Result<Vec<String>, String> = match matrix.shift_remove("substitution-fields") {
        None => Ok(task.keys().cloned().collect()),
        Some(Value::Array(f)) => Ok(f.iter().map(python_str).collect()),
        Some(_) => Err("matrix.substitution-fields: 'NoneType' object is not iterable".into()),
    };
    let exclude = match matrix.shift_remove("exclude") {
        None => Some(Vec::new()),
        Some(Value::Array(rules)) => Some(rules),
        Some(_) => None,
    };

    let mut new_tasks = vec![task.clone()];
    for (key, values) in &matrix {
        let values = dimension_values(key, values).map_err(|e| fail(&task, e))?;
        new_tasks = resolve_dimension(new_tasks, key, &values, &exclude).map_err(|e| fail(&task, e))?;
    }

    if new_tasks.is_empty() {
        return Ok(new_tasks);
    }
    let mut fields = fields.map_err(|e| fail(&task, e))?;
    let truthy_name = set_name.as_ref().filter(|v| truthy(v));
    if truthy_name.is_some() && !fields.iter().any(|f| f == "name") {
        fields.push("name".into());
    }
    // Each new task's substitutions are independent; the first failing one (in order) is reported.
    let failure = new_tasks
        .par_iter_mut()
        .map(|new_task| {
            if let Some(name) = truthy_name {
                new_task.insert("name".into(), name.clone());
            }
            let matrix_values =
                new_task.get("attributes").and_then(|a| a.get("matrix")).cloned().unwrap_or(Value::Object(Map::new()));
            let mut subs = Map::new();
            subs.insert("matrix".into(), matrix_values);
            substitute_task_fields(new_task, &fields, &subs).map_err(|e| (new_task.clone(), e))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .find_map(Result::err);
    match failure {
        Some(failure) => Err(failure),
        None => Ok(new_tasks),
    }
}
