//! Healthchecks: the container's check resolved from the image and the `--health-*` options,
//! one run (`healthcheck run`), the status rules, and the monitor that runs checks
//! periodically without systemd.
//!
//! The monitor is a process of its own, like conmon: `rpod container healthmonitor ID`
//! (the runtime's [`crate::RuntimeBuilder::health_monitor_command`]), started with each run
//! of the container in a process group of its own, so it outlives the command that started
//! it. It waits on a pidfd of the container's process between checks and exits with it, so a
//! stop, a kill or a removal leaves nothing behind; a restarted container gets a new one.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use libpod_config::HealthConfig;
use libpod_state::{
    ContainerStatus as S, HealthLogEntry, HealthOnFailure, HealthState, HealthStatus,
};

use crate::container::Container;
use crate::error::{LibpodError, Result};
use crate::options::ExecOptions;
use crate::runtime::Runtime;
use crate::status::now;

/// How a container's healthcheck differs from its image's (`--health-*`, `--no-healthcheck`).
/// Unset fields keep the image's values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HealthOptions {
    /// The test, as an image config has it (see [`parse_health_cmd`]).
    pub test: Option<Vec<String>>,
    /// Time between checks, ns; negative: no periodic checks (podman's `disable`).
    pub interval: Option<i64>,
    /// Time a check may take, ns.
    pub timeout: Option<i64>,
    /// Time after start when failures do not count, ns.
    pub start_period: Option<i64>,
    /// Consecutive failures that make it unhealthy.
    pub retries: Option<u32>,
    /// What turning unhealthy does.
    pub on_failure: HealthOnFailure,
    /// No healthcheck at all, not even the image's.
    pub disabled: bool,
}

/// `--health-cmd` as podman reads it: a JSON array is the test as given (`["CMD", ...]`,
/// `["CMD-SHELL", "..."]`), `none` disables, anything else is a `CMD-SHELL` command.
pub fn parse_health_cmd(s: &str) -> Result<Vec<String>> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(vec!["NONE".into()]);
    }
    if t.starts_with('[') {
        let v: Vec<String> = serde_json::from_str(t).map_err(|e| {
            LibpodError::Invalid(format!(
                "--health-cmd {s:?}: not a JSON array of strings: {e}"
            ))
        })?;
        return match v.first().map(String::as_str) {
            Some("CMD" | "CMD-SHELL" | "NONE") => Ok(v),
            Some(_) => Ok([vec!["CMD".to_string()], v].concat()),
            None => Err(LibpodError::Invalid(
                "--health-cmd: an empty command".into(),
            )),
        };
    }
    if t.is_empty() {
        return Err(LibpodError::Invalid(
            "--health-cmd: an empty command".into(),
        ));
    }
    Ok(vec!["CMD-SHELL".into(), s.to_string()])
}

/// The container's healthcheck: the image's, changed by `o`; `None` without one.
pub(crate) fn resolve(image: Option<HealthConfig>, o: &HealthOptions) -> Option<HealthConfig> {
    if o.disabled {
        return None;
    }
    let mut hc = match &o.test {
        Some(test) => HealthConfig {
            test: test.clone(),
            ..image.unwrap_or_default()
        },
        None => image?,
    };
    if hc.is_none() {
        return None;
    }
    hc.interval = o.interval.unwrap_or(hc.interval);
    hc.timeout = o.timeout.unwrap_or(hc.timeout);
    hc.start_period = o.start_period.unwrap_or(hc.start_period);
    hc.retries = o.retries.unwrap_or(hc.retries);
    Some(hc)
}

/// The health after one check that ended with `code` (`None`: it timed out or did not run) at
/// `at`, for a container started at `started`: a pass makes it healthy; a failure inside the
/// start period changes nothing; other failures add to the streak, and reaching the retries
/// makes it unhealthy.
pub fn next_health(
    prev: &HealthState,
    hc: &HealthConfig,
    started: i64,
    at: i64,
    code: Option<i32>,
) -> HealthState {
    let mut h = prev.clone();
    if code == Some(0) {
        h.status = HealthStatus::Healthy;
        h.failing_streak = 0;
    } else if at - started >= hc.start_period {
        h.failing_streak += 1;
        if h.failing_streak >= hc.retries_or_default() {
            h.status = HealthStatus::Unhealthy;
        }
    }
    h
}

