//! `VOLUME` lines of in-tree Docker images (taskgraph.util.docker's `image_paths`,
//! `image_path` and `parse_volumes`, as task.py uses them for docker-worker tasks).
//!
//! An image's directory is `ROOT/docker/<definition>` where `definition` comes from the
//! docker-image kind's tasks (config.yml `docker-image-kind`, default `docker-image`), else
//! `ROOT/docker/<name>`. Results are remembered per image for the whole kind. The Dockerfile
//! must resolve inside the repository ([`tg_core::confine`]).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Mutex;
use tg_core::config::GraphConfig;
use tg_core::quote::capped;

/// Volumes of in-tree images, read once per image.
pub struct VolumeCache<'a> {
    graph_config: &'a GraphConfig,
    images: Mutex<BTreeMap<String, Result<BTreeSet<String>, String>>>,
}

impl<'a> VolumeCache<'a> {
    pub fn new(graph_config: &'a GraphConfig) -> Self {
        VolumeCache { graph_config, images: Mutex::new(BTreeMap::new()) }
    }

    /// `parse_volumes(image)`: the set of volumes the image's Dockerfile declares.
    pub fn volumes(&self, image: &str) -> Result<BTreeSet<String>, String> {
        if let Ok(cache) = self.images.lock() {
            if let Some(found) = cache.get(image) {
                return found.clone();
            }
        }
        let result = image_path(self.graph_config, image).and_then(|dir| {
            let dockerfile = dir.join("Dockerfile");
            confine(self.graph_config, &dockerfile, format_args!("docker image {}: Dockerfile", capped(image)))?;
            parse_volumes(&dockerfile)
        });
        if let Ok(mut cache) = self.images.lock() {
            cache.insert(image.to_string(), result.clone());
        }
        result
    }
}

/// [`tg_core::confine::confine`] with the error as the message text (these errors are strings
/// that the caller names the task in).
fn confine(graph_config: &GraphConfig, path: &std::path::Path, at: impl std::fmt::Display) -> Result<(), String> {
    tg_core::confine::confine(graph_config, path, at).map_err(|e| e.to_string())
}

/// `image_path(name)`: the image's context directory.
fn image_path(graph_config: &GraphConfig, name: &str) -> Result<PathBuf, String> {
    let kind = match graph_config.get("docker-image-kind") {
        Some(Value::String(k)) => k.clone(),
        _ => "docker-image".to_string(),
    };
    let kind_yml = graph_config.kinds_dir().join(&kind).join("kind.yml");
    confine(graph_config, &kind_yml, "docker-image-kind")?;
    let config = tg_core::yaml::load_file(&kind_yml).map_err(|e| format!("{e:#}"))?;
    let tasks = config
        .get("tasks")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{}: KeyError: 'tasks'", kind_yml.display()))?;
    // taskgraph builds the whole name -> directory map, so any malformed entry fails
    let mut definition = name.to_string();
    for (image, spec) in tasks {
        let Value::Object(spec) = spec else {
            return Err(format!("{}: tasks.{image}: expected a mapping", kind_yml.display()));
        };
        if image == name {
            if let Some(d) = spec.get("definition") {
                definition = tg_core::py::value::python_str(d);
            }
        }
    }
    Ok(graph_config.docker_dir().join(definition))
}

/// Bytes whitespace as Python's `bytes.strip()` / `bytes.split()` see it.
fn is_py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// `bytes` without the leading whitespace (`bytes.lstrip()`).
fn py_strip_start(mut bytes: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = bytes {
        if !is_py_space(*first) {
            break;
        }
        bytes = rest;
    }
    bytes
}

/// `bytes` without the whitespace at either end (`bytes.strip()`).
fn py_strip(bytes: &[u8]) -> &[u8] {
    let mut bytes = py_strip_start(bytes);
    while let [rest @ .., last] = bytes {
        if !is_py_space(*last) {
            break;
        }
        bytes = rest;
    }
    bytes
}

/// `VOLUME a b` lines of a Dockerfile; the JSON array form is refused as taskgraph does.
fn parse_volumes(dockerfile: &std::path::Path) -> Result<BTreeSet<String>, String> {
    let bytes = std::fs::read(dockerfile).map_err(|e| format!("cannot read {}: {e}", dockerfile.display()))?;
    let mut volumes = BTreeSet::new();
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let Some(rest) = py_strip(line).strip_prefix(b"VOLUME ") else { continue };
        let rest = py_strip_start(rest);
        if rest.starts_with(b"[") {
            return Err(format!(
                "{}: cannot parse array syntax for VOLUME; convert to multiple entries",
                dockerfile.display()
            ));
        }
        for word in rest.split(|b| is_py_space(*b)).filter(|w| !w.is_empty()) {
            let v = std::str::from_utf8(word).map_err(|e| format!("{}: VOLUME: {e}", dockerfile.display()))?;
            volumes.insert(v.to_string());
        }
    }
    Ok(volumes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_volume_lines() {
        let dir = std::env::temp_dir().join(format!("tg-volumes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("Dockerfile");
        std::fs::write(&f, "FROM x\n  VOLUME /a  /b\nVOLUME\t/c\nVOLUME /builds/worker/checkouts\n#VOLUME /no\n")
            .unwrap();
        let v = parse_volumes(&f).unwrap();
        // Python: parse_volumes gives {'/a', '/b', '/builds/worker/checkouts'} ("VOLUME\t" is no match)
        assert_eq!(v.into_iter().collect::<Vec<_>>(), vec!["/a", "/b", "/builds/worker/checkouts"]);
        std::fs::write(&f, "VOLUME [\"/a\"]\n").unwrap();
        assert!(parse_volumes(&f).unwrap_err().contains("array syntax"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn volume_lines_strip_python_bytes_whitespace() {
        let dir = std::env::temp_dir().join(format!("tg-volumes-ws-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("Dockerfile");
        std::fs::write(&f, b"\x0b\x0cVOLUME /v\x0b/w \r\n   \n\x0b\nVOLUME  \t /x\nVOLUME ").unwrap();
        // Python 3.11, parse_volumes' loop over io.BytesIO(the same bytes): ['/v', '/w', '/x']
        // (the last line strips to b"VOLUME", which does not start with b"VOLUME ").
        let v = parse_volumes(&f).unwrap();
        assert_eq!(v.into_iter().collect::<Vec<_>>(), vec!["/v", "/w", "/x"]);
        assert_eq!(py_strip(b" \t\x0b\x0c\r\n"), b"");
        assert_eq!(py_strip(b"\x0ba b\x0c"), b"a b");
        std::fs::remove_dir_all(&dir).ok();
    }
}
