//! Which loaders tg-load runs, and the checks taskgraph's loaders make before loading.
//!
//! taskgraph resolves a kind's `loader:` (absent: `taskgraph.loader.default:loader`) to a Python
//! function. Two are built in here:
//!
//! - `taskgraph.loader.transform:loader` — see [`crate::transform_loader`];
//! - `taskgraph.loader.default:loader` — the transform loader, after appending
//!   `taskgraph.transforms.run:transforms` and `taskgraph.transforms.task:transforms` to the
//!   kind's `transforms`. The items it yields are the transform loader's; the appended transforms
//!   are tg-transform's business (it reads kind.yml's `loader` itself), so tg-load does not emit
//!   them. It does make the default loader's one check: a kind using it must not list either of
//!   those two transforms itself (taskgraph raises `KeyError` there).
//!
//! Any other loader is project code, run by the project's Python worker ([`load_custom`]).
//! Without a worker, the whole load fails, naming each such kind and its loader and listing the
//! `-k` flags that load everything else.

use serde_json::Value;
use tg_bridge::Worker;
use tg_core::error::bad_input;
use tg_core::item::Item;
use tg_core::kinds::Kind;
use tg_core::quote::capped;

/// taskgraph's default loader, used when kind.yml has no `loader:`.
pub const DEFAULT_LOADER: &str = "taskgraph.loader.default:loader";
/// taskgraph's transform loader.
pub const TRANSFORM_LOADER: &str = "taskgraph.loader.transform:loader";
/// The transforms the default loader appends to a kind's own.
pub const DEFAULT_LOADER_TRANSFORMS: [&str; 2] =
    ["taskgraph.transforms.run:transforms", "taskgraph.transforms.task:transforms"];

/// True when tg-load can run `loader` itself.
pub fn is_builtin(loader: &str) -> bool {
    loader == DEFAULT_LOADER || loader == TRANSFORM_LOADER
}

/// Kinds that can be loaded: a built-in loader, and every kind-dependency loadable too.
/// `kinds` must be in load order (dependencies first), as `tg_core::kinds::load_kinds` returns.
pub fn loadable_kinds(kinds: &[Kind]) -> Vec<&str> {
    let mut loadable: Vec<&str> = Vec::new();
    for kind in kinds {
        let deps_ok = kind.dependencies().iter().all(|d| loadable.contains(&d.as_str()));
        if is_builtin(kind.loader()) && deps_ok {
            loadable.push(&kind.name);
        }
    }
    loadable
}

/// Fail when any kind's loader is not built in, naming each one and suggesting `-k` flags.
pub fn check_builtin_loaders(kinds: &[Kind]) -> anyhow::Result<()> {
    let custom: Vec<String> = kinds
        .iter()
        .filter(|k| !is_builtin(k.loader()))
        .map(|k| format!("kind {} ({})", k.name, capped(k.loader())))
        .collect();
    if custom.is_empty() {
        return Ok(());
    }
    let loadable = loadable_kinds(kinds);
    let hint = if loadable.is_empty() {
        "no other kind can be loaded without them".to_string()
    } else {
        let flags: Vec<String> = loadable.iter().map(|k| format!("-k {k}")).collect();
        format!("to load the other kinds, pass {}", flags.join(" "))
    };
    Err(bad_input(format!(
        "loader not built in: {}; tg-load runs only {DEFAULT_LOADER} and {TRANSFORM_LOADER}; {hint}",
        custom.join(", ")
    )))
}

/// Run a project loader in the worker, for a kind without kind-dependencies (the loader gets an
/// empty list of their tasks, as in taskgraph; kinds with kind-dependencies are deferred to
/// tg-transform, see [`tg_bridge::deferred`]). Each item's
/// record name is its `name`, else its `label`, else its position.
pub fn load_custom(kind: &Kind, worker: &mut Worker) -> anyhow::Result<Vec<Item>> {
    let output = worker.run_loader(&kind.name, &kind.path, &kind.config, kind.loader(), &[], true)?;
    Ok(output
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let name = ["name", "label"]
                .iter()
                .find_map(|k| item.get(*k).and_then(Value::as_str))
                .map_or_else(|| i.to_string(), str::to_string);
            Item { kind: kind.name.clone(), name, item }
        })
        .collect())
}

/// What a failing project loader's error starts with: the kind, its loader, and the `-k` flags
/// that load the kinds not depending on it.
pub fn custom_loader_hint(kind: &Kind, kinds: &[Kind]) -> String {
    let loadable = loadable_kinds(kinds);
    let flags: Vec<String> = loadable.iter().map(|k| format!("-k {k}")).collect();
    let others =
        if flags.is_empty() { String::new() } else { format!("; to load the other kinds, pass {}", flags.join(" ")) };
    format!("kind {}: loader {} (project code, run in Python) failed{others}", kind.name, capped(kind.loader()))
}

/// The default loader's check: the kind must not already list the transforms it appends.
pub fn check_default_loader_transforms(kind: &Kind) -> anyhow::Result<()> {
    if kind.loader() != DEFAULT_LOADER {
        return Ok(());
    }
    let declared = kind.declared_transforms();
    match DEFAULT_LOADER_TRANSFORMS.iter().find(|t| declared.iter().any(|d| d == *t)) {
        None => Ok(()),
        Some(t) => Err(bad_input(format!(
            "{}: kind {}: transform {t} is appended by the default loader ({DEFAULT_LOADER}) and must not be listed in the kind (or set loader: {TRANSFORM_LOADER})",
            kind.path.join("kind.yml").display(),
            kind.name
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn kind(name: &str, config: serde_json::Value) -> Kind {
        Kind { name: name.into(), path: PathBuf::from(name), config: config.as_object().cloned().unwrap_or_default() }
    }

    #[test]
    fn loadable_kinds_exclude_custom_loaders_and_their_dependents() {
        let kinds = [
            kind("docker-image", json!({"loader": TRANSFORM_LOADER})),
            kind("service", json!({"loader": "src.loader:x"})),
            kind("build", json!({"kind-dependencies": ["docker-image"]})),
            kind("test", json!({"kind-dependencies": ["build", "service"]})),
        ];
        assert_eq!(loadable_kinds(&kinds), ["docker-image", "build"]);
        let err = check_builtin_loaders(&kinds).unwrap_err().to_string();
        assert_eq!(
            err,
            "loader not built in: kind service (src.loader:x); tg-load runs only \
             taskgraph.loader.default:loader and taskgraph.loader.transform:loader; to load the other \
             kinds, pass -k docker-image -k build"
        );
    }

    #[test]
    fn builtin_only_passes() {
        let kinds = [kind("a", json!({})), kind("b", json!({"loader": TRANSFORM_LOADER}))];
        assert!(check_builtin_loaders(&kinds).is_ok());
    }

    #[test]
    fn default_loader_rejects_its_own_transforms() {
        let k = kind("a", json!({"transforms": ["taskgraph.transforms.task:transforms"]}));
        let err = check_default_loader_transforms(&k).unwrap_err().to_string();
        assert!(
            err.contains("kind a: transform taskgraph.transforms.task:transforms is appended by the default loader"),
            "{err}"
        );
        let k = kind("a", json!({"loader": TRANSFORM_LOADER, "transforms": ["taskgraph.transforms.task:transforms"]}));
        assert!(check_default_loader_transforms(&k).is_ok());
        let k = kind("a", json!({"transforms": ["taskgraph.transforms.task"]}));
        assert!(check_default_loader_transforms(&k).is_ok(), "taskgraph compares the exact string");
    }
}
