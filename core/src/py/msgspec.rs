//! The one validator with the semantics of taskgraph's msgspec schemas (`Schema` structs with
//! kebab-case field names), used by every transform that validates: types are described by
//! static [`Ty`] values, and errors read like msgspec's: ``Expected `str | null`, got `int` - at
//! `$.run.workdir` ``. The shared schemas of taskgraph/util/schema.py ([`TASK_REF`],
//! [`OPTIMIZATION`], [`INDEX`], [`TREEHERDER`]) are defined here too.
//!
//! Rules kept from msgspec: `int` refuses booleans and floats, `float` accepts integers, a union
//! picks its member by the JSON type of the value, a struct refuses unknown fields unless it
//! says otherwise, required fields are reported after the fields present, a struct's
//! `__post_init__` runs last, and a field may be `null` only when its type allows it.
//! Validation never changes the value: msgspec's defaults are not written back.

use crate::py::value::python_repr;
use serde_json::{Map, Value};

/// A type as a schema declares it.
#[derive(Debug)]
pub enum Ty {
    /// `object` / `Any`: anything.
    Any,
    /// `str`.
    Str,
    /// `int` (not bool, not float).
    Int,
    /// `bool`.
    Bool,
    /// `float` (ints too).
    Float,
    /// `None`.
    Null,
    /// `Literal["a", "b"]` of strings.
    Literal(&'static [&'static str]),
    /// `list[T]` (`list` alone is `List(&Ty::Any)`).
    List(&'static Ty),
    /// `dict[str, T]`.
    Dict(&'static Ty),
    /// A `Schema` struct.
    Struct(&'static StructDef),
    /// `Union[...]` (`Optional[T]` is `Union[T, None]`).
    Union(&'static [Ty]),
}

/// A struct's `__post_init__`: a message when the (already type-checked) mapping is refused.
pub type PostInit = fn(&Map<String, Value>) -> Result<(), String>;

/// A `Schema` struct: its fields, whether unknown fields are refused, its `__post_init__`.
#[derive(Debug)]
pub struct StructDef {
    /// Fields in declaration order.
    pub fields: &'static [Field],
    /// `forbid_unknown_fields`.
    pub forbid_unknown: bool,
    /// `__post_init__`.
    pub post_init: Option<PostInit>,
}

/// One field: encoded (kebab-case or camelCase) name, type, and whether it must be present.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

impl Field {
    /// A required field.
    pub const fn req(name: &'static str, ty: Ty) -> Field {
        Field { name, ty, required: true }
    }
    /// An optional field (it may also be `null` only if `ty` allows it).
    pub const fn opt(name: &'static str, ty: Ty) -> Field {
        Field { name, ty, required: false }
    }
}

/// msgspec's names for JSON types, in the order its messages list them.
const KIND_ORDER: &[&str] = &["bool", "int", "float", "str", "object", "array", "null"];

/// The kind names a type accepts (unsorted, may repeat).
fn kinds(ty: &Ty, out: &mut Vec<&'static str>) {
    match ty {
        Ty::Any => out.push("any"),
        Ty::Str | Ty::Literal(_) => out.push("str"),
        Ty::Int => out.push("int"),
        Ty::Bool => out.push("bool"),
        Ty::Float => out.push("float"),
        Ty::Null => out.push("null"),
        Ty::List(_) => out.push("array"),
        Ty::Dict(_) | Ty::Struct(_) => out.push("object"),
        Ty::Union(members) => members.iter().for_each(|m| kinds(m, out)),
    }
}

/// `` `bool | str | null` `` for a type.
fn expected(ty: &Ty) -> String {
    let mut found = Vec::new();
    kinds(ty, &mut found);
    let names: Vec<&str> = KIND_ORDER.iter().copied().filter(|k| found.contains(k)).collect();
    names.join(" | ")
}

/// The msgspec name of a value's JSON type.
fn got(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int",
        Value::Number(_) => "float",
        Value::String(_) => "str",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Where a value is, msgspec-style (`$`, `$.run`, `$.run.command[0]`), built up as validation
/// descends but rendered only for an error message.
#[derive(Clone, Copy)]
enum Loc<'a> {
    Root(&'a str),
    Key(&'a Loc<'a>, &'a str),
    Index(&'a Loc<'a>, usize),
    Entries(&'a Loc<'a>),
}

impl std::fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Loc::Root(path) => f.write_str(path),
            Loc::Key(parent, key) => write!(f, "{parent}.{key}"),
            Loc::Index(parent, i) => write!(f, "{parent}[{i}]"),
            Loc::Entries(parent) => write!(f, "{parent}[...]"),
        }
    }
}

impl Loc<'_> {
    fn is_root_dollar(&self) -> bool {
        matches!(self, Loc::Root("$"))
    }
}

/// An error at `loc` (`$` alone gets no suffix, as in msgspec).
fn at(message: String, loc: &Loc) -> String {
    if loc.is_root_dollar() {
        message
    } else {
        format!("{message} - at `{loc}`")
    }
}

fn mismatch(ty: &Ty, value: &Value, loc: &Loc) -> String {
    at(format!("Expected `{}`, got `{}`", expected(ty), got(value)), loc)
}

/// Does this (non-union) type take values of the JSON type of `value`?
fn accepts_kind(ty: &Ty, value: &Value) -> bool {
    match (ty, value) {
        (Ty::Any, _) => true,
        (Ty::Str | Ty::Literal(_), Value::String(_)) => true,
        (Ty::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Ty::Float, Value::Number(_)) => true,
        (Ty::Bool, Value::Bool(_)) => true,
        (Ty::Null, Value::Null) => true,
        (Ty::List(_), Value::Array(_)) => true,
        (Ty::Dict(_) | Ty::Struct(_), Value::Object(_)) => true,
        (Ty::Union(members), v) => members.iter().any(|m| accepts_kind(m, v)),
        _ => false,
    }
}

/// Validate `value` against `ty`; `path` is the msgspec-style location (`$`, `$.run`, ...).
pub fn validate(ty: &Ty, value: &Value, path: &str) -> Result<(), String> {
    validate_at(ty, value, &Loc::Root(path))
}

fn validate_at(ty: &Ty, value: &Value, loc: &Loc) -> Result<(), String> {
    match ty {
        Ty::Union(members) => match members.iter().find(|m| accepts_kind(m, value)) {
            Some(member) => validate_at(member, value, loc),
            None => Err(mismatch(ty, value, loc)),
        },
        _ if !accepts_kind(ty, value) => Err(mismatch(ty, value, loc)),
        Ty::Literal(allowed) => match value {
            Value::String(s) if allowed.contains(&s.as_str()) => Ok(()),
            Value::String(_) => Err(at(format!("Invalid enum value {}", python_repr(value)), loc)),
            _ => Err(mismatch(ty, value, loc)),
        },
        Ty::List(item) => {
            let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
            items.iter().enumerate().try_for_each(|(i, v)| validate_at(item, v, &Loc::Index(loc, i)))
        }
        Ty::Dict(item) => {
            let entries = value.as_object().into_iter().flatten();
            entries.into_iter().try_for_each(|(_, v)| validate_at(item, v, &Loc::Entries(loc)))
        }
        Ty::Struct(def) => match value {
            Value::Object(m) => validate_struct_at(def, m, loc),
            _ => Err(mismatch(ty, value, loc)),
        },
        _ => Ok(()),
    }
}

/// Validate a mapping against a struct definition.
pub fn validate_struct(def: &StructDef, m: &Map<String, Value>, path: &str) -> Result<(), String> {
    validate_struct_at(def, m, &Loc::Root(path))
}

/// Fields in input order, then missing required fields, then `__post_init__`.
fn validate_struct_at(def: &StructDef, m: &Map<String, Value>, loc: &Loc) -> Result<(), String> {
    let required_seen = validate_fields(def, m, loc)?;
    // Every required field was met (keys are unique): no lookups needed.
    if required_seen < def.fields.iter().filter(|f| f.required).count() {
        if let Some(field) = def.fields.iter().find(|f| f.required && !m.contains_key(f.name)) {
            return Err(at(format!("Object missing required field `{}`", field.name), loc));
        }
    }
    match def.post_init {
        Some(check) => check(m).map_err(|e| at(e, loc)),
        None => Ok(()),
    }
}

/// Check the fields present, in input order; the number of required ones met.
fn validate_fields(def: &StructDef, m: &Map<String, Value>, loc: &Loc) -> Result<usize, String> {
    let mut required_seen = 0;
    for (key, value) in m {
        match def.fields.iter().find(|f| f.name == key) {
            Some(field) => {
                required_seen += usize::from(field.required);
                validate_at(&field.ty, value, &Loc::Key(loc, key))?
            }
            None if def.forbid_unknown => return Err(at(format!("Object contains unknown field `{key}`"), loc)),
            None => {}
        }
    }
    Ok(required_seen)
}

/// Commonly used types.
pub const OPT_STR: Ty = Ty::Union(&[Ty::Str, Ty::Null]);
pub const OPT_BOOL: Ty = Ty::Union(&[Ty::Bool, Ty::Null]);
pub const OPT_INT: Ty = Ty::Union(&[Ty::Int, Ty::Null]);
pub const LIST_STR: Ty = Ty::List(&Ty::Str);
pub const OPT_LIST_STR: Ty = Ty::Union(&[LIST_STR, Ty::Null]);
pub const OPT_LIST_INT: Ty = Ty::Union(&[Ty::List(&Ty::Int), Ty::Null]);
pub const OPT_DICT_ANY: Ty = Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null]);

