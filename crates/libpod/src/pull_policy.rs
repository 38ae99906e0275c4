//! When `run` and `create` pull their image (`--pull`), as podman decides it.

use std::str::FromStr;

use crate::error::{LibpodError, Result};

/// podman's `--pull` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PullPolicy {
    /// Pull every time.
    Always,
    /// Pull only when no local image has the name (the default).
    #[default]
    Missing,
    /// Never pull.
    Never,
    /// Pull when the registry has a newer image; a local copy is used if it cannot be asked.
    Newer,
}

/// What a policy says to do about an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullDecision {
    /// Use what is there (or fail later if nothing is).
    UseLocal,
    /// Pull; on failure, use the local copy when `fall_back` (and try only once then).
    Pull {
        /// Keep the local image if the pull fails.
        fall_back: bool,
    },
}

impl PullPolicy {
    /// The decision for an image that is (`present`) or is not stored locally.
    ///
    /// ```
    /// use libpod::{PullDecision, PullPolicy};
    /// assert_eq!(PullPolicy::Missing.decide(true), PullDecision::UseLocal);
    /// assert_eq!(PullPolicy::Newer.decide(true), PullDecision::Pull { fall_back: true });
    /// ```
    pub fn decide(self, present: bool) -> PullDecision {
        match self {
            PullPolicy::Never => PullDecision::UseLocal,
            PullPolicy::Missing if present => PullDecision::UseLocal,
            PullPolicy::Newer => PullDecision::Pull { fall_back: present },
            PullPolicy::Missing | PullPolicy::Always => PullDecision::Pull { fall_back: false },
        }
    }
}

impl FromStr for PullPolicy {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "always" | "true" => Ok(PullPolicy::Always),
            "missing" | "ifmissing" | "ifnotpresent" => Ok(PullPolicy::Missing),
            "never" | "false" => Ok(PullPolicy::Never),
            "newer" | "ifnewer" => Ok(PullPolicy::Newer),
            other => Err(LibpodError::Invalid(format!(
                "invalid pull policy {other:?}: use always, missing, never or newer"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy_with_and_without_a_local_image() {
        use PullDecision::*;
        let cases = [
            (PullPolicy::Always, false, Pull { fall_back: false }),
            (PullPolicy::Always, true, Pull { fall_back: false }),
            (PullPolicy::Missing, false, Pull { fall_back: false }),
            (PullPolicy::Missing, true, UseLocal),
            (PullPolicy::Never, false, UseLocal),
            (PullPolicy::Never, true, UseLocal),
            (PullPolicy::Newer, false, Pull { fall_back: false }),
            (PullPolicy::Newer, true, Pull { fall_back: true }),
        ];
        for (p, present, want) in cases {
            assert_eq!(p.decide(present), want, "{p:?} present={present}");
        }
        assert!("sometimes".parse::<PullPolicy>().is_err());
        assert_eq!(
            "IfNotPresent".parse::<PullPolicy>().expect("k8s"),
            PullPolicy::Missing
        );
    }
}
