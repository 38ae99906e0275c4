//! Parsing podman-style option values the library does not own: env files, networks,
//! labels, durations.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

/// `--env-file` lines (`KEY=value`; `#` comments and blank lines skipped; `KEY` alone takes
/// the caller's value).
pub fn env_file(p: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(p).with_context(|| format!("reading env file {}", p.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            if l.contains('=') {
                Some(l.to_string())
            } else {
                std::env::var(l).ok().map(|v| format!("{l}={v}"))
            }
        })
        .collect())
}

/// `KEY=value` labels.
pub fn labels(v: &[String]) -> std::collections::BTreeMap<String, String> {
    v.iter()
        .map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .unwrap_or_else(|| (l.clone(), String::new()))
        })
        .collect()
}

/// A duration as podman takes one: a number with `ms`, `s`, `m` or `h` (`500ms`, `1.5s`);
/// a bare number is seconds.
pub fn duration(s: &str) -> Result<std::time::Duration> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow!("invalid duration {s:?}: expected a number with ms, s, m or h"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => bail!("invalid duration {s:?}: the unit is ms, s, m or h"),
    };
    std::time::Duration::try_from_secs_f64(secs).map_err(|e| anyhow!("invalid duration {s:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_as_podman_takes_them() {
        use std::time::Duration;
        assert_eq!(duration("500ms").ok(), Some(Duration::from_millis(500)));
        assert_eq!(duration("1.5s").ok(), Some(Duration::from_millis(1500)));
        assert_eq!(duration("2").ok(), Some(Duration::from_secs(2)));
        assert_eq!(duration("1m").ok(), Some(Duration::from_secs(60)));
        assert!(duration("soon").is_err());
        assert!(duration("3d").is_err());
        assert!(duration("-1s").is_err());
    }
}
