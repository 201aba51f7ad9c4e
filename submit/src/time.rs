//! Relative datestamps, as taskgraph resolves them when it creates tasks.
//!
//! `{"relative-datestamp": "28 days"}` becomes `now + 28 days` in the form
//! `YYYY-MM-DDTHH:MM:SS.mmmZ` (taskgraph's `util/time.py`, `json_time_from_now`). The duration
//! is the first match of `((?:\d+)?\.?\d+) *([a-z]+)` anywhere in the string (so `"-1 day"` is one
//! day ahead, as in Python); the number must be an integer; units are the aliases below, with a
//! month of 30 days and a year of 365 days. A one-key mapping
//! `{"relative-datestamp": {"<stamp>": value}}` resolves its keys instead (taskgraph's
//! `_recurse`). All stamps of a graph are resolved against one clock reading ([`Instant`]).

use regex::Regex;
use serde_json::{Map, Value};
use std::sync::OnceLock;
use tg_core::quote::capped;

/// A point in time, in milliseconds since the Unix epoch (UTC). Taskgraph prints
/// milliseconds and every relative offset is a whole number of seconds, so milliseconds
/// are all the precision that matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(pub i64);

/// Smallest and largest representable instants: years 1 to 9999, as Python's `datetime`.
const MIN_MS: i64 = -62_135_596_800_000;
const MAX_MS: i64 = 253_402_300_799_999;

