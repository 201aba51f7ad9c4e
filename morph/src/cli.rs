//! The `tg-morph` command line: its flags ([`Args`]) and the run ([`run`]) that reads the
//! optimized graph, applies the morphs and writes the morphed graph; `main` only parses and
//! maps the error to the exit code.

use clap::Parser;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tg_core::cli::{CommonArgs, StageContext};
use tg_core::taskids::TaskIdGenerator;

use crate::{MorphContext, MorphEnv, MorphLean, MorphedGraph};

/// The program name in messages.
pub const PROGRAM: &str = "tg-morph";

/// Salt mixed into --seed so that morph-made taskIds differ from tg-optimize's with the same seed.
const SEED_SALT: u64 = 0x6d6f_7270_685f_6964;

/// Apply taskgraph's graph morphs to an optimized task graph.
///
/// Reads the optimized graph (JSON lines, each task with its `task_id`) and writes the morphed
/// graph: index tasks for tasks with more than 64 routes, and the code-review task when the
/// `code-review` parameter asks for it.
#[derive(Parser, Debug)]
#[command(
    name = PROGRAM,
    version,
    after_help = "Example:\n  tg-optimize -p params.yml < target-graph.jsonl | tg-morph -p params.yml | tg-submit -p params.yml --dry-run"
)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Deterministic taskIds for added tasks from this seed (default: random).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// label-to-taskid.json from tg-optimize (it also lists replaced tasks); default: the
    /// input tasks' own labels and taskIds.
    #[arg(long, value_name = "FILE")]
    pub label_to_taskid_in: Option<PathBuf>,
    /// Write the final label -> taskId map here (label-to-taskid.json).
    #[arg(long, value_name = "FILE")]
    pub label_to_taskid: Option<PathBuf>,
    /// Input file (default: standard input).
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}

/// Run tg-morph; `env` reads environment variables (the process environment in `main`):
/// `TASKGRAPH_HEAD_REPOSITORY` and `TASKGRAPH_HEAD_REV`.
pub fn run(args: &Args, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    let log = args.common.log(PROGRAM);
    let ctx = StageContext::load(&args.common, true)?;
    let env = MorphEnv {
        taskgraph_head_repository: env("TASKGRAPH_HEAD_REPOSITORY"),
        taskgraph_head_rev: env("TASKGRAPH_HEAD_REV"),
    };
    // The input comes first: in a pipeline, tg-optimize writes --label-to-taskid-in before its stdout.
    let (input, source) = tg_core::jsonl::open_input(args.input.as_deref())?;
    // Tasks stay JSON text but for their routes (tg_core::lean); a morph parses what it changes.
    let end = tg_core::jsonl::input_end_rule(args.input.as_deref());
    let tasks: Vec<MorphLean> = tg_core::lean::read_lean(input, &source, end, crate::morph_view)?;
    let known = match &args.label_to_taskid_in {
        Some(path) => read_label_to_task_id(path)?,
        None => BTreeMap::new(),
    };
    let mut graph = MorphedGraph::new(tasks, known)?;
    let mut ids = match args.seed {
        Some(seed) => TaskIdGenerator::seeded(seed ^ SEED_SALT),
        None => TaskIdGenerator::random(),
    };
    let morph_ctx = MorphContext { graph_config: &ctx.graph_config, parameters: &ctx.parameters, env: &env };
    crate::morph(&mut graph, &morph_ctx, &mut ids, log)?;
    crate::project::apply_project_morphs(&mut graph, &ctx.graph_config, &ctx.parameters, log)?;
    // Written before stdout, so that tg-submit finds it complete at its end of input.
    if let Some(path) = &args.label_to_taskid {
        let text = tg_core::taskids::label_to_task_id_json(&graph.label_to_task_id)?;
        std::fs::write(path, text).map_err(|e| tg_core::usage(format!("cannot write {}: {e}", path.display())))?;
    }
    let mut writer = tg_core::jsonl::JsonLinesWriter::new(tg_core::output::stdout());
    for task in &graph.tasks {
        writer.write(task)?;
    }
    writer.finish()?;
    tg_core::stream::end_stdout(PROGRAM)
}

/// A label -> taskId JSON object.
fn read_label_to_task_id(path: &std::path::Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| tg_core::usage(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| tg_core::bad_input(format!("{}: expected a JSON object of label -> taskId: {e}", path.display())))
}
