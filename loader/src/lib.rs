//! tg-load: the first stage of the pipeline. Reads `ROOT/config.yml`, the parameters and
//! `ROOT/kinds/*/kind.yml`, runs taskgraph's built-in loaders, and writes one JSON line per
//! loader item: `{"kind": ..., "name": ..., "item": {...}}` (see [`tg_core::item::Item`]), where
//! `item` is exactly what taskgraph 24.5.1's loader yields to the kind's first transform.
//!
//! Kinds are written in load order (every kind after its `kind-dependencies`, ties by name),
//! items in file order. Nothing is written unless every kind loads: an error leaves stdout empty.
//!
//! Modules: [`loaders`] decides which loaders run and makes their pre-checks;
//! [`transform_loader`] is taskgraph's transform loader.

pub mod loaders;
pub mod transform_loader;

use std::io::Write;

use tg_core::cli::{CommonArgs, StageContext};
use tg_core::error::bad_input;
use tg_core::item::Item;
use tg_core::jsonl::JsonLinesWriter;
use tg_core::kinds::Kind;

/// The binary's name, used as the prefix of every stderr line.
pub const PROGRAM: &str = "tg-load";

const AFTER_HELP: &str = "\
Output: one JSON line per item, {\"kind\", \"name\", \"item\"}, kinds in load order, items in file order.
Exit codes: 0 ok (also when the reader closes the pipe), 1 bad input, 2 usage or unreadable file.

Example:
  tg-load -r taskcluster -p parameters.yml | tg-transform -r taskcluster -p parameters.yml | tg-resolve -r taskcluster -p parameters.yml";

/// Command-line options of `tg-load`.
#[derive(clap::Parser, Debug, Clone)]
#[command(
    name = "tg-load",
    version,
    about = "Load taskgraph kinds (config.yml, kinds/*/kind.yml, tasks-from files) and write one JSON line per item",
    after_help = AFTER_HELP
)]
pub struct Options {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Load only this kind, its kind-dependencies and docker-image (repeatable).
    #[arg(short = 'k', long = "kind", visible_alias = "target-kind", value_name = "KIND")]
    pub kinds: Vec<String>,
    /// Accept parameters that taskgraph's base schema does not define (project extensions).
    #[arg(long)]
    pub allow_unknown_parameters: bool,
}

/// Load everything, then write the items as JSON lines to `out`.
pub fn run(opts: &Options, out: impl Write) -> anyhow::Result<()> {
    let items = load_items(opts)?;
    write_items(&items, out)
}

/// Validate config and parameters, find the kinds, and load every item in output order.
pub fn load_items(opts: &Options) -> anyhow::Result<Vec<Item>> {
    let log = opts.common.log(PROGRAM);
    let ctx = load_context(opts)?;
    let kinds = tg_core::kinds::load_kinds(&ctx.graph_config, &opts.kinds)?;
    loaders::check_builtin_loaders(&kinds)?;
    let mut items = Vec::new();
    for kind in &kinds {
        let loaded = load_kind(kind)?;
        log.debug(format!("kind {}: {}", kind.name, count(loaded.len(), "item")));
        items.extend(loaded);
    }
    log.info(format!("loaded {} from {}", count(items.len(), "item"), count(kinds.len(), "kind")));
    Ok(items)
}

/// The graph config and parameters. Unknown parameters fail (naming them and the flag that
/// accepts them) unless `--allow-unknown-parameters` is given; the loaders never read them.
fn load_context(opts: &Options) -> anyhow::Result<StageContext> {
    let ctx = StageContext::load(&opts.common, true)?;
    if !opts.allow_unknown_parameters {
        ctx.parameters.check(false).map_err(|msg| {
            let source = opts.common.parameters.as_ref().map_or("<defaults>".into(), |p| p.display().to_string());
            bad_input(format!(
                "{source}: invalid parameters: {msg} (pass --allow-unknown-parameters to accept parameters a project adds)"
            ))
        })?;
    }
    Ok(ctx)
}

/// One kind's items, after its loader's own checks.
pub fn load_kind(kind: &Kind) -> anyhow::Result<Vec<Item>> {
    loaders::check_default_loader_transforms(kind)?;
    transform_loader::load_kind_items(kind)
}

/// `1 item`, `2 items`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Write items as compact JSON lines; an I/O error (a closed pipe included) is returned.
pub fn write_items(items: &[Item], out: impl Write) -> anyhow::Result<()> {
    let mut writer = JsonLinesWriter::new(out);
    for item in items {
        writer.write(item)?;
    }
    writer.finish()
}

