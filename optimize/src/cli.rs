//! The `tg-optimize` command line: its flags ([`Args`]) and the run ([`run`]) that reads the
//! target graph, optimizes it and writes the optimized graph; `main` only parses and maps the
//! error to the exit code.

use clap::Parser;
use std::path::PathBuf;
use tg_core::cli::{CommonArgs, Log};

use crate::index::{EmptyIndex, IndexSource, TaskclusterIndex};
use crate::references::ArtifactUrls;
use crate::strategy::Registry;
use crate::taskids::TaskIdGenerator;
use crate::Options;

/// The program name in messages.
pub const PROGRAM: &str = "tg-optimize";

/// Optimize a target task graph: remove and replace tasks as taskgraph does, assign taskIds.
///
/// Reads the target graph (JSON lines, one task per line) and writes the optimized graph, each
/// task with its `task_id`. Index look-ups go to Taskcluster (TASKCLUSTER_PROXY_URL or
/// TASKCLUSTER_ROOT_URL, with TASKCLUSTER_CLIENT_ID/TASKCLUSTER_ACCESS_TOKEN), to an index
/// file (--index), or nowhere (no Taskcluster configured: the index is empty).
#[derive(Parser, Debug)]
#[command(
    name = PROGRAM,
    version,
    after_help = "Example:\n  tg-resolve -p params.yml < full.jsonl | tg-optimize -p params.yml --index empty --seed 1 | tg-morph -p params.yml"
)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Index file: JSON object from index path to {"taskId": ..., "status": {...}} (see the
    /// tg_optimize::index docs); `{}` or the word `empty` is an empty index. Overrides Taskcluster.
    #[arg(long, value_name = "FILE")]
    pub index: Option<PathBuf>,
    /// The target task set (`taskgraph target --json` output, or a JSON list of labels).
    /// Without it every input task counts as requested.
    #[arg(long, value_name = "FILE")]
    pub target_tasks: Option<PathBuf>,
    /// Composite strategies to register (YAML/JSON; see the tg_optimize::strategy docs).
    #[arg(long, value_name = "FILE")]
    pub strategies: Option<PathBuf>,
    /// Deterministic taskIds from this seed (default: random).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Write label -> taskId (kept and replaced tasks) here, as label-to-taskid.json.
    #[arg(long, value_name = "FILE")]
    pub label_to_taskid: Option<PathBuf>,
    /// The decision task's id for `<decision>` references (default: $TASK_ID, else DECISION-TASK).
    #[arg(long, value_name = "ID")]
    pub decision_task_id: Option<String>,
    /// Input file (default: standard input).
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}

