//! taskgraph.util.docker: docker image contexts and their digests, and the VOLUME lines of
//! in-tree images.
//!
//! A context digest is the SHA-256 of the uncompressed tar taskgraph builds from
//! `TOPSRCDIR/<context dir>` (see [`crate::util::archive`] for the byte format):
//!
//! * every file under the context directory (walked like `os.walk`: hidden files included,
//!   `__pycache__` directories and symlinked directories skipped, symlinked files followed),
//!   under its path relative to the directory, with its file mode;
//! * the Dockerfile, rewritten: `# %ARG NAME` lines are dropped and `$NAME` (followed by a word
//!   boundary) is replaced by `args[NAME]` in the lines after them; lines are read as text
//!   (universal newlines, so `\r\n` becomes `\n`) and the member has mode 0644;
//! * for each `# %include PATH` line, PATH (relative to TOPSRCDIR; a directory means every file
//!   under it) under `topsrcdir/PATH[/...]`;
//! * for a `# %include-run-task` line, taskgraph's shipped run-task files under `run-task/`
//!   (with their package modes), and four `COPY` lines appended to the Dockerfile after it.
//!
//! Every path read here (the context directory from `definition`, the Dockerfile, each file of
//! the context, each `# %include`) must resolve, symlinks and `..` included, inside the
//! repository ([`tg_core::confine`]); taskgraph itself would follow such a path anywhere.

use super::archive::{write_tar, GzipWriter, MemberData, TarMember};
use super::run_task_files;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use tg_core::config::GraphConfig;
use tg_core::confine::RepoRoot;

/// The `COPY` lines `# %include-run-task` appends (taskgraph's `RUN_TASK_SNIPPET`).
const RUN_TASK_SNIPPET: &[&str] = &[
    "COPY run-task/run-task /usr/local/bin/run-task\n",
    "COPY run-task/fetch-content /usr/local/bin/fetch-content\n",
    "COPY run-task/robustcheckout.py /usr/local/mercurial/robustcheckout.py\n",
    "COPY run-task/hgrc /etc/mercurial/hgrc.d/mozilla.rc\n",
];

/// The archive being assembled: archive path -> member (later entries replace earlier ones, as
/// in taskgraph's `archive_files` dict; the map's byte order is the tar's member order).
type ArchiveFiles = BTreeMap<Vec<u8>, TarMember>;

pub use tg_core::py::path::normpath;

/// Python's `posixpath.join(a, b)`.
fn posix_join(a: &str, b: &str) -> String {
    if b.starts_with('/') {
        b.to_string()
    } else if a.is_empty() || a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// Python's `str.strip()` (its whitespace includes the ASCII separators 0x1c-0x1f).
fn python_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// Every file under `dir` as `os.walk` lists it: (path relative to `dir`, path on disk).
/// Unreadable subdirectories are skipped silently, as `os.walk` does.
fn walk_files(dir: &Path) -> Vec<(Vec<u8>, PathBuf)> {
    let mut out = Vec::new();
    walk_into(dir, &[], &mut out);
    out
}

fn walk_into(dir: &Path, prefix: &[u8], out: &mut Vec<(Vec<u8>, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let mut rel = prefix.to_vec();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(entry.file_name().as_bytes());
        let Ok(file_type) = entry.file_type() else { continue };
        let is_dir = if file_type.is_symlink() { path.is_dir() } else { file_type.is_dir() };
        if !is_dir {
            out.push((rel, path));
        } else if !file_type.is_symlink() && entry.file_name() != "__pycache__" {
            subdirs.push((rel, path));
        }
    }
    for (rel, path) in subdirs {
        walk_into(&path, &rel, out);
    }
}

/// A member read from disk (`os.stat` follows symlinks; a dangling one is an error). It must
/// resolve inside the repository: a symlink to a file outside it is refused.
fn file_member(repo: &RepoRoot, name: Vec<u8>, path: PathBuf) -> anyhow::Result<TarMember> {
    repo.check(&path, "context file")?;
    let meta = fs::metadata(&path).map_err(|e| tg_core::bad_input(format!("{}: {e}", path.display())))?;
    Ok(TarMember { name, mode: meta.mode(), data: MemberData::File { path, size: meta.size() } })
}

/// One piece of a Python `re.sub` replacement template.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    WholeMatch,
}

