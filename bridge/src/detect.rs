//! Whether project code may replace what a stage runs natively.
//!
//! Starting the worker costs the import of taskgraph and the project and the register hook (most
//! of a second), so tg-resolve and tg-morph do not start it just to learn what the hook
//! registered. They scan the project's Python files first (every `*.py` under the taskgraph
//! root, the directory `GraphConfig.register()` puts on `sys.path`; hidden directories,
//! `__pycache__`, `node_modules` and virtualenvs skipped) and start it only when one of them may
//! register what they look for:
//!
//! | stage | looks for | a file mentions |
//! |---|---|---|
//! | tg-resolve | a built-in target method replaced | `register_target_task(` with that name as a literal, or with a non-literal argument; `_target_task_methods` |
//! | tg-resolve | the built-in filter replaced | `filter_task(` likewise; `filter_task_functions` |
//! | tg-morph | project morphs | `register_morph`, `registered_morphs` |
//!
//! The worker then reports exactly what the hook registered. Registrations made by installed
//! packages (outside the root) are not seen by the scan: `TG_BRIDGE_PROBE=always` makes the
//! stages start the worker whenever config.yml has a register hook.

use regex::Regex;
use std::path::{Path, PathBuf};
use tg_core::config::GraphConfig;

/// The environment variable that turns the scan off (`always`: start the worker whenever there
/// is a register hook).
pub const PROBE_VARIABLE: &str = "TG_BRIDGE_PROBE";

/// True when `TG_BRIDGE_PROBE=always`.
fn always_probe() -> bool {
    std::env::var(PROBE_VARIABLE).is_ok_and(|v| v == "always")
}

/// The project's Python files under the taskgraph root, sorted, with their text (unreadable
/// files are skipped: Python could not import them either).
pub fn python_sources(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    collect(root, &mut out, 0);
    out.sort();
    out
}

fn collect(dir: &Path, out: &mut Vec<(PathBuf, String)>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    if depth > 16 {
        return;
    }
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            let skip = name.starts_with('.')
                || matches!(name.as_ref(), "__pycache__" | "node_modules" | "venv" | "site-packages");
            if !skip {
                collect(&path, out, depth + 1);
            }
        } else if name.ends_with(".py") {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((path, text));
            }
        }
    }
}

/// Whether a `decorator(` call in `text` registers `name`: a literal `name`, or an argument
/// that is not a literal (it could be anything).
fn registers_name(text: &str, decorator: &str, name: &str) -> bool {
    let pattern = format!(r#"{}\s*\(\s*(?:"([^"]*)"|'([^']*)'|([^\s)"']))"#, regex::escape(decorator));
    let Ok(re) = Regex::new(&pattern) else { return true };
    let found = re.captures_iter(text).any(|c| match (c.get(1).or(c.get(2)), c.get(3)) {
        (Some(literal), _) => literal.as_str() == name,
        (None, Some(_)) => true,
        (None, None) => false,
    });
    found
}

/// Whether the project may replace the built-in target task method `name`.
pub fn may_replace_target_method(graph_config: &GraphConfig, name: &str) -> bool {
    may_register(graph_config, |text| {
        text.contains("_target_task_methods") || registers_name(text, "register_target_task", name)
    })
}

/// Whether the project may replace the built-in filter `name`.
pub fn may_replace_filter(graph_config: &GraphConfig, name: &str) -> bool {
    may_register(graph_config, |text| {
        text.contains("filter_task_functions") || registers_name(text, "filter_task", name)
    })
}

/// Whether the project may register morphs.
pub fn may_register_morphs(graph_config: &GraphConfig) -> bool {
    may_register(graph_config, |text| text.contains("register_morph") || text.contains("registered_morphs"))
}

/// A register hook, and `TG_BRIDGE_PROBE=always` or a Python file for which `mentions` holds.
fn may_register(graph_config: &GraphConfig, mentions: impl Fn(&str) -> bool) -> bool {
    if !crate::has_register_hook(graph_config) {
        return false;
    }
    always_probe() || python_sources(&graph_config.root_dir).iter().any(|(_, text)| mentions(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_dynamic_registrations() {
        let text = "@register_target_task(\"default\")\ndef f(): pass\n@register_target_task('mine')\n";
        assert!(registers_name(text, "register_target_task", "default"));
        assert!(registers_name(text, "register_target_task", "mine"));
        assert!(!registers_name(text, "register_target_task", "nothing"));
        assert!(registers_name("register_target_task(NAME)", "register_target_task", "nothing"));
        assert!(!registers_name(
            "from taskgraph.target_tasks import register_target_task\n",
            "register_target_task",
            "default"
        ));
        assert!(!registers_name("@filter_task(\"x\")", "filter_task", "target_tasks_method"));
    }
}
