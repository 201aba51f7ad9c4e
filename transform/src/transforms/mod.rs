//! One module per taskgraph transform file (taskgraph/transforms/*.py).

pub mod cached_tasks;
pub mod chunking;
pub mod code_review;
pub mod docker_image;
pub mod fetch;
pub mod from_deps;
pub mod matrix;
pub mod notify;
pub mod run;
pub mod task;
pub mod task_context;
