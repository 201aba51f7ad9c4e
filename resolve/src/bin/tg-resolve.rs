//! `tg-resolve` binary: parse flags, run the library, map errors to exit codes.

/// mimalloc instead of the system allocator: every stage builds and drops many small JSON values
/// (with glibc's malloc, allocation took a quarter of tg-transform's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<tg_resolve::Options>("tg-resolve") {
        return code;
    }
    let opts = tg_resolve::Options::parse();
    tg_core::cli::main_with(tg_resolve::PROGRAM, || {
        tg_resolve::run(&opts, tg_core::output::stdout())?;
        if opts.writes_task_records() {
            tg_core::stream::end_stdout(tg_resolve::PROGRAM)?;
        }
        Ok(())
    })
}
