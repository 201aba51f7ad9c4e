//! The schemas of taskgraph.transforms.task (msgspec `Schema` structs in 24.5.1), in the type
//! model of [`tg_core::py::msgspec`], which checks task descriptions against them the way
//! `msgspec.convert` does. The shared types (`Optional[str]`, task references, …) are the
//! validator's own.

use serde_json::{Map, Value};
use tg_core::py::msgspec::{Field, StructDef, Ty, OPT_BOOL, OPT_LIST_INT, OPT_LIST_STR, OPT_STR};
use tg_core::py::msgspec::{INDEX, OPTIMIZATION, TASKREF_OR_STRING, TASK_REF, TREEHERDER};

/// `WorkerSchema` inside the task description: just the implementation, the rest is the
/// payload schema's business.
pub static WORKER: StructDef =
    StructDef { fields: &[Field::req("implementation", Ty::Str)], forbid_unknown: false, post_init: None };

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
pub static TASK_DESCRIPTION: StructDef = StructDef {
    fields: &[
        // the task's label
        Field::req("label", Ty::Str),
        // description, for metadata
        Field::req("description", Ty::Str),
        // always include in the target task graph (still optimizable)
        Field::req("always-target", Ty::Bool),
        // optimization strategy, or null
        Field::req("optimization", Ty::Union(&[Ty::Null, Ty::Struct(&OPTIMIZATION)])),
        // worker-type alias (config.yml workers.aliases) or a built-in type
        Field::req("worker-type", Ty::Str),
        // use sccache
        Field::req("needs-sccache", Ty::Bool),
        // attributes of the task
        Field::opt("attributes", Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null])),
        // file (relative to the kind directory) the task came from
        Field::opt("task-from", OPT_STR),
        // dependencies: name -> label
        Field::opt("dependencies", Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null])),
        // task priority; default from config.yml task-priority
        Field::opt(
            "priority",
            Ty::Union(&[
                Ty::Literal(&["highest", "very-high", "high", "medium", "low", "very-low", "lowest"]),
                Ty::Null,
            ]),
        ),
        // labels of soft dependencies
        Field::opt("soft-dependencies", OPT_LIST_STR),
        // dependency names that must be scheduled for this task to run
        Field::opt("if-dependencies", OPT_LIST_STR),
        // when the task runs relative to its dependencies
        Field::opt("requires", Ty::Union(&[Ty::Literal(&["all-completed", "all-resolved"]), Ty::Null])),
        // relative expiry (`14 days`); default from config.yml / level
        Field::opt("expires-after", OPT_STR),
        // relative deadline; default from config.yml task-deadline-after or `1 day`
        Field::opt("deadline-after", OPT_STR),
        // extra routes (treeherder and index routes are added)
        Field::opt("routes", OPT_LIST_STR),
        // scopes; `{level}` and `{project}` are substituted
        Field::opt("scopes", OPT_LIST_STR),
        // task tags
        Field::opt("tags", Ty::Union(&[Ty::Dict(&Ty::Str), Ty::Null])),
        // task.extra content
        Field::opt("extra", Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null])),
        // `true` or treeherder settings
        Field::opt("treeherder", Ty::Union(&[Ty::Bool, Ty::Struct(&TREEHERDER), Ty::Null])),
        // index routes for this task
        Field::opt("index", Ty::Union(&[Ty::Struct(&INDEX), Ty::Null])),
        // projects to run on (optionally keyed by build-platform; not checked further, as in
        // 24.5.1 where the Optional[...] wrapper hides the keyed-by annotation)
        Field::opt("run-on-projects", Ty::Any),
        // tasks_for values to run on
        Field::opt("run-on-tasks-for", OPT_LIST_STR),
        // git branches to run on
        Field::opt("run-on-git-branches", OPT_LIST_STR),
        // release promotion phase
        Field::opt("shipping-phase", Ty::Union(&[Ty::Literal(&["build", "promote", "push", "ship"]), Ty::Null])),
        // worker settings (checked by the payload schema)
        Field::opt("worker", Ty::Union(&[Ty::Struct(&WORKER), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: Some(task_description_post_init),
};

// ---------------------------------------------------------------------------------------------
// Payload schemas, by worker implementation

/// `DockerWorkerCacheEntry`.
pub static DOCKER_CACHE: StructDef = StructDef {
    fields: &[
        // only `persistent`
        Field::opt("type", Ty::Literal(&["persistent"])),
        // cache name, shared by tasks naming the same cache
        Field::opt("name", OPT_STR),
        // mount point in the image
        Field::opt("mount-point", OPT_STR),
        // not used at level 1
        Field::opt("skip-untrusted", OPT_BOOL),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `DockerWorkerArtifact`.
pub static DOCKER_ARTIFACT: StructDef = StructDef {
    fields: &[
        // file, directory or volume
        Field::opt("type", Ty::Union(&[Ty::Literal(&["file", "directory", "volume"]), Ty::Null])),
        // path in the image
        Field::opt("path", OPT_STR),
        // artifact name
        Field::opt("name", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `DockerWorkerPayloadSchema` (other keys allowed).
pub static DOCKER_WORKER: StructDef = StructDef {
    fields: &[
        Field::req("implementation", Ty::Literal(&["docker-worker"])),
        Field::req("os", Ty::Literal(&["linux"])),
        // image name, `{in-tree: name}` or `{indexed: namespace}`
        Field::req("docker-image", Ty::Union(&[Ty::Str, Ty::Dict(&Ty::Str)])),
        Field::req("chain-of-trust", Ty::Bool),
        Field::req("taskcluster-proxy", Ty::Bool),
        Field::req("allow-ptrace", Ty::Bool),
        Field::req("loopback-video", Ty::Bool),
        // environment variables
        Field::req("env", Ty::Dict(&TASKREF_OR_STRING)),
        // seconds
        Field::req("max-run-time", Ty::Int),
        // docker volumes
        Field::opt("volumes", OPT_LIST_STR),
        // caches
        Field::opt("caches", Ty::Union(&[Ty::List(&Ty::Struct(&DOCKER_CACHE)), Ty::Null])),
        // artifacts to extract from the image
        Field::opt("artifacts", Ty::Union(&[Ty::List(&Ty::Struct(&DOCKER_ARTIFACT)), Ty::Null])),
        // the command; default: the image's
        Field::opt("command", Ty::Union(&[Ty::List(&TASKREF_OR_STRING), Ty::Null])),
        // exit statuses that retry the task
        Field::opt("retry-exit-status", OPT_LIST_INT),
        // exit statuses that purge caches
        Field::opt("purge-caches-exit-status", OPT_LIST_INT),
        // no artifacts for this worker
        Field::opt("skip-artifacts", OPT_BOOL),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// `GenericWorkerArtifact`.
pub static GENERIC_ARTIFACT: StructDef = StructDef {
    fields: &[
        Field::req("type", Ty::Literal(&["file", "directory"])),
        Field::req("path", Ty::Str),
        // default: the path
        Field::opt("name", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `MountContentSchema`.
pub static MOUNT_CONTENT: StructDef = StructDef {
    fields: &[
        Field::opt("artifact", OPT_STR),
        Field::opt("task-id", Ty::Union(&[Ty::Str, Ty::Struct(&TASK_REF), Ty::Null])),
        Field::opt("url", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `MountSchema`.
pub static MOUNT: StructDef = StructDef {
    fields: &[
        Field::opt("cache-name", OPT_STR),
        Field::opt("content", Ty::Union(&[Ty::Struct(&MOUNT_CONTENT), Ty::Null])),
        Field::opt("directory", OPT_STR),
        Field::opt("file", OPT_STR),
        Field::opt("format", Ty::Union(&[Ty::Literal(&["rar", "tar.bz2", "tar.gz", "zip"]), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `GenericWorkerPayloadSchema` (other keys allowed).
pub static GENERIC_WORKER: StructDef = StructDef {
    fields: &[
        Field::req("implementation", Ty::Literal(&["generic-worker"])),
        Field::req("os", Ty::Literal(&["windows", "macosx", "linux", "linux-bitbar"])),
        // commands (strings on Windows, string lists elsewhere)
        Field::req("command", Ty::List(&Ty::Any)),
        Field::req("env", Ty::Dict(&TASKREF_OR_STRING)),
        Field::req("max-run-time", Ty::Int),
        Field::req("chain-of-trust", Ty::Bool),
        Field::opt("artifacts", Ty::Union(&[Ty::List(&Ty::Struct(&GENERIC_ARTIFACT)), Ty::Null])),
        Field::opt("mounts", Ty::Union(&[Ty::List(&Ty::Struct(&MOUNT)), Ty::Null])),
        Field::opt("retry-exit-status", OPT_LIST_INT),
        Field::opt("purge-caches-exit-status", OPT_LIST_INT),
        Field::opt("os-groups", OPT_LIST_STR),
        Field::opt("run-as-administrator", OPT_BOOL),
        Field::opt("run-task-as-current-user", OPT_BOOL),
        Field::opt("taskcluster-proxy", OPT_BOOL),
        Field::opt("hide-cmd-window", OPT_BOOL),
        Field::opt("skip-artifacts", OPT_BOOL),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// `ReleaseProperties`.
pub static RELEASE_PROPERTIES: StructDef = StructDef {
    fields: &[
        Field::opt("app-name", OPT_STR),
        Field::opt("app-version", OPT_STR),
        Field::opt("branch", OPT_STR),
        Field::opt("build-id", OPT_STR),
        Field::opt("hash-type", OPT_STR),
        Field::opt("platform", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `UpstreamArtifact` (camelCase keys, handed to scriptworker as they are).
pub static UPSTREAM_ARTIFACT: StructDef = StructDef {
    fields: &[
        Field::req("taskId", TASKREF_OR_STRING),
        Field::req("taskType", Ty::Str),
        Field::req("paths", Ty::List(&Ty::Str)),
        Field::req("locale", Ty::Str),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `BeetmoverPayloadSchema` (other keys allowed).
pub static BEETMOVER: StructDef = StructDef {
    fields: &[
        Field::req("implementation", Ty::Literal(&["beetmover"])),
        Field::req("max-run-time", Ty::Int),
        Field::req("release-properties", Ty::Struct(&RELEASE_PROPERTIES)),
        Field::req("upstream-artifacts", Ty::List(&Ty::Struct(&UPSTREAM_ARTIFACT))),
        Field::opt("locale", OPT_STR),
        Field::opt("partner-public", OPT_BOOL),
        Field::opt("artifact-map", Ty::Any),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// `InvalidPayloadSchema` (other keys allowed).
pub static INVALID: StructDef = StructDef {
    fields: &[Field::req("implementation", Ty::Literal(&["invalid"]))],
    forbid_unknown: false,
    post_init: None,
};

/// `AlwaysOptimizedPayloadSchema` (other keys allowed).
pub static ALWAYS_OPTIMIZED: StructDef = StructDef {
    fields: &[Field::req("implementation", Ty::Literal(&["always-optimized"]))],
    forbid_unknown: false,
    post_init: None,
};

/// `SucceedPayloadSchema` (nothing else allowed).
pub static SUCCEED: StructDef = StructDef {
    fields: &[Field::req("implementation", Ty::Literal(&["succeed"]))],
    forbid_unknown: true,
    post_init: None,
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tg_core::py::msgspec::validate;

    fn check(extra: Value) -> String {
        let mut task = json!({"label": "a", "description": "d", "always-target": false, "optimization": null,
            "worker-type": "w", "needs-sccache": false});
        for (k, v) in extra.as_object().unwrap() {
            task[k] = v.clone();
        }
        match validate(&Ty::Struct(&TASK_DESCRIPTION), &task, "$") {
            Ok(()) => "OK".into(),
            Err(e) => e,
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
            validate(&Ty::Struct(&TASK_DESCRIPTION), &no_label, "$").unwrap_err(),
            "Object missing required field `label`"
        );
    }
}
