//! The verifications taskgraph 24.5.1 runs on the full task graph (`taskgraph/util/verify.py`,
//! every function registered for `"full_task_graph"`), in its registration order:
//!
//! | check | what it rejects |
//! |---|---|
//! | `verify_task_graph_symbol` | two tasks with the same treeherder (platform, collection, group, symbol), or a task in zero or several collections |
//! | `verify_trust_domain_v2_routes` | two tasks with the same `index.<trust-domain>.v2...` route |
//! | `verify_routes_notification_filters` | a `notify.` route whose last part is not a known filter (`on-any` only warns) |
//! | `verify_index_route` | an `index.` route whose namespace has characters the index refuses |
//! | `verify_dependency_tiers` | a task depending on a task of a higher (less important) treeherder tier |
//! | `verify_toolchain_alias` | two tasks claiming the same `toolchain-alias` |
//! | `verify_run_task_caches` | caches not named `<trust-domain>-level-<level>-...`, and run-task's reserved caches used without run-task or without its digest |
//! | `verify_task_identifiers` | `provisionerId`/`workerType` not matching `^[a-zA-Z0-9_-]{1,38}$` |
//! | `verify_task_dependencies` | more than 9999 dependencies (plain + soft + if) |
//! | `verify_caches_are_volumes` | docker-worker caches whose mount point is not a declared volume |
//!
//! No other phase (target task set, target task graph) has a verification in 24.5.1; the only
//! other one (`verify_always_optimized`) runs on the optimized graph, in tg-optimize.
//! Tasks are visited in topological order (dependencies first), as taskgraph's
//! `for_each_task` does; the first failing check ends the run with an error naming the task.

use crate::pyish::{py_str, truthy};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use tg_core::cli::Log;
use tg_core::error::bad_input;
use tg_core::graph::{GraphNode, TaskGraph};
use tg_core::lean::{pick, Got, LeanTask, Want};
use tg_core::quote::capped;
use tg_core::task::Task;

/// taskgraph's `MAX_DEPENDENCIES`: the queue allows 10000, minus the decision task.
pub const MAX_DEPENDENCIES: usize = 9999;

/// `run_task_suffix()` of taskgraph 24.5.1: the first 20 hex digits of the sha256 of the
/// `run-task` script it ships (`python3 -c 'from taskgraph.transforms.task import
/// run_task_suffix; print(run_task_suffix())'`).
pub const RUN_TASK_SUFFIX: &str = "b501540836ece0d08200";

/// What the verifications read besides the graph.
pub struct VerifyContext<'a> {
    /// `trust-domain` of config.yml.
    pub trust_domain: &'a str,
    /// The `level` parameter.
    pub level: &'a str,
    /// Where warnings go.
    pub log: Log,
}

/// Everything tg-resolve reads of a task's definition and attributes (the verifications and
/// `always_target`), taken once per task so the definition itself can stay unparsed. Values
/// are boxed: one is kept per task, and most are absent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VerifyFacts {
    /// `task.routes`, its strings (non-strings are skipped, as `str.startswith` would fail on
    /// them only for taskgraph's own malformed input).
    pub routes: Box<[String]>,
    /// `task.extra.treeherder`.
    pub treeherder: Option<Box<Value>>,
    /// `task.workerType`.
    pub worker_type: Option<Box<Value>>,
    /// `task.provisionerId`.
    pub provisioner_id: Option<Box<Value>>,
    /// `task.payload`, when there: its `cache`, and whether its command runs run-task.
    pub payload: Option<Box<PayloadFacts>>,
    /// `task.worker`.
    pub worker: Option<Box<Value>>,
    /// `attributes.toolchain-alias`.
    pub toolchain_alias: Option<Box<Value>>,
    /// `attributes.always_target`, truthy.
    pub always_target: bool,
}

/// What the run-task cache check reads of `task.payload`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PayloadFacts {
    pub cache: Option<Value>,
    pub runs_run_task: bool,
}

/// The members of the definition the facts come from.
const BODY: &[(&str, Want)] = &[
    ("routes", Want::Whole),
    ("extra", Want::Members(&[("treeherder", Want::Whole)])),
    ("workerType", Want::Whole),
    ("provisionerId", Want::Whole),
    ("payload", Want::Members(&[("cache", Want::Whole), ("command", Want::Whole)])),
    ("worker", Want::Whole),
];

/// The attributes the facts come from.
const ATTRIBUTES: &[(&str, Want)] = &[("toolchain-alias", Want::Whole), ("always_target", Want::Whole)];

