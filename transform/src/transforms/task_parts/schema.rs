//! The schemas of taskgraph.transforms.task (msgspec `Schema` structs in 24.5.1) and a small
//! validator that checks a JSON value against them the way `msgspec.convert` does: strict
//! types (a bool is not an int, a float is not an int), kebab-case field names, unknown fields
//! refused unless the struct allows them, required fields reported after the fields present,
//! and a struct's `__post_init__` checks last. Messages use msgspec's words and paths
//! (`Expected `str`, got `int` - at `$.worker.env[...]``).
//!
//! Validation never changes the value: msgspec's defaults are not written back into the task.

use serde_json::{Map, Value};

/// A msgspec type annotation.
#[derive(Debug)]
pub enum Ty {
    /// `object` / `Any`: every value.
    Any,
    /// `None` (only inside a union: `Optional[T]` is `Union(&[T, Null])`).
    Null,
    /// `str`.
    Str,
    /// `bool`.
    Bool,
    /// `int` (not bool, not float).
    Int,
    /// `Literal["a", "b"]` of strings.
    Lit(&'static [&'static str]),
    /// `list[T]` (`list` alone is `List(&Ty::Any)`).
    List(&'static Ty),
    /// `dict[str, T]`.
    Dict(&'static Ty),
    /// A `Schema` struct.
    Struct(&'static StructTy),
    /// `Union[...]` (at most one object-like and one str-like member, as msgspec requires).
    Union(&'static [Ty]),
}

/// A struct's `__post_init__`: a message when the (already type-checked) mapping is refused.
pub type PostInit = fn(&Map<String, Value>) -> Result<(), String>;

/// A `Schema` subclass: its fields, whether unknown fields are refused, and its
/// `__post_init__` check.
#[derive(Debug)]
pub struct StructTy {
    /// Fields in declaration order.
    pub fields: &'static [Field],
    /// `forbid_unknown_fields`.
    pub forbid_unknown: bool,
    /// `__post_init__`.
    pub post_init: Option<PostInit>,
}

/// One struct field, by its encoded (kebab-case or camelCase) name.
#[derive(Debug)]
pub struct Field {
    /// The key in the task dict.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// No default: must be present.
    pub required: bool,
}

/// A required field.
const fn req(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: true }
}

/// A field with a default (msgspec: optional; `Optional[...]` types also accept null).
const fn opt(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: false }
}

/// A validation failure: msgspec's message and the path (`$`, `$.a`, `$.a[0]`, `$.a[...]`).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    pub message: String,
    pub path: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path == "$" {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{} - at `{}`", self.message, self.path)
        }
    }
}

/// Where a value is (`$`, `$.a`, `$.a[0]`, `$.a[...]`), built up as validation descends but
/// rendered only for an error.
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

/// Check `value` against `ty`; `path` names the value (`$` for the root).
pub fn validate(ty: &Ty, value: &Value, path: &str) -> Result<(), SchemaError> {
    validate_at(ty, value, &Loc::Root(path))
}

fn validate_at(ty: &Ty, value: &Value, loc: &Loc) -> Result<(), SchemaError> {
    let members: &[Ty] = match ty {
        Ty::Union(members) => members,
        single => std::slice::from_ref(single),
    };
    if members.iter().any(|m| matches!(m, Ty::Any)) {
        return Ok(());
    }
    let Some(member) = members.iter().find(|m| accepts_kind(m, value)) else {
        return Err(SchemaError {
            message: format!("Expected `{}`, got `{}`", expected_names(members), json_kind(value)),
            path: loc.to_string(),
        });
    };
    check_member(member, value, loc)
}

/// Whether `ty` is the union member msgspec picks for a value of this JSON kind.
fn accepts_kind(ty: &Ty, value: &Value) -> bool {
    match (ty, value) {
        (Ty::Any, _) => true,
        (Ty::Null, Value::Null) => true,
        (Ty::Str | Ty::Lit(_), Value::String(_)) => true,
        (Ty::Bool, Value::Bool(_)) => true,
        (Ty::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Ty::List(_), Value::Array(_)) => true,
        (Ty::Dict(_) | Ty::Struct(_), Value::Object(_)) => true,
        (Ty::Union(inner), v) => inner.iter().any(|m| accepts_kind(m, v)),
        _ => false,
    }
}

