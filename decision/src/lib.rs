//! tg-decision: taskgraph's decision task as our stages run it, from the same command line.
//!
//! - [`cli`]: the command lines of `tg-decision` and `tg-params` (flags and run);
//! - [`options`]: `taskgraph decision`'s flags, shared by `tg-params` and `tg-decision`;
//! - [`vcs`]: the git or Mercurial checkout (commit message, changed files, notes);
//! - [`parameters`]: the decision's parameters exactly as `get_decision_parameters` builds them;
//! - [`decision`]: `tg-decision`, the whole decision: parameters, stages, artifacts, tasks;
//! - [`pipeline`]: running the stage binaries one after another on stream files;
//! - [`project`]: the Python worker for the project's hooks (register, decision-parameters,
//!   the strict check with the project's parameter extensions), started only when config.yml
//!   names one.

pub mod cli;
pub mod decision;
pub mod options;
pub mod parameters;
pub mod pipeline;
pub mod project;
pub mod vcs;
