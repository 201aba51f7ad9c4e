//! The YAML loader (`tg_core::yaml::from_str`): PyYAML 1.1 scalars, anchors and aliases, `<<`
//! merges. Accepted documents must survive a JSON-lines round trip (what tg-load writes) and
//! taskgraph's `merge`; rejected ones must be exit-1 errors naming the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some(text) = tg_fuzz::text(data) else { return };
    match tg_core::yaml::from_str(text, "fuzz.yml") {
        Ok(value) => {
            let line = serde_json::to_string(&value).expect("a parsed document serialises");
            // serde_json reads back at most 128 levels: deeper documents are refused downstream
            // with a clear error, which is fine; shallower ones must round-trip exactly.
            if let Ok(back) = serde_json::from_str::<Value>(&line) {
                assert_eq!(back, value, "JSON round trip changed the document");
            }
            if let Value::Object(map) = &value {
                let merged = tg_core::merge::merge(map, map);
                assert_eq!(merged.len(), map.len(), "merge of a mapping with itself changed its keys");
            }
        }
        Err(err) => tg_fuzz::assert_input_error(&err, "fuzz.yml"),
    }
});
