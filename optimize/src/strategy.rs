//! Optimization strategies: taskgraph's four registered ones and its composites.
//!
//! A task's `optimization` is `null` (strategy `never`) or `{name: argument}` (its first key
//! counts). Registered by taskgraph 24.5.1:
//!
//! | name | removes when | replaces with |
//! |---|---|---|
//! | `never` | never | never |
//! | `always` | always | never |
//! | `skip-unless-changed` | no `files_changed` path matches a pattern of the argument (unless `base_rev` is set and equals `head_rev`) | never |
//! | `index-search` | never | the first indexed task of the argument's paths that neither failed nor expires before the dependents' deadline |
//!
//! taskgraph also defines composite classes that projects register under names of their own:
//! `Any` (the first sub-strategy that says yes wins), `All` (yes only when every one says yes;
//! its replacement is then "remove"), `Alias` (another strategy under a new name) and `Not`.
//! Python code cannot be loaded here, so such registrations are written down in a strategies
//! file (`tg-optimize --strategies FILE`, YAML or JSON):
//!
//! ```yaml
//! # name: definition; a definition is {any: [...]}, {all: [...]}, {alias: X} or {not: X},
//! # where each X is a registered name (built in, or defined earlier in this file) or a
//! # nested definition. An entry may replace a built-in name.
//! skip-or-index: {any: [skip-unless-changed, index-search]}
//! skip-unless-changed: {alias: never}
//! ```
//!
//! Every sub-strategy gets the task's whole argument, as taskgraph's default `split_args` does.

use crate::index::IndexSource;
use crate::pathmatch::PathMatcher;
use crate::time::parse_json_time;
use serde_json::Value;
use std::collections::BTreeMap;
use tg_core::cli::Log;
use tg_core::graph::GraphNode;
use tg_core::params::Parameters;
use tg_core::quote::capped;
use tg_core::{bad_input, Map};

/// One strategy, possibly composite.
#[derive(Clone, Debug, PartialEq)]
pub enum Strategy {
    Never,
    Always,
    IndexSearch,
    SkipUnlessChanged,
    Any(Vec<Strategy>),
    All(Vec<Strategy>),
    Alias(Box<Strategy>),
    Not(Box<Strategy>),
    /// Registered by project code; its calls run in the Python worker ([`crate::project`]).
    Project(crate::project::ProjectStrategy),
}

/// What the replacement phase does with a task (Python's `False`, `True` or a taskId).
#[derive(Clone, Debug, PartialEq)]
pub enum Replacement {
    Keep,
    Remove,
    With(String),
}

impl Replacement {
    fn is_yes(&self) -> bool {
        !matches!(self, Replacement::Keep)
    }
}

/// What strategies consult: the parameters, the batched index answers, the index itself (for
/// unbatched look-ups), and a cache of compiled file patterns.
pub struct Evaluation<'a> {
    pub params: &'a Parameters,
    pub index_to_task_id: &'a BTreeMap<String, String>,
    pub task_id_to_status: &'a BTreeMap<String, Value>,
    pub index: &'a mut dyn IndexSource,
    pub matcher: PathMatcher,
    pub log: Log,
}

impl Strategy {
    /// The strategy's description, as taskgraph prints it in `name (description)`.
    pub fn description(&self) -> String {
        match self {
            Strategy::Never => "never".into(),
            Strategy::Always => "always".into(),
            Strategy::IndexSearch => "index-search".into(),
            Strategy::SkipUnlessChanged => "skip-unless-changed".into(),
            Strategy::Any(subs) => subs.iter().map(Strategy::description).collect::<Vec<_>>().join("-or-"),
            Strategy::All(subs) => subs.iter().map(Strategy::description).collect::<Vec<_>>().join("-and-"),
            Strategy::Alias(sub) => sub.description(),
            Strategy::Not(sub) => format!("not-{}", sub.description()),
            Strategy::Project(p) => p.description.clone(),
        }
    }

    /// Check the argument's shape where taskgraph's task schema would have.
    pub fn check_argument(&self, arg: &Value) -> Result<(), String> {
        match self {
            Strategy::IndexSearch | Strategy::SkipUnlessChanged => string_list(arg).map(|_| ()),
            Strategy::Any(subs) | Strategy::All(subs) => subs.iter().try_for_each(|s| s.check_argument(arg)),
            Strategy::Alias(sub) | Strategy::Not(sub) => sub.check_argument(arg),
            Strategy::Never | Strategy::Always | Strategy::Project(_) => Ok(()),
        }
    }

