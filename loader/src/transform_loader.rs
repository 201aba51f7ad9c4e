//! taskgraph's `taskgraph.loader.transform:loader` (24.5.1), the loader behind both built-in
//! loader names.
//!
//! For one kind it yields, in order:
//! 1. each entry of kind.yml's `tasks:` mapping, merged under the kind's `task-defaults`
//!    (taskgraph's `merge(defaults, task)`), with `task-from: kind.yml`;
//! 2. for each file named in `tasks-from` (a path relative to the kind directory), each entry of
//!    that file except its own `task-defaults`, merged under the file's defaults (themselves
//!    merged under the kind's defaults), with `task-from` set to the file name as written;
//!
//! and sets `name` to the entry's key. Keys the entry already has keep their position
//! (`task-from` and `name` overwrite in place), as Python dict assignment does.
//!
//! Python accepts any *falsy* `task-defaults` (null, `{}`, `[]`, `""`, `0`, `false`) as "no
//! defaults" and fails on any other non-mapping, on a non-mapping task, on a non-mapping
//! `tasks-from` file and on `tasks: null`; so do we, with a message naming file, kind and task.
//! Deliberate differences: a `tasks-from` file that resolves outside the repository (through
//! `..`, an absolute path or a symlink) is refused ([`tg_core::confine`]), where taskgraph reads
//! it; and the same task name twice in a kind (across `tasks:` and
//! `tasks-from` files) is an error here, where taskgraph fails later on the duplicate label.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};
use tg_core::config::type_name;
use tg_core::confine::RepoRoot;
use tg_core::error::bad_input;
use tg_core::item::Item;
use tg_core::kinds::Kind;
use tg_core::merge::merge;
use tg_core::quote::capped;

/// The `task-from` value of tasks defined in kind.yml itself.
pub const KIND_FILE: &str = "kind.yml";

/// Load every item of `kind` with the transform loader's semantics, in file order.
pub fn load_kind_items(kind: &Kind) -> anyhow::Result<Vec<Item>> {
    let kind_file = kind.path.join(KIND_FILE);
    let defaults = kind_defaults(kind, &kind_file)?;
    let mut items = ItemCollector::new(kind);
    for (name, task) in kind_tasks(kind, &kind_file)? {
        items.push(&kind_file, KIND_FILE, name, task, defaults)?;
    }
    let mut repo: Option<RepoRoot> = None;
    for filename in tasks_from(kind) {
        let file = kind.path.join(filename);
        confine_tasks_file(&mut repo, kind, &kind_file, &file, filename)?;
        let mut tasks = load_tasks_file(kind, &file, filename)?;
        let own_defaults = tasks.shift_remove("task-defaults");
        let file_defaults = file_defaults(kind, &file, defaults, own_defaults)?;
        for (name, task) in &tasks {
            items.push(&file, filename, name, task, file_defaults.as_ref())?;
        }
    }
    Ok(items.finish())
}

/// Builds items in order and rejects a name seen before in the same kind.
struct ItemCollector<'k> {
    kind: &'k Kind,
    items: Vec<Item>,
    /// Task name -> the `task-from` that defined it first.
    seen: BTreeMap<String, String>,
}

impl<'k> ItemCollector<'k> {
    fn new(kind: &'k Kind) -> Self {
        ItemCollector { kind, items: Vec::new(), seen: BTreeMap::new() }
    }

    /// One task: check its shape and name, merge it under `defaults`, set `task-from` and `name`.
    fn push(
        &mut self,
        file: &Path,
        task_from: &str,
        name: &str,
        task: &Value,
        defaults: Option<&Map<String, Value>>,
    ) -> anyhow::Result<()> {
        let kind = &self.kind.name;
        let Value::Object(task) = task else {
            return Err(bad_input(format!(
                "{}: kind {kind}, task {}: expected a mapping, got {}",
                file.display(),
                capped(name),
                type_name(task)
            )));
        };
        if let Some(first) = self.seen.get(name) {
            return Err(bad_input(format!(
                "{}: kind {kind}: duplicate task name \"{}\" (already defined in {})",
                file.display(),
                capped(name),
                capped(first)
            )));
        }
        self.seen.insert(name.to_string(), task_from.to_string());
        let mut item = match defaults {
            Some(defaults) => merge(defaults, task),
            None => task.clone(),
        };
        item.insert("task-from".into(), Value::String(task_from.to_string()));
        item.insert("name".into(), Value::String(name.to_string()));
        self.items.push(Item { kind: kind.clone(), name: name.to_string(), item });
        Ok(())
    }

