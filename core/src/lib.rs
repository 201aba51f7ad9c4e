//! tg-core: what every `tg-*` stage shares.
//!
//! The record types that travel between stages ([`task::Task`], [`item::Item`]), the JSON-lines
//! reader and writer ([`jsonl`]), the PyYAML-compatible YAML reader ([`yaml`]), the graph
//! configuration ([`config`]), parameters ([`params`]), kind discovery ([`kinds`]), taskgraph's
//! `merge` ([`merge`]), exit codes and errors ([`error`]), and the common command-line frame
//! ([`cli`]), Python semantics every stage shares ([`py`]), taskgraph's relative datestamps
//! and timestamps ([`time`]), taskIds ([`taskids`], slugids from [`slugid`]) and worker
//! aliases ([`workertypes`]). The whole-graph stages keep tasks lean ([`lean`]: definitions as
//! canonical JSON text, [`canonical`]); streams end with the end-of-stream record ([`stream`]).
//! Nothing here keeps global state and nothing here talks to the network (that is
//! `tg-tcclient`'s). Binaries write records through [`output::stdout`] (write
//! errors say `writing stdout`); errors quote input-derived text through [`quote`] (capped).
//!
//! Outside tests this crate denies `unwrap`, `expect`, `panic!` and indexing that may panic
//! (`cargo clippy -p tg-core --lib`); the two regex literals in `yaml.rs` carry a scoped allow.

pub mod canonical;
pub mod cli;
pub mod config;
pub mod confine;
pub mod error;
pub mod files;
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
pub mod slugid;
pub mod stream;
pub mod task;
pub mod taskids;
pub mod time;
pub mod workertypes;
pub mod yaml;

pub use error::{bad_input, remote, usage, Failure};
pub use serde_json::{Map, Value};
