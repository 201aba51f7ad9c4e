//! taskgraph's shipped `run-task/` files, embedded byte for byte (copied from the
//! taskcluster-taskgraph 24.5.1 package into `transform/assets/run-task/`).
//!
//! Cache names of run-task tasks end with the first 20 hex digits of the sha256 of `run-task`
//! (taskgraph.transforms.task.run_task_suffix), and docker contexts that `# %include-run-task`
//! hash these files with their modes.

use sha2::{Digest, Sha256};

/// `run-task/run-task` (mode 0755).
pub const RUN_TASK: &[u8] = include_bytes!("../../assets/run-task/run-task");
/// `run-task/fetch-content` (mode 0755).
pub const FETCH_CONTENT: &[u8] = include_bytes!("../../assets/run-task/fetch-content");
/// `run-task/hgrc` (mode 0755).
pub const HGRC: &[u8] = include_bytes!("../../assets/run-task/hgrc");
/// `run-task/robustcheckout.py` (mode 0644).
pub const ROBUSTCHECKOUT: &[u8] = include_bytes!("../../assets/run-task/robustcheckout.py");

/// Every file as (name inside `run-task/`, file mode, contents), sorted by name.
pub const FILES: &[(&str, u32, &[u8])] = &[
    ("fetch-content", 0o755, FETCH_CONTENT),
    ("hgrc", 0o755, HGRC),
    ("robustcheckout.py", 0o644, ROBUSTCHECKOUT),
    ("run-task", 0o755, RUN_TASK),
];

/// sha256 of `run-task`, in hex (taskgraph's `hash_path(RUN_TASK)`).
pub fn run_task_sha256() -> String {
    hex::encode(Sha256::digest(RUN_TASK))
}

/// The first 20 hex digits of [`run_task_sha256`] (the test below checks them against the
/// embedded file): hashing the script costs more than the task transform of a few hundred
/// tasks, and every batch of tasks needs the suffix.
const RUN_TASK_SUFFIX: &str = "b501540836ece0d08200";

/// String appended to cache names under control of run-task: the first 20 hex digits.
pub fn run_task_suffix() -> String {
    RUN_TASK_SUFFIX.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_the_python_package() {
        // sha256sum of taskgraph 24.5.1's run-task/* files.
        let expected = [
            ("fetch-content", "eec7dcb1e8866a57b3997079df8b717b64df191bee59d4e489cff496a36ad70a"),
            ("hgrc", "0726d62c347cf5b5a2de91394f4e54aa60c7b34d826cbca913ea262d9594e949"),
            ("robustcheckout.py", "f39b5c1ea940956aded51609e6abb7089b6a000b0c9c1f4094378de337e93ab4"),
            ("run-task", "b501540836ece0d0820009a4d20fb71105130bdd5c894d79fc893f4222da40fd"),
        ];
        for ((name, _, bytes), (ename, digest)) in FILES.iter().zip(expected) {
            assert_eq!(*name, ename);
            assert_eq!(hex::encode(Sha256::digest(bytes)), digest, "{name}");
        }
        assert_eq!(run_task_suffix(), "b501540836ece0d08200");
        assert_eq!(run_task_sha256()[..20], *RUN_TASK_SUFFIX);
    }
}
