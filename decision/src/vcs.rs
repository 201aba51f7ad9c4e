//! The checkout a decision runs in, as taskgraph's `util.vcs` sees it: git or Mercurial, found
//! from the working directory upwards; the commit message, the files changed between two
//! revisions and git notes, each with the exact commands taskgraph runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tg_core::error::usage;

/// git's "no revision" (a new branch's base on GitHub).
pub const GIT_NULL_REVISION: &str = "0000000000000000000000000000000000000000";
/// git's well-known empty tree, the base of a diff from no revision.
const GIT_EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// Which tool manages the checkout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Git,
    Hg,
}

impl Tool {
    fn program(self) -> &'static str {
        match self {
            Tool::Git => "git",
            Tool::Hg => "hg",
        }
    }
}

/// A git or Mercurial checkout.
#[derive(Clone, Debug)]
pub struct Repository {
    pub tool: Tool,
    pub path: PathBuf,
}

impl Repository {
    /// The repository holding `start` (it or an ancestor with `.hg` or `.git`), as
    /// `get_repository` finds it; a usage error outside any checkout.
    pub fn find(start: &Path) -> anyhow::Result<Repository> {
        for dir in start.ancestors() {
            if dir.join(".hg").is_dir() {
                return Ok(Repository { tool: Tool::Hg, path: dir.to_path_buf() });
            }
            if dir.join(".git").exists() {
                return Ok(Repository { tool: Tool::Git, path: dir.to_path_buf() });
            }
        }
        Err(usage(format!("{}: current directory is neither a git or hg repository", start.display())))
    }

    /// Run the tool with `args` in the checkout; its stdout, or an error naming the command.
    fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self.output(args)?;
        if !out.status.success() {
            return Err(self.failed(args, &out));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn output(&self, args: &[&str]) -> anyhow::Result<Output> {
        Command::new(self.tool.program())
            .args(args)
            .current_dir(&self.path)
            .output()
            .map_err(|e| usage(format!("cannot run {}: {e}", self.tool.program())))
    }

    fn failed(&self, args: &[&str], out: &Output) -> anyhow::Error {
        let stderr = String::from_utf8_lossy(&out.stderr);
        usage(format!(
            "`{} {}` failed ({}): {}",
            self.tool.program(),
            args.join(" "),
            out.status,
            tg_core::quote::capped(stderr.trim())
        ))
    }

    /// The commit message of the checked-out revision ("" when it is not UTF-8, as taskgraph).
    pub fn commit_message(&self) -> anyhow::Result<String> {
        let args: &[&str] = match self.tool {
            Tool::Git => &["log", "-n1", "--format=%B", "HEAD"],
            Tool::Hg => &["log", "-r", ".", "-T", "{desc}"],
        };
        let out = self.output(args)?;
        if !out.status.success() {
            return Err(self.failed(args, &out));
        }
        Ok(String::from_utf8(out.stdout).unwrap_or_default())
    }

    /// Files added, deleted or modified between `base` and `rev` (`get_changed_files(rev=,
    /// base=)`), in the tool's order.
    pub fn changed_files(&self, rev: &str, base: &str) -> anyhow::Result<Vec<String>> {
        let text = match self.tool {
            Tool::Hg => {
                let template = "{file_adds % '{file}\\n'}{file_dels % '{file}\\n'}{file_mods % '{file}\\n'}";
                self.run(&["log", "-r", &format!("{rev} % {base}"), "-T", template])?
            }
            Tool::Git => {
                let mut cmd: Vec<String> = if base == GIT_NULL_REVISION {
                    vec!["diff".into(), GIT_EMPTY_TREE.into(), rev.into()]
                } else if self.is_shallow()? {
                    vec!["diff".into(), base.into(), rev.into()]
                } else {
                    vec!["log".into(), "--format=format:".into(), format!("{base}..{rev}")]
                };
                cmd.extend(["--name-only", "--no-renames", "--diff-filter=ADM"].map(String::from));
                let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
                self.run(&args)?
            }
        };
        Ok(text.lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
    }

    fn is_shallow(&self) -> anyhow::Result<bool> {
        Ok(self.run(&["rev-parse", "--is-shallow-repository"])?.trim() == "true")
    }

    /// The git note `note` of HEAD, fetched from `remote` first (`get_note`): `None` when the
    /// remote has no such notes ref or HEAD has no note; always `None` for Mercurial.
    pub fn note(&self, note: &str, remote: &str) -> anyhow::Result<Option<String>> {
        if self.tool == Tool::Hg {
            return Ok(None);
        }
        let refspec = format!("{note}:{note}");
        let fetched = self.output(&["fetch", remote, &refspec])?;
        if !fetched.status.success() {
            let listed = self.output(&["ls-remote", "--exit-code", remote, note])?;
            match listed.status.code() {
                Some(2) => return Ok(None),
                _ if listed.status.success() => return Err(self.failed(&["fetch", remote, &refspec], &fetched)),
                _ => return Err(self.failed(&["ls-remote", "--exit-code", remote, note], &listed)),
            }
        }
        let shown = self.output(&["notes", &format!("--ref={note}"), "show", "HEAD"])?;
        match shown.status.code() {
            Some(0) => Ok(Some(String::from_utf8_lossy(&shown.stdout).trim().to_string())),
            Some(1) => Ok(None),
            _ => Err(self.failed(&["notes", &format!("--ref={note}"), "show", "HEAD"], &shown)),
        }
    }
}
