//! taskgraph.util.hash: `hash_path` (sha256 of one file) and `hash_paths` (a digest of every
//! tracked file matching some patterns, like a git tree or hg manifest).
//!
//! `hash_paths(base, patterns)`: the files are those git tracks at `HEAD` (`git ls-tree -r
//! --name-only HEAD`, run at the repository root), matched with taskgraph's `mozpath.match`
//! (`*` within a path component, `**` across directories, a pattern matching a parent directory
//! matches everything below it). Each pattern must match something. The digest is the sha256 of
//! `"<sha256 of file> <path>\n"` for every matched file, sorted by path. A matched file that
//! resolves outside `base_path` (a tracked symlink leading out) is refused ([`tg_core::confine`]).

use regex::Regex;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// sha256 of the file at `path`, in hex.
pub fn hash_path(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| tg_core::usage(format!("{}: {e}", path.display())))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// taskgraph's `mozpath.match(path, pattern)` as a compiled regex (anchored at the start,
/// `(?:/.*)?$` at the end).
pub fn mozpath_match_regex(pattern: &str) -> Option<Regex> {
    let mut p = regex::escape(pattern);
    // regex::escape writes `*` as `\*`, as Python's re.escape does.
    p = Regex::new(r"(^|/)\\\*\\\*/").ok()?.replace_all(&p, "${1}(?:.+/)?").into_owned();
    p = Regex::new(r"(^|/)\\\*\\\*$").ok()?.replace_all(&p, "(?:${1}.+)?").into_owned();
    p = p.replace(r"\*", "[^/]*");
    Regex::new(&format!("^(?:{p})(?:/.*)?$")).ok()
}

/// `mozpath.match(path, pattern)`; an empty pattern matches everything.
pub fn mozpath_match(path: &str, pattern: &str) -> bool {
    pattern.is_empty() || mozpath_match_regex(pattern).is_some_and(|re| re.is_match(path))
}

/// The files git tracks at HEAD in the repository at `repo_root`, relative to it.
pub fn tracked_files(repo_root: &Path) -> anyhow::Result<Vec<String>> {
    let out = Command::new("git")
        .args(["ls-tree", "-r", "--name-only", "HEAD"])
        .current_dir(repo_root)
        .output()
        .map_err(|e| tg_core::usage(format!("running git ls-tree in {}: {e}", repo_root.display())))?;
    if !out.status.success() {
        return Err(tg_core::usage(format!(
            "git ls-tree in {} failed: {}",
            repo_root.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8(out.stdout).map_err(|e| tg_core::usage(format!("git ls-tree output: {e}")))?;
    Ok(text.lines().map(str::to_string).collect())
}

/// taskgraph's `hash_paths(base_path, patterns)` over an already listed set of tracked files
/// (paths relative to `base_path`).
pub fn hash_paths_in(base_path: &Path, files: &[String], patterns: &[String]) -> anyhow::Result<String> {
    hash_paths_mapped(base_path, files, patterns, &|p: &str| p.to_string())
}

/// [`hash_paths_in`] where `files` are taskgraph's names and `on_disk` maps a name to the path
/// relative to `base_path` (see `GraphConfig::repo_path_on_disk`).
pub fn hash_paths_mapped(
    base_path: &Path,
    files: &[String],
    patterns: &[String],
    on_disk: &dyn Fn(&str) -> String,
) -> anyhow::Result<String> {
    let mut found: BTreeSet<&str> = BTreeSet::new();
    for pattern in patterns {
        let matcher = if pattern.is_empty() { None } else { Some(mozpath_match_regex(pattern)) };
        let matches: Vec<&str> = files
            .iter()
            .map(String::as_str)
            .filter(|f| match &matcher {
                None => true,
                Some(Some(re)) => re.is_match(f),
                Some(None) => false,
            })
            .collect();
        if matches.is_empty() {
            return Err(tg_core::bad_input(format!("{pattern} did not match anything")));
        }
        found.extend(matches);
    }
    let repo = tg_core::confine::RepoRoot::new(base_path)?;
    let mut h = Sha256::new();
    for path in found {
        let file = base_path.join(on_disk(path));
        repo.check(
            &file,
            format_args!(
                "file {} matched by {}",
                tg_core::quote::capped(path),
                tg_core::quote::capped(&patterns.join(", "))
            ),
        )?;
        h.update(format!("{} {path}\n", hash_path(&file)?).as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// taskgraph's `hash_paths(base_path, patterns)` for the git repository at `base_path`.
pub fn hash_paths(base_path: &Path, patterns: &[String]) -> anyhow::Result<String> {
    let files = tracked_files(base_path)?;
    hash_paths_in(base_path, &files, patterns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_paths_matches_taskgraph() {
        // taskgraph.util.hash.hash_paths on the same files committed to a git repository:
        //   a.txt "a\n", dir/b.py "b\n", dir/sub/c.py "c\n", other/o.txt "o\n"
        let dir = std::env::temp_dir().join(format!("tg-hash-paths-{}", std::process::id()));
        let files = [("a.txt", "a\n"), ("dir/b.py", "b\n"), ("dir/sub/c.py", "c\n"), ("other/o.txt", "o\n")];
        for (path, content) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        let tracked: Vec<String> = files.iter().map(|(p, _)| p.to_string()).collect();
        let run = |patterns: &[&str]| {
            let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
            hash_paths_in(&dir, &tracked, &patterns)
        };
        assert_eq!(
            run(&["dir/**/*.py", "a.txt"]).unwrap(),
            "511e09c88c1a871ab5ff5d31818356c85e51c2325bd90438202ff2948327f669"
        );
        assert_eq!(
            run(&["dir", "other/*"]).unwrap(),
            "9759d714c1cb6f6461a9371c863fbf7b58bd2e2c93d2664a29f0faa56d6af1ce"
        );
        assert!(run(&["nope"]).unwrap_err().to_string().contains("nope did not match anything"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn mozpath_match_table() {
        // taskgraph.util.path.match(path, pattern), Python 3.11.
        let cases = [
            ("foo", "*", true),
            ("foo", "f*", true),
            ("foo/bar", "foo/*/bar", false),
            ("foo/bar", "foo", true),
            ("foo/bar", "foo/**/bar", true),
            ("foo/a/b/bar", "foo/**/bar", true),
            ("foo/bar", "**/bar", true),
            ("foo/bar.py", "**/*.py", true),
            ("foobar", "foo", false),
            ("a/b/c", "a/**", true),
            ("x.txt", "", true),
        ];
        for (path, pattern, expected) in cases {
            assert_eq!(mozpath_match(path, pattern), expected, "{path} ~ {pattern}");
        }
    }
}
