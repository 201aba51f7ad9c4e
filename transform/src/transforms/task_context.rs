//! taskgraph.transforms.task_context: fill values known only at generation time into chosen
//! fields of a task, first resolving `by-*` keys in those fields against the same values.
//!
//! Schema (`TaskContextSchema`, unknown fields allowed):
//! * `name` (str, optional).
//! * `task-context` (optional; absent or null leaves the task alone): `TaskContextConfig`,
//!   unknown fields refused:
//!   * `substitution-fields` (list of str, required): the (dotted) fields to resolve and format;
//!   * `from-parameters` ({var: str | [str]}): `var` takes the parameter at a dotted path; with a
//!     list, the first path whose value is not null (none: `var` stays unset);
//!   * `from-file` (str): a YAML mapping of values (path relative to the repository root, which
//!     is where taskgraph runs; unlike taskgraph, it must resolve inside the repository:
//!     [`tg_core::confine`]);
//!   * `from-object` (any mapping): literal values;
//!   * `from-custom` ([str]): providers registered by project code; none is built in, so any
//!     name is an error, as in taskgraph without a registration;
//!   * `resolve-keyed-by-options` ({defer: [str], enforce-single-match: bool}): passed to
//!     `resolve_keyed_by` as taskgraph passes it: `defer` works, while the kebab-case
//!     `enforce-single-match` is not the keyword argument's name and ends up as one more value
//!     to key by (so it has no effect), exactly as in taskgraph 24.5.1.
//!
//! Precedence (later wins): file, custom, object, parameters; `name` defaults to the task's.
//!
//! Step `render_task`: for each field, `resolve_keyed_by(task, field, name, **values)`, then
//! `substitute_task_fields(task, fields, **values)`.

use crate::util::task_dict::identity_of;
use crate::util::templates::{deep_get, substitute_task_fields};
use crate::{task_error, TaskDict, TransformConfig};
use serde_json::{Map, Value};
use tg_core::py::keyed_by::{resolve_keyed_by, KeyedByOptions};
use tg_core::py::msgspec::{validate_struct, Field, StructDef, Ty};
use tg_core::py::value::truthy;

