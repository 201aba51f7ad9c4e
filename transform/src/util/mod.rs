//! Helpers shared by the transform modules (taskgraph/util/*.py counterparts).

pub mod archive;
pub mod cached_tasks;
pub mod caches;
pub mod dependencies;
pub mod docker;
pub mod hash;
pub mod repo_config;
pub mod run_task_files;
pub mod set_name;
pub mod shell;
pub mod task_dict;
pub mod taskcluster;
pub mod templates;
pub mod treeherder;
