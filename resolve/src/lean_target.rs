//! The target task set of lean tasks ([`tg_core::lean::LeanTask`]), as
//! [`crate::target::target_task_set`] makes it of [`Task`]s.
//!
//! The common case is read without parsing the task definitions: the only filter is
//! `target_tasks_method`, naming the built-in `default`, `codereview` or `nothing` method, and
//! no project file may replace them ([`tg_bridge::detect`]). Each task's attributes are parsed in
//! turn and given to [`crate::target::standard_filter`]; the log line and error messages are
//! [`crate::target::target_task_set`]'s. Any other case (try syntax, project code) parses every
//! task, runs [`crate::target::target_task_set`] on them (it may annotate them) and keeps what it
//! made of them.

use crate::pyish::truthy;
use crate::target::{self, TargetContext};
use crate::verify::VerifyFacts;
use tg_core::error::bad_input;
use tg_core::lean::LeanTask;
use tg_core::quote::capped;
use tg_core::task::Task;

/// The methods read here without parsing definitions.
const ATTRIBUTE_METHODS: &[&str] = &["default", "codereview", "nothing"];

/// Positions of the target tasks, ascending.
pub fn target_task_set(tasks: &mut [LeanTask<VerifyFacts>], ctx: &TargetContext) -> anyhow::Result<Vec<usize>> {
    let filters = target::filters(ctx.parameters)?;
    let method = target::target_method(ctx.parameters)?;
    let simple = matches!(filters.as_slice(), [only] if only == "target_tasks_method")
        && ATTRIBUTE_METHODS.contains(&method.as_str())
        && !tg_bridge::detect::may_replace_target_method(ctx.graph_config, &method)
        && !filters.first().is_some_and(|f| tg_bridge::detect::may_replace_filter(ctx.graph_config, f));
    if !simple {
        return with_parsed_tasks(tasks, ctx);
    }
    let mut selected = Vec::new();
    if method != "nothing" {
        for (i, lean) in tasks.iter().enumerate() {
            let task = attributes_only(lean)?;
            let keep = target::standard_filter(&task, ctx.parameters)
                .map(|ok| ok && (method != "codereview" || truthy(task.attributes.get("code-review"))))
                .map_err(|e| bad_input(format!("target_tasks_method {method}: task {}: {e}", capped(&task.label))))?;
            if keep {
                selected.push(i);
            }
        }
    }
    ctx.log.info(format!(
        "filter target_tasks_method ({method}) pruned {} tasks ({} remain)",
        tasks.len() - selected.len(),
        selected.len()
    ));
    Ok(selected)
}

/// The task with its attributes (what the attribute methods read) and nothing of its definition.
fn attributes_only(lean: &LeanTask<VerifyFacts>) -> anyhow::Result<Task> {
    Ok(Task {
        kind: lean.kind.clone(),
        label: lean.label.clone(),
        description: String::new(),
        attributes: lean.attributes()?,
        dependencies: Default::default(),
        soft_dependencies: Vec::new(),
        if_dependencies: Vec::new(),
        optimization: None,
        task: serde_json::Value::Null,
        task_id: None,
    })
}

/// Parse every task, select with [`target::target_task_set`], and keep its annotations.
fn with_parsed_tasks(tasks: &mut [LeanTask<VerifyFacts>], ctx: &TargetContext) -> anyhow::Result<Vec<usize>> {
    let mut parsed = tasks.iter().map(LeanTask::to_task).collect::<anyhow::Result<Vec<Task>>>()?;
    let selected = target::target_task_set(&mut parsed, ctx)?;
    for (lean, task) in tasks.iter_mut().zip(&parsed) {
        if lean.to_task()? != *task {
            let annotated = LeanTask::from_task(task, ())?;
            let facts = VerifyFacts::of_lean(&annotated)?;
            *lean = annotated.with_view(facts);
        }
    }
    Ok(selected)
}