const RESOLVE_KEYED_BY_OPTIONS: StructDef = StructDef {
    fields: &[
        Field::opt("defer", Ty::Union(&[Ty::List(&Ty::Str), Ty::Null])),
        Field::opt("enforce-single-match", Ty::Union(&[Ty::Bool, Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};

const TASK_CONTEXT_CONFIG: StructDef = StructDef {
    fields: &[
        Field::req("substitution-fields", Ty::List(&Ty::Str)),
        Field::opt("from-parameters", Ty::Union(&[Ty::Dict(&Ty::Union(&[Ty::List(&Ty::Str), Ty::Str])), Ty::Null])),
        Field::opt("from-file", Ty::Union(&[Ty::Str, Ty::Null])),
        Field::opt("from-object", Ty::Any),
        Field::opt("from-custom", Ty::Union(&[Ty::List(&Ty::Str), Ty::Null])),
        Field::opt("resolve-keyed-by-options", Ty::Union(&[Ty::Struct(&RESOLVE_KEYED_BY_OPTIONS), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `TaskContextSchema`.
const TASK_CONTEXT_SCHEMA: StructDef = StructDef {
    fields: &[
        Field::opt("name", Ty::Union(&[Ty::Str, Ty::Null])),
        Field::opt("task-context", Ty::Union(&[Ty::Struct(&TASK_CONTEXT_CONFIG), Ty::Null])),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// Names of `resolve_keyed_by`'s positional parameters: values with these names collide.
const POSITIONAL: &[&str] = &["item", "field", "item_name"];

/// The module's transform sequence: validate, then render each task.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    use rayon::prelude::*;
    for task in &tasks {
        validate_struct(&TASK_CONTEXT_SCHEMA, task, "$").map_err(|e| task_error(config, task, e))?;
    }
    tasks
        .into_par_iter()
        .map(|task| {
            let name_source = identity_of(&task);
            render_task(config, task).map_err(|e| task_error(config, &name_source, format!("task-context: {e}")))
        })
        .collect()
}

/// `from-parameters`: var -> value.
fn params_context(config: &TransformConfig<'_>, spec: Option<Value>) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    let spec = match spec {
        None => return Ok(out),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("from-parameters: 'NoneType' object has no attribute 'items'".into()),
    };
    let params = &config.params.values;
    for (var, path) in spec {
        match path {
            Value::String(p) => {
                let value = deep_get(params, &p)?.cloned().unwrap_or(Value::Null);
                out.insert(var, value);
            }
            Value::Array(choices) => {
                for choice in choices.iter().filter_map(Value::as_str) {
                    if let Some(value) = deep_get(params, choice)? {
                        out.insert(var, value.clone());
                        break;
                    }
                }
            }
            _ => return Err(format!("from-parameters.{var}: expected a string or a list")),
        }
    }
    Ok(out)
}

/// `from-file`: the YAML mapping at `path`, relative to the repository root.
fn file_context(config: &TransformConfig<'_>, path: &str) -> Result<Map<String, Value>, String> {
    let full = config.graph_config.vcs_root().join(path);
    tg_core::confine::confine(
        config.graph_config,
        &full,
        format_args!("task-context.from-file {}", tg_core::quote::capped(path)),
    )
    .map_err(|e| e.to_string())?;
    match tg_core::yaml::load_file(&full).map_err(|e| format!("from-file: {}", tg_core::cli::render_chain(&e)))? {
        Value::Object(m) => Ok(m),
        Value::Null => Err(format!("from-file {path}: 'NoneType' object is not iterable")),
        other => Err(format!("from-file {path}: expected a mapping, got {}", tg_core::py::value::type_name(&other))),
    }
}

/// The combined context, in taskgraph's precedence.
fn context(
    config: &TransformConfig<'_>,
    task: &TaskDict,
    sub_config: &mut Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let params = params_context(config, sub_config.shift_remove("from-parameters"))?;
    let file = match sub_config.shift_remove("from-file") {
        Some(Value::String(path)) if !path.is_empty() => file_context(config, &path)?,
        _ => Map::new(),
    };
    if let Some(Value::Array(names)) = sub_config.shift_remove("from-custom") {
        if let Some(name) = names.first() {
            let name = tg_core::py::value::python_str(name);
            return Err(format!("no provider found for custom context '{name}'"));
        }
    }
    let mut subs = file;
    match sub_config.shift_remove("from-object") {
        None => {}
        Some(Value::Object(m)) => subs.extend(m),
        Some(other) => {
            return Err(format!("from-object: cannot update a dict from a {}", tg_core::py::value::type_name(&other)))
        }
    }
    subs.extend(params);
    if let Some(name) = task.get("name") {
        subs.entry("name").or_insert_with(|| name.clone());
    }
    Ok(subs)
}

/// The keyword arguments of taskgraph's `resolve_keyed_by(task, field, name, **options, **subs)`.
struct KeyedByArguments {
    defer: Vec<String>,
    enforce_single_match: bool,
    /// Every other keyword: values to key by.
    extra: Map<String, Value>,
}

/// Split the keyword arguments of the `resolve_keyed_by` call, failing where Python's call
/// would (a keyword given twice, or naming a positional parameter).
fn keyed_by_arguments(options: &Map<String, Value>, subs: &Map<String, Value>) -> Result<KeyedByArguments, String> {
    let mut kwargs = options.clone();
    for (k, v) in subs {
        if kwargs.contains_key(k) {
            return Err(format!("resolve_keyed_by() got multiple values for keyword argument '{k}'"));
        }
        kwargs.insert(k.clone(), v.clone());
    }
    if let Some(k) = POSITIONAL.iter().find(|k| kwargs.contains_key(**k)) {
        return Err(format!("resolve_keyed_by() got multiple values for argument '{k}'"));
    }
    let defer = match kwargs.shift_remove("defer") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(tg_core::py::value::python_str).collect(),
        Some(v) if !truthy(&v) => Vec::new(),
        Some(_) => return Err("defer: only a list of names is supported".into()),
    };
    let enforce_single_match = kwargs.shift_remove("enforce_single_match").is_none_or(|v| truthy(&v));
    Ok(KeyedByArguments { defer, enforce_single_match, extra: kwargs })
}

/// `render_task` for one task.
fn render_task(config: &TransformConfig<'_>, mut task: TaskDict) -> Result<TaskDict, String> {
    let mut sub_config = match task.shift_remove("task-context") {
        None | Some(Value::Null) => return Ok(task),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("expected a mapping".into()),
    };
    let subs = context(config, &task, &mut sub_config)?;
    let fields: Vec<String> = match sub_config.shift_remove("substitution-fields") {
        Some(Value::Array(f)) => f.iter().map(tg_core::py::value::python_str).collect(),
        _ => return Err("KeyError: 'substitution-fields'".into()),
    };

    let task_name = tg_core::py::value::python_str(
        task.get("name").or_else(|| task.get("label")).unwrap_or(&Value::String("?".into())),
    );
    let options = match sub_config.get("resolve-keyed-by-options") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let args = keyed_by_arguments(&options, &subs)?;
    let defer_refs: Vec<&str> = args.defer.iter().map(String::as_str).collect();
    let opts = KeyedByOptions { defer: &defer_refs, enforce_single_match: args.enforce_single_match };
    for field in &fields {
        resolve_keyed_by(&mut task, field, &task_name, &args.extra, opts)?;
    }
    substitute_task_fields(&mut task, &fields, &subs)?;
    Ok(task)
}
