//! keyed-by resolution (`tg_core::py::keyed_by`): a kind.yml-like YAML document whose
//! `tasks` (or the document itself) hold `by-<attribute>` tables; every such field is resolved
//! against the item's own keys plus a few extra values, with Python regex keys, nested tables,
//! `default`, deferral and the single-match rule. Resolution either succeeds, leaving no
//! undeferred `by-*` table at the field, or fails with a message; it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use tg_core::py::keyed_by::{evaluate_keyed_by, keymatch, resolve_keyed_by, KeyedByOptions};

fuzz_target!(|data: &[u8]| {
    let Some(text) = tg_fuzz::text(data) else { return };
    let Ok(doc) = tg_core::yaml::from_str(text, "kind.yml") else { return };
    let Value::Object(doc) = doc else { return };
    let extra = tg_fuzz::sample_fields();
    let items: Vec<(String, Map<String, Value>)> = match doc.get("tasks") {
        Some(Value::Object(tasks)) => {
            tasks.iter().filter_map(|(name, t)| t.as_object().map(|m| (name.clone(), m.clone()))).take(16).collect()
        }
        _ => vec![("doc".to_string(), doc.clone())],
    };
    for (name, item) in items {
        let paths = tg_fuzz::keyed_by_paths(&item, 16);
        for (defer, single) in [(&[][..], true), (&["project"][..], false)] {
            let opts = KeyedByOptions { defer, enforce_single_match: single };
            let mut resolved = item.clone();
            for path in &paths {
                if resolve_keyed_by(&mut resolved, path, &name, &extra, opts).is_err() {
                    break;
                }
            }
        }
        // The evaluator alone, on every top-level value, with attributes from the item.
        let lookup = |key: &str| extra.get(key).or_else(|| item.get(key)).cloned();
        for value in item.values().take(16) {
            if let Ok(v) = evaluate_keyed_by(value, &name, &lookup, KeyedByOptions::default()) {
                assert!(!tg_core::merge::is_keyed_by(&v), "evaluation left a by-* table: {v}");
            }
            if let Value::Object(alternatives) = value {
                for target in extra.values() {
                    let _ = keymatch(alternatives, target);
                }
            }
        }
    }
});