/// The member's own checks, once its JSON kind matched.
fn check_member(ty: &Ty, value: &Value, loc: &Loc) -> Result<(), SchemaError> {
    match (ty, value) {
        (Ty::Lit(allowed), Value::String(s)) if !allowed.contains(&s.as_str()) => Err(SchemaError {
            message: format!("Invalid enum value {}", tg_core::py::value::python_repr(value)),
            path: loc.to_string(),
        }),
        (Ty::List(item), Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                validate_at(item, v, &Loc::Index(loc, i))?;
            }
            Ok(())
        }
        (Ty::Dict(item), Value::Object(m)) => {
            for v in m.values() {
                validate_at(item, v, &Loc::Entries(loc))?;
            }
            Ok(())
        }
        (Ty::Struct(st), Value::Object(m)) => validate_struct(st, m, loc),
        (Ty::Union(_), v) => validate_at(ty, v, loc),
        _ => Ok(()),
    }
}

/// Check a mapping against a struct schema (what `Schema.validate(mapping)` does).
pub fn validate_mapping(st: &StructTy, m: &Map<String, Value>) -> Result<(), SchemaError> {
    validate_struct(st, m, &Loc::Root("$"))
}

/// Fields in input order, then missing required fields, then `__post_init__`.
fn validate_struct(st: &StructTy, m: &Map<String, Value>, loc: &Loc) -> Result<(), SchemaError> {
    let mut required_seen = 0;
    for (key, v) in m {
        match st.fields.iter().find(|f| f.name == key) {
            Some(field) => {
                required_seen += usize::from(field.required);
                validate_at(&field.ty, v, &Loc::Key(loc, key))?
            }
            None if st.forbid_unknown => {
                return Err(SchemaError {
                    message: format!("Object contains unknown field `{key}`"),
                    path: loc.to_string(),
                })
            }
            None => {}
        }
    }
    // Every required field met above (keys are unique) means none is missing: no lookups.
    let all_required = required_seen == st.fields.iter().filter(|f| f.required).count();
    if let Some(missing) = st.fields.iter().filter(|_| !all_required).find(|f| f.required && !m.contains_key(f.name)) {
        return Err(SchemaError {
            message: format!("Object missing required field `{}`", missing.name),
            path: loc.to_string(),
        });
    }
    if let Some(check) = st.post_init {
        check(m).map_err(|message| SchemaError { message, path: loc.to_string() })?;
    }
    Ok(())
}

