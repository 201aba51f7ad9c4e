//! A small validator with the semantics of taskgraph's msgspec schemas (`Schema` structs with
//! kebab-case field names): types are described by static [`Ty`] values, and errors read like
//! msgspec's: ``Expected `str | null`, got `int` - at `$.run.workdir` ``.
//!
//! Rules kept from msgspec: `int` refuses booleans and floats, `float` accepts integers, a union
//! picks its member by the JSON type of the value, a struct refuses unknown fields unless it
//! says otherwise, and a field may be `null` only when its type allows it.

use serde_json::{Map, Value};

/// A type as a schema declares it.
#[derive(Debug)]
pub enum Ty {
    /// `object` / `Any`: anything.
    Any,
    Str,
    Int,
    Bool,
    Float,
    /// `None`.
    Null,
    /// `Literal["a", "b"]` of strings.
    Literal(&'static [&'static str]),
    /// `list[T]`.
    List(&'static Ty),
    /// `dict[str, T]`.
    Dict(&'static Ty),
    /// A `Schema` struct.
    Struct(&'static StructDef),
    /// `Union[...]` (`Optional[T]` is `Union[T, None]`).
    Union(&'static [Ty]),
    /// A type whose values get a further check once they conform (a struct's `__post_init__`).
    Checked(&'static Ty, fn(&Value) -> Result<(), String>),
}

/// A `Schema` struct: its fields, and whether unknown fields are refused.
#[derive(Debug)]
pub struct StructDef {
    pub fields: &'static [Field],
    pub forbid_unknown: bool,
}

/// One field: kebab-case name, type, and whether it must be present.
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
        Ty::Checked(inner, _) => kinds(inner, out),
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
        (Ty::Checked(inner, _), v) => accepts_kind(inner, v),
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
        Ty::Checked(inner, check) => {
            validate_at(inner, value, loc)?;
            check(value).map_err(|e| at(e, loc))
        }
        _ if !accepts_kind(ty, value) => Err(mismatch(ty, value, loc)),
        Ty::Literal(allowed) => match value {
            Value::String(s) if allowed.contains(&s.as_str()) => Ok(()),
            Value::String(s) => Err(at(format!("Invalid enum value '{s}'"), loc)),
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

fn validate_struct_at(def: &StructDef, m: &Map<String, Value>, loc: &Loc) -> Result<(), String> {
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
    // Every required field was met above (keys are unique): no lookups needed.
    if required_seen == def.fields.iter().filter(|f| f.required).count() {
        return Ok(());
    }
    match def.fields.iter().find(|f| f.required && !m.contains_key(f.name)) {
        Some(field) => Err(at(format!("Object missing required field `{}`", field.name), loc)),
        None => Ok(()),
    }
}

/// Commonly used types.
pub const OPT_STR: Ty = Ty::Union(&[Ty::Str, Ty::Null]);
pub const OPT_BOOL: Ty = Ty::Union(&[Ty::Bool, Ty::Null]);
pub const OPT_INT: Ty = Ty::Union(&[Ty::Int, Ty::Null]);
pub const LIST_STR: Ty = Ty::List(&Ty::Str);
pub const OPT_LIST_STR: Ty = Ty::Union(&[LIST_STR, Ty::Null]);
pub const OPT_DICT_ANY: Ty = Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null]);

/// taskgraph's `TaskRefTypeSchema`: `{task-reference: str}` or `{artifact-reference: str}`
/// (exactly one; other keys pass).
pub const TASK_REF: StructDef = StructDef {
    fields: &[Field::opt("task-reference", OPT_STR), Field::opt("artifact-reference", OPT_STR)],
    forbid_unknown: false,
};

/// `taskref_or_string_msgspec`: a string or a task/artifact reference.
pub const TASKREF_OR_STRING: Ty = Ty::Union(&[Ty::Str, Ty::Checked(&Ty::Struct(&TASK_REF), check_task_ref)]);

/// The `__post_init__` check of `TaskRefTypeSchema`.
pub fn check_task_ref(value: &Value) -> Result<(), String> {
    let Value::Object(m) = value else { return Ok(()) };
    let set = |k: &str| m.get(k).is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()));
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
    };

    #[test]
    fn messages_match_msgspec() {
        // Messages from msgspec 0.22 (msgspec.convert) on the same types and values.
        let ty = Ty::Struct(&S);
        let cases = [
            (json!({"using": "u", "a": 3}), "Expected `bool | array | null`, got `int` - at `$.a`"),
            (json!({"using": "u", "a": ["z"]}), "Invalid enum value 'z' - at `$.a[0]`"),
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
}