    /// `should_remove_task(task, params, arg)`.
    pub fn should_remove(&self, task: &dyn GraphNode, arg: &Value, ev: &mut Evaluation) -> anyhow::Result<bool> {
        Ok(match self {
            Strategy::Never | Strategy::IndexSearch => false,
            Strategy::Always => true,
            Strategy::SkipUnlessChanged => skip_unless_changed(task, arg, ev)?,
            Strategy::Any(subs) => {
                for sub in subs {
                    if sub.should_remove(task, arg, ev)? {
                        return Ok(true);
                    }
                }
                false
            }
            Strategy::All(subs) => {
                for sub in subs {
                    if !sub.should_remove(task, arg, ev)? {
                        return Ok(false);
                    }
                }
                true
            }
            Strategy::Alias(sub) => sub.should_remove(task, arg, ev)?,
            Strategy::Not(sub) => !sub.should_remove(task, arg, ev)?,
            Strategy::Project(p) => p.removal(task.label())?,
        })
    }

    /// `should_replace_task(task, params, deadline, arg)`. Only a top-level `index-search`
    /// uses the batched answers (`batched`); nested ones look up each path.
    pub fn should_replace(
        &self,
        task: &dyn GraphNode,
        deadline: Option<&str>,
        arg: &Value,
        batched: bool,
        ev: &mut Evaluation,
    ) -> anyhow::Result<Replacement> {
        Ok(match self {
            Strategy::Never | Strategy::Always | Strategy::SkipUnlessChanged => Replacement::Keep,
            Strategy::IndexSearch => index_search(task, deadline, arg, batched, ev)?,
            Strategy::Any(subs) => {
                for sub in subs {
                    let r = sub.should_replace(task, deadline, arg, false, ev)?;
                    if r.is_yes() {
                        return Ok(r);
                    }
                }
                Replacement::Keep
            }
            Strategy::All(subs) => {
                for sub in subs {
                    if !sub.should_replace(task, deadline, arg, false, ev)?.is_yes() {
                        return Ok(Replacement::Keep);
                    }
                }
                Replacement::Remove
            }
            Strategy::Alias(sub) => sub.should_replace(task, deadline, arg, false, ev)?,
            Strategy::Not(sub) => match sub.should_replace(task, deadline, arg, false, ev)? {
                Replacement::Keep => Replacement::Remove,
                _ => Replacement::Keep,
            },
            Strategy::Project(p) => p.replacement(task.label())?,
        })
    }
}

/// The argument as a list of strings.
fn string_list(arg: &Value) -> Result<Vec<&str>, String> {
    let Value::Array(items) = arg else {
        return Err(format!("expected a list of strings, got {arg}"));
    };
    items.iter().map(|v| v.as_str().ok_or_else(|| format!("expected a list of strings, got {arg}"))).collect()
}

/// `SkipUnlessChanged.should_remove_task`.
fn skip_unless_changed(task: &dyn GraphNode, arg: &Value, ev: &mut Evaluation) -> anyhow::Result<bool> {
    let base_rev = ev.params.get("base_rev");
    let has_base = base_rev.is_some_and(is_truthy);
    if has_base && ev.params.get("head_rev") == base_rev {
        return Ok(false);
    }
    let patterns = string_list(arg)
        .map_err(|e| bad_input(format!("task {}: optimization.skip-unless-changed: {e}", capped(task.label()))))?;
    let files: Vec<&str> = match ev.params.get("files_changed") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for pattern in patterns {
        for path in &files {
            let matched = ev.matcher.matches(path, pattern).map_err(|e| {
                bad_input(format!("task {}: optimization.skip-unless-changed: {e}", capped(task.label())))
            })?;
            if matched {
                return Ok(false);
            }
        }
    }
    ev.log.debug(format!("no files found matching a pattern in `skip-unless-changed` for \"{}\"", task.label()));
    Ok(true)
}

/// `IndexSearch.should_replace_task`.
fn index_search(
    task: &dyn GraphNode,
    deadline: Option<&str>,
    arg: &Value,
    batched: bool,
    ev: &mut Evaluation,
) -> anyhow::Result<Replacement> {
    let paths = string_list(arg)
        .map_err(|e| bad_input(format!("task {}: optimization.index-search: {e}", capped(task.label()))))?;
    let deadline = match deadline.filter(|d| !d.is_empty()) {
        Some(d) => Some(parse_json_time(d).ok_or_else(|| {
            bad_input(format!(
                "task {}: the deadline {:?} of its dependents is not a timestamp",
                capped(task.label()),
                capped(d).to_string()
            ))
        })?),
        None => None,
    };
    for path in paths {
        let (task_id, status) = if batched {
            let Some(id) = ev.index_to_task_id.get(path) else { continue };
            let Some(status) = ev.task_id_to_status.get(id) else { continue };
            (id.clone(), status.clone())
        } else {
            let Some(id) = ev.index.find_task(path)? else { continue };
            let Some(status) = ev.index.status(&id)? else { continue };
            (id, status)
        };
        if !is_truthy(&status) {
            continue;
        }
        let Value::Object(status) = status else {
            return Err(ev.index.malformed(format!("status of task {task_id} (index path {path}) is not an object")));
        };
        let state = status.get("state").and_then(Value::as_str);
        if matches!(state, Some("exception" | "failed")) {
            ev.log.debug(format!(
                "not replacing {} with {task_id} because it is in failed or exception state",
                task.label()
            ));
            continue;
        }
        if let Some(deadline) = deadline {
            let Some(expires) = status.get("expires") else { continue };
            let expires = expires.as_str().and_then(parse_json_time).ok_or_else(|| {
                ev.index.malformed(format!(
                    "status of task {task_id} (index path {path}): expires {expires} is not a timestamp"
                ))
            })?;
            if expires < deadline {
                ev.log.debug(format!(
                    "not replacing {} with {task_id} because it expires before the deadline",
                    task.label()
                ));
                continue;
            }
        }
        return Ok(Replacement::With(task_id));
    }
    Ok(Replacement::Keep)
}

