//! Removing containers, pods, images and networks by name, as podman's `rm`, `pod rm`, `rmi`
//! and `network rm` do: every target is tried, and a report says what went, what failed, and
//! podman's exit code (1 when something was not found, 2 when something is in use).
//!
//! ```no_run
//! use libpod::{RemoveOptions, Runtime};
//! let rt = Runtime::builder().build()?;
//! let report = rt.remove_containers(&["web".into(), "db".into()], &RemoveOptions::force());
//! for (name, err) in &report.failed {
//!     eprintln!("{name}: {err}");
//! }
//! std::process::exit(report.exit_code());
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use crate::error::LibpodError;
use crate::runtime::Runtime;

/// How targets are removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RemoveOptions {
    /// Stop running containers first; remove an image's or a network's containers; remove a
    /// pod's containers.
    pub force: bool,
    /// Seconds a running container gets to stop before SIGKILL (its own stop timeout if unset).
    pub timeout: Option<u32>,
    /// A target that does not exist is not an error (podman's `rm -f`, `rmi -f`, `pod rm -f`).
    pub ignore_missing: bool,
    /// Containers only: also remove, first, every container that depends on a target,
    /// recursively (podman's `rm --depend`); the report then lists full IDs.
    pub depend: bool,
    /// Containers only: also remove their anonymous volumes (`rm -v`).
    pub volumes: bool,
}

impl RemoveOptions {
    /// podman's `-f`: force, and missing targets ignored.
    pub fn force() -> Self {
        RemoveOptions {
            force: true,
            timeout: None,
            ignore_missing: true,
            depend: false,
            volumes: false,
        }
    }

    /// The same options with a stop timeout.
    pub fn with_timeout(mut self, timeout: Option<u32>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same options with dependents removed too, or not.
    pub fn with_depend(mut self, depend: bool) -> Self {
        self.depend = depend;
        self
    }

    /// The same options with missing targets ignored or not.
    pub fn with_ignore_missing(mut self, ignore: bool) -> Self {
        self.ignore_missing = ignore;
        self
    }
}

/// What a removal did.
#[derive(Debug, Default)]
pub struct RemoveReport {
    /// Lines for what was removed, in order: the names as given (for images, podman's
    /// `Untagged: NAME` and `Deleted: ID` lines).
    pub removed: Vec<String>,
    /// The targets that could not be removed, with why.
    pub failed: Vec<(String, LibpodError)>,
}

impl RemoveReport {
    /// podman's exit code: 0 when all went, else the code of the last failure (1 not found,
    /// 2 in use, 125 anything else).
    pub fn exit_code(&self) -> i32 {
        self.failed.last().map_or(0, |(_, e)| removal_exit_code(e))
    }

    /// Records every name of `found` whose lookup said "not found"; true if there was one
    /// (podman then removes none).
    fn missing_in<T>(&mut self, found: &[(&String, crate::Result<T>)]) -> bool {
        for (n, r) in found {
            if let Err(e) = r
                && e.is_not_found()
            {
                self.failed.push((n.to_string(), missing(e)));
            }
        }
        !self.failed.is_empty()
    }

    fn record(&mut self, name: &str, r: crate::Result<Vec<String>>, ignore_missing: bool) {
        match r {
            Ok(lines) => self.removed.extend(lines),
            Err(e) if ignore_missing && e.is_not_found() => {}
            Err(e) => self.failed.push((name.to_string(), e)),
        }
    }
}

/// A copy of a not-found error (the lookup's own stays with its result).
fn missing(e: &LibpodError) -> LibpodError {
    match e {
        LibpodError::State(libpod_state::StateError::NoSuchPod(n)) => {
            libpod_state::StateError::NoSuchPod(n.clone()).into()
        }
        LibpodError::State(libpod_state::StateError::NoSuchContainer(n)) => {
            libpod_state::StateError::NoSuchContainer(n.clone()).into()
        }
        other => LibpodError::Invalid(other.to_string()),
    }
}

/// podman's exit code for a failed removal: 1 not found, 2 in use, else the error's own
/// (a container with dependents is 125 in podman, not "in use").
pub fn removal_exit_code(e: &LibpodError) -> i32 {
    if let LibpodError::State(libpod_state::StateError::HasDependents { .. }) = e {
        125
    } else if e.is_not_found() {
        1
    } else if e.is_in_use() {
        2
    } else {
        e.exit_code()
    }
}

impl Runtime {
    /// Removes the containers named (`rpod rm`). As podman, every name is looked up first:
    /// unless missing ones are ignored, one that does not exist means none is removed.
    pub fn remove_containers(&self, names: &[String], opts: &RemoveOptions) -> RemoveReport {
        let mut report = RemoveReport::default();
        let found: Vec<_> = names.iter().map(|n| (n, self.container(n))).collect();
        if !opts.ignore_missing && report.missing_in(&found) {
            return report;
        }
        for (n, c) in found {
            let r = c.and_then(|c| {
                if !opts.depend {
                    return c.remove_with(opts).map(|()| vec![n.clone()]);
                }
                let mut done = Vec::new();
                for id in self.dependents_first(c.id())? {
                    match self.container(&id) {
                        Ok(d) => d.remove_with(opts)?,
                        // Another target's closure already took it.
                        Err(e) if e.is_not_found() => continue,
                        Err(e) => return Err(e),
                    }
                    done.push(id);
                }
                Ok(done)
            });
            // Removed meanwhile by someone else (the cleanup of a `--rm` container racing a
            // client's own removal): that is podman's "no such container".
            let r = match r {
                Err(e) if !e.is_not_found() => Err(self.gone_meanwhile(n).unwrap_or(e)),
                r => r,
            };
            report.record(n, r, opts.ignore_missing);
        }
        report
    }

