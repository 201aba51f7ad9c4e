//! tg-morph: the optimized task graph in, the morphed task graph out (JSON lines).
//!
//! taskgraph 24.5.1 registers two morphs (`taskgraph/morph.py`), applied in this order:
//!
//! 1. [`add_index_tasks`]: the queue accepts at most 64 routes per task. A task with more
//!    loses its `index.*` routes, and a new task `index-task-<label>` (kind `misc`, on the
//!    `misc` worker alias) depending on it inserts those index paths itself, with scopes
//!    collapsed by the trust domain's regex and `taskgraph.index-path-regexes`.
//! 2. [`add_code_review_task`]: when the `code-review` parameter is set and some task has the
//!    `code-review` attribute, a `code-review` task (built-in/succeed) depends on all of them.
//!
//! Relative datestamps stay as they are (tg-submit resolves them). Input tasks keep their
//! order; added tasks follow them (each depends only on tasks before it).

pub mod cli;
pub mod project;

use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use tg_core::config::GraphConfig;
use tg_core::lean::{pick, LeanTask, Want};
use tg_core::params::Parameters;
use tg_core::py::re::match_regex;
use tg_core::py::truthy as is_truthy;
use tg_core::py::value::python_str;
use tg_core::quote::capped;
use tg_core::task::Task;
use tg_core::taskids::TaskIdGenerator;
use tg_core::{bad_input, usage};

/// What the morphs read of a task: [`Task`], or the lean form tg-morph reads ([`MorphLean`]),
/// whose definition stays text unless a morph rewrites it.
pub trait MorphTask: Sized {
    fn label(&self) -> &str;
    fn task_id(&self) -> Option<&str>;
    /// How many `task.routes` there are.
    fn route_count(&self) -> Routes;
    /// A true `code-review` attribute.
    fn code_review(&self) -> anyhow::Result<bool>;
    /// The whole task.
    fn to_task(&self) -> anyhow::Result<Task>;
    /// A task made or changed by a morph.
    fn from_task(task: Task) -> anyhow::Result<Self>;
}

impl MorphTask for Task {
    fn label(&self) -> &str {
        &self.label
    }

    fn task_id(&self) -> Option<&str> {
        self.task_id.as_deref()
    }

    fn route_count(&self) -> Routes {
        routes_of(self.task.get("routes"))
    }

    fn code_review(&self) -> anyhow::Result<bool> {
        Ok(self.attributes.get("code-review").is_some_and(is_truthy))
    }

    fn to_task(&self) -> anyhow::Result<Task> {
        Ok(self.clone())
    }

    fn from_task(task: Task) -> anyhow::Result<Self> {
        Ok(task)
    }
}

/// What a task's `task.routes` is, for the index-task morph.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Routes {
    Absent,
    Count(usize),
    /// There, but not a list (an error if the morph looks at it).
    NotAList,
}

fn routes_of(routes: Option<&Value>) -> Routes {
    match routes {
        None => Routes::Absent,
        Some(Value::Array(routes)) => Routes::Count(routes.len()),
        Some(_) => Routes::NotAList,
    }
}

/// A lean task whose view is its routes (see [`MorphTask::route_count`]).
pub type MorphLean = LeanTask<Routes>;

/// The view tg-morph takes of a task's text when reading it.
pub fn morph_view(task: &LeanTask) -> anyhow::Result<Routes> {
    const ROUTES: &[(&str, Want)] = &[("routes", Want::Whole)];
    Ok(routes_of(pick(task.task.get(), ROUTES)?.member(0).value()))
}

impl MorphTask for MorphLean {
    fn label(&self) -> &str {
        &self.label
    }

    fn task_id(&self) -> Option<&str> {
        self.task_id.as_deref()
    }

    fn route_count(&self) -> Routes {
        self.view
    }

    fn code_review(&self) -> anyhow::Result<bool> {
        const CODE_REVIEW: &[(&str, Want)] = &[("code-review", Want::Whole)];
        Ok(pick(self.attributes.get(), CODE_REVIEW)?.member(0).value().is_some_and(is_truthy))
    }

    fn to_task(&self) -> anyhow::Result<Task> {
        LeanTask::to_task(self)
    }

