//! Time values as podman's `--since` and `--until` take them: Go durations (`30m`,
//! `1h10m30s`, before now), RFC 3339 times, dates, and Unix seconds.

use crate::error::{LibpodError, Result};

/// A Go duration (`300ms`, `1.5h`, `1h10m30s`) in nanoseconds; `None` when it is not one.
pub fn parse_go_duration(s: &str) -> Option<i64> {
    let mut rest = s;
    let mut total: f64 = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[u..];
        total += value * unit;
    }
    (total < 9.2e18).then_some(total as i64)
}

/// A `--since`/`--until` value as nanoseconds since the epoch, given `now` in nanoseconds.
///
/// ```
/// let now = 1_000_000_000_000_000_000;
/// assert_eq!(libpod::parse_time_filter("30m", now)?, now - 1_800_000_000_000);
/// assert_eq!(libpod::parse_time_filter("1970-01-02", now)?, 86_400_000_000_000);
/// assert!(libpod::parse_time_filter("bogus", now).is_err());
/// # Ok::<(), libpod::LibpodError>(())
/// ```
pub fn parse_time_filter(s: &str, now: i64) -> Result<i64> {
    if let Some(d) = parse_go_duration(s) {
        return Ok(now - d);
    }
    if let Some(t) = libpod_storage::time::parse(s) {
        return Ok(t);
    }
    // A date or a time without a zone: UTC.
    let with_zone = match s.len() {
        10 => Some(format!("{s}T00:00:00Z")),
        19 => Some(format!("{s}Z")),
        _ => None,
    };
    if let Some(t) = with_zone.as_deref().and_then(libpod_storage::time::parse) {
        return Ok(t);
    }
    // Unix seconds, with an optional fraction.
    if let Ok(secs) = s.parse::<f64>()
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return Ok((secs * 1e9) as i64);
    }
    Err(LibpodError::Invalid(format!(
        "{s:?}: unable to interpret time value (a duration such as 10m, an RFC 3339 time, a date or Unix seconds)"
    )))
}

/// Now, in nanoseconds since the epoch (the unit of every time in the library).
pub fn now_ns() -> i64 {
    libpod_storage::time::now()
}

/// An RFC 3339 time (any offset) in nanoseconds since the epoch.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    libpod_storage::time::parse(s)
}

/// RFC 3339 in UTC with all nine digits of the fraction (`1970-01-01T00:00:00.000000000Z`).
pub fn format_rfc3339(ns: i64) -> String {
    libpod_storage::time::format(ns)
}

/// RFC 3339 with nanoseconds as Go prints it (`RFC3339Nano`: trailing zeros of the
/// fraction dropped, `Z` for UTC).
pub fn rfc3339_nano(ns: i64) -> String {
    libpod_config::time::format_go(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_go_reads_them() {
        assert_eq!(parse_go_duration("30m"), Some(1_800_000_000_000));
        assert_eq!(parse_go_duration("10m30s"), Some(630_000_000_000));
        assert_eq!(parse_go_duration("1.5h"), Some(5_400_000_000_000));
        assert_eq!(parse_go_duration("300ms"), Some(300_000_000));
        for bad in ["", "10", "bogus", "5d", "m"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_dates_and_seconds() {
        let now = 2_000_000_000_000_000_000;
        assert_eq!(
            parse_time_filter("1970-01-01T00:00:10Z", now).expect("rfc"),
            10_000_000_000
        );
        assert_eq!(
            parse_time_filter("1970-01-01T00:00:10", now).expect("no zone"),
            10_000_000_000
        );
        assert_eq!(
            parse_time_filter("12.5", now).expect("secs"),
            12_500_000_000
        );
        assert!(parse_time_filter("2020-13-01", now).is_err());
        assert_eq!(rfc3339_nano(1_500_000_000), "1970-01-01T00:00:01.5Z");
        assert_eq!(rfc3339_nano(1_000_000_000), "1970-01-01T00:00:01Z");
    }
}