impl VerifyFacts {
    /// The facts of a task kept as text.
    pub fn of_lean<V>(task: &LeanTask<V>) -> anyhow::Result<VerifyFacts> {
        Ok(Self::from_got(&pick(task.task.get(), BODY)?, &pick(task.attributes.get(), ATTRIBUTES)?))
    }

    /// The facts of a parsed task (the same as [`VerifyFacts::of_lean`] of its text).
    pub fn of_task(task: &Task) -> VerifyFacts {
        let attributes = Value::Object(task.attributes.clone());
        Self::from_got(&got_of(&task.task, BODY), &got_of(&attributes, ATTRIBUTES))
    }

    fn from_got(body: &Got, attributes: &Got) -> VerifyFacts {
        let whole = |g: &Got| g.value().cloned().map(Box::new);
        let routes = match body.member(0).value() {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        };
        let payload = match body.member(4) {
            Got::Absent => None,
            p => Some(Box::new(PayloadFacts {
                cache: p.member(0).value().cloned(),
                runs_run_task: runs_run_task(p.member(1).value()),
            })),
        };
        VerifyFacts {
            routes: routes.into(),
            treeherder: whole(body.member(1).member(0)),
            worker_type: whole(body.member(2)),
            provisioner_id: whole(body.member(3)),
            payload,
            worker: whole(body.member(5)),
            toolchain_alias: whole(attributes.member(0)),
            always_target: truthy(attributes.member(1).value()),
        }
    }
}

/// What [`pick`] takes from a JSON text, taken from a parsed value.
fn got_of(value: &Value, wanted: &[(&str, Want)]) -> Got {
    let Value::Object(map) = value else { return Got::Other };
    Got::Object(
        wanted
            .iter()
            .map(|(name, want)| match (map.get(*name), want) {
                (None, _) => Got::Absent,
                (Some(v), Want::Whole) => Got::Value(v.clone()),
                (Some(v), Want::Members(inner)) => got_of(v, inner),
            })
            .collect(),
    )
}

/// A task as the verifications see it.
pub trait Verifiable: GraphNode {
    fn kind(&self) -> &str;
    /// Dependencies of every sort (plain, soft, if).
    fn dependency_count(&self) -> usize;
    fn facts(&self) -> Cow<'_, VerifyFacts>;
}

impl Verifiable for Task {
    fn kind(&self) -> &str {
        &self.kind
    }

    fn dependency_count(&self) -> usize {
        self.dependencies.len() + self.if_dependencies.len() + self.soft_dependencies.len()
    }

    fn facts(&self) -> Cow<'_, VerifyFacts> {
        Cow::Owned(VerifyFacts::of_task(self))
    }
}

impl Verifiable for LeanTask<VerifyFacts> {
    fn kind(&self) -> &str {
        &self.kind
    }

    fn dependency_count(&self) -> usize {
        self.dependencies.len() + self.if_dependencies.len() + self.soft_dependencies.len()
    }

    fn facts(&self) -> Cow<'_, VerifyFacts> {
        Cow::Borrowed(&self.view)
    }
}

/// A task as one check sees it.
struct Node<'a> {
    label: &'a str,
    kind: &'a str,
    /// (label, position) of each dependency.
    deps: Vec<(&'a str, usize)>,
    dependency_count: usize,
    facts: Cow<'a, VerifyFacts>,
}

/// The nodes at the positions of `order`, in that order.
fn in_order<'n, 'a>(nodes: &'n [Node<'a>], order: &'n [usize]) -> impl Iterator<Item = &'n Node<'a>> {
    order.iter().filter_map(|&i| nodes.get(i))
}

/// One check: visits every task (in order), then the whole graph once.
type Check = fn(&[Node], &[usize], &VerifyContext) -> Result<(), String>;

/// The checks, in taskgraph's registration order, with their names for error messages.
const CHECKS: &[(&str, Check)] = &[
    ("verify_task_graph_symbol", verify_task_graph_symbol),
    ("verify_trust_domain_v2_routes", verify_trust_domain_v2_routes),
    ("verify_routes_notification_filters", verify_routes_notification_filters),
    ("verify_index_route", verify_index_route),
    ("verify_dependency_tiers", verify_dependency_tiers),
    ("verify_toolchain_alias", verify_toolchain_alias),
    ("verify_run_task_caches", verify_run_task_caches),
    ("verify_task_identifiers", verify_task_identifiers),
    ("verify_task_dependencies", verify_task_dependencies),
    ("verify_caches_are_volumes", verify_caches_are_volumes),
];

