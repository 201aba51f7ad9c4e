//! tg-optimize's index file (`tg_optimize::index::FileIndex`, `tg-optimize --index FILE`): a
//! JSON object from index path to `{"taskId", "status"}`. Parsing accepts or names the entry;
//! an accepted index answers every look-up its entries imply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tg_optimize::index::{FileIndex, IndexSource};

fuzz_target!(|data: &[u8]| {
    let Some(text) = tg_fuzz::text(data) else { return };
    let Ok(mut index) = FileIndex::parse(text, "index.json") else { return };
    let Ok(Value::Object(entries)) = serde_json::from_str::<Value>(text) else {
        panic!("an accepted index file is a JSON object");
    };
    let paths: Vec<String> = entries.keys().cloned().chain(["missing.path".to_string()]).collect();
    let found = index.find_tasks_at_index(&paths).expect("file look-ups do not fail");
    assert_eq!(found.len(), entries.len(), "every entry is found, the missing path is not");
    let ids: Vec<String> = found.values().cloned().collect();
    let statuses = index.statuses(&ids).expect("file look-ups do not fail");
    for (path, id) in &found {
        assert_eq!(index.find_task(path).expect("file look-up").as_deref(), Some(id.as_str()));
        let status = index.status(id).expect("file look-up");
        assert_eq!(status.as_ref(), statuses.get(id));
    }
    let _ = index.malformed("fuzz".into());
});