/// Parse a Python `re.sub` replacement template for a pattern without groups.
fn parse_template(template: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        let Some(next) = chars.next() else { return Err("bad escape (end of pattern)".into()) };
        match next {
            '\\' => text.push('\\'),
            'n' => text.push('\n'),
            't' => text.push('\t'),
            'r' => text.push('\r'),
            'f' => text.push('\x0c'),
            'v' => text.push('\x0b'),
            'a' => text.push('\x07'),
            'b' => text.push('\x08'),
            'g' => {
                let rest: String = chars.by_ref().take_while(|&c| c != '>').collect();
                if rest != "<0" {
                    return Err(format!("invalid group reference in replacement \\g{rest}>"));
                }
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::WholeMatch);
            }
            '0' => {
                let mut value = 0u32;
                for _ in 0..2 {
                    match chars.peek() {
                        Some(d @ '0'..='7') => {
                            value = value * 8 + d.to_digit(8).unwrap_or(0);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                text.push(char::from_u32(value).unwrap_or('\0'));
            }
            '1'..='9' => return Err(format!("invalid group reference {next}")),
            c if c.is_ascii_alphabetic() => return Err(format!("bad escape \\{c}")),
            c => {
                text.push('\\');
                text.push(c);
            }
        }
    }
    pieces.push(Piece::Text(text));
    Ok(pieces)
}

/// A `# %ARG` substitution: `\$NAME\b` -> the argument's value.
struct ArgReplace {
    regex: regex::Regex,
    pieces: Vec<Piece>,
}

impl ArgReplace {
    fn apply(&self, line: &str) -> String {
        self.regex
            .replace_all(line, |caps: &regex::Captures<'_>| {
                self.pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => t.as_str(),
                        Piece::WholeMatch => caps.get(0).map_or("", |m| m.as_str()),
                    })
                    .collect::<String>()
            })
            .into_owned()
    }
}

