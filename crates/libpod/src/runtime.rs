//! The runtime: built from configuration in the seed's order (storage, OCI runtime, dirs,
//! locks, networking, state, then the alive check with a refresh after a reboot), shut down
//! once, and the owner of every container and pod.

use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use libpod_config::{ConfigBuilder, RuntimeConfig};
use libpod_lock::LockManager;
use libpod_network::NetworkManager;
use libpod_oci::{ContainerPaths, Executor, OciRuntime};
use libpod_state::{DbPaths, State};
use libpod_storage::Store;

use crate::error::{LibpodError, Result};

/// What the runtime owns; shared by its containers and pods.
pub(crate) struct Inner {
    pub config: RuntimeConfig,
    pub store: Store,
    pub state: Box<dyn State>,
    pub locks: LockManager,
    pub exec: Executor,
    pub net: NetworkManager,
    pub exit_command: Option<(PathBuf, Vec<String>)>,
    /// The command that runs a container's periodic healthchecks (given its ID last).
    pub health_monitor: Option<(PathBuf, Vec<String>)>,
    /// The command that runs a detached exec session (given its ID last).
    pub exec_session_command: Option<(PathBuf, Vec<String>)>,
    /// The event log, unless `events_logger = "none"`.
    pub events: Option<crate::events::EventLog>,
    /// False after shutdown; taken for reading by every call, for writing by shutdown.
    pub(crate) valid: RwLock<bool>,
}

impl Inner {
    /// Fails once the runtime is shut down; held for the length of an operation.
    pub fn guard(&self) -> Result<RwLockReadGuard<'_, bool>> {
        let g = self.valid.read().map_err(|_| LibpodError::RuntimeStopped)?;
        if *g {
            Ok(g)
        } else {
            Err(LibpodError::RuntimeStopped)
        }
    }

    /// Where conmon and the runtime keep a container's files.
    pub fn paths(&self, id: &str) -> ContainerPaths {
        ContainerPaths::new(id, &self.config.tmp_dir, &self.config.static_dir)
    }

    /// The container's persistent directory (log, hosts, resolv.conf, hostname).
    pub fn userdata(&self, id: &str) -> PathBuf {
        self.config.static_dir.join("containers").join(id)
    }
}

/// A libpod runtime. Cheap to clone; clones share one runtime.
///
/// ```
/// use libpod::{ListOptions, Runtime};
/// use libpod::config::StateBackend;
/// let dir = tempfile::tempdir()?;
/// let d = dir.path().to_path_buf();
/// let rt = Runtime::builder_isolated()
///     .config(move |c| {
///         c.graph_root(d.join("root"))
///             .run_root(d.join("run"))
///             .cni_config_dir(d.join("net.d"))
///             .state_backend(StateBackend::Memory)
///     })
///     .build()?;
/// assert!(rt.list_containers(&ListOptions { all: true, ..Default::default() })?.is_empty());
/// rt.shutdown(false)?;
/// // After shutdown every call fails.
/// assert!(rt.list_containers(&ListOptions::default()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("graph_root", &self.inner.config.storage.graph_root)
            .finish()
    }
}

/// Builds a [`Runtime`] from configuration (the seed's functional options, as a builder).
#[derive(Debug, Clone)]
pub struct RuntimeBuilder {
    pub(crate) config: ConfigBuilder,
    pub(crate) exit_command: Option<(PathBuf, Vec<String>)>,
    pub(crate) health_monitor: Option<(PathBuf, Vec<String>)>,
    pub(crate) exec_session_command: Option<(PathBuf, Vec<String>)>,
}

/// The boot this machine is in.
pub(crate) fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

impl Runtime {
    /// A builder that reads the config files and `LIBPOD_RS_*` environment, as podman would.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder {
            config: RuntimeConfig::builder(),
            exit_command: None,
            health_monitor: None,
            exec_session_command: None,
        }
    }

    /// A builder that reads no files and no environment.
    pub fn builder_isolated() -> RuntimeBuilder {
        RuntimeBuilder {
            config: ConfigBuilder::isolated(),
            exit_command: None,
            health_monitor: None,
            exec_session_command: None,
        }
    }

    /// A copy of the configuration.
    pub fn config(&self) -> Result<RuntimeConfig> {
        let _g = self.inner.guard()?;
        Ok(self.inner.config.clone())
    }

    /// The image store.
    pub(crate) fn store(&self) -> Result<&Store> {
        let _g = self.inner.guard()?;
        Ok(&self.inner.store)
    }

    /// The network manager.
    pub(crate) fn networks(&self) -> Result<&NetworkManager> {
        let _g = self.inner.guard()?;
        Ok(&self.inner.net)
    }

    /// The OCI runtime in use.
    pub fn oci_runtime(&self) -> &dyn OciRuntime {
        self.inner.exec.runtime()
    }
}

impl RuntimeBuilder {
    /// Changes the configuration (every [`RuntimeConfig`] field has a setter).
    pub fn config(mut self, f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Self {
        self.config = f(self.config);
        self
    }

    /// A command conmon runs when a container exits (podman's `container cleanup` hook),
    /// given the container ID as its last argument.
    pub fn exit_command(mut self, program: impl Into<PathBuf>, args: Vec<String>) -> Self {
        self.exit_command = Some((program.into(), args));
        self
    }

    /// The command that runs a container's periodic healthchecks, given the container ID as
    /// its last argument (`rpod container healthmonitor`: it calls
    /// [`Runtime::health_monitor`]); without one, healthchecks run only when asked
    /// ([`crate::Container::run_healthcheck`]).
    pub fn health_monitor_command(
        mut self,
        program: impl Into<PathBuf>,
        args: Vec<String>,
    ) -> Self {
        self.health_monitor = Some((program.into(), args));
        self
    }

    /// The command that runs a detached exec session to its end, given the session's ID as
    /// its last argument (`rpod container execsession`: it calls
    /// [`Runtime::run_exec_session`]); without one, `exec_detached` is refused.
    pub fn exec_session_command(mut self, program: impl Into<PathBuf>, args: Vec<String>) -> Self {
        self.exec_session_command = Some((program.into(), args));
        self
    }
}

impl Runtime {
    /// Copies the whole state into another backend's database in the static dir (which must be
    /// empty); the caller then switches `[engine] database_backend` to it.
    pub fn migrate_state(&self, backend: libpod_config::StateBackend) -> Result<Option<PathBuf>> {
        let _g = self.inner.guard()?;
        let c = &self.inner.config;
        let paths = DbPaths {
            static_dir: c.static_dir.clone(),
            tmp_dir: c.tmp_dir.clone(),
            graph_root: c.storage.graph_root.clone(),
            run_root: c.storage.run_root.clone(),
        };
        let target = libpod_state::open(backend, &c.static_dir, &paths)?;
        let copied = libpod_state::copy_state(self.inner.state.as_ref(), target.as_ref());
        let file = target.path().map(std::path::Path::to_path_buf);
        target.close()?;
        copied?;
        Ok(file)
    }
}
