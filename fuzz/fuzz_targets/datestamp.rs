//! Relative datestamps and Taskcluster timestamps, as tg-optimize (`tg_optimize::time`) and
//! tg-submit (`tg_submit::time`) each implement them. Both read `{"relative-datestamp": ...}`
//! with taskgraph's grammar, so where both succeed they must agree; parsed timestamps must
//! print and parse back to the same instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tg_optimize::time as opt;
use tg_submit::time as sub;

/// 2024-05-01T12:34:56.789Z, in milliseconds.
const NOW_MS: i64 = 1_714_566_896_789;

fuzz_target!(|data: &[u8]| {
    let Some(text) = tg_fuzz::text(data) else { return };
    let now = sub::Instant(NOW_MS);

    // Durations.
    let sub_offset = sub::offset_seconds(text);
    let opt_offset = opt::relative_duration_micros(text);
    if let (Ok(s), Ok(o)) = (&sub_offset, &opt_offset) {
        assert_eq!(s.checked_mul(1_000_000), Some(*o), "stages disagree on the length of {text:?}");
    }
    let sub_stamp = sub::json_time_from_now(text, now);
    let opt_stamp = opt::json_time_from_now(text, NOW_MS * 1000);
    if let (Ok(s), Ok(o)) = (&sub_stamp, &opt_stamp) {
        assert_eq!(s, o, "stages disagree on {text:?} from now");
    }

    // Absolute timestamps.
    if let Ok(instant) = sub::Instant::parse(text) {
        let printed = instant.to_json_time();
        assert_eq!(sub::Instant::parse(&printed), Ok(instant), "{text:?} printed as {printed:?}");
    }
    if let Some(micros) = opt::parse_json_time(text) {
        if let Ok(printed) = opt::format_json_time(micros) {
            let again = opt::parse_json_time(&printed).expect("our own timestamp parses");
            assert_eq!(again, micros - micros.rem_euclid(1_000), "{text:?} printed as {printed:?}");
        }
    }

    // Whole values with stamps inside, as task definitions carry them.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let s = sub::resolve_timestamps(&value, now);
        let o = opt::resolve_timestamps(NOW_MS * 1000, &value);
        if let (Ok(s), Ok(o)) = (&s, &o) {
            assert_eq!(s, o, "stages resolve {text:?} differently");
        }
    }
});