    fn finish(self) -> Vec<Item> {
        self.items
    }
}

use tg_core::py::truthy as is_truthy;

/// The kind's `task-defaults`, or `None` when it is absent or falsy.
fn kind_defaults<'a>(kind: &'a Kind, kind_file: &Path) -> anyhow::Result<Option<&'a Map<String, Value>>> {
    match kind.config.get("task-defaults") {
        Some(Value::Object(map)) if !map.is_empty() => Ok(Some(map)),
        Some(value) if is_truthy(value) => Err(bad_input(format!(
            "{}: kind {}: task-defaults: expected a mapping, got {}",
            kind_file.display(),
            kind.name,
            type_name(value)
        ))),
        _ => Ok(None),
    }
}

/// kind.yml's `tasks:` mapping (absent means none; `tasks: null` fails as in taskgraph).
fn kind_tasks<'a>(
    kind: &'a Kind,
    kind_file: &Path,
) -> anyhow::Result<Box<dyn Iterator<Item = (&'a str, &'a Value)> + 'a>> {
    match kind.config.get("tasks") {
        None => Ok(Box::new(std::iter::empty())),
        Some(Value::Object(tasks)) => Ok(Box::new(tasks.iter().map(|(k, v)| (k.as_str(), v)))),
        Some(other) => Err(bad_input(format!(
            "{}: kind {}: tasks: expected a mapping, got {}",
            kind_file.display(),
            kind.name,
            type_name(other)
        ))),
    }
}

/// The file names listed in `tasks-from` (tg-core has checked it is a list of strings).
fn tasks_from(kind: &Kind) -> impl Iterator<Item = &str> {
    kind.config.get("tasks-from").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

/// A `tasks-from` file must resolve inside the repository ([`tg_core::confine`]; taskgraph
/// itself would read it anywhere). The repository root is found once per kind, on first use.
fn confine_tasks_file(
    repo: &mut Option<RepoRoot>,
    kind: &Kind,
    kind_file: &Path,
    file: &Path,
    filename: &str,
) -> anyhow::Result<()> {
    let root = match repo {
        Some(root) => root,
        None => repo.insert(RepoRoot::new(&kind_repo_root(kind))?),
    };
    root.check(file, format_args!("{}: kind {}: tasks-from {}", kind_file.display(), kind.name, capped(filename)))
}

/// The repository root above a kind directory (`ROOT/kinds/<kind>`): the first ancestor with
/// `.git` or `.hg`, else the parent of ROOT, as [`tg_core::config::GraphConfig::vcs_root`].
fn kind_repo_root(kind: &Kind) -> std::path::PathBuf {
    let kinds_root =
        kind.path.parent().and_then(Path::parent).filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let config = tg_core::config::GraphConfig { config: Map::new(), root_dir: kinds_root.to_path_buf() };
    config.vcs_root()
}

/// Read one `tasks-from` file, which must exist and hold a mapping.
fn load_tasks_file(kind: &Kind, file: &Path, filename: &str) -> anyhow::Result<Map<String, Value>> {
    if !file.is_file() {
        return Err(bad_input(format!(
            "{}: kind {}: tasks-from file {} not found: {}",
            kind.path.join(KIND_FILE).display(),
            kind.name,
            capped(filename),
            capped(&file.display().to_string())
        )));
    }
    match tg_core::yaml::load_file(file)? {
        Value::Object(tasks) => Ok(tasks),
        other => Err(bad_input(format!(
            "{}: kind {}: a tasks-from file must hold a mapping of tasks, got {}",
            file.display(),
            kind.name,
            type_name(&other)
        ))),
    }
}

/// The defaults for one `tasks-from` file: its own `task-defaults` merged under the kind's.
fn file_defaults(
    kind: &Kind,
    file: &Path,
    kind_defaults: Option<&Map<String, Value>>,
    own: Option<Value>,
) -> anyhow::Result<Option<Map<String, Value>>> {
    let own = match own {
        Some(Value::Object(map)) => Some(map),
        Some(value) if is_truthy(&value) => {
            return Err(bad_input(format!(
                "{}: kind {}: task-defaults: expected a mapping, got {}",
                file.display(),
                kind.name,
                type_name(&value)
            )))
        }
        _ => None,
    };
    Ok(match (kind_defaults, own) {
        (Some(kind_defaults), own) => Some(merge(kind_defaults, &own.unwrap_or_default())),
        (None, Some(own)) if !own.is_empty() => Some(own),
        (None, _) => None,
    })
}
