//! Sizes as podman's flags and containers.conf write them (plain functions, ground floor).

/// Splits `64m`, `1.5g`, `512kb`, `1048576` into the number and its unit's multiplier;
/// `k`, `m`, `g` and `t` are powers of `base`. `None` for anything else.
fn split(value: &str, base: u64) -> Option<(f64, u64)> {
    let v = value.trim().to_ascii_lowercase();
    let v = v.strip_suffix('b').unwrap_or(&v);
    let (num, exp) = match v.char_indices().last()? {
        (i, 'k') => (&v[..i], 1),
        (i, 'm') => (&v[..i], 2),
        (i, 'g') => (&v[..i], 3),
        (i, 't') => (&v[..i], 4),
        _ => (v, 0),
    };
    let n: f64 = num.trim().parse().ok()?;
    (n.is_finite() && n >= 0.0).then_some((n, base.pow(exp)))
}

/// A memory size with binary units, as podman's `--memory` and `--shm-size` read it:
/// `64m` is 64 MiB. `None` when it is not a size or is zero.
///
/// ```
/// assert_eq!(libpod_config::units::parse_ram("64m"), Some(64 << 20));
/// assert_eq!(libpod_config::units::parse_ram("1g"), Some(1 << 30));
/// assert_eq!(libpod_config::units::parse_ram("lots"), None);
/// ```
pub fn parse_ram(value: &str) -> Option<u64> {
    let (n, mul) = split(value, 1024)?;
    let bytes = n * mul as f64;
    (bytes >= 1.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// A size with decimal units, as containers.conf's log and event sizes: `1m` is 1,000,000.
/// `None` when it is not a size or is zero.
pub fn parse_decimal(value: &str) -> Option<u64> {
    let (n, mul) = split(value, 1000)?;
    let bytes = n * mul as f64;
    (bytes >= 1.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_decimal_units() {
        assert_eq!(parse_ram("512k"), Some(512 * 1024));
        assert_eq!(parse_ram("512KB"), Some(512 * 1024));
        assert_eq!(parse_ram("1.5g"), Some(3 << 29));
        assert_eq!(parse_ram("100"), Some(100));
        assert_eq!(parse_ram("0"), None);
        assert_eq!(parse_ram("-1m"), None);
        assert_eq!(parse_ram("m"), None);
        assert_eq!(parse_ram(""), None);
        assert_eq!(parse_decimal("10k"), Some(10_000));
        assert_eq!(parse_decimal("1m"), Some(1_000_000));
        assert_eq!(parse_decimal("x"), None);
    }
}
