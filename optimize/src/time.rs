//! Taskcluster's JSON timestamps and taskgraph's relative datestamps.
//!
//! `{"relative-datestamp": "1 day"}` resolves against a clock reading to
//! `YYYY-MM-DDTHH:MM:SS.mmmZ` (taskgraph's `json_time_from_now`: the amount is an integer,
//! `months` are 30 days and `years` 365 days, the milliseconds are truncated). Timestamps are
//! parsed as taskgraph's `strptime(..., "%Y-%m-%dT%H:%M:%S.%fZ")` parses them.
//! Instants are microseconds since the Unix epoch (UTC).

use regex::Regex;
use serde_json::{Map, Value};
use std::sync::OnceLock;
use tg_core::quote::capped;

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// The current time, in microseconds since the epoch.
pub fn now_micros() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

/// `value_of`: the length of a relative datestamp such as `1 day`, `6years` or `2 seconds`.
pub fn relative_duration_micros(text: &str) -> Result<i64, String> {
    static PATTERN: OnceLock<Result<Regex, regex::Error>> = OnceLock::new();
    let pattern =
        PATTERN.get_or_init(|| Regex::new(r"((?:\d+)?\.?\d+) *([a-z]+)")).as_ref().map_err(ToString::to_string)?;
    let caps = pattern.captures(text).ok_or_else(|| format!("'{text}' is invalid string"))?;
    let (amount, unit) = (&caps[1], &caps[2]);
    let seconds_per_unit = match unit {
        "seconds" | "second" | "s" => 1,
        "minutes" | "minute" | "min" => 60,
        "hours" | "hour" | "h" => 3_600,
        "days" | "day" | "d" => SECONDS_PER_DAY,
        "months" | "month" | "mo" => 30 * SECONDS_PER_DAY,
        "years" | "year" | "y" => 365 * SECONDS_PER_DAY,
        _ => {
            return Err(format!(
                "{unit} is not a valid time measure use one of ['d', 'day', 'days', 'h', 'hour', 'hours', \
                 'min', 'minute', 'minutes', 'mo', 'month', 'months', 's', 'second', 'seconds', 'y', \
                 'year', 'years']"
            ))
        }
    };
    let amount: i64 = amount.parse().map_err(|_| format!("invalid literal for int() with base 10: '{amount}'"))?;
    amount
        .checked_mul(seconds_per_unit)
        .and_then(|s| s.checked_mul(MICROS_PER_SECOND))
        .ok_or_else(|| format!("'{text}' is out of range"))
}

/// `json_time_from_now(text, now)`.
pub fn json_time_from_now(text: &str, now: i64) -> Result<String, String> {
    let at = now.checked_add(relative_duration_micros(text)?).ok_or_else(|| format!("'{text}' is out of range"))?;
    format_json_time(at)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for an instant (years 1 to 9999, as Python's datetime).
pub fn format_json_time(micros: i64) -> Result<String, String> {
    let seconds = micros.div_euclid(MICROS_PER_SECOND);
    let millis = micros.rem_euclid(MICROS_PER_SECOND) / 1_000;
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let secs_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = tg_core::params::civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return Err("date value out of range".to_string());
    }
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs_of_day / 3_600,
        secs_of_day % 3_600 / 60,
        secs_of_day % 60
    ))
}

