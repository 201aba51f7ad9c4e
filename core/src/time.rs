//! Taskcluster's JSON timestamps and taskgraph's relative datestamps (`taskgraph/util/time.py`).
//!
//! `{"relative-datestamp": "28 days"}` becomes `now + 28 days` as `YYYY-MM-DDTHH:MM:SS.mmmZ`
//! (taskgraph's `json_time_from_now`: microseconds truncated to milliseconds). The duration is
//! the first match of Python's `((?:\d+)?\.?\d+) *([a-z]+)` anywhere in the string (so `"-1 day"`
//! is one day ahead; `\d` is any Unicode decimal digit, as Python's `re` and `int()` read them);
//! the number must be an integer; a month is 30 days and a year 365 days. Errors are Python's
//! (`value_of`, `int()`, `timedelta`, `datetime + timedelta`), with input-derived text capped.
//! A one-key mapping `{"relative-datestamp": {"<stamp>": value}}` resolves its keys instead
//! (taskgraph's `_recurse`). Instants are microseconds since the Unix epoch (UTC), as Python's
//! `datetime`; every stamp of a graph resolves against one clock reading ([`Instant`]).

use crate::quote::capped;
use regex::Regex;
use serde_json::{Map, Value};

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;
/// Smallest and largest instants: years 1 to 9999, as Python's `datetime`.
const MIN_MICROS: i64 = -62_135_596_800_000_000;
const MAX_MICROS: i64 = 253_402_300_799_999_999;
/// `timedelta`'s limit on days, and the C `int` its constructor converts days to first.
const MAX_TIMEDELTA_DAYS: u128 = 999_999_999;
const MAX_C_INT: u128 = i32::MAX as u128;
/// CPython's default `sys.get_int_max_str_digits()`.
const MAX_INT_DIGITS: usize = 4300;

/// A point in time, in microseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(pub i64);

