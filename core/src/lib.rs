//! tg-core: what every `tg-*` stage shares.
//!
//! The record types that travel between stages ([`task::Task`], [`item::Item`]), the JSON-lines
//! reader and writer ([`jsonl`]), the PyYAML-compatible YAML reader ([`yaml`]), the graph
//! configuration ([`config`]), parameters ([`params`]), kind discovery ([`kinds`]), taskgraph's
//! `merge` ([`merge`]), exit codes and errors ([`error`]), and the common command-line frame
//! ([`cli`]). The whole-graph stages keep tasks lean ([`lean`]: definitions as canonical JSON
//! text, [`canonical`]). Nothing here keeps global state; the one global is the allocator every
//! binary uses (mimalloc, `alloc.rs`). Binaries write records through [`output::stdout`] (write
//! errors say `writing stdout`); errors quote input-derived text through [`quote`] (capped).
//!
//! Outside tests this crate denies `unwrap`, `expect`, `panic!` and indexing that may panic
//! (`cargo clippy -p tg-core --lib`); the two regex literals in `yaml.rs` carry a scoped allow.

mod alloc;
pub mod canonical;
pub mod cli;
pub mod config;
pub mod confine;
pub mod error;
pub mod graph;
pub mod item;
pub mod jsonl;
pub mod kinds;
pub mod lean;
pub mod merge;
pub mod output;
pub mod params;
pub mod py;
pub mod quote;
pub mod task;
pub mod taskcluster;
pub mod yaml;

pub use error::{bad_input, remote, usage, Failure};
pub use serde_json::{Map, Value};
