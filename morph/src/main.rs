//! `tg-morph -r ROOT -p PARAMS < optimized.jsonl > morphed.jsonl`

/// mimalloc instead of the system allocator: every stage builds and drops many small JSON values
/// (with glibc's malloc, allocation took a quarter of tg-transform's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use tg_core::cli::{CommonArgs, StageContext};
use tg_core::taskids::TaskIdGenerator;
use tg_morph::{MorphContext, MorphEnv, MorphLean, MorphedGraph};

const PROGRAM: &str = "tg-morph";

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
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Deterministic taskIds for added tasks from this seed (default: random).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// label-to-taskid.json from tg-optimize (it also lists replaced tasks); default: the
    /// input tasks' own labels and taskIds.
    #[arg(long, value_name = "FILE")]
    label_to_taskid_in: Option<PathBuf>,
    /// Write the final label -> taskId map here (label-to-taskid.json).
    #[arg(long, value_name = "FILE")]
    label_to_taskid: Option<PathBuf>,
    /// Input file (default: standard input).
    #[arg(value_name = "INPUT")]
    input: Option<PathBuf>,
}

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<Args>(PROGRAM) {
        return code;
    }
    tg_core::cli::main_with(PROGRAM, || run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let log = args.common.log(PROGRAM);
    let ctx = StageContext::load(&args.common, true)?;
    let env = MorphEnv {
        taskgraph_head_repository: std::env::var("TASKGRAPH_HEAD_REPOSITORY").ok(),
        taskgraph_head_rev: std::env::var("TASKGRAPH_HEAD_REV").ok(),
    };
    // The input comes first: in a pipeline, tg-optimize writes --label-to-taskid-in before its stdout.
    let (input, source) = tg_core::jsonl::open_input(args.input.as_deref())?;
    // Tasks stay JSON text but for their routes (tg_core::lean); a morph parses what it changes.
    let end = tg_core::jsonl::input_end_rule(args.input.as_deref());
    let tasks: Vec<MorphLean> = tg_core::lean::read_lean(input, &source, end, tg_morph::morph_view)?;
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
    tg_morph::morph(&mut graph, &morph_ctx, &mut ids, log)?;
    tg_morph::project::apply_project_morphs(&mut graph, &ctx.graph_config, &ctx.parameters, log)?;
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
