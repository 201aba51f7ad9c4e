//! Helpers shared by the transform modules (taskgraph/util/*.py counterparts).

pub mod archive;
pub mod cached_tasks;
pub mod caches;
pub mod dependencies;
pub mod docker;
pub mod format;
pub mod hash;
pub mod keyed_by;
pub mod msgspec;
pub mod pypath;
pub mod pyre;
pub mod pyset;
pub mod pyvalue;
pub mod repo_config;
pub mod run_task_files;
pub mod set_name;
pub mod shell;
pub mod task_dict;
pub mod taskcluster;
pub mod templates;
pub mod treeherder;
pub mod workertypes;
