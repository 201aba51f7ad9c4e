//! A Graphviz picture of a graph (`tg-resolve --format dot | dot -Tsvg > graph.svg`).
//!
//! Each kind is a cluster with its own fill colour (kinds sorted by name, colours from a fixed
//! 12-colour palette, so the same input always gives the same picture). Arrows run from a
//! dependency to the task that needs it, labelled with the dependency's name in the tooltip;
//! soft dependencies present in the graph are dashed arrows. In the target graph, target tasks
//! (and `always_target` tasks) have a bold border, tasks pulled in only as dependencies a dashed one.

use crate::output::Selection;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;

/// ColorBrewer "Set3": light fills that keep black text readable.
const PALETTE: &[&str] = &[
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd",
    "#ccebc5", "#ffed6f",
];

/// `"text"` with DOT's escapes.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Write the digraph.
pub fn write_dot(selection: &Selection, out: impl Write) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    let mut kinds: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for (i, task) in selection.tasks.iter().enumerate() {
        kinds.entry(task.kind.as_str()).or_default().push((i, task.label.as_str()));
    }
    writeln!(out, "digraph taskgraph {{")?;
    writeln!(out, "  graph [rankdir=LR, fontname=\"Helvetica\", label={}, labelloc=t];", quote(&selection.title))?;
    writeln!(out, "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];")?;
    writeln!(out, "  edge [color=\"#555555\", arrowsize=0.6];")?;
    for ((kind, members), colour) in kinds.iter().zip(PALETTE.iter().cycle()) {
        writeln!(out, "  subgraph {} {{", quote(&format!("cluster_{kind}")))?;
        writeln!(
            out,
            "    label={}; style=\"rounded\"; color=\"{colour}\"; penwidth=2;",
            quote(&format!("{kind} ({})", members.len()))
        )?;
        writeln!(out, "    node [fillcolor=\"{colour}\"];")?;
        for &(i, label) in members {
            let style = match selection.requested.as_ref().and_then(|r| r.get(i).copied()) {
                Some(true) => " [penwidth=2.5]",
                Some(false) => " [style=\"rounded,filled,dashed\"]",
                None => "",
            };
            writeln!(out, "    {}{style};", quote(label))?;
        }
        writeln!(out, "  }}")?;
    }
    let present: HashSet<&str> = selection.tasks.iter().map(|t| t.label.as_str()).collect();
    for task in &selection.tasks {
        for (name, dep) in &task.dependencies {
            if present.contains(dep.as_str()) {
                writeln!(out, "  {} -> {} [tooltip={}];", quote(dep), quote(&task.label), quote(name))?;
            }
        }
        for dep in &task.soft_dependencies {
            if present.contains(dep.as_str()) {
                writeln!(out, "  {} -> {} [style=dashed, tooltip=\"soft\"];", quote(dep), quote(&task.label))?;
            }
        }
    }
    writeln!(out, "}}")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tg_core::task::Task;

    #[test]
    fn clusters_per_kind_and_edges_from_dependency() {
        let a: Task = serde_json::from_value(json!({"kind": "build", "label": "b\"1", "task": {}})).unwrap();
        let b: Task = serde_json::from_value(json!({"kind": "test", "label": "t", "dependencies": {"build": "b\"1"}, "soft_dependencies": ["gone"], "task": {}})).unwrap();
        let sel =
            Selection { tasks: vec![&a, &b], requested: Some(vec![false, true]), title: "target task graph".into() };
        let mut buf = Vec::new();
        write_dot(&sel, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.contains(
                "subgraph \"cluster_build\" {\n    label=\"build (1)\"; style=\"rounded\"; color=\"#8dd3c7\""
            ),
            "{text}"
        );
        assert!(text.contains("subgraph \"cluster_test\""), "{text}");
        assert!(text.contains("\"b\\\"1\" [style=\"rounded,filled,dashed\"];"), "{text}");
        assert!(text.contains("\"t\" [penwidth=2.5];"), "{text}");
        assert!(text.contains("\"b\\\"1\" -> \"t\" [tooltip=\"build\"];"), "{text}");
        assert!(!text.contains("gone"), "{text}");
    }
}
