//! Task and artifact references (taskgraph's `util/parameterization.py`).
//!
//! `{"task-reference": "..<name>.."}` becomes the string with each `<name>` replaced by the
//! taskId of the dependency called `name`, `<self>` by the task's own id, `<decision>` by the
//! decision task's id; `<<>` is an escaped `<`. `{"artifact-reference": "..<name/path>.."}`
//! becomes the string with each reference replaced by the queue URL of that artifact
//! (`<self/...>` is an error). A one-key object whose value is itself an object has its keys
//! substituted and its values resolved recursively, as in Python.

use regex::{Captures, Regex};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use tg_core::quote::capped;

/// Where artifact URLs point: taskgraph's `get_root_url(block_proxy=...)` choices.
#[derive(Clone, Debug, Default)]
pub struct ArtifactUrls {
    /// `TASKCLUSTER_PROXY_URL`, used for non-public artifacts.
    pub proxy_url: Option<String>,
    /// `TASKCLUSTER_ROOT_URL`.
    pub root_url: Option<String>,
    /// Whether `TASK_ID` is set (only changes the error message when no root URL is known).
    pub in_task: bool,
}

impl ArtifactUrls {
    /// `get_artifact_url(task_id, path, use_proxy)`.
    pub fn artifact_url(&self, task_id: &str, path: &str) -> Result<String, String> {
        let use_proxy = !path.starts_with("public/");
        let root = match (&self.proxy_url, &self.root_url) {
            (Some(proxy), _) if use_proxy => proxy,
            (_, Some(root)) => root,
            _ if self.in_task => return Err("$TASKCLUSTER_ROOT_URL must be set when running in a task".into()),
            _ => return Err("Could not detect Taskcluster instance, set $TASKCLUSTER_ROOT_URL".into()),
        };
        Ok(format!("{}/api/queue/v1/task/{task_id}/artifacts/{path}", root.trim_end_matches('/')))
    }
}

/// What a task's references resolve against.
pub struct ReferenceContext<'a> {
    pub label: &'a str,
    pub task_id: &'a str,
    pub decision_task_id: &'a str,
    /// Dependency name (or soft-dependency label) -> taskId.
    pub dependencies: &'a BTreeMap<String, String>,
    pub urls: &'a ArtifactUrls,
}

fn task_reference_pattern() -> Result<&'static Regex, String> {
    static P: OnceLock<Result<Regex, regex::Error>> = OnceLock::new();
    P.get_or_init(|| Regex::new("<([^>]+)>")).as_ref().map_err(ToString::to_string)
}

fn artifact_reference_pattern() -> Result<&'static Regex, String> {
    static P: OnceLock<Result<Regex, regex::Error>> = OnceLock::new();
    P.get_or_init(|| Regex::new("<([^/]+)/([^>]+)>")).as_ref().map_err(ToString::to_string)
}

/// The one entry of a one-entry mapping.
fn single_entry(map: &Map<String, Value>) -> Option<(&String, &Value)> {
    let mut entries = map.iter();
    match (entries.next(), entries.next()) {
        (Some(entry), None) => Some(entry),
        _ => None,
    }
}