/// Parse `%Y-%m-%dT%H:%M:%S.%fZ` (fields of 1-2 digits except the 4-digit year and the
/// 1-6 digit fraction, as `strptime` accepts them).
pub fn parse_json_time(text: &str) -> Option<i64> {
    static PATTERN: OnceLock<Result<Regex, regex::Error>> = OnceLock::new();
    let pattern = PATTERN
        .get_or_init(|| Regex::new(r"^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,6})Z$"))
        .as_ref()
        .ok()?;
    let caps = pattern.captures(text)?;
    let num = |i: usize| caps[i].parse::<i64>().ok();
    let (year, month, day) = (num(1)?, num(2)?, num(3)?);
    let (hour, minute, second) = (num(4)?, num(5)?, num(6)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 61 {
        return None;
    }
    let fraction = &caps[7];
    let micros_part = fraction.parse::<i64>().ok()? * 10i64.pow(6 - fraction.len() as u32);
    let days = days_from_civil(year, month, day);
    Some((days * SECONDS_PER_DAY + hour * 3_600 + minute * 60 + second) * MICROS_PER_SECOND + micros_part)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's civil-to-days conversion (days since 1970-01-01).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `resolve_timestamps(now, value)`: every `{"relative-datestamp": ...}` replaced by a timestamp.
pub fn resolve_timestamps(now: i64, value: &Value) -> Result<Value, String> {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("relative-datestamp") => {
            match &map["relative-datestamp"] {
                Value::String(text) => Ok(Value::String(json_time_from_now(text, now)?)),
                Value::Object(inner) => {
                    let mut out = Map::new();
                    for (k, v) in inner {
                        out.insert(json_time_from_now(k, now)?, resolve_timestamps(now, v)?);
                    }
                    Ok(Value::Object(out))
                }
                other => Err(format!("relative-datestamp: expected a string, got {}", capped(&other.to_string()))),
            }
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), resolve_timestamps(now, v)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            items.iter().map(|v| resolve_timestamps(now, v)).collect::<Result<_, _>>().map(Value::Array)
        }
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2026-01-01T00:00:00.123456Z
    const NOW: i64 = 1_767_225_600_123_456;

    /// Expected values from Python taskgraph 24.5.1:
    /// `json_time_from_now(s, datetime(2026,1,1,0,0,0,123456, tzinfo=timezone.utc))`.
    #[test]
    fn relative_datestamps_match_taskgraph() {
        let cases = [
            ("0 seconds", "2026-01-01T00:00:00.123Z"),
            ("1 day", "2026-01-02T00:00:00.123Z"),
            ("2 hours", "2026-01-01T02:00:00.123Z"),
            ("1 year", "2027-01-01T00:00:00.123Z"),
            ("3 months", "2026-04-01T00:00:00.123Z"),
            ("28 days", "2026-01-29T00:00:00.123Z"),
            ("10min", "2026-01-01T00:10:00.123Z"),
            ("in 5 y please", "2030-12-31T00:00:00.123Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(json_time_from_now(text, NOW).unwrap(), expected, "{text}");
        }
        assert!(json_time_from_now("1.5 days", NOW).unwrap_err().contains("invalid literal"));
        assert!(json_time_from_now("3 weeks", NOW).unwrap_err().contains("weeks is not a valid time measure"));
        assert!(json_time_from_now("soon", NOW).unwrap_err().contains("invalid string"));
    }

    #[test]
    fn parses_what_strptime_parses() {
        assert_eq!(parse_json_time("2026-01-01T00:00:00.123Z"), Some(NOW - 456));
        assert_eq!(parse_json_time("2026-1-1T0:0:0.5Z"), Some(1_767_225_600_500_000));
        assert_eq!(parse_json_time("1970-01-01T00:00:00.000000Z"), Some(0));
        assert_eq!(parse_json_time("2026-01-01T00:00:00Z"), None);
        assert_eq!(parse_json_time("2026-02-29T00:00:00.0Z"), None);
        assert_eq!(parse_json_time("2024-02-29T00:00:00.0Z").map(|_| ()), Some(()));
        assert_eq!(format_json_time(0).unwrap(), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn resolves_nested_datestamps() {
        let v =
            json!({"deadline": {"relative-datestamp": "1 day"}, "l": [{"relative-datestamp": "0 seconds"}], "x": 1});
        assert_eq!(
            resolve_timestamps(NOW, &v).unwrap(),
            json!({"deadline": "2026-01-02T00:00:00.123Z", "l": ["2026-01-01T00:00:00.123Z"], "x": 1})
        );
    }
}
