//! taskgraph.transforms.from_deps: make one task per group of kind-dependency tasks (e.g. a
//! signing task per build), named after and depending on the group's tasks.
//!
//! Schema (`FromDepsSchema`, unknown fields allowed at the top):
//! * `from-deps` (required), unknown fields refused:
//!   * `kinds` ([str]): the dependency kinds to use (default: all `kind-dependencies`; each must
//!     be one of them); the first present in a group is the group's *primary* kind;
//!   * `with-attributes` ({attr: value | [values]}): keep only tasks whose attributes match
//!     (`attrmatch`: a list means "one of");
//!   * `group-by` (str | {name: argument}): `single` (default), `all`, `{attribute: NAME}`;
//!   * `set-name` (bool | str | mapping; default `strip-kind`): how to name the new task after
//!     the primary dependency (`strip-kind`, `retain-kind`; null/false: keep the name);
//!   * `copy-attributes` (bool, default false): start from the primary dependency's attributes;
//!   * `unique-kinds` (bool, default true): at most one task per kind in a group; dependencies
//!     are then keyed by kind, else by label;
//!   * `fetches` ({kind: [FetchesEntry]}): a fetches entry per dependency of that kind, with
//!     `artifact` and `dest` formatted from the dependency's attributes.
//!
//! Step `from_deps`, per task and group: a copy of the task with `dependencies` (updated),
//! `attributes.primary-kind-dependency`, `attributes.primary-dependency-label`, the name and
//! copied attributes, and `fetches`.

use crate::util::dependencies::{get_dependencies, group, GroupBy};
use crate::util::set_name::set_name;
use crate::util::task_dict::identity_of;
use crate::util::task_dict::setdefault_object;
use crate::{task_error, TaskDict, TransformConfig};
use serde_json::{Map, Value};
use tg_core::py::format::format;
use tg_core::py::msgspec::{validate_struct, Field, StructDef, Ty};
use tg_core::py::value::python_str;
use tg_core::py::value::{python_eq, truthy, type_name};
use tg_core::task::Task;

