//! The JSON-lines reader (`tg_core::jsonl`) and the whole-graph checks behind it
//! (`tg_core::graph::read_graph`: duplicate labels, unknown dependencies, cycles). Every error
//! names `<fuzz>:<line>` or the labels involved and maps to exit code 1 or 2; accepted records
//! must be written back by the writer and read again unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tg_core::jsonl::{JsonLinesReader, JsonLinesWriter};
use tg_core::task::Task;

fuzz_target!(|data: &[u8]| {
    // Untyped values, as tg-transform's driver and jq-like filters see them.
    let mut reader = JsonLinesReader::new(data, "<fuzz>");
    let mut values = Vec::new();
    loop {
        match reader.next_value() {
            Ok(Some(v)) => values.push(v),
            Ok(None) => break,
            Err(err) => {
                tg_fuzz::assert_input_error(&err, "<fuzz>:");
                break;
            }
        }
    }
    let mut out = Vec::new();
    let mut writer = JsonLinesWriter::new(&mut out);
    for v in &values {
        writer.write(v).expect("write to memory");
    }
    writer.finish().expect("flush to memory");
    let again: Vec<serde_json::Value> = {
        let mut r = JsonLinesReader::new(out.as_slice(), "<again>");
        let mut vs = Vec::new();
        while let Some(v) = r.next_value().expect("our own output reads back") {
            vs.push(v);
        }
        vs
    };
    assert_eq!(again, values, "write/read round trip changed the records");

    // Typed records and the graph invariants, as tg-resolve/optimize/morph/submit read them.
    match tg_core::graph::read_graph(data, "<fuzz>") {
        Ok(graph) => {
            let order = graph.topological_order().expect("a checked graph has an order");
            assert_eq!(order.len(), graph.len());
        }
        Err(err) => {
            let code = tg_core::error::exit_code_of(&err);
            assert!(code == 1 || code == 2, "graph error mapped to {code}: {err:#}");
        }
    }
    let mut items = JsonLinesReader::new(data, "<fuzz>");
    if let Err(err) = items.read_all::<tg_core::item::Item>() {
        tg_fuzz::assert_input_error(&err, "<fuzz>:");
    }
    let mut tasks = JsonLinesReader::new(data, "<fuzz>");
    if let Err(err) = tasks.read_all::<Task>() {
        tg_fuzz::assert_input_error(&err, "<fuzz>:");
    }
});
