//! Restart policies: which exits start a container again, how long to wait first, and which
//! containers a reboot starts again. Applied by the cleanup conmon's exit command asks for
//! (`Runtime::cleanup_container`), so they work without any daemon.

use std::time::Duration;

use libpod_state::{ContainerConfig, ContainerState, ContainerStatus as S, RestartPolicy};

use crate::error::{LibpodError, Result};

/// `--restart` as podman reads it: `no`, `on-failure[:N]`, `always`, `unless-stopped`; the
/// policy and its retry limit (0: none).
///
/// ```
/// use libpod::state::RestartPolicy;
/// assert_eq!(libpod::parse_restart_policy("on-failure:3")?, (RestartPolicy::OnFailure, 3));
/// assert!(libpod::parse_restart_policy("sometimes").is_err());
/// # Ok::<(), libpod::LibpodError>(())
/// ```
pub fn parse_restart_policy(s: &str) -> Result<(RestartPolicy, u32)> {
    let bad = || {
        LibpodError::Invalid(format!(
            "running container create option: {s:?} is not a valid restart policy: invalid argument (no, on-failure[:N], always, unless-stopped)"
        ))
    };
    let (name, retries) = match s.split_once(':') {
        Some((n, r)) => (n, Some(r.parse::<u32>().map_err(|_| bad())?)),
        None => (s, None),
    };
    let policy = match name {
        "" | "no" => RestartPolicy::No,
        "on-failure" => RestartPolicy::OnFailure,
        "always" => RestartPolicy::Always,
        "unless-stopped" => RestartPolicy::UnlessStopped,
        _ => return Err(bad()),
    };
    match (policy, retries) {
        (RestartPolicy::OnFailure, r) => Ok((policy, r.unwrap_or(0))),
        (_, Some(_)) => Err(LibpodError::Invalid(format!(
            "running container create option: {s:?}: restart retries can only be given with on-failure: invalid argument"
        ))),
        (_, None) => Ok((policy, 0)),
    }
}

/// Whether a container that has just exited is to be started again by its policy: it
/// exited on its own (not by the user's stop or kill, not removed), and the policy asks.
pub fn should_restart(cfg: &ContainerConfig, st: &ContainerState) -> bool {
    if !matches!(st.status, S::Exited | S::Stopped) || st.stopped_by_user || cfg.auto_remove {
        return false;
    }
    match cfg.restart_policy {
        RestartPolicy::No => false,
        RestartPolicy::OnFailure => {
            st.exit_code.unwrap_or(0) != 0
                && (cfg.restart_retries == 0 || st.restart_count < cfg.restart_retries)
        }
        RestartPolicy::Always | RestartPolicy::UnlessStopped => true,
    }
}

/// Whether a reboot starts the container again: `always` ones, and `unless-stopped` ones that
/// were running (`before`: its state when the previous boot ended).
pub fn starts_at_boot(cfg: &ContainerConfig, before: &ContainerState) -> bool {
    match cfg.restart_policy {
        RestartPolicy::Always => true,
        RestartPolicy::UnlessStopped => {
            matches!(before.status, S::Running | S::Paused) && !before.stopped_by_user
        }
        RestartPolicy::No | RestartPolicy::OnFailure => false,
    }
}