/// One healthcheck run's result (`healthcheck run`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthRun {
    /// The container's health after it.
    pub status: HealthStatus,
    /// The check's exit code (-1: it timed out or could not run).
    pub exit_code: i32,
}

impl HealthRun {
    /// Whether this run passed (exit 0).
    pub fn passed(&self) -> bool {
        self.exit_code == 0
    }
}

/// The longest output kept per run.
const MAX_OUTPUT: usize = 4096;

impl Container {
    /// Runs the healthcheck once (`healthcheck run`): records the run, the new status and a
    /// `health_status` event, and acts on turning unhealthy.
    pub fn run_healthcheck(&self) -> Result<HealthRun> {
        let cfg = self.config()?;
        let hc = cfg.healthcheck.clone().ok_or_else(|| {
            LibpodError::Invalid(format!("container {} has no defined healthcheck", cfg.id))
        })?;
        let st = self.state()?;
        if st.status != S::Running {
            return Err(LibpodError::Invalid(format!(
                "container {} is not running",
                cfg.id
            )));
        }
        let start = now();
        let (code, output) = self.run_check(&hc)?;
        let end = now();
        let (status, turned) = self.record_health(&hc, start, end, code, output)?;
        if turned {
            self.act_on_unhealthy(cfg.health_on_failure)?;
        }
        Ok(HealthRun {
            status,
            exit_code: code.unwrap_or(-1),
        })
    }

    /// Runs the check's command with its output captured and its timeout.
    fn run_check(&self, hc: &HealthConfig) -> Result<(Option<i32>, String)> {
        let (mut reader, writer) = std::io::pipe().map_err(crate::error::io("a pipe"))?;
        let stderr = writer.try_clone().map_err(crate::error::io("a pipe"))?;
        let collect = std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = (&mut reader).take(MAX_OUTPUT as u64).read_to_end(&mut out);
            // Drained, so a chatty check never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
            out
        });
        let timeout = Duration::from_nanos(hc.timeout_ns().unsigned_abs());
        let code = self.exec_with(
            &hc.command(),
            &ExecOptions::default(),
            [Stdio::null(), writer.into(), stderr.into()],
            Some(timeout),
            false,
        );
        let output = collect.join().unwrap_or_default();
        let mut text = String::from_utf8_lossy(&output).into_owned();
        let code = match code {
            Ok(c) => c,
            Err(e) => {
                text = e.to_string();
                None
            }
        };
        if code.is_none() && text.is_empty() {
            text = format!("healthcheck timed out after {timeout:?}");
        }
        Ok((code, text))
    }

    /// Saves one run under the container's lock; true when it turned unhealthy now.
    fn record_health(
        &self,
        hc: &HealthConfig,
        start: i64,
        end: i64,
        code: Option<i32>,
        output: String,
    ) -> Result<(HealthStatus, bool)> {
        let (status, turned, cfg) = self.locked(|_, cfg, st| {
            let prev = st.health.clone().unwrap_or_default();
            let mut h = next_health(&prev, hc, st.started_at.unwrap_or(start), end, code);
            h.log.push(HealthLogEntry {
                start,
                end,
                exit_code: code.unwrap_or(-1),
                output,
            });
            let excess = h.log.len().saturating_sub(5);
            h.log.drain(..excess);
            let turned =
                h.status == HealthStatus::Unhealthy && prev.status != HealthStatus::Unhealthy;
            let status = h.status;
            st.health = Some(h);
            Ok((status, turned, cfg.clone()))
        })?;
        crate::event_record::emit(
            self.inner(),
            crate::events::Event {
                health_status: status.as_str().to_string(),
                ..crate::events::Event::container(crate::events::EventStatus::HealthStatus, &cfg)
            },
        );
        Ok((status, turned))
    }

    /// SIGKILL for `--health-on-failure kill`: not the user's doing, so a restart policy
    /// applies after it.
    fn kill_for_health(&self) -> Result<()> {
        self.locked(|inner, cfg, st| match st.status {
            S::Running | S::Paused => {
                inner.exec.kill(&cfg.id, libc_sigkill(), false)?;
                crate::event_record::container(inner, crate::events::EventStatus::Kill, cfg);
                Ok(())
            }
            _ => Ok(()),
        })
    }

    /// `--health-on-failure`: what turning unhealthy does.
    fn act_on_unhealthy(&self, action: HealthOnFailure) -> Result<()> {
        match action {
            HealthOnFailure::None => Ok(()),
            HealthOnFailure::Kill => self.kill_for_health(),
            HealthOnFailure::Stop => self.stop(None).map(drop),
            HealthOnFailure::Restart => self.restart(None),
        }
    }
}