impl Instant {
    /// The system clock now.
    pub fn now() -> Instant {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        Instant(since.map(|d| d.as_millis() as i64).unwrap_or(0))
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn to_json_time(self) -> String {
        let secs = self.0.div_euclid(1000);
        let ms = self.0.rem_euclid(1000);
        let (y, m, d) = tg_core::params::civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
    }

    /// Parse `YYYY-MM-DDTHH:MM:SS[.fff]Z` (also `+00:00`) or a number of Unix seconds.
    pub fn parse(text: &str) -> Result<Instant, String> {
        let text = text.trim();
        if let Ok(secs) = text.parse::<i64>() {
            return secs
                .checked_mul(1000)
                .filter(|ms| (MIN_MS..=MAX_MS).contains(ms))
                .map(Instant)
                .ok_or_else(|| format!("time out of range: {}", capped(text)));
        }
        parse_iso(text).ok_or_else(|| {
            let shown = capped(text).to_string();
            format!("cannot read time {shown:?}: expected YYYY-MM-DDTHH:MM:SS.mmmZ or Unix seconds")
        })
    }

    /// `self + seconds`, or `None` past year 9999.
    fn plus_seconds(self, seconds: i64) -> Option<Instant> {
        let ms = self.0.checked_add(seconds.checked_mul(1000)?)?;
        (MIN_MS..=MAX_MS).contains(&ms).then_some(Instant(ms))
    }
}

/// The `YYYY-MM-DDTHH:MM:SS[.fff](Z|+00:00)` parser behind [`Instant::parse`].
fn parse_iso(text: &str) -> Option<Instant> {
    let body = text.strip_suffix('Z').or_else(|| text.strip_suffix("+00:00"))?;
    let (date, time) = body.split_once('T')?;
    let mut date_parts = date.splitn(3, '-');
    let y: i64 = date_parts.next()?.parse().ok()?;
    let mo: u32 = date_parts.next()?.parse().ok()?;
    let d: u32 = date_parts.next()?.parse().ok()?;
    if !(1..=9999).contains(&y) {
        return None;
    }
    let (hms, frac) = match time.split_once('.') {
        Some((hms, frac)) => (hms, frac),
        None => (time, ""),
    };
    let mut time_parts = hms.splitn(3, ':');
    let h: i64 = time_parts.next()?.parse().ok()?;
    let mi: i64 = time_parts.next()?.parse().ok()?;
    let s: i64 = time_parts.next()?.parse().ok()?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0 {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let ms: i64 = format!("{frac:0<3}")[..3].parse().ok()?;
    let days = days_from_civil(y, mo, d);
    let (cy, cm, cd) = tg_core::params::civil_from_days(days);
    if (cy, cm, cd) != (y, mo, d) {
        return None;
    }
    let total = ((days * 86_400 + h * 3600 + mi * 60 + s) * 1000) + ms;
    (MIN_MS..=MAX_MS).contains(&total).then_some(Instant(total))
}

/// Howard Hinnant's civil-to-days conversion (inverse of `civil_from_days`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn duration_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    // A constant pattern: compiling it cannot fail.
    PATTERN.get_or_init(|| Regex::new(r"((?:[0-9]+)?\.?[0-9]+) *([a-z]+)").unwrap_or_else(|_| unreachable!()))
}

/// Seconds in one unit named by a taskgraph alias.
fn unit_seconds(unit: &str) -> Option<i64> {
    Some(match unit {
        "seconds" | "second" | "s" => 1,
        "minutes" | "minute" | "min" => 60,
        "hours" | "hour" | "h" => 3600,
        "days" | "day" | "d" => 86_400,
        "months" | "month" | "mo" => 30 * 86_400,
        "years" | "year" | "y" => 365 * 86_400,
        _ => return None,
    })
}

/// The offset a relative-datestamp string stands for, in seconds (taskgraph's `value_of`).
pub fn offset_seconds(text: &str) -> Result<i64, String> {
    let invalid = || format!("'{}' is invalid string", capped(text));
    let caps = duration_pattern().captures(text).ok_or_else(invalid)?;
    // Both groups of the pattern are mandatory: a match has them.
    let (Some(number), Some(unit)) = (caps.get(1), caps.get(2)) else { return Err(invalid()) };
    let (number, unit) = (number.as_str(), unit.as_str());
    let per_unit = unit_seconds(unit).ok_or_else(|| {
        format!(
            "{} is not a valid time measure use one of ['d', 'day', 'days', 'h', 'hour', 'hours', \
             'min', 'minute', 'minutes', 'mo', 'month', 'months', 's', 'second', 'seconds', 'y', 'year', 'years']",
            capped(unit)
        )
    })?;
    let count: i64 =
        number.parse().map_err(|_| format!("invalid literal for int() with base 10: '{}'", capped(number)))?;
    count.checked_mul(per_unit).ok_or_else(|| format!("'{}' is too far in the future", capped(text)))
}

/// `now + text` formatted as taskgraph does (`json_time_from_now`).
pub fn json_time_from_now(text: &str, now: Instant) -> Result<String, String> {
    let offset = offset_seconds(text)?;
    let at = now.plus_seconds(offset).ok_or_else(|| format!("'{}' is too far in the future", capped(text)))?;
    Ok(at.to_json_time())
}

/// Replace every `{"relative-datestamp": ...}` in `value` by its time; errors name the path.
pub fn resolve_timestamps(value: &Value, now: Instant) -> Result<Value, String> {
    resolve_at(value, now, &mut String::new())
}

fn resolve_at(value: &Value, now: Instant, path: &mut String) -> Result<Value, String> {
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(stamp) = map.get("relative-datestamp") {
                    return resolve_stamp(stamp, now, path);
                }
            }
            let mut out = Map::with_capacity(map.len());
            for (key, item) in map {
                let len = path.len();
                push_key(path, key);
                out.insert(key.clone(), resolve_at(item, now, path)?);
                path.truncate(len);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                out.push(resolve_at(item, now, path)?);
                path.truncate(len);
            }
            Ok(Value::Array(out))
        }
        other => Ok(other.clone()),
    }
}