/// Run every full-graph verification; `order` is the graph's topological order.
pub fn verify_full_graph<T: Verifiable>(
    graph: &TaskGraph<T>,
    order: &[usize],
    ctx: &VerifyContext,
) -> anyhow::Result<()> {
    let nodes: Vec<Node> = graph
        .tasks
        .iter()
        .map(|t| Node {
            label: t.label(),
            kind: t.kind(),
            deps: t.dependencies().values().filter_map(|l| graph.position(l).map(|p| (l.as_str(), p))).collect(),
            dependency_count: t.dependency_count(),
            facts: t.facts(),
        })
        .collect();
    for (name, check) in CHECKS {
        check(&nodes, order, ctx)
            .map_err(|msg| bad_input(format!("full task graph verification {name} failed: {msg}")))?;
    }
    Ok(())
}

fn verify_task_graph_symbol(nodes: &[Node], order: &[usize], _: &VerifyContext) -> Result<(), String> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for task in in_order(nodes, order) {
        let Some(th) = task.facts.treeherder.as_deref() else { continue };
        let mut collections: Vec<&String> =
            th.get("collection").and_then(Value::as_object).map(|c| c.keys().collect()).unwrap_or_default();
        collections.sort();
        let [collection] = collections.as_slice() else {
            let listed: Vec<String> = collections.iter().map(|c| format!("'{c}'")).collect();
            return Err(format!(
                "Task {} can't be in multiple treeherder collections (the part of the platform after `/`): ({})",
                capped(task.label),
                listed.join(", ")
            ));
        };
        let platform = th.get("machine").and_then(|m| m.get("platform"));
        let group = th.get("groupSymbol");
        let symbol = th.get("symbol");
        let key = serde_json::json!([platform, collection, group, symbol]).to_string();
        if let Some(other) = seen.get(&key) {
            let joined = match group {
                Some(Value::String(g)) if g == "?" => py_str(symbol),
                _ => format!("{}({})", py_str(group), py_str(symbol)),
            };
            return Err(format!(
                "Duplicate treeherder platform and symbol in tasks `{}` and `{}`: {}/{} {}",
                capped(task.label),
                capped(other),
                py_str(platform),
                collection,
                joined
            ));
        }
        seen.insert(key, task.label);
    }
    Ok(())
}

fn verify_trust_domain_v2_routes(nodes: &[Node], order: &[usize], ctx: &VerifyContext) -> Result<(), String> {
    let prefix = format!("index.{}.v2", ctx.trust_domain);
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for task in in_order(nodes, order) {
        for route in task.facts.routes.iter().filter(|r| r.starts_with(&prefix)) {
            if let Some(other) = seen.get(route.as_str()) {
                return Err(format!(
                    "conflict between {}:{} for route: {}",
                    capped(task.label),
                    capped(other),
                    capped(route)
                ));
            }
            seen.insert(route, task.label);
        }
    }
    Ok(())
}

/// Notification filters Taskcluster's notify service understands.
const NOTIFY_FILTERS: &[&str] = &[
    "on-any",
    "on-completed",
    "on-defined",
    "on-failed",
    "on-exception",
    "on-pending",
    "on-resolved",
    "on-running",
    "on-transition",
];

fn verify_routes_notification_filters(nodes: &[Node], order: &[usize], ctx: &VerifyContext) -> Result<(), String> {
    for task in in_order(nodes, order) {
        for route in task.facts.routes.iter().filter(|r| r.starts_with("notify.")) {
            let filter = route.rsplit('.').next().unwrap_or_default();
            if !NOTIFY_FILTERS.contains(&filter) {
                return Err(format!("{} has invalid notification filter ({filter})", capped(task.label)));
            }
            if filter == "on-any" {
                ctx.log.warn(format!(
                    "task {}: notification filter 'on-any' is deprecated. Use 'on-transition' or 'on-resolved'.",
                    task.label
                ));
            }
        }
    }
    Ok(())
}

/// Taskcluster index namespaces: dot-separated words of `[a-zA-Z0-9_!~*'()%-]`.
const INDEX_NAMESPACE_PATTERN: &str = r"^([a-zA-Z0-9_!~*'()%-]+\.)*[a-zA-Z0-9_!~*'()%-]+$";