/// The Dockerfile's text as Python reads it in text mode: UTF-8, newlines translated.
fn read_dockerfile(path: &Path) -> anyhow::Result<String> {
    let bytes = fs::read(path).map_err(|e| tg_core::bad_input(format!("{}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| tg_core::bad_input(format!("{}: not valid UTF-8: {e}", path.display())))?;
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The files of a context and its rewritten Dockerfile (taskgraph's `stream_context_tar`
/// before it writes the tar). `topsrcdir` is absolute; `context_dir` is relative to it.
fn context_files(
    topsrcdir: &Path,
    context_dir: &str,
    args: Option<&Map<String, Value>>,
    on_disk: &dyn Fn(&str) -> String,
) -> anyhow::Result<ArchiveFiles> {
    let bad = |m: String| tg_core::bad_input(m);
    let top = topsrcdir.to_str().ok_or_else(|| bad(format!("{}: path is not UTF-8", topsrcdir.display())))?;
    let top = normpath(top);
    let context = PathBuf::from(posix_join(&top, &on_disk(context_dir)));
    let repo = RepoRoot::new(topsrcdir)?;
    repo.check(&context, "definition")?;

    let mut files = ArchiveFiles::new();
    for (rel, path) in walk_files(&context) {
        files.insert(rel.clone(), file_member(&repo, rel, path)?);
    }

    let dockerfile_path = context.join("Dockerfile");
    repo.check(&dockerfile_path, "Dockerfile")?;
    let dockerfile = read_dockerfile(&dockerfile_path)?;
    let mut replace: Vec<ArgReplace> = Vec::new();
    let mut content = String::with_capacity(dockerfile.len());
    for original in dockerfile.split_inclusive('\n') {
        if original.starts_with("# %ARG") {
            let name = python_strip(&original.chars().skip(7).collect::<String>()).to_string();
            let value = args.and_then(|a| a.get(&name)).ok_or_else(|| bad(format!("missing argument: {name}")))?;
            let value = value.as_str().ok_or_else(|| bad(format!("argument {name}: expected a string")))?;
            let regex = regex::Regex::new(&format!(r"\${name}\b"))
                .map_err(|e| bad(format!("# %ARG {name}: cannot build the substitution pattern: {e}")))?;
            let pieces = parse_template(value).map_err(|e| bad(format!("argument {name}: {e}")))?;
            replace.push(ArgReplace { regex, pieces });
            continue;
        }
        let mut line = original.to_string();
        for r in &replace {
            line = r.apply(&line);
        }
        content.push_str(&line);
        if !line.starts_with("# %include") {
            continue;
        }
        if python_strip(&line) == "# %include-run-task" {
            RUN_TASK_SNIPPET.iter().for_each(|s| content.push_str(s));
            for (name, mode, data) in run_task_files::FILES {
                let archive = format!("run-task/{name}").into_bytes();
                files.insert(archive.clone(), TarMember::bytes(archive, 0o100000 | mode, data.to_vec()));
            }
            continue;
        }
        let include = python_strip(&line.chars().skip(11).collect::<String>()).to_string();
        add_include(&mut files, &repo, &top, &include, on_disk)?;
    }
    files.insert(b"Dockerfile".to_vec(), TarMember::bytes(&b"Dockerfile"[..], 0o644, content.into_bytes()));
    Ok(files)
}

/// One `# %include PATH`: a file, or every file under a directory.
fn add_include(
    files: &mut ArchiveFiles,
    repo: &RepoRoot,
    top: &str,
    include: &str,
    on_disk: &dyn Fn(&str) -> String,
) -> anyhow::Result<()> {
    let bad = |m: String| tg_core::bad_input(m);
    if include.starts_with('/') {
        return Err(bad(format!("extra include path cannot be absolute: {include}")));
    }
    let fs_path = normpath(&posix_join(top, &on_disk(&normpath(include))));
    if !fs_path.starts_with(top) {
        return Err(bad(format!("extra include path outside topsrcdir: {include}")));
    }
    let path = PathBuf::from(&fs_path);
    repo.check(&path, format_args!("# %include {}", tg_core::quote::capped(include)))?;
    if !path.exists() {
        return Err(bad(format!("extra include path does not exist: {include}")));
    }
    let base = posix_join("topsrcdir", include);
    if path.is_dir() {
        for (rel, source) in walk_files(&path) {
            let mut archive = base.clone().into_bytes();
            if !archive.ends_with(b"/") {
                archive.push(b'/');
            }
            archive.extend_from_slice(&rel);
            files.insert(archive.clone(), file_member(repo, archive, source)?);
        }
    } else {
        let archive = base.into_bytes();
        files.insert(archive.clone(), file_member(repo, archive, path)?);
    }
    Ok(())
}

/// taskgraph's `stream_context_tar`: write the context tar of `TOPSRCDIR/context_dir` to `out`
/// and return its SHA-256 in hex. `on_disk` maps taskgraph's repository-relative paths
/// (`taskcluster/...`) to where they are relative to `topsrcdir`
/// ([`tg_core::config::GraphConfig::repo_path_on_disk`]).
pub fn stream_context_tar(
    topsrcdir: &Path,
    context_dir: &str,
    out: &mut dyn Write,
    args: Option<&Map<String, Value>>,
    on_disk: &dyn Fn(&str) -> String,
) -> anyhow::Result<String> {
    let files = context_files(topsrcdir, context_dir, args, on_disk)?;
    let members: Vec<TarMember> = files.into_values().collect();
    let mut writer = HashingWriter { hash: Sha256::new(), inner: out };
    write_tar(&mut writer, &members).map_err(|e| tg_core::bad_input(format!("docker context {context_dir}: {e}")))?;
    Ok(hex::encode(writer.hash.finalize()))
}

/// taskgraph's `create_context_tar`: the context as a gzipped tar at `out_path` (what the
/// decision task uploads as `public/docker-contexts/<image>.tar.gz`); returns the digest of
/// the uncompressed tar, the same as [`generate_context_hash`]'s. Written beside and renamed
/// into place, so a failed run leaves no partial tarball.
pub fn create_context_tar(
    topsrcdir: &Path,
    context_dir: &str,
    out_path: &Path,
    args: Option<&Map<String, Value>>,
    on_disk: &dyn Fn(&str) -> String,
) -> anyhow::Result<String> {
    let name = out_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = out_path.with_file_name(format!(".{name}.tmp"));
    let io_err = |e: io::Error| tg_core::usage(format!("cannot write {}: {e}", out_path.display()));
    let file = tg_core::files::options_with_mode(tg_core::files::PUBLIC_FILE_MODE)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(io_err)?;
    let mut gz = GzipWriter::new(io::BufWriter::new(file), &name).map_err(io_err)?;
    let hash = stream_context_tar(topsrcdir, context_dir, &mut gz, args, on_disk)?;
    let file = gz.finish().and_then(|w| w.into_inner().map_err(io::IntoInnerError::into_error)).map_err(io_err)?;
    file.sync_all().map_err(io_err)?;
    std::fs::rename(&tmp, out_path).map_err(io_err)?;
    Ok(hash)
}

/// taskgraph's `generate_context_hash`: the digest of a context, nothing written.
pub fn generate_context_hash(
    topsrcdir: &Path,
    context_dir: &str,
    args: Option<&Map<String, Value>>,
    on_disk: &dyn Fn(&str) -> String,
) -> anyhow::Result<String> {
    stream_context_tar(topsrcdir, context_dir, &mut io::sink(), args, on_disk)
}

/// Hashes what it passes on.
struct HashingWriter<'a> {
    hash: Sha256,
    inner: &'a mut dyn Write,
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let written =
            buf.get(..n).ok_or_else(|| io::Error::other("writer reported more bytes written than it was given"))?;
        self.hash.update(written);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// taskgraph's `image_paths`: image name -> directory holding its Dockerfile, from the
/// docker-image kind's `tasks` (`taskgraph.docker-image-kind` names the kind; default
/// `docker-image`), using each image's `definition` when it has one.
pub fn image_paths(graph_config: &GraphConfig) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let kind = graph_config.get("docker-image-kind").and_then(Value::as_str).unwrap_or("docker-image");
    let path = graph_config.kinds_dir().join(kind).join("kind.yml");
    tg_core::confine::confine(graph_config, &path, "docker-image-kind")?;
    let config = tg_core::yaml::load_file(&path)?;
    let tasks = config
        .get("tasks")
        .and_then(Value::as_object)
        .ok_or_else(|| tg_core::bad_input(format!("{}: no `tasks` mapping", path.display())))?;
    let docker_dir = graph_config.docker_dir();
    let mut out = BTreeMap::new();
    for (name, spec) in tasks {
        let definition = match spec.get("definition") {
            None => name.as_str(),
            Some(Value::String(d)) => d.as_str(),
            Some(_) => {
                return Err(tg_core::bad_input(format!(
                    "{}: tasks.{name}.definition: expected a string",
                    path.display()
                )))
            }
        };
        out.insert(name.clone(), docker_dir.join(definition));
    }
    Ok(out)
}

/// taskgraph's `image_path(name)`: from [`image_paths`], else `ROOT/docker/<name>`.
pub fn image_path(name: &str, paths: &BTreeMap<String, PathBuf>, graph_config: &GraphConfig) -> PathBuf {
    paths.get(name).cloned().unwrap_or_else(|| graph_config.docker_dir().join(name))
}

/// The volumes declared by `VOLUME a b` lines of the Dockerfile in `image_dir` (taskgraph's
/// `parse_volumes`, sorted as `sorted(volumes)` iterates them). The JSON-array form is refused.
pub fn parse_volumes_in(image_dir: &Path) -> anyhow::Result<BTreeSet<String>> {
    let path = image_dir.join("Dockerfile");
    let bytes = fs::read(&path).map_err(|e| tg_core::bad_input(format!("{}: {e}", path.display())))?;
    let mut volumes = BTreeSet::new();
    for line in bytes.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        let Some(rest) = line.strip_prefix(b"VOLUME ") else { continue };
        let rest = rest.trim_ascii_start();
        if rest.starts_with(b"[") {
            return Err(tg_core::bad_input(format!(
                "{}: cannot parse array syntax for VOLUME; convert to multiple entries",
                path.display()
            )));
        }
        for v in rest.split(|b| b.is_ascii_whitespace() || *b == 0x0b).filter(|v| !v.is_empty()) {
            let v = std::str::from_utf8(v).map_err(|e| tg_core::bad_input(format!("{}: {e}", path.display())))?;
            volumes.insert(v.to_string());
        }
    }
    Ok(volumes)
}

/// taskgraph's `parse_volumes(image, graph_config)`.
pub fn parse_volumes(image: &str, graph_config: &GraphConfig) -> anyhow::Result<BTreeSet<String>> {
    let paths = image_paths(graph_config)?;
    let dir = image_path(image, &paths, graph_config);
    tg_core::confine::confine(
        graph_config,
        &dir.join("Dockerfile"),
        format_args!("docker image {}: Dockerfile", tg_core::quote::capped(image)),
    )?;
    parse_volumes_in(&dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A broken writer that claims to have written more than it was given.
    struct Overclaiming;

    impl Write for Overclaiming {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            Ok(buf.len() + 1)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn hashing_writer_refuses_an_overclaiming_writer_without_panicking() {
        let mut inner = Overclaiming;
        let mut writer = HashingWriter { hash: Sha256::new(), inner: &mut inner };
        let err = writer.write(b"abc").unwrap_err();
        assert!(err.to_string().contains("more bytes written than it was given"), "{err}");
    }

    #[test]
    fn normpath_matches_posixpath() {
        // posixpath.normpath on the same inputs (Python 3.11).
        let cases = [
            ("/a/b/../c", "/a/c"),
            ("a/./b/", "a/b"),
            ("../x", "../x"),
            ("/../x", "/x"),
            ("//a", "//a"),
            ("///a", "/a"),
            ("", "."),
            ("a/..", "."),
        ];
        for (input, expected) in cases {
            assert_eq!(normpath(input), expected, "{input}");
        }
    }

    #[test]
    fn replacement_templates() {
        // re.sub(r"\$X\b", template, "a $X b") in Python 3.11.
        let apply = |t: &str| {
            let r = ArgReplace { regex: regex::Regex::new(r"\$X\b").unwrap(), pieces: parse_template(t).unwrap() };
            r.apply("a $X b $XY")
        };
        assert_eq!(apply("v"), "a v b $XY");
        assert_eq!(apply(r"\\"), "a \\ b $XY");
        assert_eq!(apply(r"[\g<0>]"), "a [$X] b $XY");
        assert_eq!(apply(r"\-"), "a \\- b $XY");
        assert!(parse_template(r"\q").is_err());
        assert!(parse_template(r"\1").is_err());
    }
}
