//! `tg-action`: run a taskgraph action callback, in test mode, or render actions.json.

/// mimalloc instead of the system allocator: every stage builds and drops many small JSON values
/// (with glibc's malloc, allocation took a quarter of tg-transform's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<tg_action::Cli>(tg_action::PROGRAM) {
        return code;
    }
    tg_core::cli::main_with(tg_action::PROGRAM, || {
        let cli = tg_action::Cli::parse();
        let env = |name: &str| std::env::var(name).ok();
        let mut out = std::io::BufWriter::new(tg_core::output::stdout());
        tg_action::run(cli, &env, &mut out)?;
        std::io::Write::flush(&mut out)?;
        Ok(())
    })
}
