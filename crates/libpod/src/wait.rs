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

/// What a wait for an exit waits for, by the Docker API's names (`wait?condition=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExitCondition {
    /// `not-running` (the default): at once when it is not running, else its exit.
    #[default]
    NotRunning,
    /// `next-exit`: the next exit after the wait began, even when it is not running yet.
    NextExit,
    /// `removed`: until the container no longer exists.
    Removed,
}

impl std::str::FromStr for ExitCondition {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "" | "not-running" => Ok(Self::NotRunning),
            "next-exit" => Ok(Self::NextExit),
            "removed" => Ok(Self::Removed),
            other => Err(LibpodError::Invalid(format!(
                "invalid condition {other:?}: not-running, next-exit or removed"
            ))),
        }
    }
}

/// A wait for an exit, begun at a moment it remembers (the container's last exit then), so
/// that a caller may answer its client before the container starts and still see the exit.
///
/// ```no_run
/// # fn main() -> Result<(), libpod::LibpodError> {
/// let rt = libpod::Runtime::builder().build()?;
/// let waiter = rt.container("web")?.begin_wait(libpod::ExitCondition::NextExit)?;
/// // ... the client starts "web" ...
/// let code = waiter.wait_while(|| false)?;
/// # let _ = code;
/// # Ok(())
/// # }
/// ```
pub struct ExitWait {
    container: Container,
    condition: ExitCondition,
    since: Option<i64>,
}

impl Container {
    /// Begins a wait for `condition` from now (see [`ExitWait`]).
    pub fn begin_wait(&self, condition: ExitCondition) -> Result<ExitWait> {
        let since = self.state()?.finished_at;
        Ok(ExitWait {
            container: self.clone(),
            condition,
            since,
        })
    }
}

impl ExitWait {
    /// Waits until the condition is met and returns the exit code (kept by the state even
    /// once the container is gone; 0 for one that never ran); `Ok(None)` once `gone` says
    /// the caller stopped caring (asked at least every half second).
    pub fn wait_while(&self, gone: impl Fn() -> bool) -> Result<Option<i32>> {
        let (c, cond) = (&self.container, self.condition);
        let mut pause = Duration::from_millis(5);
        loop {
            let st = match c.state() {
                Ok(st) => st,
                Err(e) if e.is_not_found() => {
                    let inner = c.inner();
                    let _g = inner.guard()?;
                    let code = inner.state.exit_code(c.id())?.map(|r| r.code);
                    return Ok(Some(code.unwrap_or(0)));
                }
                Err(e) => return Err(e),
            };
            let exited = matches!(st.status, S::Exited | S::Stopped);
            let code = st.exit_code.unwrap_or(0);
            match (cond, st.status) {
                (ExitCondition::NotRunning, S::Configured | S::Created) => return Ok(Some(0)),
                (ExitCondition::NotRunning, _) if exited => return Ok(Some(code)),
                (ExitCondition::NextExit, _) if exited && st.finished_at != self.since => {
                    return Ok(Some(code));
                }
                (_, S::Running | S::Paused) => {
                    // Blocks on the exit file; an auto-removed container is gone after it.
                    match c.wait_while(&gone) {
                        Ok(None) => return Ok(None),
                        Ok(Some(code)) if cond != ExitCondition::Removed => return Ok(Some(code)),
                        Ok(Some(_)) => {}
                        Err(e) if e.is_not_found() => {}
                        Err(e) => return Err(e),
                    }
                    continue;
                }
                _ => {}
            }
            if gone() {
                return Ok(None);
            }
            // Not started yet, or exited and waited on to be removed: look again soon.
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
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

    #[test]
    fn exit_conditions_by_docker_names() {
        let p = |s: &str| s.parse::<ExitCondition>();
        assert_eq!(p("").expect("default"), ExitCondition::NotRunning);
        assert_eq!(p("next-exit").expect("next"), ExitCondition::NextExit);
        assert_eq!(p("removed").expect("removed"), ExitCondition::Removed);
        let e = p("stopped").expect_err("docker has no stopped").to_string();
        assert!(e.contains("invalid condition \"stopped\""), "{e}");
    }
}
