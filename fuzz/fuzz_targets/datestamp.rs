//! Relative datestamps and Taskcluster timestamps (`tg_core::time`, used by tg-optimize and
//! tg-submit): `{"relative-datestamp": ...}` with taskgraph's grammar; the offset and the stamp
//! agree; parsed timestamps print and parse back to the same instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tg_core::time;

/// 2024-05-01T12:34:56.789Z, in microseconds.
const NOW: time::Instant = time::Instant(1_714_566_896_789_000);

fuzz_target!(|data: &[u8]| {
    let Some(text) = tg_fuzz::text(data) else { return };

    // Durations.
    if let (Ok(offset), Ok(stamp)) = (time::value_of(text), time::json_time_from_now(text, NOW)) {
        let at = time::Instant(NOW.0 + offset * 1_000_000);
        assert_eq!(at.to_json_time(), stamp, "offset and stamp disagree on {text:?}");
    }

    // Absolute timestamps.
    if let Ok(instant) = time::Instant::parse(text) {
        let printed = instant.to_json_time();
        assert_eq!(time::Instant::parse(&printed), Ok(instant), "{text:?} printed as {printed:?}");
    }
    if let Some(micros) = time::parse_json_time(text) {
        let printed = time::Instant(micros).to_json_time();
        let again = time::parse_json_time(&printed).expect("our own timestamp parses");
        assert_eq!(again, micros - micros.rem_euclid(1_000), "{text:?} printed as {printed:?}");
    }

    // Whole values with stamps inside, as task definitions carry them.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = time::resolve_timestamps(&value, NOW);
    }
});
