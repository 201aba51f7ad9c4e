//! `tg-load` binary: parse flags, run the library, map errors to exit codes.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<tg_loader::Options>("tg-load") {
        return code;
    }
    let opts = tg_loader::Options::parse();
    tg_core::cli::main_with(tg_loader::PROGRAM, || tg_loader::run(&opts, tg_core::output::stdout()))
}
