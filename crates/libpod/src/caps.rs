//! `--cap-add` and `--cap-drop`: the capabilities a container's process gets, as podman
//! works them out from the default set.

use crate::error::{LibpodError, Result};

/// Checks and normalizes capability names (`net_raw`, `CAP_NET_RAW`, `all`).
pub fn normalize_caps(names: &[String]) -> Result<Vec<String>> {
    names
        .iter()
        .flat_map(|n| n.split(','))
        .filter(|n| !n.trim().is_empty())
        .map(|n| {
            if n.trim().eq_ignore_ascii_case("all") {
                return Ok("ALL".to_string());
            }
            libpod_config::caps::normalize(n).ok_or_else(|| {
                LibpodError::Invalid(format!(
                    "unknown capability {n:?}: use a name such as NET_RAW or CAP_NET_RAW, or ALL"
                ))
            })
        })
        .collect()
}

/// The capabilities: `default` without `drop` (all of them for `ALL`), with `add` (every one
/// in `all` for `ALL`), as podman: an added capability wins over a dropped one.
pub fn resolve_caps(
    default: &[String],
    add: &[String],
    drop: &[String],
    all: &[String],
) -> Vec<String> {
    let mut caps: Vec<String> = if drop.iter().any(|d| d == "ALL") {
        Vec::new()
    } else {
        default
            .iter()
            .filter(|c| !drop.contains(c))
            .cloned()
            .collect()
    };
    let added: Vec<String> = if add.iter().any(|a| a == "ALL") {
        all.to_vec()
    } else {
        add.to_vec()
    };
    for c in added {
        if !caps.contains(&c) {
            caps.push(c);
        }
    }
    caps.sort();
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn adds_and_drops_as_podman() {
        let d = v(&["CAP_CHOWN", "CAP_KILL"]);
        let all = v(&["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN"]);
        assert_eq!(
            resolve_caps(&d, &v(&["CAP_NET_RAW"]), &v(&["CAP_KILL"]), &all),
            v(&["CAP_CHOWN", "CAP_NET_RAW"])
        );
        assert_eq!(
            resolve_caps(&d, &v(&["CAP_KILL"]), &v(&["ALL"]), &all),
            v(&["CAP_KILL"])
        );
        assert_eq!(resolve_caps(&d, &v(&["ALL"]), &v(&[]), &all), all);
        assert_eq!(
            normalize_caps(&v(&["net_raw,cap_kill", "all"])).expect("caps"),
            v(&["CAP_NET_RAW", "CAP_KILL", "ALL"])
        );
        assert!(normalize_caps(&v(&["bogus"])).is_err());
    }
}
