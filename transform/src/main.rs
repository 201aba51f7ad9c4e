//! `tg-transform`: items (JSON lines) -> tasks (JSON lines), by each kind's transforms.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use tg_core::cli::{main_with, CommonArgs, StageContext};
use tg_core::jsonl::{open_input, JsonLinesReader, JsonLinesWriter};

#[derive(Parser, Debug)]
#[command(
    name = "tg-transform",
    about = "Apply each kind's taskgraph transforms to loaded items, writing tasks as JSON lines",
    after_help = "Example:\n  tg-load -r taskcluster -p params.yml | tg-transform -r taskcluster -p params.yml > full.jsonl"
)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Read items from this file instead of stdin.
    #[arg(short = 'i', long = "input")]
    input: Option<PathBuf>,
    /// Accept parameters the base schema does not know (project extensions).
    #[arg(long)]
    allow_unknown_parameters: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    main_with("tg-transform", || {
        let log = args.common.log("tg-transform");
        let ctx = StageContext::load(&args.common, args.allow_unknown_parameters)?;
        let (input, source) = open_input(args.input.as_deref())?;
        let items = JsonLinesReader::new(input, source).read_all()?;
        let tasks = tg_transform::driver::transform_items(&ctx, items, log)?;
        let mut out = JsonLinesWriter::new(std::io::stdout().lock());
        for task in &tasks {
            out.write(task)?;
        }
        out.finish()?;
        log.info(format!("wrote {} tasks", tasks.len()));
        Ok(())
    })
}
