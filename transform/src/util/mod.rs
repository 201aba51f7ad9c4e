//! Helpers shared by the transform modules (taskgraph/util/*.py counterparts).

pub mod cached_tasks;
pub mod caches;
pub mod dependencies;
pub mod docker;
pub mod format;
pub mod hash;
pub mod keyed_by;
pub mod pyre;
pub mod shell;
pub mod task_dict;
pub mod taskcluster;
pub mod treeherder;
pub mod workertypes;
