//! The flags of `taskgraph decision` (taskgraph 24.5.1's `main.py`), same names, same defaults,
//! same required ones; `tg-params` and `tg-decision` both take them.

use clap::Args;
use std::path::PathBuf;

/// `taskgraph decision`'s options.
#[derive(Args, Debug, Clone)]
pub struct DecisionOptions {
    /// Root of the taskgraph definition relative to the checkout (default: taskcluster).
    #[arg(short = 'r', long = "root", value_name = "ROOT")]
    pub root: Option<PathBuf>,
    /// Accepted and ignored, as taskgraph does.
    #[arg(long = "message", hide = true)]
    pub message: Option<String>,
    /// Project to use for creating task graph. Example: --project=try
    #[arg(long)]
    pub project: String,
    /// The push's id in the pushlog ("0" for git).
    #[arg(long = "pushlog-id")]
    pub pushlog_id: String,
    /// The push's time (Unix seconds; 0: now).
    #[arg(long)]
    pub pushdate: i64,
    /// Email address of who owns this graph.
    #[arg(long)]
    pub owner: String,
    /// SCM level of this repository.
    #[arg(long)]
    pub level: String,
    /// Method for selecting the target tasks to generate.
    #[arg(long = "target-tasks-method")]
    pub target_tasks_method: Option<String>,
    /// Type of repository, either "hg" or "git".
    #[arg(long = "repository-type")]
    pub repository_type: String,
    /// URL for "base" repository to clone.
    #[arg(long = "base-repository")]
    pub base_repository: String,
    /// Reference of the revision in the "base" repository.
    #[arg(long = "base-ref", default_value = "")]
    pub base_ref: String,
    /// Taskgraph decides what to do based on the revision range between --base-rev and --head-rev.
    #[arg(long = "base-rev", default_value = "")]
    pub base_rev: String,
    /// URL for "head" repository to fetch revision from.
    #[arg(long = "head-repository")]
    pub head_repository: String,
    /// Reference (this is same as rev usually for hg).
    #[arg(long = "head-ref")]
    pub head_ref: String,
    /// Commit revision to use from head repository.
    #[arg(long = "head-rev")]
    pub head_rev: String,
    /// Tag attached to the revision.
    #[arg(long = "head-tag", default_value = "")]
    pub head_tag: String,
    /// The tasks_for value used to generate this task.
    #[arg(long = "tasks-for")]
    pub tasks_for: String,
    /// Path to try task configuration file.
    #[arg(long = "try-task-config-file")]
    pub try_task_config_file: Option<PathBuf>,
    /// Skip graph verifications.
    #[arg(long = "no-verify")]
    pub no_verify: bool,
    /// Include debug-level logging output.
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Allow user to override computed decision task parameters.
    #[arg(long = "allow-parameter-override")]
    pub allow_parameter_override: bool,
}

impl DecisionOptions {
    /// The taskgraph root, `taskcluster` by default.
    pub fn root(&self) -> PathBuf {
        self.root.clone().unwrap_or_else(|| PathBuf::from("taskcluster"))
    }
}
