//! `wait --condition`: waiting for a container to reach one of several states.

use std::time::Duration;

use libpod_state::ContainerStatus as S;

use crate::container::Container;
use crate::error::{LibpodError, Result};

/// A state `wait --condition` waits for, by podman's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitCondition {
    /// `configured` or `created`: made, not started.
    Created,
    /// `initialized`: created in the OCI runtime.
    Initialized,
    /// `running`.
    Running,
    /// `paused`.
    Paused,
    /// `exited`.
    Exited,
    /// `stopped`: exited or stopped.
    Stopped,
}

impl std::str::FromStr for WaitCondition {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "configured" | "created" => Self::Created,
            "initialized" => Self::Initialized,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "exited" => Self::Exited,
            "stopped" => Self::Stopped,
            other => {
                return Err(LibpodError::Invalid(format!(
                    "unknown container state: {other}: invalid argument (configured, created, initialized, running, paused, exited, stopped)"
                )));
            }
        })
    }
}

impl WaitCondition {
    /// Whether a container in `status` meets it.
    pub fn is_met(self, status: S) -> bool {
        match self {
            Self::Created => matches!(status, S::Configured),
            Self::Initialized => matches!(status, S::Created),
            Self::Running => status == S::Running,
            Self::Paused => status == S::Paused,
            Self::Exited => status == S::Exited,
            Self::Stopped => matches!(status, S::Exited | S::Stopped),
        }
    }

    /// Whether only an exit meets it (then the exit file is waited on, not the state).
    fn is_exit(self) -> bool {
        matches!(self, Self::Exited | Self::Stopped)
    }
}

impl Container {
    /// Waits until the container meets one of `conditions` (an exit when empty), looking
    /// every `interval` for states other than an exit; returns the exit code for an exit,
    /// else -1, as podman prints.
    pub fn wait_for(&self, conditions: &[WaitCondition], interval: Duration) -> Result<i32> {
        if conditions.iter().all(|c| c.is_exit()) {
            return self.wait();
        }
        loop {
            let st = self.state()?;
            if conditions.iter().any(|c| c.is_met(st.status)) {
                return Ok(if matches!(st.status, S::Exited | S::Stopped) {
                    st.exit_code.unwrap_or(-1)
                } else {
                    -1
                });
            }
            std::thread::sleep(interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_by_podman_names() {
        let stopped: WaitCondition = "stopped".parse().expect("stopped");
        assert!(stopped.is_met(S::Exited) && stopped.is_met(S::Stopped));
        assert!(!stopped.is_met(S::Running));
        let created: WaitCondition = "configured".parse().expect("configured");
        assert!(created.is_met(S::Configured) && !created.is_met(S::Created));
        assert!(
            "initialized"
                .parse::<WaitCondition>()
                .expect("init")
                .is_met(S::Created)
        );
        let e = "bogus"
            .parse::<WaitCondition>()
            .expect_err("bogus")
            .to_string();
        assert!(e.contains("unknown container state: bogus"), "{e}");
    }
}