impl ReferenceContext<'_> {
    /// The task definition with every reference resolved.
    pub fn resolve(&self, value: &Value) -> Result<Value, String> {
        match value {
            Value::Object(map) => match single_entry(map) {
                Some((key, inner)) if key == "task-reference" || key == "artifact-reference" => {
                    self.resolve_reference(key, inner)
                }
                _ => self.resolve_map(map),
            },
            Value::Array(items) => items.iter().map(|v| self.resolve(v)).collect::<Result<_, _>>().map(Value::Array),
            other => Ok(other.clone()),
        }
    }

    fn resolve_map(&self, map: &Map<String, Value>) -> Result<Value, String> {
        let mut out = Map::new();
        for (k, v) in map {
            out.insert(k.clone(), self.resolve(v)?);
        }
        Ok(Value::Object(out))
    }

    fn resolve_reference(&self, kind: &str, inner: &Value) -> Result<Value, String> {
        let substitute = |text: &str| {
            if kind == "task-reference" {
                self.task_reference(text)
            } else {
                self.artifact_reference(text)
            }
        };
        match inner {
            Value::String(text) => substitute(text).map(Value::String),
            Value::Object(entries) => {
                let mut out = Map::new();
                for (k, v) in entries {
                    out.insert(substitute(k)?, self.resolve(v)?);
                }
                Ok(Value::Object(out))
            }
            other => Err(format!(
                "task '{}': {kind} expects a string, got {}",
                capped(self.label),
                capped(&other.to_string())
            )),
        }
    }

    fn task_reference(&self, text: &str) -> Result<String, String> {
        let mut error = None;
        let out = task_reference_pattern()?.replace_all(text, |caps: &Captures| {
            let key = &caps[1];
            match key {
                "self" => self.task_id.to_string(),
                "decision" => self.decision_task_id.to_string(),
                _ => match self.dependencies.get(key) {
                    Some(id) => id.clone(),
                    None if key == "<" => key.to_string(),
                    None => {
                        error.get_or_insert_with(|| {
                            format!("task '{}' has no dependency named '{}'", capped(self.label), capped(key))
                        });
                        String::new()
                    }
                },
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(out.into_owned()),
        }
    }

    fn artifact_reference(&self, text: &str) -> Result<String, String> {
        let mut error = None;
        let out = artifact_reference_pattern()?.replace_all(text, |caps: &Captures| {
            let (dependency, artifact) = (&caps[1], &caps[2]);
            let task_id = match dependency {
                "self" => Err(format!("task '{}' can't reference artifacts of self", capped(self.label))),
                "decision" => Ok(self.decision_task_id),
                _ => self.dependencies.get(dependency).map(String::as_str).ok_or_else(|| {
                    format!("task '{}' has no dependency named '{}'", capped(self.label), capped(dependency))
                }),
            };
            match task_id.and_then(|id| self.urls.artifact_url(id, artifact)) {
                Ok(url) => url,
                Err(e) => {
                    error.get_or_insert(e);
                    String::new()
                }
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(out.into_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve(value: Value, urls: &ArtifactUrls) -> Result<Value, String> {
        let deps: BTreeMap<String, String> =
            [("edge1", "tid1"), ("edge2", "tid2"), ("soft-label", "tid3")].map(|(a, b)| (a.into(), b.into())).into();
        let ctx =
            ReferenceContext { label: "L", task_id: "self-id", decision_task_id: "dec-id", dependencies: &deps, urls };
        ctx.resolve(&value)
    }

    /// Expected outputs from Python taskgraph 24.5.1 (see tests/fixtures/references.py).
    #[test]
    fn resolves_like_taskgraph() {
        let text = include_str!("../tests/fixtures/references.json");
        let cases: Vec<Value> = serde_json::from_str(text).unwrap();
        let urls = ArtifactUrls {
            proxy_url: Some("http://taskcluster".into()),
            root_url: Some("https://tc.example.com/".into()),
            in_task: false,
        };
        for case in cases {
            let got = resolve(case["input"].clone(), &urls);
            match case.get("error") {
                Some(Value::String(e)) => assert_eq!(got.unwrap_err(), *e, "{case}"),
                _ => assert_eq!(got.unwrap(), case["output"], "{case}"),
            }
        }
    }

    /// An unknown dependency name of any length is quoted capped.
    #[test]
    fn a_huge_unknown_dependency_is_capped_in_the_error() {
        let name = "d".repeat(100_000);
        let e = resolve(json!({"task-reference": format!("<{name}>")}), &ArtifactUrls::default()).unwrap_err();
        assert_eq!(e, format!("task 'L' has no dependency named '{}… (100000 bytes)'", "d".repeat(200)));
    }

    #[test]
    fn artifact_urls_need_a_root_url() {
        let none = ArtifactUrls::default();
        let e = resolve(json!({"artifact-reference": "<edge1/public/x>"}), &none).unwrap_err();
        assert_eq!(e, "Could not detect Taskcluster instance, set $TASKCLUSTER_ROOT_URL");
        let proxy_only = ArtifactUrls { proxy_url: Some("http://p".into()), ..Default::default() };
        assert_eq!(
            resolve(json!({"artifact-reference": "<edge1/private/x>"}), &proxy_only).unwrap(),
            json!("http://p/api/queue/v1/task/tid1/artifacts/private/x")
        );
    }
}