/// Run tg-optimize; `env` reads environment variables (the process environment in `main`):
/// `TASKGRAPH_OPTIMIZE_STRATEGIES`, `TASK_ID` and the `TASKCLUSTER_*` settings.
pub fn run(args: &Args, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let log = args.common.log(PROGRAM);
    let parameters = parameter_loading::load_parameters(&args.common)?;
    let mut registry = Registry::builtin();
    let python_strategies = env("TASKGRAPH_OPTIMIZE_STRATEGIES")
        .or_else(|| parameters.get("optimize_strategies").and_then(|v| v.as_str()).map(str::to_string));
    match (&args.strategies, python_strategies) {
        (Some(path), _) => crate::read_strategies(path, &mut registry)?,
        (None, Some(object)) => {
            return Err(tg_core::bad_input(format!(
                "optimize_strategies names the Python object {object:?}, which tg-optimize cannot load; \
                 describe those strategies in a file and pass it with --strategies FILE"
            )))
        }
        (None, None) => {}
    }
    // The input comes first: in a pipeline, tg-resolve writes --target-tasks before its stdout.
    let (input, source) = tg_core::jsonl::open_input(args.input.as_deref())?;
    // Tasks stay JSON text but for what optimizing reads (tg_optimize::lean).
    let end = tg_core::jsonl::input_end_rule(args.input.as_deref());
    let graph = crate::lean::read_graph(input, &source, end)?;
    let target_tasks = args.target_tasks.as_deref().map(crate::read_target_tasks).transpose()?;
    // Strategies the tasks name that are neither built in nor in --strategies: project code.
    crate::project::add_project_strategies(&mut registry, &graph, &args.common.root, &parameters, log)?;
    let options = Options {
        parameters,
        target_tasks,
        registry,
        decision_task_id: args
            .decision_task_id
            .clone()
            .or_else(|| env("TASK_ID"))
            .unwrap_or_else(|| crate::DEFAULT_DECISION_TASK_ID.to_string()),
        urls: ArtifactUrls {
            proxy_url: env("TASKCLUSTER_PROXY_URL"),
            root_url: env("TASKCLUSTER_ROOT_URL"),
            in_task: env("TASK_ID").is_some(),
        },
        now: crate::time::now_micros(),
        log,
    };
    let mut ids = match args.seed {
        Some(seed) => TaskIdGenerator::seeded(seed),
        None => TaskIdGenerator::random(),
    };
    let mut index = choose_index(args.index.as_ref(), &graph, log, &env)?;
    let (optimized, outcome) = crate::lean::optimize(&graph, &options, index.as_mut(), &mut ids)?;
    // Written before stdout, so that a stage downstream finds it complete at its end of input.
    if let Some(path) = &args.label_to_taskid {
        let text = crate::label_to_task_id_json(&outcome.label_to_task_id)?;
        std::fs::write(path, text).map_err(|e| tg_core::usage(format!("cannot write {}: {e}", path.display())))?;
    }
    optimized.write(tg_core::output::stdout())?;
    tg_core::stream::end_stdout(PROGRAM)
}

/// The index file, Taskcluster from the environment, or an empty index that says why.
fn choose_index<T: crate::OptTask>(
    path: Option<&PathBuf>,
    graph: &tg_core::graph::TaskGraph<T>,
    log: Log,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Box<dyn IndexSource>> {
    if let Some(path) = path {
        if !path.exists() && path.as_os_str() == "empty" {
            return Ok(Box::new(EmptyIndex::silent(log)));
        }
        let searched_by = |index_path: &str| -> Vec<String> {
            graph
                .tasks
                .iter()
                .filter(|t| {
                    t.optimization()
                        .and_then(|o| o.get("index-search"))
                        .and_then(|v| v.as_array())
                        .is_some_and(|paths| paths.iter().any(|p| p.as_str() == Some(index_path)))
                })
                .map(|t| t.label().to_string())
                .collect()
        };
        return Ok(Box::new(crate::read_index_file(path, searched_by)?));
    }
    let client = tg_tcclient::Endpoint::from_vars(env)?
        .map(|e| tg_tcclient::Client::new(tg_tcclient::Config::new(e)))
        .transpose()?;
    match client {
        Some(client) => {
            log.debug(format!("index look-ups go to {}", client.config().endpoint.base_url()));
            Ok(Box::new(TaskclusterIndex::new(client)))
        }
        None => Ok(Box::new(EmptyIndex::with_note(
            log,
            "no Taskcluster configured (TASKCLUSTER_ROOT_URL and TASKCLUSTER_PROXY_URL unset) and no --index: \
             the index is empty, no task is replaced by an indexed one",
        ))),
    }
}

/// Loading parameters: the graph config is read when present (for the repository root the
/// parameter defaults come from), but optimization itself does not need it.
mod parameter_loading {
    use tg_core::cli::{CommonArgs, StageContext};
    use tg_core::params::{LoadOptions, Parameters};

    pub fn load_parameters(common: &CommonArgs) -> anyhow::Result<Parameters> {
        if common.root.join("config.yml").is_file() {
            return Ok(StageContext::load(common, true)?.parameters);
        }
        let opts = LoadOptions { allow_unknown: true, now: None };
        Parameters::load(common.parameters.as_deref(), std::path::Path::new("."), &opts)
    }
}