pub use tg_core::py::truthy as is_truthy;

/// Strategies by name.
#[derive(Clone, Debug)]
pub struct Registry {
    strategies: BTreeMap<String, Strategy>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// taskgraph 24.5.1's registry.
    pub fn builtin() -> Registry {
        let strategies = [
            ("never", Strategy::Never),
            ("always", Strategy::Always),
            ("index-search", Strategy::IndexSearch),
            ("skip-unless-changed", Strategy::SkipUnlessChanged),
        ]
        .into_iter()
        .map(|(n, s)| (n.to_string(), s))
        .collect();
        Registry { strategies }
    }

    /// The strategy registered as `name`.
    pub fn get(&self, name: &str) -> Option<&Strategy> {
        self.strategies.get(name)
    }

    /// Register `strategy` as `name` (replacing what was there).
    pub fn insert(&mut self, name: &str, strategy: Strategy) {
        self.strategies.insert(name.to_string(), strategy);
    }

    /// Registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.strategies.keys().map(String::as_str).collect()
    }

    /// Add the entries of a strategies file (see the module documentation), in file order.
    pub fn extend_from(&mut self, definitions: &Map<String, Value>) -> Result<(), String> {
        for (name, definition) in definitions {
            let strategy = self.build(definition).map_err(|e| format!("{name}: {e}"))?;
            self.strategies.insert(name.clone(), strategy);
        }
        Ok(())
    }

    fn build(&self, definition: &Value) -> Result<Strategy, String> {
        let Value::Object(map) = definition else {
            return Err(format!(
                "expected {{any: [...]}}, {{all: [...]}}, {{alias: X}} or {{not: X}}, got {definition}"
            ));
        };
        let mut entries = map.iter();
        let (Some((kind, value)), None) = (entries.next(), entries.next()) else {
            return Err("a definition has exactly one key: any, all, alias or not".into());
        };
        match kind.as_str() {
            "any" | "all" => {
                let Value::Array(items) = value else { return Err(format!("{kind}: expected a list")) };
                if items.is_empty() {
                    return Err(format!("{kind}: needs at least one sub-strategy"));
                }
                let subs = items
                    .iter()
                    .map(|i| self.sub(i))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("{kind}: {e}"))?;
                Ok(if kind == "any" { Strategy::Any(subs) } else { Strategy::All(subs) })
            }
            "alias" => Ok(Strategy::Alias(Box::new(self.sub(value).map_err(|e| format!("alias: {e}"))?))),
            "not" => Ok(Strategy::Not(Box::new(self.sub(value).map_err(|e| format!("not: {e}"))?))),
            other => Err(format!("unknown composite {other:?} (known: any, all, alias, not)")),
        }
    }

    fn sub(&self, value: &Value) -> Result<Strategy, String> {
        match value {
            Value::String(name) => self.get(name).cloned().ok_or_else(|| {
                format!("substrategies aren't registered: {name} (registered: {})", self.names().join(", "))
            }),
            other => self.build(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn composites_are_built_and_described() {
        let mut reg = Registry::builtin();
        let defs = json!({
            "skip-or-index": {"any": ["skip-unless-changed", "index-search"]},
            "both": {"all": ["skip-or-index", {"not": "never"}]},
            "skip-unless-changed": {"alias": "always"}
        });
        reg.extend_from(defs.as_object().unwrap()).unwrap();
        assert_eq!(reg.get("skip-or-index").unwrap().description(), "skip-unless-changed-or-index-search");
        assert_eq!(reg.get("both").unwrap().description(), "skip-unless-changed-or-index-search-and-not-never");
        // Sub-names resolve against what was registered before the entry.
        assert_eq!(
            reg.get("skip-or-index").unwrap(),
            &Strategy::Any(vec![Strategy::SkipUnlessChanged, Strategy::IndexSearch])
        );
        assert_eq!(reg.get("skip-unless-changed").unwrap().description(), "always");
        let e = Registry::builtin().extend_from(json!({"x": {"any": ["nope"]}}).as_object().unwrap()).unwrap_err();
        assert!(e.starts_with("x: any: substrategies aren't registered: nope"), "{e}");
    }
}