/// taskgraph.transforms.run's `FetchesEntrySchema`.
const FETCHES_ENTRY: StructDef = StructDef {
    fields: &[
        Field::req("artifact", Ty::Str),
        Field::opt("dest", Ty::Union(&[Ty::Str, Ty::Null])),
        Field::opt("extract", Ty::Union(&[Ty::Bool, Ty::Null])),
        Field::opt("verify-hash", Ty::Union(&[Ty::Bool, Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};

const FROM_DEPS_CONFIG: StructDef = StructDef {
    fields: &[
        Field::opt("kinds", Ty::Union(&[Ty::List(&Ty::Str), Ty::Null])),
        Field::opt("set-name", Ty::Union(&[Ty::Bool, Ty::Str, Ty::Dict(&Ty::Any), Ty::Null])),
        Field::opt("with-attributes", Ty::Union(&[Ty::Dict(&Ty::Union(&[Ty::List(&Ty::Any), Ty::Str])), Ty::Null])),
        Field::opt("group-by", Ty::Union(&[Ty::Str, Ty::Dict(&Ty::Any), Ty::Null])),
        Field::opt("copy-attributes", Ty::Union(&[Ty::Bool, Ty::Null])),
        Field::opt("unique-kinds", Ty::Union(&[Ty::Bool, Ty::Null])),
        Field::opt("fetches", Ty::Union(&[Ty::Dict(&Ty::List(&Ty::Struct(&FETCHES_ENTRY))), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `FromDepsSchema`.
const FROM_DEPS_SCHEMA: StructDef = StructDef {
    fields: &[Field::req("from-deps", Ty::Struct(&FROM_DEPS_CONFIG))],
    forbid_unknown: false,
    post_init: None,
};

/// The module's transform sequence: validate, then split each task by dependency group.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    let mut out = Vec::new();
    for task in tasks {
        validate_struct(&FROM_DEPS_SCHEMA, &task, "$").map_err(|e| task_error(config, &task, e))?;
        let name_source = identity_of(&task);
        out.extend(from_deps(config, task).map_err(|e| task_error(config, &name_source, format!("from-deps: {e}")))?);
    }
    Ok(out)
}

/// `from-deps` with taskgraph's defaults applied (an explicit null is kept as null: taskgraph's
/// `dict.get(key, default)` returns it).
struct Options {
    kinds: Vec<String>,
    with_attributes: Option<Map<String, Value>>,
    set_name: Value,
    copy_attributes: bool,
    unique_kinds: bool,
    fetches: Map<String, Value>,
}

/// A list of strings from a validated value (`null` where Python would iterate `None`: error).
fn string_list(value: &Value, what: &str) -> Result<Vec<String>, String> {
    match value {
        Value::Array(items) => Ok(items.iter().map(python_str).collect()),
        other => Err(format!("{what}: '{}' object is not iterable", type_name(other))),
    }
}

fn options(config: &TransformConfig<'_>, from_deps: &Map<String, Value>) -> Result<Options, String> {
    let kind_deps = match config.config.get("kind-dependencies") {
        None => Vec::new(),
        Some(v) => string_list(v, "kind-dependencies")?,
    };
    let kinds = match from_deps.get("kinds") {
        None => kind_deps.clone(),
        Some(v) => string_list(v, "kinds")?,
    };
    let mut invalid: Vec<&String> = kinds.iter().filter(|k| !kind_deps.contains(k)).collect();
    invalid.sort();
    invalid.dedup();
    if !invalid.is_empty() {
        let list: Vec<&str> = invalid.iter().map(|s| s.as_str()).collect();
        return Err(format!(
            "The `from-deps.kinds` key contains the following kinds that are not defined in `kind-dependencies`: {}",
            list.join(", ")
        ));
    }
    if kinds.is_empty() {
        return Err("The `from_deps` transforms require at least one kind defined in `kind-dependencies`!".into());
    }
    let with_attributes = match from_deps.get("with-attributes") {
        Some(Value::Object(m)) if !m.is_empty() => Some(m.clone()),
        _ => None,
    };
    let flag = |key: &str, default: bool| from_deps.get(key).map_or(default, truthy);
    let fetches = match from_deps.get("fetches") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    Ok(Options {
        kinds,
        with_attributes,
        set_name: from_deps.get("set-name").cloned().unwrap_or_else(|| Value::String("strip-kind".into())),
        copy_attributes: flag("copy-attributes", false),
        unique_kinds: flag("unique-kinds", true),
        fetches,
    })
}

/// taskgraph's `attrmatch(attributes, **conditions)`.
fn attrmatch(attributes: &Map<String, Value>, conditions: &Map<String, Value>) -> bool {
    conditions.iter().all(|(key, wanted)| match attributes.get(key) {
        None => false,
        Some(actual) => match wanted {
            Value::Array(choices) => choices.iter().any(|c| python_eq(c, actual)),
            other => python_eq(other, actual),
        },
    })
}

/// The `group-by` setting as a function name and optional argument.
fn group_by_of(from_deps: &Map<String, Value>) -> Result<GroupBy<'_>, String> {
    match from_deps.get("group-by") {
        None => Ok(GroupBy::Name("single")),
        Some(Value::String(name)) => Ok(GroupBy::Name(name)),
        Some(Value::Object(m)) if m.len() == 1 => {
            let (name, arg) = m.iter().next().ok_or("group-by: empty mapping")?;
            Ok(GroupBy::WithArg(name, arg))
        }
        Some(Value::Object(_)) => Err("group-by: a mapping must have exactly one key (AssertionError)".into()),
        Some(other) => Err(format!("group-by: no group-by function {}", tg_core::py::value::python_repr(other))),
    }
}

/// `from_deps` for one task.
fn from_deps(config: &TransformConfig<'_>, mut task: TaskDict) -> Result<Vec<TaskDict>, String> {
    let from_deps = match task.shift_remove("from-deps") {
        Some(Value::Object(m)) => m,
        _ => return Err("expected a mapping".into()),
    };
    let opts = options(config, &from_deps)?;
    let deps: Vec<&Task> = config
        .kind_dependencies_tasks
        .values()
        .filter(|t| opts.kinds.contains(&t.kind))
        .filter(|t| opts.with_attributes.as_ref().is_none_or(|w| attrmatch(&t.attributes, w)))
        .collect();
    let groups = group(&group_by_of(&from_deps)?, &deps)?;

    let mut out = Vec::with_capacity(groups.len());
    for group in groups {
        out.push(task_for_group(config, &task, &opts, &group)?);
    }
    Ok(out)
}

/// The new task for one group of dependencies.
fn task_for_group(
    config: &TransformConfig<'_>,
    task: &TaskDict,
    opts: &Options,
    group: &[&Task],
) -> Result<TaskDict, String> {
    let mut group_kinds: Vec<&str> = group.iter().map(|t| t.kind.as_str()).collect();
    group_kinds.sort();
    group_kinds.dedup();
    if opts.unique_kinds && group_kinds.len() < group.len() {
        return Err("The from_deps transforms only allow a single task per kind in a group!".into());
    }

    let mut new_task = task.clone();
    let dependencies = setdefault_object(&mut new_task, "dependencies")?;
    for dep in group {
        let key = if opts.unique_kinds { dep.kind.clone() } else { dep.label.clone() };
        dependencies.insert(key, Value::String(dep.label.clone()));
    }

    let primary_kind =
        opts.kinds.iter().find(|k| group_kinds.contains(&k.as_str())).ok_or("Could not detect primary kind!")?;
    let primary_dep = group.iter().find(|d| &d.kind == primary_kind).ok_or("Could not detect primary kind!")?;
    let attributes = setdefault_object(&mut new_task, "attributes")?;
    attributes.insert("primary-kind-dependency".into(), Value::String(primary_kind.clone()));
    attributes.insert("primary-dependency-label".into(), Value::String(primary_dep.label.clone()));

    if truthy(&opts.set_name) {
        let name = match &opts.set_name {
            Value::String(s) => set_name(s, primary_dep, primary_kind)?,
            other => return Err(format!("set-name: no set-name function {}", tg_core::py::value::python_repr(other))),
        };
        new_task.insert("name".into(), Value::String(name));
    }

    if opts.copy_attributes {
        let own = new_task.get("attributes").and_then(Value::as_object).cloned().unwrap_or_default();
        let mut attributes = primary_dep.attributes.clone();
        attributes.extend(own);
        new_task.insert("attributes".into(), Value::Object(attributes));
    }

    if !opts.fetches.is_empty() {
        add_fetches(config, &mut new_task, opts)?;
    }
    Ok(new_task)
}

/// `fetches`: one entry list per dependency whose kind has fetches configured.
fn add_fetches(config: &TransformConfig<'_>, new_task: &mut TaskDict, opts: &Options) -> Result<(), String> {
    let dep_tasks: Vec<&Task> = get_dependencies(config, new_task);
    let mut additions: Vec<(String, Value)> = Vec::new();
    for dep_task in dep_tasks {
        let Some(kind_fetches) = opts.fetches.get(&dep_task.kind) else { continue };
        let mut entries = Vec::new();
        for fetch in kind_fetches.as_array().map(Vec::as_slice).unwrap_or_default() {
            let Value::Object(fetch) = fetch else { continue };
            let mut entry = fetch.clone();
            for key in ["artifact", "dest"] {
                if let Some(value) = entry.get(key) {
                    let template = value.as_str().ok_or_else(|| format!("fetches: {key}: expected a string"))?;
                    let formatted = format(template, &dep_task.attributes)
                        .map_err(|e| format!("fetches: {key} {template:?} for {}: {e}", dep_task.label))?;
                    entry.insert(key.into(), Value::String(formatted));
                }
            }
            entries.push(Value::Object(entry));
        }
        let key = if opts.unique_kinds { dep_task.kind.clone() } else { dep_task.label.clone() };
        additions.push((key, Value::Array(entries)));
    }
    let task_fetches = setdefault_object(new_task, "fetches")?;
    task_fetches.extend(additions);
    Ok(())
}
