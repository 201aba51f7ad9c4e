//! `tg-resolve` binary: parse flags, run the library, map errors to exit codes.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<tg_resolve::Options>("tg-resolve") {
        return code;
    }
    let opts = tg_resolve::Options::parse();
    tg_core::cli::main_with(tg_resolve::PROGRAM, || tg_resolve::run(&opts, tg_core::output::stdout()))
}
