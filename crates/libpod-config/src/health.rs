//! Healthchecks as images and containers declare them (plain data shared by the image store
//! and the state).

use serde::{Deserialize, Serialize};

/// A healthcheck: the image config's `Healthcheck` and the container's `--health-*` flags.
/// Durations are nanoseconds, as in image configs; 0 means the default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HealthConfig {
    /// `["CMD", args...]`, `["CMD-SHELL", "command"]`, or `["NONE"]` (none).
    #[serde(default)]
    pub test: Vec<String>,
    /// Time between two checks (default 30 s).
    #[serde(default)]
    pub interval: i64,
    /// Time one check may take before it counts as failed (default 30 s).
    #[serde(default)]
    pub timeout: i64,
    /// Time after start during which failures do not count (default 0).
    #[serde(default)]
    pub start_period: i64,
    /// Consecutive failures that make the container unhealthy (default 3).
    #[serde(default)]
    pub retries: u32,
}

/// 30 seconds, podman's default interval and timeout.
const THIRTY_S: i64 = 30_000_000_000;

impl HealthConfig {
    /// Whether it declares no check (`NONE`, or no test at all).
    pub fn is_none(&self) -> bool {
        self.test.is_empty() || self.test[0] == "NONE"
    }

    /// The command to run in the container: `CMD-SHELL` through `/bin/sh -c`.
    pub fn command(&self) -> Vec<String> {
        match self.test.split_first() {
            Some((kind, rest)) if kind == "CMD-SHELL" => {
                vec!["/bin/sh".into(), "-c".into(), rest.join(" ")]
            }
            Some((kind, rest)) if kind == "CMD" => rest.to_vec(),
            Some((kind, _)) if kind == "NONE" => Vec::new(),
            _ => self.test.clone(),
        }
    }

    /// The interval, defaulted.
    pub fn interval_ns(&self) -> i64 {
        if self.interval > 0 {
            self.interval
        } else {
            THIRTY_S
        }
    }

    /// The timeout, defaulted.
    pub fn timeout_ns(&self) -> i64 {
        if self.timeout > 0 {
            self.timeout
        } else {
            THIRTY_S
        }
    }

    /// The retries, defaulted.
    pub fn retries_or_default(&self) -> u32 {
        if self.retries > 0 { self.retries } else { 3 }
    }
}