impl Instant {
    /// The system clock now.
    pub fn now() -> Instant {
        Instant(now_micros())
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (Python's `isoformat(timespec="milliseconds") + "Z"`).
    pub fn to_json_time(self) -> String {
        let seconds = self.0.div_euclid(MICROS_PER_SECOND);
        let millis = self.0.rem_euclid(MICROS_PER_SECOND) / 1_000;
        let (y, m, d) = civil_from_days(seconds.div_euclid(SECONDS_PER_DAY));
        let rem = seconds.rem_euclid(SECONDS_PER_DAY);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
    }

    /// A time given on the command line or kept in a state file: `YYYY-MM-DDTHH:MM:SS[.fff]Z`
    /// (also `+00:00`; the fraction is read to milliseconds) or a number of Unix seconds.
    pub fn parse(text: &str) -> Result<Instant, String> {
        let text = text.trim();
        if let Ok(secs) = text.parse::<i64>() {
            return secs
                .checked_mul(MICROS_PER_SECOND)
                .filter(|us| (MIN_MICROS..=MAX_MICROS).contains(us))
                .map(Instant)
                .ok_or_else(|| format!("time out of range: {}", capped(text)));
        }
        parse_iso(text).ok_or_else(|| {
            let shown = capped(text).to_string();
            format!("cannot read time {shown:?}: expected YYYY-MM-DDTHH:MM:SS.mmmZ or Unix seconds")
        })
    }

    /// `self + seconds` (Python's `datetime + timedelta`), or its `OverflowError`.
    fn plus_seconds(self, seconds: i64) -> Result<Instant, String> {
        let out_of_range = || "date value out of range".to_string();
        let us = self.0.checked_add(seconds.checked_mul(MICROS_PER_SECOND).ok_or_else(out_of_range)?);
        us.filter(|us| (MIN_MICROS..=MAX_MICROS).contains(us)).map(Instant).ok_or_else(out_of_range)
    }
}

/// The current time, in microseconds since the epoch.
pub fn now_micros() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

/// The `YYYY-MM-DDTHH:MM:SS[.fff](Z|+00:00)` parser behind [`Instant::parse`].
fn parse_iso(text: &str) -> Option<Instant> {
    let body = text.strip_suffix('Z').or_else(|| text.strip_suffix("+00:00"))?;
    let (date, time) = body.split_once('T')?;
    let mut date_parts = date.splitn(3, '-');
    let y: i64 = date_parts.next()?.parse().ok()?;
    let mo: i64 = date_parts.next()?.parse().ok()?;
    let d: i64 = date_parts.next()?.parse().ok()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut time_parts = hms.splitn(3, ':');
    let h: i64 = time_parts.next()?.parse().ok()?;
    let mi: i64 = time_parts.next()?.parse().ok()?;
    let s: i64 = time_parts.next()?.parse().ok()?;
    if !(1..=9999).contains(&y) || !valid_date(y, mo, d) || !(0..=23).contains(&h) {
        return None;
    }
    if !(0..=59).contains(&mi) || !(0..=59).contains(&s) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let ms: i64 = format!("{frac:0<3}").get(..3)?.parse().ok()?;
    let seconds = days_from_civil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + s;
    Some(Instant(seconds * MICROS_PER_SECOND + ms * 1_000))
}

/// Python's `datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")` as microseconds since the epoch:
/// fields of 1-2 digits except the 4-digit year and the 1-6 digit fraction; seconds up to 61.
pub fn parse_json_time(text: &str) -> Option<i64> {
    let (date, rest) = text.split_once('T')?;
    let (clock, fraction) = rest.strip_suffix('Z')?.split_once('.')?;
    let mut date = date.splitn(3, '-');
    let year = strptime_field(date.next()?, 4, 4)?;
    let (month, day) = (strptime_field(date.next()?, 1, 2)?, strptime_field(date.next()?, 1, 2)?);
    let mut clock = clock.splitn(3, ':');
    let hour = strptime_field(clock.next()?, 1, 2)?;
    let (minute, second) = (strptime_field(clock.next()?, 1, 2)?, strptime_field(clock.next()?, 1, 2)?);
    let micros = strptime_field(fraction, 1, 6)? * 10i64.pow(6 - u32::try_from(fraction.len()).ok()?);
    if year < 1 || !valid_date(year, month, day) || hour > 23 || minute > 59 || second > 61 {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3_600 + minute * 60 + second;
    Some(seconds * MICROS_PER_SECOND + micros)
}

/// A `strptime` numeric field: `min` to `max` ASCII digits.
fn strptime_field(text: &str, min: usize, max: usize) -> Option<i64> {
    let ok = (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

fn valid_date(year: i64, month: i64, day: i64) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
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
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil conversion: (year, month, day) of a day since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Seconds in one unit named by a taskgraph alias (`ALIASES`).
fn unit_seconds(unit: &str) -> Option<u128> {
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

/// Python's `\d` (a Unicode decimal digit), with `nd` matching one non-ASCII character.
fn is_digit(c: char, nd: &mut Option<Result<Regex, regex::Error>>) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    let mut buf = [0u8; 4];
    nd.get_or_insert_with(|| Regex::new(r"^\p{Nd}$")).as_ref().is_ok_and(|re| re.is_match(c.encode_utf8(&mut buf)))
}

/// Python's `int()` of one decimal digit: digits come in runs of ten from zero, so the value is
/// the distance from the run's start.
fn digit_value(c: char, nd: &mut Option<Result<Regex, regex::Error>>) -> u32 {
    if let Some(d) = c.to_digit(10) {
        return d;
    }
    let mut start = u32::from(c);
    while let Some(prev) = start.checked_sub(1).and_then(char::from_u32) {
        if !is_digit(prev, nd) {
            break;
        }
        start -= 1;
    }
    (u32::from(c) - start) % 10
}

/// The byte offset after the run of digits that starts at `at`.
fn digits_end(text: &str, at: usize, nd: &mut Option<Result<Regex, regex::Error>>) -> usize {
    let rest = text.get(at..).unwrap_or("");
    at + rest.find(|c: char| !is_digit(c, nd)).unwrap_or(rest.len())
}

/// The unit of ` *[a-z]+` at `at`, if there is one.
fn unit_at(text: &str, at: usize) -> Option<&str> {
    let rest = text.get(at..)?.trim_start_matches(' ');
    let unit = rest.get(..rest.find(|c: char| !c.is_ascii_lowercase()).unwrap_or(rest.len()))?;
    (!unit.is_empty()).then_some(unit)
}

/// `PATTERN.search(text).groups()` for taskgraph's `((?:\d+)?\.?\d+) *([a-z]+)`: the number and
/// unit of the leftmost match. A failed start inside a run of digits fails for the whole run
/// (what follows it is the same), so the search goes on after the run: linear time.
fn search_stamp<'t>(text: &'t str, nd: &mut Option<Result<Regex, regex::Error>>) -> Option<(&'t str, &'t str)> {
    let mut start = 0;
    while start < text.len() {
        let int_end = digits_end(text, start, nd);
        let fraction_end = match text.get(int_end..).and_then(|r| r.strip_prefix('.')) {
            Some(_) => digits_end(text, int_end + 1, nd),
            None => int_end,
        };
        let number_end = if fraction_end > int_end + 1 { fraction_end } else { int_end };
        if number_end > start {
            if let Some(unit) = unit_at(text, number_end) {
                return Some((text.get(start..number_end)?, unit));
            }
        }
        let next_char = text.get(start..)?.chars().next().map_or(1, char::len_utf8);
        start = if int_end > start { int_end } else { start + next_char };
    }
    None
}

/// Python's `int(text)` for a string of decimal digits; `None` when it is too large for the
/// computation that follows (more than 30 significant digits: such an offset overflows
/// `timedelta` anyway).
fn python_int(text: &str, nd: &mut Option<Result<Regex, regex::Error>>) -> Result<Option<u128>, String> {
    if !text.chars().all(|c| is_digit(c, nd)) {
        return Err(format!("invalid literal for int() with base 10: '{}'", capped(text)));
    }
    let digits: Vec<u32> = text.chars().map(|c| digit_value(c, nd)).collect();
    if digits.len() > MAX_INT_DIGITS {
        return Err(format!(
            "Exceeds the limit ({MAX_INT_DIGITS} digits) for integer string conversion: value has {} digits; \
             use sys.set_int_max_str_digits() to increase the limit",
            digits.len()
        ));
    }
    let significant = digits.iter().skip_while(|d| **d == 0).count();
    Ok((significant <= 30).then(|| digits.iter().fold(0u128, |n, d| n * 10 + u128::from(*d))))
}

/// The offset a relative-datestamp string stands for, in seconds (taskgraph's `value_of`, with
/// the `OverflowError`s of `timedelta`).
pub fn value_of(text: &str) -> Result<i64, String> {
    let mut nd = None;
    let (number, unit) = search_stamp(text, &mut nd).ok_or_else(|| format!("'{}' is invalid string", capped(text)))?;
    let per_unit = unit_seconds(unit).ok_or_else(|| {
        format!(
            "{} is not a valid time measure use one of ['d', 'day', 'days', 'h', 'hour', 'hours', \
             'min', 'minute', 'minutes', 'mo', 'month', 'months', 's', 'second', 'seconds', 'y', 'year', 'years']",
            capped(unit)
        )
    })?;
    let too_large = || "Python int too large to convert to C int".to_string();
    let seconds = python_int(number, &mut nd)?.ok_or_else(too_large)? * per_unit;
    let days = seconds / 86_400;
    if days > MAX_C_INT {
        return Err(too_large());
    }
    if days > MAX_TIMEDELTA_DAYS {
        return Err(format!("days={days}; must have magnitude <= {MAX_TIMEDELTA_DAYS}"));
    }
    i64::try_from(seconds).map_err(|_| too_large())
}

/// `now + text` formatted as taskgraph does (`json_time_from_now`).
pub fn json_time_from_now(text: &str, now: Instant) -> Result<String, String> {
    Ok(now.plus_seconds(value_of(text)?)?.to_json_time())
}

/// taskgraph's `resolve_timestamps(now, value)`: every `{"relative-datestamp": ...}` replaced by
/// its time; errors name the path.
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
        other => {
            Err(format!("{}: expected a string like \"28 days\", got {}", here(path), crate::config::type_name(other)))
        }
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

    /// 2026-01-01T00:00:00.123456Z
    const NOW: Instant = Instant(1_767_225_600_123_456);

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
            ("2 months", "2026-03-02T00:00:00.123Z"),
            ("28 days", "2026-01-29T00:00:00.123Z"),
            ("10min", "2026-01-01T00:10:00.123Z"),
            ("90min", "2026-01-01T01:30:00.123Z"),
            ("-1 day", "2026-01-02T00:00:00.123Z"),
            ("in 5 y please", "2030-12-31T00:00:00.123Z"),
            ("in 3 h please", "2026-01-01T03:00:00.123Z"),
            ("1000 years", "3025-05-04T00:00:00.123Z"),
            ("3000 years", "5024-01-05T00:00:00.123Z"),
            ("\u{663} days", "2026-01-04T00:00:00.123Z"),
            ("1 \u{663} days", "2026-01-04T00:00:00.123Z"),
            ("\u{1d7cf}\u{1d7d0} s", "2026-01-01T00:00:12.123Z"),
            ("\u{ff12} days", "2026-01-03T00:00:00.123Z"),
            ("1_0 days", "2026-01-01T00:00:00.123Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(json_time_from_now(text, NOW).unwrap(), expected, "{text}");
        }
    }

    /// Python's exceptions for the same strings (`str(e)`).
    #[test]
    fn bad_stamps_are_pythons_errors() {
        let cases = [
            ("soon", "'soon' is invalid string"),
            ("1.5 days", "invalid literal for int() with base 10: '1.5'"),
            ("1.2.3 s", "invalid literal for int() with base 10: '2.3'"),
            ("1000000000 days", "days=1000000000; must have magnitude <= 999999999"),
            ("999999999 days", "date value out of range"),
            ("9999 years", "date value out of range"),
            ("99999999999999 seconds", "days=1157407407; must have magnitude <= 999999999"),
            ("99999999999999 minutes", "Python int too large to convert to C int"),
            ("99999999999999999999 mo", "Python int too large to convert to C int"),
            ("100000000000000000000000000 h", "Python int too large to convert to C int"),
        ];
        for (text, expected) in cases {
            assert_eq!(json_time_from_now(text, NOW).unwrap_err(), expected, "{text}");
        }
        assert!(value_of("3 weeks").unwrap_err().starts_with("weeks is not a valid time measure use one of ['d',"));
        assert!(value_of("1e5 s").unwrap_err().starts_with("e is not a valid time measure"));
        let e = value_of(&format!("{} days", "1".repeat(5000))).unwrap_err();
        assert_eq!(
            e,
            "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; \
             use sys.set_int_max_str_digits() to increase the limit"
        );
    }

    #[test]
    fn errors_quote_capped_input() {
        let huge = "1".repeat(1_000_000);
        let shown = format!("{}… (1000000 bytes)", "1".repeat(crate::quote::MAX_QUOTED_CHARS));
        assert_eq!(value_of(&huge).unwrap_err(), format!("'{shown}' is invalid string"));
        let e = value_of(&format!("{huge}.5 days")).unwrap_err();
        assert!(e.starts_with("invalid literal for int() with base 10: '111") && e.len() < 400, "{e}");
        let e = Instant::parse(&format!("x{huge}")).unwrap_err();
        assert!(e.starts_with(&format!("cannot read time \"x{}… (1000001 bytes)\": expected", &shown[..199])), "{e}");
    }

    #[test]
    fn parses_what_strptime_parses() {
        assert_eq!(parse_json_time("2026-01-01T00:00:00.123Z"), Some(NOW.0 - 456));
        assert_eq!(parse_json_time("2026-1-1T0:0:0.5Z"), Some(1_767_225_600_500_000));
        assert_eq!(parse_json_time("1970-01-01T00:00:00.000000Z"), Some(0));
        assert_eq!(parse_json_time("2026-01-01T00:00:00Z"), None);
        assert_eq!(parse_json_time("2026-02-29T00:00:00.0Z"), None);
        assert_eq!(parse_json_time("2026-01-01T00:00:00.1234567Z"), None);
        assert_eq!(parse_json_time("2024-02-29T00:00:00.0Z").map(|_| ()), Some(()));
    }

    #[test]
    fn parses_and_formats_command_line_times() {
        assert_eq!(Instant::parse("2026-01-01T00:00:00.123Z").unwrap(), Instant(1_767_225_600_123_000));
        assert_eq!(Instant::parse("2026-01-01T00:00:00Z").unwrap(), Instant(1_767_225_600_000_000));
        assert_eq!(Instant::parse("2026-01-01T00:00:00+00:00").unwrap(), Instant(1_767_225_600_000_000));
        assert_eq!(Instant::parse("1767225600").unwrap(), Instant(1_767_225_600_000_000));
        assert_eq!(Instant(0).to_json_time(), "1970-01-01T00:00:00.000Z");
        assert_eq!(NOW.to_json_time(), "2026-01-01T00:00:00.123Z");
        assert_eq!(Instant::parse("2024-02-29T23:59:59.999Z").unwrap().to_json_time(), "2024-02-29T23:59:59.999Z");
        assert!(Instant::parse("2023-02-29T00:00:00Z").is_err());
        assert!(Instant::parse("yesterday").is_err());
        assert!(Instant::parse("99999999999999999").unwrap_err().starts_with("time out of range"));
    }

    #[test]
    fn resolves_nested_stamps_and_keyed_form() {
        let task = json!({
            "created": {"relative-datestamp": "0 seconds"},
            "payload": {"artifacts": [{"expires": {"relative-datestamp": "1 day"}}]},
            "keyed": {"relative-datestamp": {"1 hour": {"x": {"relative-datestamp": "2 hours"}}}},
            "two-keys": {"relative-datestamp": "1 day", "other": 1},
            "x": 1,
        });
        assert_eq!(
            resolve_timestamps(&task, NOW).unwrap(),
            json!({
                "created": "2026-01-01T00:00:00.123Z",
                "payload": {"artifacts": [{"expires": "2026-01-02T00:00:00.123Z"}]},
                "keyed": {"2026-01-01T01:00:00.123Z": {"x": "2026-01-01T02:00:00.123Z"}},
                "two-keys": {"relative-datestamp": "1 day", "other": 1},
                "x": 1,
            })
        );
        let e = resolve_timestamps(&json!({"payload": {"a": [{"relative-datestamp": 5}]}}), NOW).unwrap_err();
        assert_eq!(e, "payload.a[0].relative-datestamp: expected a string like \"28 days\", got an integer");
        let e = resolve_timestamps(&json!({"relative-datestamp": "soon"}), NOW).unwrap_err();
        assert_eq!(e, "relative-datestamp: 'soon' is invalid string");
    }
}