impl Runtime {
    /// The periodic healthcheck of one container (what `rpod container healthmonitor` runs):
    /// a check every interval while the container's process lives; returns when it is gone.
    pub fn health_monitor(&self, name_or_id: &str) -> Result<()> {
        let c = self.container(name_or_id)?;
        let Some(hc) = c.config()?.healthcheck else {
            return Ok(());
        };
        let pid = match c.state() {
            Ok(st) if st.status == S::Running => st.pid.unwrap_or(0),
            _ => return Ok(()),
        };
        let Some(pidfd) = libpod_oci::pidfd_open(pid) else {
            return Ok(());
        };
        let interval = Duration::from_nanos(hc.interval_ns().unsigned_abs());
        loop {
            if libpod_oci::readable_within(std::os::fd::AsFd::as_fd(&pidfd), interval) {
                return Ok(());
            }
            match c.state() {
                Ok(st) if st.status == S::Running && st.pid == Some(pid) => {}
                _ => return Ok(()),
            }
            if let Err(e) = c.run_healthcheck() {
                if e.is_not_found() {
                    return Ok(());
                }
                tracing::warn!(container = %c.id(), error = %e, "healthcheck did not run");
            }
        }
    }
}

fn libc_sigkill() -> i32 {
    nix::sys::signal::Signal::SIGKILL as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc(retries: u32, start_period: i64) -> HealthConfig {
        HealthConfig {
            test: vec!["CMD".into(), "true".into()],
            retries,
            start_period,
            ..Default::default()
        }
    }

    #[test]
    fn passes_heal_failures_count_to_the_retries_outside_the_start_period() {
        let start = HealthState::default();
        let h = next_health(&start, &hc(2, 0), 0, 10, Some(1));
        assert_eq!((h.status, h.failing_streak), (HealthStatus::Starting, 1));
        let h = next_health(&h, &hc(2, 0), 0, 20, None);
        assert_eq!((h.status, h.failing_streak), (HealthStatus::Unhealthy, 2));
        let h = next_health(&h, &hc(2, 0), 0, 30, Some(0));
        assert_eq!((h.status, h.failing_streak), (HealthStatus::Healthy, 0));
        // Inside the start period a failure does not count.
        let h = next_health(&start, &hc(1, 100), 0, 50, Some(1));
        assert_eq!((h.status, h.failing_streak), (HealthStatus::Starting, 0));
        let h = next_health(&start, &hc(1, 100), 0, 150, Some(1));
        assert_eq!(h.status, HealthStatus::Unhealthy);
    }

    #[test]
    fn commands_and_resolution_as_podman() {
        assert_eq!(
            parse_health_cmd("curl -f x || exit 1").expect("shell"),
            ["CMD-SHELL", "curl -f x || exit 1"]
        );
        assert_eq!(
            parse_health_cmd(r#"["CMD","true"]"#).expect("json"),
            ["CMD", "true"]
        );
        assert_eq!(
            parse_health_cmd(r#"["true"]"#).expect("json"),
            ["CMD", "true"]
        );
        assert_eq!(parse_health_cmd("none").expect("none"), ["NONE"]);
        assert!(parse_health_cmd("[oops").is_err());
        let image = Some(HealthConfig {
            test: vec!["CMD-SHELL".into(), "check".into()],
            interval: 5,
            retries: 7,
            ..Default::default()
        });
        let o = HealthOptions {
            interval: Some(9),
            ..Default::default()
        };
        let r = resolve(image.clone(), &o).expect("kept");
        assert_eq!((r.test[1].as_str(), r.interval, r.retries), ("check", 9, 7));
        let off = HealthOptions {
            disabled: true,
            ..Default::default()
        };
        assert_eq!(resolve(image.clone(), &off), None);
        let none = HealthOptions {
            test: Some(vec!["NONE".into()]),
            ..Default::default()
        };
        assert_eq!(resolve(image, &none), None);
        assert_eq!(resolve(None, &o), None);
        assert_eq!(hc(0, 0).command(), ["true"]);
    }
}
