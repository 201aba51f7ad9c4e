//! `tg-load` binary: parse flags, run the library, map errors to exit codes.

/// mimalloc instead of the system allocator: every stage builds and drops many small JSON values
/// (with glibc's malloc, allocation took a quarter of tg-transform's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<tg_loader::Options>("tg-load") {
        return code;
    }
    let opts = tg_loader::Options::parse();
    tg_core::cli::main_with(tg_loader::PROGRAM, || {
        tg_loader::run(&opts, tg_core::output::stdout())?;
        tg_core::stream::end_stdout(tg_loader::PROGRAM)
    })
}
