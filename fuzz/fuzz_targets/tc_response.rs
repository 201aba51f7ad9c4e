//! Taskcluster responses: the shared client (`tg_core::taskcluster`: status handling, JSON
//! bodies, error fields) and what tg-optimize (`index.findTasksAtIndex`, `queue.statuses`,
//! `index.findTask`, `queue.status`, with continuation tokens) and tg-submit (`createTask`)
//! make of the answers. A loopback server on 127.0.0.1 answers with the fuzz input: the first
//! byte picks the HTTP status and the call, the rest is the body. Failures are exit-3 errors
//! naming the call, and never show the access token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use tg_fuzz::{loopback_client, Loopback, FUZZ_ACCESS_TOKEN};
use tg_optimize::index::{IndexSource, TaskclusterIndex};
use tg_submit::queue::{Queue, TaskclusterQueue};

const STATUSES: [u16; 8] = [200, 200, 201, 400, 404, 409, 500, 503];

fn check_error(err: &anyhow::Error) {
    let text = tg_core::cli::render_chain(err);
    assert!(!text.contains(FUZZ_ACCESS_TOKEN), "the access token leaked: {text}");
    assert!(!text.is_empty());
    let code = tg_core::error::exit_code_of(err);
    assert_eq!(code, 3, "a bad answer from Taskcluster is a remote failure: {text}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let status = STATUSES[usize::from(selector) % STATUSES.len()];
    let call = usize::from(selector) / STATUSES.len() % 6;
    Loopback::get().set_reply(status, body);
    let client = loopback_client().clone();
    let paths = vec!["proj.v2.a".to_string(), "proj.v2.b".to_string()];
    let ids = vec!["Ee3pRbHfQ9KkFjnqi6aYdg".to_string()];
    match call {
        0 => {
            if let Err(e) = client.get_json("queue", "task/Ee3pRbHfQ9KkFjnqi6aYdg/status") {
                assert!(!e.to_string().contains(FUZZ_ACCESS_TOKEN));
                check_error(&anyhow::Error::from(e));
            }
        }
        1 => {
            if let Err(e) = TaskclusterIndex::new(client).find_tasks_at_index(&paths) {
                check_error(&e);
            }
        }
        2 => {
            if let Err(e) = TaskclusterIndex::new(client).statuses(&ids) {
                check_error(&e);
            }
        }
        3 => {
            if let Err(e) = TaskclusterIndex::new(client).find_task("proj.v2.a") {
                check_error(&e);
            }
        }
        4 => {
            if let Err(e) = TaskclusterIndex::new(client).status("Ee3pRbHfQ9KkFjnqi6aYdg") {
                check_error(&e);
            }
        }
        _ => {
            let queue = TaskclusterQueue::new(client);
            if let Err(e) = queue.create_task("Ee3pRbHfQ9KkFjnqi6aYdg", &json!({"payload": {}})) {
                assert!(!e.message().contains(FUZZ_ACCESS_TOKEN), "the access token leaked: {}", e.message());
            }
        }
    }
});
