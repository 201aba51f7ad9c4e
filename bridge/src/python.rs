//! Which Python interpreter runs the worker, and how to start it.
//!
//! The first that applies: `$TG_PYTHON`; the active virtualenv (`$VIRTUAL_ENV/bin/python`);
//! the project's own venv (`.venv/bin/python` in the repository root, then in the working
//! directory); `python3` from `PATH`. It must be able to `import taskgraph` (24.5.1); if it
//! cannot, the stage stops with exit 2 and the install command.

use std::path::{Path, PathBuf};

/// The pip command that installs the Python taskgraph the bridge runs against.
pub const INSTALL_COMMAND: &str = "pip install taskcluster-taskgraph==24.5.1";

/// The taskgraph version the worker requires.
pub const TASKGRAPH_VERSION: &str = "24.5.1";

/// An interpreter and where the choice came from (for error messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Interpreter {
    pub program: PathBuf,
    pub origin: &'static str,
}

/// Choose the interpreter for a project whose repository root is `repo_root`.
pub fn choose(repo_root: &Path) -> Interpreter {
    choose_from(std::env::var_os("TG_PYTHON"), std::env::var_os("VIRTUAL_ENV"), repo_root)
}

/// [`choose`] with the environment passed in (testable).
pub fn choose_from(
    tg_python: Option<std::ffi::OsString>,
    virtual_env: Option<std::ffi::OsString>,
    repo_root: &Path,
) -> Interpreter {
    if let Some(p) = tg_python.filter(|p| !p.is_empty()) {
        return Interpreter { program: PathBuf::from(p), origin: "TG_PYTHON" };
    }
    if let Some(venv) = virtual_env.filter(|p| !p.is_empty()) {
        let python = Path::new(&venv).join("bin").join("python");
        if python.is_file() {
            return Interpreter { program: python, origin: "VIRTUAL_ENV" };
        }
    }
    for dir in [repo_root.to_path_buf(), PathBuf::from(".")] {
        let python = dir.join(".venv").join("bin").join("python");
        if python.is_file() {
            return Interpreter { program: python, origin: "the project's .venv" };
        }
    }
    Interpreter { program: PathBuf::from("python3"), origin: "PATH" }
}

/// Python's logging level for our verbosity (0 quiet, 1 normal, 2 -v, 3+ -vv).
pub fn logging_level(verbosity: u8) -> &'static str {
    match verbosity {
        0 => "ERROR",
        1 => "WARNING",
        2 => "INFO",
        _ => "DEBUG",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tg_python_wins_then_python3() {
        let root = Path::new("/nonexistent-repo");
        let i = choose_from(Some("/opt/py".into()), Some("/nonexistent-venv".into()), root);
        assert_eq!(i, Interpreter { program: "/opt/py".into(), origin: "TG_PYTHON" });
        let i = choose_from(Some("".into()), Some("/nonexistent-venv".into()), root);
        assert_eq!(i.origin, "PATH");
        assert_eq!(i.program, PathBuf::from("python3"));
    }

    #[test]
    fn levels() {
        assert_eq!(logging_level(0), "ERROR");
        assert_eq!(logging_level(1), "WARNING");
        assert_eq!(logging_level(5), "DEBUG");
    }
}
