//! Treeherder symbols and defaults (taskgraph/util/treeherder.py): a symbol is `sym` or
//! `grp(sym)`; a missing group reads as `?`.

use serde_json::{json, Map, Value};
use tg_core::task::Task;

/// `split_symbol`: `grp(sym)` -> (`grp`, `sym`); `sym` -> (`?`, `sym`).
///
/// Python matches `([^(]*)\(([^)]*)\)$`: the group runs to the first `(`, the symbol to the
/// next `)`, and only the end of the string (or a final newline, which `$` also accepts)
/// may follow.
pub fn split_symbol(treeherder_symbol: &str) -> Result<(String, String), String> {
    let Some((group, rest)) = treeherder_symbol.split_once('(') else {
        return Ok(("?".into(), treeherder_symbol.into()));
    };
    match rest.split_once(')') {
        Some((symbol, "" | "\n")) => Ok((group.to_string(), symbol.to_string())),
        _ => Err(format!("`{treeherder_symbol}` is not a valid treeherder symbol.")),
    }
}

/// `join_symbol`: the reverse of [`split_symbol`]; group `?` is omitted.
pub fn join_symbol(group: &str, symbol: &str) -> String {
    if group == "?" {
        symbol.to_string()
    } else {
        format!("{group}({symbol})")
    }
}

/// `add_suffix`: append `suffix` (already `str()`-ed) to the symbol part.
pub fn add_suffix(treeherder_symbol: &str, suffix: &str) -> Result<String, String> {
    let (group, symbol) = split_symbol(treeherder_symbol)?;
    Ok(join_symbol(&group, &format!("{symbol}{suffix}")))
}

/// `replace_group`: the same symbol in `new_group`.
pub fn replace_group(treeherder_symbol: &str, new_group: &str) -> Result<String, String> {
    let (_, symbol) = split_symbol(treeherder_symbol)?;
    Ok(join_symbol(new_group, &symbol))
}

/// `inherit_treeherder_from_dep`: the task's `treeherder` mapping (a copy; a fresh one when the
/// task has none) with platform, tier and kind defaulted from the dependency's treeherder info.
pub fn inherit_treeherder_from_dep(task: &Map<String, Value>, dep_task: &Task) -> Result<Map<String, Value>, String> {
    let mut treeherder = match task.get("treeherder") {
        Some(Value::Object(m)) => m.clone(),
        None => Map::new(),
        Some(other) => return Err(format!("treeherder: expected a mapping, got {other}")),
    };
    let dep_th = dep_task.task.get("extra").and_then(|e| e.get("treeherder"));
    let platform = dep_th.and_then(|t| t.get("machine")).and_then(|m| m.get("platform"));
    let platform = match platform {
        None => String::new(),
        Some(v) => tg_core::py::value::python_str(v),
    };
    let collection = dep_th
        .and_then(|t| t.get("collection"))
        .and_then(Value::as_object)
        .and_then(|c| c.keys().next().cloned())
        .ok_or_else(|| format!("{}: IndexError: list index out of range (no treeherder collection)", dep_task.label))?;
    treeherder.entry("platform").or_insert_with(|| Value::String(format!("{platform}/{collection}")));
    let tier = dep_th.and_then(|t| t.get("tier")).cloned().unwrap_or(json!(1));
    treeherder.entry("tier").or_insert(tier);
    treeherder.entry("kind").or_insert_with(|| json!("build"));
    Ok(treeherder)
}

/// `treeherder_defaults(kind, label)`: platform `default/opt`, tier 1, a job kind guessed from
/// the kind name, and a symbol made of the upper-cased initials of the kind's dash-parts.
/// A kind name with an empty dash-part (`a--b`) fails as Python's `c[0]` does.
pub fn treeherder_defaults(kind: &str) -> Result<Map<String, Value>, String> {
    if kind.split('-').any(str::is_empty) {
        return Err(format!("kind {kind}: IndexError: string index out of range (empty part in the kind name)"));
    }
    let job_kind = if kind.contains("build") {
        "build"
    } else if kind.contains("test") {
        "test"
    } else {
        "other"
    };
    let symbol: String = kind.split('-').filter_map(|part| part.chars().next()).collect::<String>().to_uppercase();
    let mut defaults = Map::new();
    defaults.insert("platform".into(), json!("default/opt"));
    defaults.insert("tier".into(), json!(1));
    defaults.insert("kind".into(), json!(job_kind));
    defaults.insert("symbol".into(), json!(symbol));
    Ok(defaults)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols() {
        // Expected values from taskgraph.util.treeherder (24.5.1).
        assert_eq!(split_symbol("B").unwrap(), ("?".into(), "B".into()));
        assert_eq!(split_symbol("I(node)").unwrap(), ("I".into(), "node".into()));
        assert_eq!(split_symbol("(x)").unwrap(), ("".into(), "x".into()));
        assert_eq!(split_symbol("a(b)c").unwrap_err(), "`a(b)c` is not a valid treeherder symbol.");
        assert_eq!(split_symbol("a(b(c)").unwrap(), ("a".into(), "b(c".into()));
        assert_eq!(split_symbol("a(b)\n").unwrap(), ("a".into(), "b".into()));
        assert!(split_symbol("a(b").is_err());
        assert_eq!(join_symbol("?", "B"), "B");
        assert_eq!(join_symbol("Fetch", "rust"), "Fetch(rust)");
        assert_eq!(add_suffix("T(x)", "1").unwrap(), "T(x1)");
        assert_eq!(add_suffix("x", "2").unwrap(), "x2");
        assert_eq!(replace_group("T(x)", "U").unwrap(), "U(x)");
        assert_eq!(replace_group("x", "?").unwrap(), "x");
    }

    #[test]
    fn defaults() {
        let d = treeherder_defaults("docker-image").unwrap();
        assert_eq!(Value::Object(d), json!({"platform": "default/opt", "tier": 1, "kind": "other", "symbol": "DI"}));
        assert_eq!(treeherder_defaults("build-tools").unwrap()["kind"], "build");
        assert_eq!(treeherder_defaults("source-test").unwrap()["symbol"], "ST");
    }
}
