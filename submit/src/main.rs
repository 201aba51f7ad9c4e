//! `tg-submit` binary: parse flags, run the library, map errors to exit codes.

/// mimalloc instead of the system allocator: every stage builds and drops many small JSON values
/// (with glibc's malloc, allocation took a quarter of tg-transform's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<tg_submit::Opts>(tg_submit::PROGRAM) {
        return code;
    }
    let opts = tg_submit::Opts::parse();
    tg_core::cli::main_with(tg_submit::PROGRAM, || tg_submit::run(&opts, &|name| std::env::var(name).ok()))
}