    fn from_task(task: Task) -> anyhow::Result<Self> {
        let lean = LeanTask::from_task(&task, ())?;
        let view = morph_view(&lean)?;
        Ok(lean.with_view(view))
    }
}

/// The queue's limit on routes per task.
pub const MAX_ROUTES: usize = 64;

/// Environment the code-review morph reads (`TASKGRAPH_HEAD_REPOSITORY`, `TASKGRAPH_HEAD_REV`).
#[derive(Clone, Debug, Default)]
pub struct MorphEnv {
    pub taskgraph_head_repository: Option<String>,
    pub taskgraph_head_rev: Option<String>,
}

/// What the morphs read.
pub struct MorphContext<'a> {
    pub graph_config: &'a GraphConfig,
    pub parameters: &'a Parameters,
    pub env: &'a MorphEnv,
}

/// The optimized graph as morphs see it: tasks with taskIds, and label -> taskId.
pub struct MorphedGraph<T = Task> {
    pub tasks: Vec<T>,
    pub label_to_task_id: BTreeMap<String, String>,
}

impl<T: MorphTask> MorphedGraph<T> {
    /// Check an optimized graph: every task has a taskId, labels and taskIds are unique.
    /// `label_to_task_id` (from tg-optimize, with replaced tasks) is extended by the tasks'.
    pub fn new(tasks: Vec<T>, mut label_to_task_id: BTreeMap<String, String>) -> anyhow::Result<MorphedGraph<T>> {
        let mut labels = BTreeSet::new();
        let mut ids = BTreeMap::new();
        for task in &tasks {
            let Some(id) = task.task_id() else {
                return Err(bad_input(format!(
                    "task {} has no task_id: tg-morph reads the optimized graph (tg-optimize's output)",
                    capped(task.label())
                )));
            };
            if !labels.insert(task.label()) {
                return Err(bad_input(format!("duplicate task label {}", capped(task.label()))));
            }
            if let Some(other) = ids.insert(id, task.label()) {
                return Err(bad_input(format!(
                    "tasks {} and {} have the same task_id {}",
                    capped(other),
                    capped(task.label()),
                    capped(id)
                )));
            }
            label_to_task_id.insert(task.label().to_string(), id.to_string());
        }
        Ok(MorphedGraph { tasks, label_to_task_id })
    }

    /// `amend_taskgraph`: append new tasks; their labels must be new.
    fn amend(&mut self, added: Vec<T>) -> anyhow::Result<()> {
        for task in added {
            let id = task.task_id().unwrap_or_default().to_string();
            if self.label_to_task_id.contains_key(task.label()) {
                return Err(bad_input(format!("morph: a task labelled {} already exists", capped(task.label()))));
            }
            self.label_to_task_id.insert(task.label().to_string(), id);
            self.tasks.push(task);
        }
        Ok(())
    }

    /// Every taskId in use (tasks and label_to_task_id), so new ids can avoid them.
    fn used_ids(&self) -> BTreeSet<String> {
        self.label_to_task_id
            .values()
            .cloned()
            .chain(self.tasks.iter().filter_map(|t| t.task_id().map(str::to_string)))
            .collect()
    }
}

/// Apply every morph, in taskgraph's order.
pub fn morph<T: MorphTask>(
    graph: &mut MorphedGraph<T>,
    ctx: &MorphContext,
    ids: &mut TaskIdGenerator,
    log: tg_core::cli::Log,
) -> anyhow::Result<()> {
    let added = add_index_tasks(graph, ctx, ids)?;
    if added > 0 {
        log.info(format!("Added {added} index tasks"));
    }
    if add_code_review_task(graph, ctx, ids)? {
        log.info("Added code review task.");
    }
    Ok(())
}

/// A taskId not in `used` (every taskId of the graph), which then holds it too.
fn fresh_id(used: &mut BTreeSet<String>, ids: &mut TaskIdGenerator) -> anyhow::Result<String> {
    loop {
        let id = ids.next_id()?;
        if used.insert(id.clone()) {
            return Ok(id);
        }
    }
}