/// The value of a `relative-datestamp` key: a string, or a mapping whose keys are stamps.
fn resolve_stamp(stamp: &Value, now: Instant, path: &mut String) -> Result<Value, String> {
    let here =
        |p: &str| if p.is_empty() { "relative-datestamp".to_string() } else { format!("{p}.relative-datestamp") };
    match stamp {
        Value::String(text) => {
            json_time_from_now(text, now).map(Value::String).map_err(|e| format!("{}: {e}", here(path)))
        }
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, item) in map {
                let resolved = json_time_from_now(key, now).map_err(|e| format!("{}: {e}", here(path)))?;
                let len = path.len();
                push_key(path, key);
                out.insert(resolved, resolve_at(item, now, path)?);
                path.truncate(len);
            }
            Ok(Value::Object(out))
        }
        other => Err(format!(
            "{}: expected a string like \"28 days\", got {}",
            here(path),
            tg_core::config::type_name(other)
        )),
    }
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2026-01-01T00:00:00.123Z
    const NOW: Instant = Instant(1_767_225_600_123);

    /// Expected values from Python taskgraph 24.5.1:
    /// `json_time_from_now(s, datetime.datetime(2026,1,1,0,0,0,123456,tzinfo=datetime.timezone.utc))`
    #[test]
    fn offsets_match_taskgraph() {
        let cases = [
            ("0 seconds", "2026-01-01T00:00:00.123Z"),
            ("1 day", "2026-01-02T00:00:00.123Z"),
            ("28 days", "2026-01-29T00:00:00.123Z"),
            ("1 year", "2027-01-01T00:00:00.123Z"),
            ("2 months", "2026-03-02T00:00:00.123Z"),
            ("90min", "2026-01-01T01:30:00.123Z"),
            ("-1 day", "2026-01-02T00:00:00.123Z"),
            ("in 3 h please", "2026-01-01T03:00:00.123Z"),
            ("1000 years", "3025-05-04T00:00:00.123Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(json_time_from_now(text, NOW).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn bad_stamps_are_errors() {
        assert_eq!(offset_seconds("soon").unwrap_err(), "'soon' is invalid string");
        assert!(offset_seconds("3 weeks").unwrap_err().starts_with("weeks is not a valid time measure"));
        assert_eq!(offset_seconds("1.5 days").unwrap_err(), "invalid literal for int() with base 10: '1.5'");
        assert!(json_time_from_now("9999 years", NOW).is_err());
        let huge = "1".repeat(1_000_000);
        let shown = format!("{}… (1000000 bytes)", "1".repeat(tg_core::quote::MAX_QUOTED_CHARS));
        assert_eq!(offset_seconds(&huge).unwrap_err(), format!("'{shown}' is invalid string"));
        let e = offset_seconds(&format!("{huge} days")).unwrap_err();
        assert_eq!(e, format!("invalid literal for int() with base 10: '{shown}'"));
        let e = Instant::parse(&format!("x{huge}")).unwrap_err();
        assert!(e.starts_with(&format!("cannot read time \"x{}… (1000001 bytes)\": expected", &shown[..199])), "{e}");
    }

    #[test]
    fn resolves_nested_stamps_and_keyed_form() {
        let task = json!({
            "created": {"relative-datestamp": "0 seconds"},
            "payload": {"artifacts": [{"expires": {"relative-datestamp": "1 day"}}]},
            "keyed": {"relative-datestamp": {"1 hour": {"x": {"relative-datestamp": "2 hours"}}}},
            "two-keys": {"relative-datestamp": "1 day", "other": 1},
        });
        let out = resolve_timestamps(&task, NOW).unwrap();
        assert_eq!(
            out,
            json!({
                "created": "2026-01-01T00:00:00.123Z",
                "payload": {"artifacts": [{"expires": "2026-01-02T00:00:00.123Z"}]},
                "keyed": {"2026-01-01T01:00:00.123Z": {"x": "2026-01-01T02:00:00.123Z"}},
                "two-keys": {"relative-datestamp": "1 day", "other": 1},
            })
        );
        let e = resolve_timestamps(&json!({"payload": {"a": [{"relative-datestamp": 5}]}}), NOW).unwrap_err();
        assert_eq!(e, "payload.a[0].relative-datestamp: expected a string like \"28 days\", got an integer");
    }

    #[test]
    fn parses_and_formats_times() {
        assert_eq!(Instant::parse("2026-01-01T00:00:00.123Z").unwrap(), NOW);
        assert_eq!(Instant::parse("2026-01-01T00:00:00Z").unwrap(), Instant(1_767_225_600_000));
        assert_eq!(Instant::parse("1767225600").unwrap(), Instant(1_767_225_600_000));
        assert_eq!(Instant(0).to_json_time(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Instant::parse("2024-02-29T23:59:59.999Z").unwrap().to_json_time(), "2024-02-29T23:59:59.999Z");
        assert!(Instant::parse("2023-02-29T00:00:00Z").is_err());
        assert!(Instant::parse("yesterday").is_err());
    }
}
