//! `exec`: a command run in a running container, through the OCI runtime.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use libpod_state::{ContainerStatus as S, ExecSession};

use crate::container::Container;
use crate::error::{LibpodError, Result};
use crate::options::ExecOptions;
use crate::status::{lock, now, status_err, sync};

impl Container {
    /// Runs a command in the running container with `stdio`; returns its exit code.
    pub fn exec(&self, command: &[String], o: &ExecOptions, stdio: [Stdio; 3]) -> Result<i32> {
        Ok(self
            .exec_with(command, o, stdio, None, true)?
            .unwrap_or(137))
    }

    /// `exec`, killed after `timeout` (`None` then); `events` off for healthchecks, which
    /// record `health_status` instead.
    pub(crate) fn exec_with(
        &self,
        command: &[String],
        o: &ExecOptions,
        stdio: [Stdio; 3],
        timeout: Option<Duration>,
        events: bool,
    ) -> Result<Option<i32>> {
        let inner = self.inner();
        let _g = inner.guard()?;
        let cfg = inner.state.container(&self.id)?;
        let (process, rootfs, pid) = {
            let _l = lock(inner, &cfg)?;
            let mut st = inner.state.container_state(&self.id)?;
            sync(inner, &cfg, &mut st)?;
            if st.status != S::Running {
                return Err(status_err(&self.id, st.status, "exec", "start it first"));
            }
            let spec =
                oci_spec::runtime::Spec::load(inner.paths(&self.id).bundle.join("config.json"))
                    .map_err(|e| {
                        LibpodError::Invalid(format!("reading the container's spec: {e}"))
                    })?;
            let process = spec.process().clone().ok_or_else(|| {
                LibpodError::Invalid("the container's spec has no process".into())
            })?;
            (process, st.mount_point.clone().unwrap_or_default(), st.pid)
        };
        if command.is_empty() {
            return Err(LibpodError::Invalid("exec needs a command".into()));
        }
        let mut process = process;
        process.set_args(Some(command.to_vec()));
        process.set_terminal(Some(o.tty));
        let mut e = process.env().clone().unwrap_or_default();
        e.extend(o.env.iter().cloned());
        process.set_env(Some(e));
        if let Some(w) = &o.workdir {
            process.set_cwd(PathBuf::from(w));
        }
        if let Some(u) = &o.user {
            let r = libpod_oci::resolve_user(&rootfs, u)?;
            let user = oci_spec::runtime::UserBuilder::default()
                .uid(r.uid)
                .gid(r.gid)
                .additional_gids(r.additional_gids)
                .build()
                .map_err(|e| LibpodError::Invalid(e.to_string()))?;
            process.set_user(user);
        }
        // Looked up as the container's processes see their files, mounts included.
        if let Some(pid) = pid
            && let Ok(root) = libpod_fs::Root::open(Path::new(&format!("/proc/{pid}/root")))
        {
            let env = process.env().clone().unwrap_or_default();
            let cwd = process.cwd().display().to_string();
            crate::lookpath::check_command(&root, &command[0], &env, &cwd)?;
        }
        let session = ExecSession {
            id: libpod_state::new_id()?,
            container: self.id.clone(),
            command: command.to_vec(),
            running: true,
            created: now(),
            ..Default::default()
        };
        inner.state.add_exec_session(&session)?;
        if events {
            crate::event_record::container(inner, crate::events::EventStatus::Exec, &cfg);
        }
        let r = inner.exec.exec_timeout(
            &self.id,
            &inner.paths(&self.id).bundle,
            &process,
            stdio,
            timeout,
        );
        let _ = inner.state.remove_exec_session(&session.id);
        if let Ok(Some(code)) = &r
            && events
        {
            crate::event_record::emit(
                inner,
                crate::events::Event {
                    exit_code: *code,
                    ..crate::events::Event::container(crate::events::EventStatus::ExecDied, &cfg)
                },
            );
        }
        Ok(r?)
    }
}