/// The first morph; returns how many index tasks it added.
pub fn add_index_tasks<T: MorphTask>(
    graph: &mut MorphedGraph<T>,
    ctx: &MorphContext,
    ids: &mut TaskIdGenerator,
) -> anyhow::Result<usize> {
    let mut added = Vec::new();
    for slot in graph.tasks.iter_mut() {
        let routes = match slot.route_count() {
            Routes::Absent => continue,
            Routes::Count(routes) => routes,
            Routes::NotAList => {
                return Err(bad_input(format!("task {}: task.routes: expected a list", capped(slot.label()))))
            }
        };
        if routes <= MAX_ROUTES {
            continue;
        }
        let mut parent = slot.to_task()?;
        let index_task = make_index_task(&mut parent, ctx)?;
        *slot = T::from_task(parent)?;
        added.push(index_task);
    }
    let count = added.len();
    if count > 0 {
        let mut used = graph.used_ids();
        for mut task in added {
            task.task_id = Some(fresh_id(&mut used, ids)?);
            graph.amend(vec![T::from_task(task)?])?;
        }
    }
    Ok(count)
}

/// `make_index_task`: strip the parent's index routes and build the task that inserts them.
fn make_index_task(parent: &mut Task, ctx: &MorphContext) -> anyhow::Result<Task> {
    let label = parent.label.clone();
    let err = |msg: String| bad_input(format!("task {}: {msg}", capped(&label)));
    let parent_id = parent.task_id.clone().unwrap_or_default();
    let routes = match parent.task.get("routes") {
        Some(Value::Array(routes)) => routes.clone(),
        _ => return Err(err("task.routes: expected a list".into())),
    };
    let mut index_paths = Vec::new();
    let mut kept_routes = Vec::new();
    for route in &routes {
        let Value::String(route) = route else {
            return Err(err(format!("task.routes: expected strings, got {}", capped(&route.to_string()))));
        };
        match route.strip_prefix("index.") {
            Some(path) => index_paths.push(path.to_string()),
            None => kept_routes.push(Value::String(route.clone())),
        }
    }
    // `route.split(".", 1)[1]` of "index." is "", as here.
    let scopes = index_scopes(&index_paths, ctx.graph_config).map_err(err)?;
    let mut task = derive_index_task(parent, ctx).map_err(err)?;
    set_field(&mut parent.task, "routes", Value::Array(kept_routes));

    set_field(&mut task.task, "scopes", Value::Array(scopes.into_iter().map(Value::String).collect()));
    let rank = parent.task.get("extra").and_then(|e| e.get("index")).and_then(|i| i.get("rank"));
    let mut command = vec![Value::String("insert-indexes.js".into())];
    command.extend(index_paths.into_iter().map(Value::String));
    let env = json!({"TARGET_TASKID": parent_id, "INDEX_RANK": python_str(rank.unwrap_or(&json!(0)))});
    if let Some(payload) = task.task.get_mut("payload").and_then(Value::as_object_mut) {
        payload.insert("command".into(), Value::Array(command));
        payload.insert("env".into(), env);
    }
    Ok(task)
}

/// Set `def[key]` (a definition that is not a mapping is left alone: both callers have checked it is one).
fn set_field(def: &mut Value, key: &str, value: Value) {
    if let Some(def) = def.as_object_mut() {
        def.insert(key.into(), value);
    }
}

