//! `tg-submit` binary: parse flags, run the library, map errors to exit codes.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let opts = tg_submit::Opts::parse();
    tg_core::cli::main_with(tg_submit::PROGRAM, || tg_submit::run(&opts, &|name| std::env::var(name).ok()))
}