    /// The "no such container" error once a container another process is removing is gone
    /// (waited for up to 10 s), or `None` if it is there and not being removed.
    fn gone_meanwhile(&self, id: &str) -> Option<crate::LibpodError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match self.container(id).and_then(|c| c.state()) {
                Err(e) if e.is_not_found() => return Some(e),
                Ok(st)
                    if st.status == libpod_state::ContainerStatus::Removing
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                _ => return None,
            }
        }
    }

    /// `id` and every container that depends on it, recursively, in an order that removes
    /// dependents before what they depend on (`id` last).
    pub fn dependents_first(&self, id: &str) -> crate::Result<Vec<String>> {
        fn visit(
            rt: &Runtime,
            id: &str,
            seen: &mut Vec<String>,
            out: &mut Vec<String>,
        ) -> crate::Result<()> {
            if seen.iter().any(|s| s == id) {
                return Ok(());
            }
            seen.push(id.to_string());
            for d in rt.container(id)?.dependents()? {
                visit(rt, &d, seen, out)?;
            }
            out.push(id.to_string());
            Ok(())
        }
        let (mut seen, mut out) = (Vec::new(), Vec::new());
        visit(self, id, &mut seen, &mut out)?;
        Ok(out)
    }

    /// Removes the pods named (`rpod pod rm`) and their containers (running ones only with
    /// `force`). Every name is looked up first, as for containers.
    pub fn remove_pods(&self, names: &[String], opts: &RemoveOptions) -> RemoveReport {
        let mut report = RemoveReport::default();
        let found: Vec<_> = names.iter().map(|n| (n, self.pod(n))).collect();
        if !opts.ignore_missing && report.missing_in(&found) {
            return report;
        }
        for (n, p) in found {
            let r = p
                .and_then(|p| {
                    let id = p.id().to_string();
                    p.remove(&crate::PodRemoveOptions {
                        force: opts.force,
                        with_containers: true,
                        timeout: opts.timeout,
                    })
                    .map(|()| id)
                })
                .map(|id| vec![id]);
            report.record(n, r, opts.ignore_missing);
        }
        report
    }

    /// Removes (or untags) the images named (`rpod rmi`); with `force`, the containers that
    /// use them first.
    pub fn remove_images(&self, names: &[String], opts: &RemoveOptions) -> RemoveReport {
        let mut report = RemoveReport::default();
        for n in names {
            let r = self.remove_image(n, opts.force);
            report.record(n, r, opts.ignore_missing);
        }
        report
    }

    fn remove_image(&self, name: &str, force: bool) -> crate::Result<Vec<String>> {
        let store = self.store()?;
        // Containers that mount the image (`--mount type=image`) use it too.
        let image = store.image(name)?;
        let image_id = image.id.clone();
        // Removing one of several names only untags: the image stays for its mounts.
        let untag_only = image.names.len() > 1 && !image.id.starts_with(name);
        let mounting: Vec<String> = self
            .containers()?
            .into_iter()
            .filter(|(c, _)| {
                c.mounts
                    .iter()
                    .any(|m| m.kind == libpod_state::MountKind::Image && m.source == image_id)
            })
            .map(|(c, _)| c.id)
            .collect();
        if !mounting.is_empty() && !force && !untag_only {
            return Err(libpod_storage::StorageError::ImageInUse {
                image: image_id,
                containers: mounting,
            }
            .into());
        }
        if force {
            let mounting = if untag_only { Vec::new() } else { mounting };
            for id in store.image_users(name)?.into_iter().chain(mounting) {
                match self.container(&id) {
                    Ok(c) => c.remove(true)?,
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let r = store.remove_image(name, force)?;
        for u in &r.untagged {
            crate::event_record::object(
                &self.inner,
                crate::events::EventType::Image,
                crate::events::EventStatus::Untag,
                &r.id,
                u,
            );
        }
        if r.deleted {
            crate::event_record::object(
                &self.inner,
                crate::events::EventType::Image,
                crate::events::EventStatus::Remove,
                &r.id,
                name,
            );
        }
        let mut lines: Vec<String> = r
            .untagged
            .iter()
            .map(|u| format!("Untagged: {u}"))
            .collect();
        if r.deleted {
            lines.push(format!("Deleted: {}", r.id));
        }
        Ok(lines)
    }

    /// Removes the volumes named (`rpod volume rm`; a unique name prefix is enough); with
    /// `force`, the containers that mount them first. Reports each volume's full name.
    pub fn remove_volumes(&self, names: &[String], opts: &RemoveOptions) -> RemoveReport {
        let mut report = RemoveReport::default();
        for n in names {
            let r = self
                .volume(n)
                .and_then(|v| v.remove(opts.force).map(|()| vec![v.name().to_string()]));
            report.record(n, r, opts.ignore_missing);
        }
        report
    }

    /// Removes the networks named (`rpod network rm`); with `force`, their containers first.
    pub fn remove_networks(&self, names: &[String], opts: &RemoveOptions) -> RemoveReport {
        let mut report = RemoveReport::default();
        for n in names {
            let r = (|| -> crate::Result<Vec<String>> {
                let nets = self.networks()?;
                if opts.force {
                    for id in nets.users(n)? {
                        self.container(&id)?.remove(true)?;
                    }
                }
                let id = nets.network(n)?.id;
                nets.remove(n)?;
                crate::event_record::object(
                    &self.inner,
                    crate::events::EventType::Network,
                    crate::events::EventStatus::Remove,
                    &id,
                    n,
                );
                Ok(vec![n.clone()])
            })();
            report.record(n, r, opts.ignore_missing);
        }
        report
    }
}