/// `derive_index_task`: the shell of the index task for `parent`.
fn derive_index_task(parent: &Task, ctx: &MorphContext) -> Result<Task, String> {
    let label = format!("index-task-{}", parent.label);
    let level = ctx.parameters.str("level");
    let (provisioner, worker_type) = tg_core::workertypes::get_worker_type(ctx.graph_config, "misc", level)?;
    let def = &parent.task;
    let field = |path: &[&str]| -> Result<Value, String> {
        let mut v = def;
        for key in path {
            v = v.get(*key).ok_or_else(|| format!("task.{}: required key missing", path.join(".")))?;
        }
        Ok(v.clone())
    };
    let description = match field(&["metadata", "description"])? {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let task_def = json!({
        "provisionerId": provisioner,
        "workerType": worker_type,
        "dependencies": [parent.task_id.clone().unwrap_or_default()],
        "created": {"relative-datestamp": "0 seconds"},
        "deadline": field(&["deadline"])?,
        "expires": field(&["deadline"])?,
        "metadata": {
            "name": label,
            "description": format!("index-task for {description}"),
            "owner": field(&["metadata", "owner"])?,
            "source": field(&["metadata", "source"])?,
        },
        "scopes": [],
        "payload": {
            "image": {
                "path": "public/image.tar.zst",
                "namespace": "taskgraph.cache.level-3.docker-images.v2.index-task.latest",
                "type": "indexed-image",
            },
            "features": {"taskclusterProxy": true},
            "maxRunTime": 600,
        },
    });
    let dependencies = IndexMap::from([("parent".to_string(), parent.task_id.clone().unwrap_or_default())]);
    Ok(new_task("misc", &label, task_def, dependencies))
}

/// A task as `Task(kind=..., label=..., attributes={}, task=..., dependencies=...)` makes it.
fn new_task(kind: &str, label: &str, task: Value, dependencies: IndexMap<String, String>) -> Task {
    let mut attributes = Map::new();
    attributes.insert("kind".into(), Value::String(kind.into()));
    Task {
        kind: kind.into(),
        label: label.into(),
        description: String::new(),
        attributes,
        dependencies,
        soft_dependencies: Vec::new(),
        if_dependencies: Vec::new(),
        optimization: None,
        task,
        task_id: None,
    }
}

/// `index:insert-task:<path>` scopes, each path collapsed to `group(1) + "*"` by the first
/// regex that matches its start (the trust domain's, then `taskgraph.index-path-regexes`).
fn index_scopes(paths: &[String], config: &GraphConfig) -> Result<BTreeSet<String>, String> {
    let mut patterns = vec![format!(r"({}\.v2\.[^.]*\.).*", regex::escape(config.trust_domain()))];
    match config.taskgraph_key("index-path-regexes") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let Value::String(p) = item else {
                    return Err(format!(
                        "taskgraph.index-path-regexes: expected strings, got {}",
                        capped(&item.to_string())
                    ));
                };
                patterns.push(p.clone());
            }
        }
        Some(other) => {
            return Err(format!("taskgraph.index-path-regexes: expected a list, got {}", capped(&other.to_string())))
        }
    }
    let regexes = patterns
        .iter()
        .map(|p| {
            match_regex(p)
                .map(|re| (p, re))
                .map_err(|e| format!("index-path-regexes: {p:?} is not a valid regular expression: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut scopes = BTreeSet::new();
    for path in paths {
        let mut collapsed = path.clone();
        for (pattern, re) in &regexes {
            if let Some(caps) = re.captures(path) {
                let group = caps.get(1).ok_or_else(|| {
                    format!("index-path-regexes: {pattern:?} matched {path:?} but has no group 1 to keep")
                })?;
                collapsed = format!("{}*", group.as_str());
                break;
            }
        }
        scopes.insert(format!("index:insert-task:{collapsed}"));
    }
    Ok(scopes)
}

/// The second morph; true when it added the code-review task.
pub fn add_code_review_task<T: MorphTask>(
    graph: &mut MorphedGraph<T>,
    ctx: &MorphContext,
    ids: &mut TaskIdGenerator,
) -> anyhow::Result<bool> {
    let Some(review) = ctx.parameters.get("code-review").filter(|v| is_truthy(v)) else { return Ok(false) };
    let mut reviewed: IndexMap<String, String> = IndexMap::new();
    for task in &graph.tasks {
        if task.code_review()? {
            reviewed.insert(task.label().to_string(), task.task_id().unwrap_or_default().to_string());
        }
    }
    if reviewed.is_empty() {
        return Ok(false);
    }
    let build_target = review
        .get("phabricator-build-target")
        .cloned()
        .ok_or_else(|| bad_input("parameter code-review: phabricator-build-target: required key missing"))?;
    let param =
        |name: &str| ctx.parameters.get(name).cloned().ok_or_else(|| usage(format!("parameter {name} is missing")));
    let mut dependencies: Vec<&String> = reviewed.values().collect();
    dependencies.sort();
    let task_def = json!({
        "provisionerId": "built-in",
        "workerType": "succeed",
        "dependencies": dependencies,
        "requires": "all-resolved",
        "created": {"relative-datestamp": "0 seconds"},
        "deadline": {"relative-datestamp": "1 day"},
        "expires": {"relative-datestamp": "1 day"},
        "metadata": {
            "name": "code-review",
            "description": "List all issues found in static analysis and linting tasks",
            "owner": param("owner")?,
            "source": morph_url(ctx.env),
        },
        "scopes": [],
        "payload": {},
        "routes": ["project.relman.codereview.v1.try_ending"],
        "extra": {
            "code-review": {
                "phabricator-build-target": build_target,
                "repository": param("head_repository")?,
                "revision": param("head_rev")?,
            }
        },
    });
    let mut task = new_task("misc", "code-review", task_def, reviewed);
    task.task_id = Some(fresh_id(&mut graph.used_ids(), ids)?);
    graph.amend(vec![T::from_task(task)?])?;
    Ok(true)
}

/// `_get_morph_url()`: where morph.py lives, for the code-review task's metadata.source.
fn morph_url(env: &MorphEnv) -> String {
    let repo = env.taskgraph_head_repository.as_deref().unwrap_or("https://github.com/taskcluster/taskgraph");
    let rev = env.taskgraph_head_rev.as_deref().unwrap_or("default");
    format!("{repo}/raw-file/{rev}/src/taskgraph/morph.py")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_core::cli::Log;

    /// Labels and taskIds of any length are quoted capped in the graph check's errors.
    #[test]
    fn huge_labels_are_capped_in_errors() {
        let (a, b, id) = ("a".repeat(100_000), "b".repeat(100_000), "i".repeat(100_000));
        let tasks: Vec<Task> = [&a, &b]
            .iter()
            .map(|l| serde_json::from_value(json!({"kind": "k", "label": l, "task": {}, "task_id": id})).unwrap())
            .collect();
        let e = MorphedGraph::new(tasks, BTreeMap::new()).err().unwrap().to_string();
        assert!(e.len() < 1_000, "{} bytes", e.len());
        assert!(e.starts_with(&format!("tasks {}… (100000 bytes) and {}…", "a".repeat(200), "b".repeat(200))), "{e}");
    }

    /// The lean road writes the bytes the Task road writes, and fails with the same message,
    /// on every case of the Python-made fixtures.
    #[test]
    fn lean_output_is_the_task_output() {
        let cases: Vec<Value> = serde_json::from_str(include_str!("../tests/fixtures/morph_cases.json")).unwrap();
        for case in &cases {
            let name = case["name"].as_str().unwrap();
            let tasks: Vec<Task> = serde_json::from_value(case["tasks"].clone()).unwrap();
            let config =
                GraphConfig { config: case["config"].as_object().unwrap().clone(), root_dir: "taskcluster".into() };
            let parameters = Parameters::from_map(case["params"].as_object().unwrap().clone());
            let env = MorphEnv::default();
            let ctx = MorphContext { graph_config: &config, parameters: &parameters, env: &env };
            let lines: String = tasks.iter().map(|t| serde_json::to_string(t).unwrap() + "\n").collect();
            fn run<T: MorphTask + serde::Serialize>(
                tasks: Vec<T>,
                ctx: &MorphContext,
            ) -> anyhow::Result<(String, BTreeMap<String, String>)> {
                let mut graph = MorphedGraph::new(tasks, BTreeMap::new())?;
                morph(&mut graph, ctx, &mut TaskIdGenerator::seeded(9), Log::quiet("test"))?;
                let text = graph.tasks.iter().map(|t| serde_json::to_string(t).unwrap() + "\n").collect();
                Ok((text, graph.label_to_task_id))
            }
            let lean: Vec<MorphLean> =
                tg_core::lean::read_lean(lines.as_bytes(), "<stdin>", tg_core::stream::EndRule::Optional, morph_view)
                    .unwrap();
            match (run(tasks, &ctx), run(lean, &ctx)) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{name}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                (a, b) => panic!("{name}: task road {:?}, lean road {:?}", a.map(|_| ()), b.map(|_| ())),
            }
        }
    }
}
