//! Confinement of input-derived paths to the repository.
//!
//! Every stage that opens a file whose path comes from the repository's own configuration
//! (a kind's directory and `kind.yml`, `tasks-from` files, docker image contexts, their
//! `Dockerfile` and `# %include` lines, the files a toolchain's `resources` match, a
//! `task-context` `from-file`) checks it here first: the path, with `..` and every symlink
//! resolved, must lie inside the repository root ([`GraphConfig::vcs_root`], canonicalized
//! too). A path that escapes is a bad-input error (exit 1) naming where it came from and the
//! path (capped by [`crate::quote::capped`]). A symlink inside the repository that points to
//! another place inside it keeps working; a path that does not exist is judged by its deepest
//! existing ancestor plus the rest of it, so `missing/../../../etc` still counts as outside.
//!
//! Deliberate difference from Python taskgraph 24.5.1: taskgraph opens such paths wherever
//! they lead (`tasks-from: ../../etc/passwd`, a `Dockerfile` symlinked to a file outside the
//! checkout); here a hostile `kind.yml` cannot make a stage read outside the repository.
//! Parameters files are named by the user on the command line and are not confined.

use crate::config::GraphConfig;
use crate::error::{bad_input, usage};
use crate::quote::capped;
use std::fmt::Display;
use std::path::{Component, Path, PathBuf};

/// A canonical repository root that paths are checked against.
#[derive(Debug, Clone)]
pub struct RepoRoot {
    canonical: PathBuf,
}

impl RepoRoot {
    /// The root at `root` (canonicalized; it must exist: else a usage error, exit 2).
    pub fn new(root: &Path) -> anyhow::Result<RepoRoot> {
        let canonical = std::fs::canonicalize(root)
            .map_err(|e| usage(format!("cannot resolve the repository root {}: {e}", root.display())))?;
        Ok(RepoRoot { canonical })
    }

    /// The repository root of a graph configuration ([`GraphConfig::vcs_root`]).
    pub fn of(config: &GraphConfig) -> anyhow::Result<RepoRoot> {
        RepoRoot::new(&config.vcs_root())
    }

    /// The canonical root.
    pub fn path(&self) -> &Path {
        &self.canonical
    }

    /// Whether `candidate` (absolute, or relative to the current directory), with `..` and
    /// symlinks resolved, lies inside the root (the root itself counts as inside).
    pub fn contains(&self, candidate: &Path) -> bool {
        resolve(candidate).starts_with(&self.canonical)
    }

    /// `Ok` when `candidate` lies inside the root; else a bad-input error
    /// `<at>: <candidate> is outside the repository (<root>)`. `at` names the file, kind,
    /// task and field the path came from.
    pub fn check(&self, candidate: &Path, at: impl Display) -> anyhow::Result<()> {
        if self.contains(candidate) {
            return Ok(());
        }
        Err(bad_input(format!(
            "{at}: {} is outside the repository ({}); paths from the repository's configuration must stay inside it",
            capped(&candidate.display().to_string()),
            self.canonical.display()
        )))
    }
}

/// [`RepoRoot::of`]`(config)?.`[`check`](RepoRoot::check)`(candidate, at)`, for one path.
pub fn confine(config: &GraphConfig, candidate: &Path, at: impl Display) -> anyhow::Result<()> {
    RepoRoot::of(config)?.check(candidate, at)
}

/// `path` made absolute with `..` and symlinks resolved as far as it exists: the deepest
/// existing ancestor canonicalized, then the missing rest applied lexically (nothing below a
/// missing component exists, so no symlink can hide there).
fn resolve(path: &Path) -> PathBuf {
    let absolute = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    let mut existing = absolute.as_path();
    let mut rest: Vec<Component<'_>> = Vec::new();
    loop {
        if let Ok(canonical) = std::fs::canonicalize(existing) {
            return apply_lexically(canonical, rest.iter().rev());
        }
        let (Some(parent), Some(last)) = (existing.parent(), existing.components().next_back()) else {
            // Nothing resolves (not even `/`): judge the whole path lexically.
            return apply_lexically(PathBuf::new(), absolute.components().collect::<Vec<_>>().iter());
        };
        rest.push(last);
        existing = parent;
    }
}

/// `base` followed by `components`, `.` skipped and `..` removing the last component.
fn apply_lexically<'a>(mut base: PathBuf, components: impl Iterator<Item = &'a Component<'a>>) -> PathBuf {
    for component in components {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                base.pop();
            }
            other => base.push(other.as_os_str()),
        }
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tg-confine-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo/sub")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::fs::write(dir.join("repo/sub/file"), "in").unwrap();
        std::fs::write(dir.join("outside/secret"), "out").unwrap();
        dir
    }

    #[test]
    fn dotdot_and_symlinks_are_resolved_before_the_check() {
        let dir = tree("resolve");
        let repo = dir.join("repo");
        symlink(dir.join("outside/secret"), repo.join("sub/escape")).unwrap();
        symlink(repo.join("sub/file"), repo.join("inside-link")).unwrap();
        symlink(dir.join("outside"), repo.join("outdir")).unwrap();
        let root = RepoRoot::new(&repo).unwrap();
        assert!(root.contains(&repo.join("sub/file")));
        assert!(root.contains(&repo.join("sub/../sub/file")));
        assert!(root.contains(&repo.join("inside-link")));
        assert!(root.contains(&repo));
        assert!(root.contains(&repo.join("missing/file")));
        assert!(!root.contains(&repo.join("sub/escape")));
        assert!(!root.contains(&repo.join("outdir/secret")));
        assert!(!root.contains(&repo.join("sub/../../outside/secret")));
        assert!(!root.contains(&repo.join("missing/../../../etc/passwd")));
        assert!(!root.contains(&repo.join("outdir/missing")));
        assert!(!root.contains(Path::new("/etc/passwd")));
        // A sibling whose name starts like the root is not inside it.
        std::fs::create_dir_all(dir.join("repo2")).unwrap();
        assert!(!root.contains(&dir.join("repo2")));
        let err = root.check(&repo.join("sub/escape"), "kind.yml: kind k: tasks-from").unwrap_err();
        assert_eq!(crate::error::exit_code_of(&err), 1);
        let text = err.to_string();
        assert!(text.starts_with("kind.yml: kind k: tasks-from: "), "{text}");
        assert!(text.contains("sub/escape is outside the repository"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
