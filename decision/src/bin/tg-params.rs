//! `tg-params`: the decision task's parameters from `taskgraph decision`'s flags, as
//! `parameters.yml` on stdout (or `-o FILE`), for the stages' `-p`.

/// mimalloc instead of the system allocator, as every tg-* binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use tg_core::cli::{main_with, Log};
use tg_core::config::GraphConfig;
use tg_decision::options::DecisionOptions;
use tg_decision::parameters::{decision_parameters, ProjectHooks};

const PROGRAM: &str = "tg-params";

/// Build the decision task's parameters as `taskgraph decision` does (flags, the checkout's
/// commit message and changed files, dates, the project's hooks, overrides) and write them as
/// parameters.yml. Run it from the checkout root, as `taskgraph decision`.
#[derive(Parser, Debug)]
#[command(
    name = PROGRAM,
    version,
    args_override_self = true,
    after_help = "Example:\n  tg-params --project=redo --pushlog-id=0 --pushdate=0 --owner=me@example.com --level=1 \\\n    \
--repository-type=git --base-repository=$URL --head-repository=$URL --head-ref=main --head-rev=$REV \\\n    \
--tasks-for=github-push > parameters.yml\n  tg-load -p parameters.yml | tg-transform -p parameters.yml | ..."
)]
struct Args {
    #[command(flatten)]
    decision: DecisionOptions,
    /// Write parameters.yml here instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<Args>(PROGRAM) {
        return code;
    }
    let args = Args::parse();
    main_with(PROGRAM, || run(&args))
}

fn run(args: &Args) -> anyhow::Result<()> {
    let log = Log { program: PROGRAM, level: if args.decision.verbose { 2 } else { 1 } };
    let root = args.decision.root();
    let graph_config = GraphConfig::load(&root)?;
    let mut worker = tg_decision::project::start_if_needed(PROGRAM, &root, &graph_config, log)?;
    let checkout = std::env::current_dir().map_err(|e| tg_core::usage(format!("no working directory: {e}")))?;
    let config = serde_json::Value::Object(graph_config.config.clone());
    let hooks = worker.as_mut().map(|w| w as &mut dyn ProjectHooks);
    let parameters = decision_parameters(&args.decision, &checkout, &config, hooks, now(), &log)?;
    let yaml = tg_core::yaml::to_string(&serde_json::Value::Object(parameters));
    match &args.output {
        Some(path) => tg_core::files::write_atomically(path, yaml.as_bytes()),
        None => {
            let mut out = tg_core::output::stdout();
            std::io::Write::write_all(&mut out, yaml.as_bytes())?;
            Ok(std::io::Write::flush(&mut out)?)
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
