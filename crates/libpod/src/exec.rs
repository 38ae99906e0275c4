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

    /// The process to exec: the container's own, with `command` and `o`, the command looked
    /// up as the container sees its files. The container must be running.
    fn exec_process(
        &self,
        command: &[String],
        o: &ExecOptions,
    ) -> Result<oci_spec::runtime::Process> {
        let inner = self.inner();
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
        if let Some((rows, cols)) = o.console_size.filter(|_| o.tty) {
            let size = oci_spec::runtime::BoxBuilder::default()
                .height(u64::from(rows))
                .width(u64::from(cols))
                .build()
                .map_err(|e| LibpodError::Invalid(e.to_string()))?;
            process.set_console_size(Some(size));
        }
        let mut e = process.env().clone().unwrap_or_default();
        e.extend(o.env.iter().cloned());
        process.set_env(Some(e));
        if let Some(w) = &o.workdir {
            process.set_cwd(PathBuf::from(w));
        }
        if o.privileged {
            process.set_capabilities(Some(libpod_oci::privileged_capabilities()?));
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
        Ok(process)
    }

    /// Runs `process` in the container (its session recorded in the state by the caller),
    /// with `exec` and `exec_died` events when `events`.
    fn run_session(
        &self,
        process: &oci_spec::runtime::Process,
        stdio: [Stdio; 3],
        timeout: Option<Duration>,
        events: bool,
    ) -> Result<Option<i32>> {
        let inner = self.inner();
        let cfg = inner.state.container(&self.id)?;
        if events {
            crate::event_record::container(inner, crate::events::EventStatus::Exec, &cfg);
        }
        let r = inner.exec.exec_timeout(
            &self.id,
            &inner.paths(&self.id).bundle,
            process,
            stdio,
            timeout,
        );
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
        let process = self.exec_process(command, o)?;
        let session = new_session(&self.id, command, o)?;
        inner.state.add_exec_session(&session)?;
        let r = self.run_session(&process, stdio, timeout, events);
        let _ = inner.state.remove_exec_session(&session.id);
        r
    }

    /// `exec -d`: starts `command` in the container and returns at once with the session's
    /// ID; a runner process of its own (the runtime's exec session command) runs it and
    /// records its exit code in the session ([`Container::exec_session`]) and an
    /// `exec_died` event.
    pub fn exec_detached(&self, command: &[String], o: &ExecOptions) -> Result<String> {
        let inner = self.inner();
        let _g = inner.guard()?;
        let Some((program, args)) = &inner.exec_session_command else {
            return Err(LibpodError::Invalid(
                "a detached exec needs the runtime's exec session command (RuntimeBuilder::exec_session_command)".into(),
            ));
        };
        self.exec_process(command, o)?;
        let session = new_session(&self.id, command, o)?;
        inner.state.add_exec_session(&session)?;
        if let Err(e) = crate::monitor::spawn_helper(program, args, &session.id) {
            let _ = inner.state.remove_exec_session(&session.id);
            return Err(crate::error::io(program)(e));
        }
        Ok(session.id)
    }

    /// An exec session of this container, running or ended (with its exit code).
    pub fn exec_session(&self, id: &str) -> Result<ExecSession> {
        let s = self.inner().state.exec_session(id)?;
        if s.container != self.id {
            return Err(libpod_state::StateError::NoSuchExecSession(id.to_string()).into());
        }
        Ok(s)
    }

    /// Its exec sessions (`inspect .ExecIDs`).
    pub fn exec_sessions(&self) -> Result<Vec<ExecSession>> {
        Ok(self.inner().state.container_exec_sessions(&self.id)?)
    }
}

/// A new running session for `command` with `o`'s options.
fn new_session(container: &str, command: &[String], o: &ExecOptions) -> Result<ExecSession> {
    Ok(ExecSession {
        id: libpod_state::new_id()?,
        container: container.to_string(),
        command: command.to_vec(),
        running: true,
        created: now(),
        env: o.env.clone(),
        user: o.user.clone(),
        workdir: o.workdir.clone(),
        privileged: o.privileged,
        ..Default::default()
    })
}

impl crate::runtime::Runtime {
    /// Runs a detached exec session to its end (what `rpod container execsession` runs):
    /// output goes nowhere, the exit code into the session.
    pub fn run_exec_session(&self, id: &str) -> Result<i32> {
        let _g = self.inner.guard()?;
        let mut session = self.inner.state.exec_session(id)?;
        let c = self.container(&session.container)?;
        let o = ExecOptions {
            env: session.env.clone(),
            user: session.user.clone(),
            workdir: session.workdir.clone(),
            tty: false,
            privileged: session.privileged,
            console_size: None,
        };
        let r = c.exec_process(&session.command, &o).and_then(|p| {
            c.run_session(
                &p,
                [Stdio::null(), Stdio::null(), Stdio::null()],
                None,
                true,
            )
        });
        session.running = false;
        session.exit_code = Some(match &r {
            Ok(code) => code.unwrap_or(137),
            Err(_) => -1,
        });
        self.inner.state.save_exec_session(&session)?;
        r.map(|c| c.unwrap_or(137))
    }
}