/// How long to wait before a policy restart: a run shorter than ten seconds doubles the wait
/// from 100 ms (at most a minute), so a container that fails at once does not spin; a longer
/// run restarts at once.
pub fn backoff(st: &ContainerState) -> Duration {
    let ran = match (st.started_at, st.finished_at) {
        (Some(s), Some(f)) => Duration::from_nanos(u64::try_from(f - s).unwrap_or(0)),
        _ => Duration::ZERO,
    };
    if ran >= Duration::from_secs(10) {
        return Duration::ZERO;
    }
    let doubled = 100u64.saturating_mul(1 << st.restart_count.min(10));
    Duration::from_millis(doubled.min(60_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(policy: RestartPolicy, retries: u32) -> ContainerConfig {
        ContainerConfig {
            restart_policy: policy,
            restart_retries: retries,
            ..Default::default()
        }
    }

    fn exited(code: i32, restarts: u32, by_user: bool) -> ContainerState {
        ContainerState {
            status: S::Exited,
            exit_code: Some(code),
            restart_count: restarts,
            stopped_by_user: by_user,
            ..Default::default()
        }
    }

    #[test]
    fn parse_as_podman() {
        use RestartPolicy::*;
        for (s, want) in [
            ("no", (No, 0)),
            ("", (No, 0)),
            ("on-failure", (OnFailure, 0)),
            ("on-failure:2", (OnFailure, 2)),
            ("always", (Always, 0)),
            ("unless-stopped", (UnlessStopped, 0)),
        ] {
            assert_eq!(parse_restart_policy(s).expect(s), want);
        }
        for s in ["bogus", "always:3", "on-failure:x", "on-failure:-1"] {
            let e = parse_restart_policy(s).expect_err(s).to_string();
            assert!(e.contains(s), "{e}");
        }
    }

    #[test]
    fn on_failure_restarts_non_zero_exits_up_to_its_limit() {
        let c = cfg(RestartPolicy::OnFailure, 2);
        assert!(should_restart(&c, &exited(1, 0, false)));
        assert!(should_restart(&c, &exited(1, 1, false)));
        assert!(!should_restart(&c, &exited(1, 2, false)));
        assert!(!should_restart(&c, &exited(0, 0, false)));
        assert!(should_restart(
            &cfg(RestartPolicy::OnFailure, 0),
            &exited(3, 99, false)
        ));
    }

    #[test]
    fn nothing_restarts_after_the_user_stops_it_or_while_it_runs() {
        for p in [
            RestartPolicy::Always,
            RestartPolicy::UnlessStopped,
            RestartPolicy::OnFailure,
        ] {
            assert!(!should_restart(&cfg(p, 0), &exited(1, 0, true)), "{p:?}");
            let running = ContainerState {
                status: S::Running,
                ..Default::default()
            };
            assert!(!should_restart(&cfg(p, 0), &running), "{p:?}");
        }
        assert!(should_restart(
            &cfg(RestartPolicy::Always, 0),
            &exited(0, 5, false)
        ));
        assert!(!should_restart(
            &cfg(RestartPolicy::No, 0),
            &exited(1, 0, false)
        ));
        let auto = ContainerConfig {
            auto_remove: true,
            ..cfg(RestartPolicy::Always, 0)
        };
        assert!(!should_restart(&auto, &exited(1, 0, false)));
    }

    #[test]
    fn a_reboot_starts_always_and_running_unless_stopped() {
        let running = ContainerState {
            status: S::Running,
            ..Default::default()
        };
        assert!(starts_at_boot(
            &cfg(RestartPolicy::Always, 0),
            &exited(0, 0, true)
        ));
        assert!(starts_at_boot(
            &cfg(RestartPolicy::UnlessStopped, 0),
            &running
        ));
        assert!(!starts_at_boot(
            &cfg(RestartPolicy::UnlessStopped, 0),
            &exited(0, 0, true)
        ));
        assert!(!starts_at_boot(&cfg(RestartPolicy::OnFailure, 0), &running));
        assert!(!starts_at_boot(&cfg(RestartPolicy::No, 0), &running));
    }

    #[test]
    fn quick_failures_back_off_and_long_runs_do_not() {
        let mut st = exited(1, 0, false);
        st.started_at = Some(0);
        st.finished_at = Some(1_000_000);
        assert_eq!(backoff(&st), Duration::from_millis(100));
        st.restart_count = 3;
        assert_eq!(backoff(&st), Duration::from_millis(800));
        st.restart_count = 30;
        assert_eq!(backoff(&st), Duration::from_secs(60));
        st.finished_at = Some(11_000_000_000);
        assert_eq!(backoff(&st), Duration::ZERO);
    }
}