/// msgspec's name for a value's JSON kind.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `bool | int | str | object | array | null`, in msgspec's order.
fn expected_names(members: &[Ty]) -> String {
    let mut kinds: Vec<&'static str> = Vec::new();
    fn collect(ty: &Ty, kinds: &mut Vec<&'static str>) {
        let k = match ty {
            Ty::Any => "any",
            Ty::Null => "null",
            Ty::Str | Ty::Lit(_) => "str",
            Ty::Bool => "bool",
            Ty::Int => "int",
            Ty::List(_) => "array",
            Ty::Dict(_) | Ty::Struct(_) => "object",
            Ty::Union(inner) => {
                inner.iter().for_each(|m| collect(m, kinds));
                return;
            }
        };
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    members.iter().for_each(|m| collect(m, &mut kinds));
    const ORDER: &[&str] = &["any", "bool", "int", "float", "str", "object", "array", "null"];
    kinds.sort_by_key(|k| ORDER.iter().position(|o| o == k));
    kinds.join(" | ")
}

// ---------------------------------------------------------------------------------------------
// Shared types (taskgraph/util/schema.py)

/// `Optional[str]`.
pub const OPT_STR: Ty = Ty::Union(&[Ty::Str, Ty::Null]);
/// `Optional[bool]`.
pub const OPT_BOOL: Ty = Ty::Union(&[Ty::Bool, Ty::Null]);
/// `Optional[int]`.
pub const OPT_INT: Ty = Ty::Union(&[Ty::Int, Ty::Null]);
/// `Optional[list[str]]`.
pub const OPT_STR_LIST: Ty = Ty::Union(&[Ty::List(&Ty::Str), Ty::Null]);
/// `Optional[list[int]]`.
pub const OPT_INT_LIST: Ty = Ty::Union(&[Ty::List(&Ty::Int), Ty::Null]);

/// `TaskRefTypeSchema.__post_init__`: exactly one of task-reference / artifact-reference.
fn taskref_post_init(m: &Map<String, Value>) -> Result<(), String> {
    let set = |k: &str| m.get(k).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    match (set("task-reference"), set("artifact-reference")) {
        (true, true) => Err("Cannot have both task-reference and artifact-reference".into()),
        (false, false) => Err("Must have either task-reference or artifact-reference".into()),
        _ => Ok(()),
    }
}

/// `TaskRefTypeSchema`: `{task-reference: ...}` or `{artifact-reference: ...}` (other keys allowed).
pub static TASK_REF: StructTy = StructTy {
    fields: &[opt("task-reference", OPT_STR), opt("artifact-reference", OPT_STR)],
    forbid_unknown: false,
    post_init: Some(taskref_post_init),
};

/// `taskref_or_string_msgspec`: a string, or a task/artifact reference.
pub const TASKREF_OR_STRING: Ty = Ty::Union(&[Ty::Str, Ty::Struct(&TASK_REF)]);

/// `OptimizationTypeSchema` (other optimization strategies' keys allowed).
pub static OPTIMIZATION: StructTy = StructTy {
    fields: &[
        // search the index for these namespaces, first match wins
        opt("index-search", OPT_STR_LIST),
        // skip unless one of these file patterns changed
        opt("skip-unless-changed", OPT_STR_LIST),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// `IndexSchema`.
pub static INDEX: StructTy = StructTy {
    fields: &[
        // the product this build produces (must be in config.yml's index.products)
        opt("product", OPT_STR),
        // the name of this task in the index
        opt("job-name", OPT_STR),
        // index builder (only `generic` is built in)
        opt("type", Ty::Str),
        // `by-tier`, `build_date`, or a fixed integer rank
        opt("rank", Ty::Union(&[Ty::Lit(&["by-tier", "build_date"]), Ty::Int])),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `TreeherderConfig`.
pub static TREEHERDER: StructTy = StructTy {
    fields: &[
        // `sym` or `grp(sym)`; default: the initials of the kind's dash-parts
        opt("symbol", OPT_STR),
        // job kind; default guessed from the kind name
        opt("kind", Ty::Union(&[Ty::Lit(&["build", "test", "other"]), Ty::Null])),
        // default 1
        opt("tier", OPT_INT),
        // `platform/collection`; default `default/opt`
        opt("platform", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `WorkerSchema` inside the task description: just the implementation, the rest is the
/// payload schema's business.
pub static WORKER: StructTy =
    StructTy { fields: &[req("implementation", Ty::Str)], forbid_unknown: false, post_init: None };

/// `TaskDescriptionSchema.__post_init__`: reserved dependency names.
fn task_description_post_init(m: &Map<String, Value>) -> Result<(), String> {
    if let Some(Value::Object(deps)) = m.get("dependencies") {
        if deps.keys().any(|k| k == "self" || k == "decision") {
            return Err("Can't use 'self' or 'decision' as dependency names.".into());
        }
    }
    Ok(())
}

/// `TaskDescriptionSchema`: the input of the task transforms, as checked by their `validate`
/// step (after the defaults and the label are set).
pub static TASK_DESCRIPTION: StructTy = StructTy {
    fields: &[
        // the task's label
        req("label", Ty::Str),
        // description, for metadata
        req("description", Ty::Str),
        // always include in the target task graph (still optimizable)
        req("always-target", Ty::Bool),
        // optimization strategy, or null
        req("optimization", Ty::Union(&[Ty::Null, Ty::Struct(&OPTIMIZATION)])),
        // worker-type alias (config.yml workers.aliases) or a built-in type
        req("worker-type", Ty::Str),
        // use sccache
        req("needs-sccache", Ty::Bool),
        // attributes of the task
        opt("attributes", Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null])),
        // file (relative to the kind directory) the task came from
        opt("task-from", OPT_STR),
        // dependencies: name -> label
        opt("dependencies", Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null])),
        // task priority; default from config.yml task-priority
        opt(
            "priority",
            Ty::Union(&[Ty::Lit(&["highest", "very-high", "high", "medium", "low", "very-low", "lowest"]), Ty::Null]),
        ),
        // labels of soft dependencies
        opt("soft-dependencies", OPT_STR_LIST),
        // dependency names that must be scheduled for this task to run
        opt("if-dependencies", OPT_STR_LIST),
        // when the task runs relative to its dependencies
        opt("requires", Ty::Union(&[Ty::Lit(&["all-completed", "all-resolved"]), Ty::Null])),
        // relative expiry (`14 days`); default from config.yml / level
        opt("expires-after", OPT_STR),
        // relative deadline; default from config.yml task-deadline-after or `1 day`
        opt("deadline-after", OPT_STR),
        // extra routes (treeherder and index routes are added)
        opt("routes", OPT_STR_LIST),
        // scopes; `{level}` and `{project}` are substituted
        opt("scopes", OPT_STR_LIST),
        // task tags
        opt("tags", Ty::Union(&[Ty::Dict(&Ty::Str), Ty::Null])),
        // task.extra content
        opt("extra", Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null])),
        // `true` or treeherder settings
        opt("treeherder", Ty::Union(&[Ty::Bool, Ty::Struct(&TREEHERDER), Ty::Null])),
        // index routes for this task
        opt("index", Ty::Union(&[Ty::Struct(&INDEX), Ty::Null])),
        // projects to run on (optionally keyed by build-platform; not checked further, as in
        // 24.5.1 where the Optional[...] wrapper hides the keyed-by annotation)
        opt("run-on-projects", Ty::Any),
        // tasks_for values to run on
        opt("run-on-tasks-for", OPT_STR_LIST),
        // git branches to run on
        opt("run-on-git-branches", OPT_STR_LIST),
        // release promotion phase
        opt("shipping-phase", Ty::Union(&[Ty::Lit(&["build", "promote", "push", "ship"]), Ty::Null])),
        // worker settings (checked by the payload schema)
        opt("worker", Ty::Union(&[Ty::Struct(&WORKER), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: Some(task_description_post_init),
};

// ---------------------------------------------------------------------------------------------
// Payload schemas, by worker implementation

/// `DockerWorkerCacheEntry`.
pub static DOCKER_CACHE: StructTy = StructTy {
    fields: &[
        // only `persistent`
        opt("type", Ty::Lit(&["persistent"])),
        // cache name, shared by tasks naming the same cache
        opt("name", OPT_STR),
        // mount point in the image
        opt("mount-point", OPT_STR),
        // not used at level 1
        opt("skip-untrusted", OPT_BOOL),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `DockerWorkerArtifact`.
pub static DOCKER_ARTIFACT: StructTy = StructTy {
    fields: &[
        // file, directory or volume
        opt("type", Ty::Union(&[Ty::Lit(&["file", "directory", "volume"]), Ty::Null])),
        // path in the image
        opt("path", OPT_STR),
        // artifact name
        opt("name", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `DockerWorkerPayloadSchema` (other keys allowed).
pub static DOCKER_WORKER: StructTy = StructTy {
    fields: &[
        req("implementation", Ty::Lit(&["docker-worker"])),
        req("os", Ty::Lit(&["linux"])),
        // image name, `{in-tree: name}` or `{indexed: namespace}`
        req("docker-image", Ty::Union(&[Ty::Str, Ty::Dict(&Ty::Str)])),
        req("chain-of-trust", Ty::Bool),
        req("taskcluster-proxy", Ty::Bool),
        req("allow-ptrace", Ty::Bool),
        req("loopback-video", Ty::Bool),
        // environment variables
        req("env", Ty::Dict(&TASKREF_OR_STRING)),
        // seconds
        req("max-run-time", Ty::Int),
        // docker volumes
        opt("volumes", OPT_STR_LIST),
        // caches
        opt("caches", Ty::Union(&[Ty::List(&Ty::Struct(&DOCKER_CACHE)), Ty::Null])),
        // artifacts to extract from the image
        opt("artifacts", Ty::Union(&[Ty::List(&Ty::Struct(&DOCKER_ARTIFACT)), Ty::Null])),
        // the command; default: the image's
        opt("command", Ty::Union(&[Ty::List(&TASKREF_OR_STRING), Ty::Null])),
        // exit statuses that retry the task
        opt("retry-exit-status", OPT_INT_LIST),
        // exit statuses that purge caches
        opt("purge-caches-exit-status", OPT_INT_LIST),
        // no artifacts for this worker
        opt("skip-artifacts", OPT_BOOL),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// `GenericWorkerArtifact`.
pub static GENERIC_ARTIFACT: StructTy = StructTy {
    fields: &[
        req("type", Ty::Lit(&["file", "directory"])),
        req("path", Ty::Str),
        // default: the path
        opt("name", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `MountContentSchema`.
pub static MOUNT_CONTENT: StructTy = StructTy {
    fields: &[
        opt("artifact", OPT_STR),
        opt("task-id", Ty::Union(&[Ty::Str, Ty::Struct(&TASK_REF), Ty::Null])),
        opt("url", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `MountSchema`.
pub static MOUNT: StructTy = StructTy {
    fields: &[
        opt("cache-name", OPT_STR),
        opt("content", Ty::Union(&[Ty::Struct(&MOUNT_CONTENT), Ty::Null])),
        opt("directory", OPT_STR),
        opt("file", OPT_STR),
        opt("format", Ty::Union(&[Ty::Lit(&["rar", "tar.bz2", "tar.gz", "zip"]), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `GenericWorkerPayloadSchema` (other keys allowed).
pub static GENERIC_WORKER: StructTy = StructTy {
    fields: &[
        req("implementation", Ty::Lit(&["generic-worker"])),
        req("os", Ty::Lit(&["windows", "macosx", "linux", "linux-bitbar"])),
        // commands (strings on Windows, string lists elsewhere)
        req("command", Ty::List(&Ty::Any)),
        req("env", Ty::Dict(&TASKREF_OR_STRING)),
        req("max-run-time", Ty::Int),
        req("chain-of-trust", Ty::Bool),
        opt("artifacts", Ty::Union(&[Ty::List(&Ty::Struct(&GENERIC_ARTIFACT)), Ty::Null])),
        opt("mounts", Ty::Union(&[Ty::List(&Ty::Struct(&MOUNT)), Ty::Null])),
        opt("retry-exit-status", OPT_INT_LIST),
        opt("purge-caches-exit-status", OPT_INT_LIST),
        opt("os-groups", OPT_STR_LIST),
        opt("run-as-administrator", OPT_BOOL),
        opt("run-task-as-current-user", OPT_BOOL),
        opt("taskcluster-proxy", OPT_BOOL),
        opt("hide-cmd-window", OPT_BOOL),
        opt("skip-artifacts", OPT_BOOL),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// `ReleaseProperties`.
pub static RELEASE_PROPERTIES: StructTy = StructTy {
    fields: &[
        opt("app-name", OPT_STR),
        opt("app-version", OPT_STR),
        opt("branch", OPT_STR),
        opt("build-id", OPT_STR),
        opt("hash-type", OPT_STR),
        opt("platform", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `UpstreamArtifact` (camelCase keys, handed to scriptworker as they are).
pub static UPSTREAM_ARTIFACT: StructTy = StructTy {
    fields: &[
        req("taskId", TASKREF_OR_STRING),
        req("taskType", Ty::Str),
        req("paths", Ty::List(&Ty::Str)),
        req("locale", Ty::Str),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `BeetmoverPayloadSchema` (other keys allowed).
pub static BEETMOVER: StructTy = StructTy {
    fields: &[
        req("implementation", Ty::Lit(&["beetmover"])),
        req("max-run-time", Ty::Int),
        req("release-properties", Ty::Struct(&RELEASE_PROPERTIES)),
        req("upstream-artifacts", Ty::List(&Ty::Struct(&UPSTREAM_ARTIFACT))),
        opt("locale", OPT_STR),
        opt("partner-public", OPT_BOOL),
        opt("artifact-map", Ty::Any),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// `InvalidPayloadSchema` (other keys allowed).
pub static INVALID: StructTy =
    StructTy { fields: &[req("implementation", Ty::Lit(&["invalid"]))], forbid_unknown: false, post_init: None };

/// `AlwaysOptimizedPayloadSchema` (other keys allowed).
pub static ALWAYS_OPTIMIZED: StructTy = StructTy {
    fields: &[req("implementation", Ty::Lit(&["always-optimized"]))],
    forbid_unknown: false,
    post_init: None,
};

/// `SucceedPayloadSchema` (nothing else allowed).
pub static SUCCEED: StructTy =
    StructTy { fields: &[req("implementation", Ty::Lit(&["succeed"]))], forbid_unknown: true, post_init: None };

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(extra: Value) -> String {
        let mut task = json!({"label": "a", "description": "d", "always-target": false, "optimization": null,
            "worker-type": "w", "needs-sccache": false});
        for (k, v) in extra.as_object().unwrap() {
            task[k] = v.clone();
        }
        match validate(&Ty::Struct(&TASK_DESCRIPTION), &task, "$") {
            Ok(()) => "OK".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn messages_match_msgspec() {
        // Expected strings from TaskDescriptionSchema.validate (taskgraph 24.5.1, msgspec).
        let cases = [
            (json!({}), "OK"),
            (json!({"always-target": 1}), "Expected `bool`, got `int` - at `$.always-target`"),
            (json!({"priority": "foo"}), "Invalid enum value 'foo' - at `$.priority`"),
            (json!({"dependencies": {"self": "x"}}), "Can't use 'self' or 'decision' as dependency names."),
            (json!({"index": {"rank": true}}), "Expected `int | str`, got `bool` - at `$.index.rank`"),
            (json!({"index": {"rank": 3.0}}), "Expected `int | str`, got `float` - at `$.index.rank`"),
            (json!({"index": {"rank": "x"}}), "Invalid enum value 'x' - at `$.index.rank`"),
            (json!({"treeherder": {"tier": true}}), "Expected `int | null`, got `bool` - at `$.treeherder.tier`"),
            (json!({"treeherder": 1}), "Expected `bool | object | null`, got `int` - at `$.treeherder`"),
            (json!({"foo": 1}), "Object contains unknown field `foo`"),
            (json!({"optimization": {"foo": 1}}), "OK"),
            (
                json!({"optimization": {"index-search": "x"}}),
                "Expected `array | null`, got `str` - at `$.optimization.index-search`",
            ),
            (json!({"optimization": "x"}), "Expected `object | null`, got `str` - at `$.optimization`"),
            (json!({"run-on-projects": 5}), "OK"),
            (json!({"tags": {"a": 1}}), "Expected `str`, got `int` - at `$.tags[...]`"),
            (json!({"attributes": null}), "OK"),
            (json!({"worker": {"implementation": "x", "foo": 1}}), "OK"),
            (json!({"worker": {}}), "Object missing required field `implementation` - at `$.worker`"),
        ];
        for (extra, expected) in cases {
            assert_eq!(check(extra.clone()), expected, "{extra}");
        }
        let no_label = json!({"description": "d"});
        assert_eq!(
            validate(&Ty::Struct(&TASK_DESCRIPTION), &no_label, "$").unwrap_err().to_string(),
            "Object missing required field `label`"
        );
    }

    #[test]
    fn unions_name_members_in_msgspec_order() {
        // Expected strings from msgspec.convert on the same types.
        let e = validate(&Ty::Union(&[Ty::Str, Ty::Dict(&Ty::Str)]), &json!(1.5), "$").unwrap_err();
        assert_eq!(e.to_string(), "Expected `str | object`, got `float`");
        let e = validate(&Ty::Union(&[Ty::Str, Ty::Dict(&Ty::Str)]), &json!({"a": 1}), "$").unwrap_err();
        assert_eq!(e.to_string(), "Expected `str`, got `int` - at `$[...]`");
        let e = validate(&TASKREF_OR_STRING, &json!({"a": 1}), "$").unwrap_err();
        assert_eq!(e.to_string(), "Must have either task-reference or artifact-reference");
        let e = validate(&Ty::Union(&[Ty::Str, Ty::List(&Ty::Str), Ty::Null]), &json!([1]), "$").unwrap_err();
        assert_eq!(e.to_string(), "Expected `str`, got `int` - at `$[0]`");
    }
}