fn verify_index_route(nodes: &[Node], order: &[usize], _: &VerifyContext) -> Result<(), String> {
    let re = regex::Regex::new(INDEX_NAMESPACE_PATTERN).map_err(|e| e.to_string())?;
    for task in in_order(nodes, order) {
        for route in &task.facts.routes {
            if let Some(namespace) = route.strip_prefix("index.") {
                if !re.is_match(namespace) {
                    return Err(format!(
                        "{} has invalid index route namespace: {route}. Namespace must match {INDEX_NAMESPACE_PATTERN}",
                        capped(task.label)
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A task's treeherder tier; `None` (taskgraph's `sys.maxsize`, printed "unknown") when unset.
fn tier(task: &Node) -> Option<i64> {
    task.facts.treeherder.as_deref().and_then(|th| th.get("tier")).and_then(Value::as_i64)
}

fn verify_dependency_tiers(nodes: &[Node], order: &[usize], _: &VerifyContext) -> Result<(), String> {
    let printable = |t: Option<i64>| t.map_or("unknown".to_string(), |t| t.to_string());
    let rank = |t: Option<i64>| t.unwrap_or(i64::MAX);
    for task in in_order(nodes, order) {
        for (dep_label, dep) in task.deps.iter().filter_map(|&(l, d)| nodes.get(d).map(|n| (l, n))) {
            if dep.facts.worker_type.as_deref().and_then(Value::as_str) == Some("always-optimized")
                || dep.kind.contains("dummy")
            {
                continue;
            }
            if rank(tier(task)) < rank(tier(dep)) {
                return Err(format!(
                    "{} (tier {}) cannot depend on {} (tier {})",
                    capped(task.label),
                    printable(tier(task)),
                    dep_label,
                    printable(tier(dep))
                ));
            }
        }
    }
    Ok(())
}

fn verify_toolchain_alias(nodes: &[Node], order: &[usize], _: &VerifyContext) -> Result<(), String> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for task in in_order(nodes, order) {
        let keys: Vec<String> = match task.facts.toolchain_alias.as_deref() {
            None => continue,
            Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().map(|v| py_str(Some(v))).collect(),
            Some(_) => Vec::new(),
        };
        for key in keys {
            if let Some(other) = seen.get(&key) {
                return Err(format!(
                    "Duplicate toolchain-alias in tasks `{}`and `{}`: {}",
                    capped(task.label),
                    capped(other),
                    capped(&key)
                ));
            }
            seen.insert(key, task.label);
        }
    }
    Ok(())
}

/// Cache names (after the trust-domain/level prefix) that only run-task may use.
fn is_reserved_cache(name: &str) -> bool {
    name.starts_with("checkouts") || name.starts_with("tooltool-cache")
}

/// True when the payload's command runs run-task (`basename(command[0])` starts with it).
fn runs_run_task(command: Option<&Value>) -> bool {
    let main = match command {
        Some(Value::Array(cmd)) if !cmd.is_empty() => match cmd.first() {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        },
        Some(Value::String(s)) if !s.is_empty() => s.chars().next().map(String::from).unwrap_or_default(),
        _ => String::new(),
    };
    main.rsplit('/').next().unwrap_or_default().starts_with("run-task")
}

fn verify_run_task_caches(nodes: &[Node], order: &[usize], ctx: &VerifyContext) -> Result<(), String> {
    let prefix = format!("{}-level-{}-", ctx.trust_domain, ctx.level);
    for task in in_order(nodes, order) {
        let Some(payload) = &task.facts.payload else { continue };
        let caches = match &payload.cache {
            Some(Value::Object(c)) => match c.get("task-reference") {
                Some(Value::Object(inner)) => inner,
                _ => c,
            },
            _ => continue,
        };
        let run_task = payload.runs_run_task;
        for cache in caches.keys() {
            let Some(name) = cache.strip_prefix(&prefix) else {
                return Err(format!(
                    "{} is using a cache ({cache}) which is not appropriate for its trust-domain and level. \
                     It should start with {prefix}.",
                    capped(task.label)
                ));
            };
            if !is_reserved_cache(name) {
                continue;
            }
            if !run_task {
                return Err(format!(
                    "{} is using a cache ({name}) reserved for run-task change the task to use run-task or use a \
                     different cache name",
                    capped(task.label)
                ));
            }
            if !name.contains(RUN_TASK_SUFFIX) {
                return Err(format!(
                    "{} is using a cache ({name}) reserved for run-task but the cache name is not dependent on the \
                     contents of run-task; change the cache name to conform to the naming requirements",
                    capped(task.label)
                ));
            }
        }
    }
    Ok(())
}

fn verify_task_identifiers(nodes: &[Node], order: &[usize], _: &VerifyContext) -> Result<(), String> {
    let re = regex::Regex::new("^[a-zA-Z0-9_-]{1,38}$").map_err(|e| e.to_string())?;
    for task in in_order(nodes, order) {
        for (attr, value) in [("workerType", &task.facts.worker_type), ("provisionerId", &task.facts.provisioner_id)] {
            match value.as_deref() {
                Some(Value::String(s)) if re.is_match(s) => {}
                Some(Value::String(s)) => {
                    return Err(format!("task {}.{attr} is not a valid identifier: {}", capped(task.label), capped(s)));
                }
                Some(other) => {
                    return Err(format!(
                        "task {}.{attr} is not a valid identifier: {}",
                        capped(task.label),
                        capped(&other.to_string())
                    ));
                }
                None => return Err(format!("task {}: task.{attr} is missing", capped(task.label))),
            }
        }
    }
    Ok(())
}

fn verify_task_dependencies(nodes: &[Node], order: &[usize], _: &VerifyContext) -> Result<(), String> {
    for task in in_order(nodes, order) {
        let n = task.dependency_count;
        if n > MAX_DEPENDENCIES {
            return Err(format!("task {} has too many dependencies ({n} > {MAX_DEPENDENCIES})", capped(task.label)));
        }
    }
    Ok(())
}

fn verify_caches_are_volumes(nodes: &[Node], order: &[usize], _: &VerifyContext) -> Result<(), String> {
    for task in in_order(nodes, order) {
        let Some(worker) = task.facts.worker.as_deref() else { continue };
        if worker.get("implementation").and_then(Value::as_str) != Some("docker-worker") {
            continue;
        }
        let volumes: Vec<&str> = match worker.get("volumes") {
            Some(Value::Array(v)) => v.iter().filter_map(Value::as_str).collect(),
            _ => return Err(format!("task {}: task.worker.volumes is missing", capped(task.label))),
        };
        let mut missing: Vec<&str> = worker
            .get("caches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("mount-point").and_then(Value::as_str))
            .filter(|p| !volumes.contains(p))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            return Err(format!(
                "task {} (image {}) has caches that are not declared as Docker volumes: {} \
                 (have you added them as VOLUMEs in the Dockerfile?)",
                capped(task.label),
                py_str(worker.get("docker-image")),
                missing.join(", ")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(label: &str, deps: &[&str], def: Value) -> Task {
        let mut t: Task = serde_json::from_value(json!({"kind": "k", "label": label, "task": def})).unwrap();
        t.dependencies = deps.iter().map(|d| (d.to_string(), d.to_string())).collect();
        t
    }

    fn base(extra: Value) -> Value {
        let mut def = json!({"provisionerId": "p", "workerType": "w"});
        if let (Value::Object(d), Value::Object(e)) = (&mut def, extra) {
            d.extend(e);
        }
        def
    }

    fn check(tasks: Vec<Task>) -> Result<(), String> {
        let g = TaskGraph::checked(tasks).unwrap();
        let order = g.topological_order().unwrap();
        let ctx = VerifyContext { trust_domain: "td", level: "3", log: Log::quiet("t") };
        verify_full_graph(&g, &order, &ctx).map_err(|e| e.to_string())
    }

    fn th(symbol: &str, tier: i64) -> Value {
        json!({"extra": {"treeherder": {"collection": {"opt": true}, "machine": {"platform": "linux"}, "symbol": symbol, "groupSymbol": "G", "tier": tier}}})
    }

    /// Labels and routes of any length are quoted capped in verification errors.
    #[test]
    fn huge_labels_are_capped_in_errors() {
        let (a, b) = ("a".repeat(100_000), "b".repeat(100_000));
        let route = format!("index.td.v2.{}", "r".repeat(100_000));
        let err = check(vec![
            task(&a, &[], base(json!({"routes": [route]}))),
            task(&b, &[], base(json!({"routes": [route]}))),
        ])
        .unwrap_err();
        assert!(err.len() < 2_000, "{} bytes", err.len());
        assert!(err.contains("… (100000 bytes)") && err.contains("… (100012 bytes)"), "{err}");
    }

    #[test]
    fn accepts_a_clean_graph() {
        assert_eq!(check(vec![task("a", &[], base(th("a", 1))), task("b", &["a"], base(th("b", 2)))]), Ok(()));
    }

    #[test]
    fn table_of_rejections() {
        let cases: Vec<(Vec<Task>, &str)> = vec![
            (
                vec![task("a", &[], base(th("x", 1))), task("b", &[], base(th("x", 1)))],
                "verify_task_graph_symbol failed: Duplicate treeherder platform and symbol in tasks `b` and `a`: linux/opt G(x)",
            ),
            (
                vec![task("a", &[], base(json!({"extra": {"treeherder": {"collection": {}}}})))],
                "Task a can't be in multiple treeherder collections",
            ),
            (
                vec![task("a", &[], base(json!({"routes": ["index.td.v2.x"]}))), task("b", &[], base(json!({"routes": ["index.td.v2.x"]})))],
                "conflict between b:a for route: index.td.v2.x",
            ),
            (vec![task("a", &[], base(json!({"routes": ["notify.email.x.on-bogus"]})))], "a has invalid notification filter (on-bogus)"),
            (vec![task("a", &[], base(json!({"routes": ["index.a b"]})))], "a has invalid index route namespace: index.a b."),
            (
                vec![task("a", &[], base(th("a", 2))), task("b", &["a"], base(th("b", 1)))],
                "b (tier 1) cannot depend on a (tier 2)",
            ),
            (
                vec![task("a", &[], base(json!({}))), task("b", &["a"], base(th("b", 1)))],
                "b (tier 1) cannot depend on a (tier unknown)",
            ),
            (vec![task("a", &[], json!({"provisionerId": "p", "workerType": "bad/type"}))], "task a.workerType is not a valid identifier: bad/type"),
            (vec![task("a", &[], json!({"provisionerId": "p"}))], "task a: task.workerType is missing"),
            (
                vec![task("a", &[], base(json!({"payload": {"cache": {"other-level-3-x": "/c"}}})))],
                "a is using a cache (other-level-3-x) which is not appropriate for its trust-domain and level. It should start with td-level-3-.",
            ),
            (
                vec![task("a", &[], base(json!({"payload": {"command": ["bash"], "cache": {"td-level-3-checkouts": "/c"}}})))],
                "a is using a cache (checkouts) reserved for run-task change the task",
            ),
            (
                vec![task("a", &[], base(json!({"payload": {"command": ["/usr/bin/run-task"], "cache": {"td-level-3-checkouts-v1": "/c"}}})))],
                "but the cache name is not dependent on the contents of run-task",
            ),
            (
                vec![task("a", &[], base(json!({"worker": {"implementation": "docker-worker", "docker-image": "img", "volumes": ["/v"], "caches": [{"mount-point": "/c"}]}})))],
                "task a (image img) has caches that are not declared as Docker volumes: /c",
            ),
        ];
        for (tasks, want) in cases {
            let got = check(tasks).unwrap_err();
            assert!(got.contains(want), "want {want:?} in {got:?}");
        }
    }

    #[test]
    fn toolchain_alias_and_dependency_count() {
        let mut a = task("a", &[], base(json!({})));
        a.attributes.insert("toolchain-alias".into(), json!("clang"));
        let mut b = task("b", &[], base(json!({})));
        b.attributes.insert("toolchain-alias".into(), json!(["gcc", "clang"]));
        assert!(check(vec![a, b]).unwrap_err().contains("Duplicate toolchain-alias in tasks `b`and `a`: clang"));
        let mut c = task("c", &[], base(json!({})));
        c.soft_dependencies = (0..10_000).map(|i| format!("s{i}")).collect();
        assert!(check(vec![c]).unwrap_err().contains("task c has too many dependencies (10000 > 9999)"));
    }

    #[test]
    fn run_task_caches_with_digest_and_task_reference_pass() {
        let name = format!("td-level-3-checkouts-{RUN_TASK_SUFFIX}");
        let ok = task(
            "a",
            &[],
            base(
                json!({"payload": {"command": ["/usr/local/bin/run-task", "--"], "cache": {"task-reference": {name: "/c"}}}}),
            ),
        );
        assert_eq!(check(vec![ok]), Ok(()));
        let dummy_dep = task("d", &[], json!({"provisionerId": "p", "workerType": "always-optimized"}));
        let t = task("t", &["d"], base(th("t", 1)));
        assert_eq!(check(vec![dummy_dep, t]), Ok(()));
    }
}