// ---------------------------------------------------------------------------------------------
// The shared schemas of taskgraph/util/schema.py (used by the run, task and docker-image
// transforms' schemas).

/// taskgraph's `TaskRefTypeSchema`: `{task-reference: str}` or `{artifact-reference: str}`
/// (exactly one; other keys pass).
pub const TASK_REF: StructDef = StructDef {
    fields: &[Field::opt("task-reference", OPT_STR), Field::opt("artifact-reference", OPT_STR)],
    forbid_unknown: false,
    post_init: Some(task_ref_post_init),
};

/// `taskref_or_string_msgspec`: a string or a task/artifact reference.
pub const TASKREF_OR_STRING: Ty = Ty::Union(&[Ty::Str, Ty::Struct(&TASK_REF)]);

/// `OptimizationTypeSchema` (other optimization strategies' keys allowed).
pub const OPTIMIZATION: StructDef = StructDef {
    fields: &[
        // search the index for these namespaces, first match wins
        Field::opt("index-search", OPT_LIST_STR),
        // skip unless one of these file patterns changed
        Field::opt("skip-unless-changed", OPT_LIST_STR),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// `IndexSchema`.
pub const INDEX: StructDef = StructDef {
    fields: &[
        // the product this build produces (must be in config.yml's index.products)
        Field::opt("product", OPT_STR),
        // the name of this task in the index
        Field::opt("job-name", OPT_STR),
        // index builder (only `generic` is built in)
        Field::opt("type", Ty::Str),
        // `by-tier`, `build_date`, or a fixed integer rank
        Field::opt("rank", Ty::Union(&[Ty::Literal(&["by-tier", "build_date"]), Ty::Int])),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `TreeherderConfig`.
pub const TREEHERDER: StructDef = StructDef {
    fields: &[
        // `sym` or `grp(sym)`; default: the initials of the kind's dash-parts
        Field::opt("symbol", OPT_STR),
        // job kind; default guessed from the kind name
        Field::opt("kind", Ty::Union(&[Ty::Literal(&["build", "test", "other"]), Ty::Null])),
        // default 1
        Field::opt("tier", OPT_INT),
        // `platform/collection`; default `default/opt`
        Field::opt("platform", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `TaskRefTypeSchema.__post_init__`: exactly one of task-reference / artifact-reference.
fn task_ref_post_init(m: &Map<String, Value>) -> Result<(), String> {
    let set = |k: &str| m.get(k).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    match (set("task-reference"), set("artifact-reference")) {
        (true, true) => Err("Cannot have both task-reference and artifact-reference".into()),
        (false, false) => Err("Must have either task-reference or artifact-reference".into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const S: StructDef = StructDef {
        fields: &[
            Field::req("using", Ty::Str),
            Field::opt("a", Ty::Union(&[Ty::Bool, Ty::List(&Ty::Literal(&["x", "y"])), Ty::Null])),
            Field::opt("t", Ty::Dict(&Ty::Str)),
        ],
        forbid_unknown: true,
        post_init: None,
    };

    #[test]
    fn messages_match_msgspec() {
        // Messages from msgspec 0.22 (msgspec.convert) on the same types and values.
        let ty = Ty::Struct(&S);
        let cases = [
            (json!({"using": "u", "a": 3}), "Expected `bool | array | null`, got `int` - at `$.a`"),
            (json!({"using": "u", "a": ["z"]}), "Invalid enum value 'z' - at `$.a[0]`"),
            (json!({"using": "u", "a": ["it's"]}), "Invalid enum value \"it's\" - at `$.a[0]`"),
            (json!([]), "Expected `object`, got `array`"),
            (json!({"a": true}), "Object missing required field `using`"),
            (json!({"using": "u", "b": 1}), "Object contains unknown field `b`"),
            (json!({"using": "u", "t": {"k": null}}), "Expected `str`, got `null` - at `$.t[...]`"),
        ];
        for (value, message) in cases {
            assert_eq!(validate(&ty, &value, "$").unwrap_err(), message, "{value}");
        }
        assert!(validate(&ty, &json!({"using": "u", "a": ["x"], "t": {}}), "$").is_ok());
        assert_eq!(validate(&TASKREF_OR_STRING, &json!(1), "$").unwrap_err(), "Expected `str | object`, got `int`");
        assert_eq!(validate(&Ty::Int, &json!(1.5), "$").unwrap_err(), "Expected `int`, got `float`");
        assert!(validate(&Ty::Float, &json!(1), "$").is_ok());
    }

    #[test]
    fn unions_name_members_in_msgspec_order() {
        // Expected strings from msgspec.convert on the same types.
        let e = validate(&Ty::Union(&[Ty::Str, Ty::Dict(&Ty::Str)]), &json!(1.5), "$").unwrap_err();
        assert_eq!(e, "Expected `str | object`, got `float`");
        let e = validate(&Ty::Union(&[Ty::Str, Ty::Dict(&Ty::Str)]), &json!({"a": 1}), "$").unwrap_err();
        assert_eq!(e, "Expected `str`, got `int` - at `$[...]`");
        let e = validate(&TASKREF_OR_STRING, &json!({"a": 1}), "$").unwrap_err();
        assert_eq!(e, "Must have either task-reference or artifact-reference");
        let e = validate(&Ty::Union(&[Ty::Str, Ty::List(&Ty::Str), Ty::Null]), &json!([1]), "$").unwrap_err();
        assert_eq!(e, "Expected `str`, got `int` - at `$[0]`");
    }
}
