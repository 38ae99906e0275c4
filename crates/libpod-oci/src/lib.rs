//! OCI execution for libpod-rs: a container's configuration becomes an OCI runtime bundle
//! (`config.json`, generated with `oci-spec`), and the OCI runtime (runc or crun) is driven
//! through conmon, as libpod does.
//!
//! - [`generate`] builds the spec from a [`ContainerSpec`]: podman's entrypoint/command rules,
//!   environment, user and groups resolved in the image's own /etc files, default mounts,
//!   capabilities and masked paths, the containers seccomp profile converted to OCI form,
//!   rlimits capped at the host's hard limits, cgroup limits.
//! - [`OciRuntime`] is how a runtime is invoked; [`RuncCompatible`] serves runc and crun (crun
//!   wrapped on hybrid-cgroup hosts, with the reason in [`OciRuntime::note`]).
//! - [`Executor`] creates containers under conmon (sync and start pipes), starts, inspects,
//!   signals, stops (signal, then SIGKILL after the timeout), pauses, deletes and execs, and
//!   waits for exits with inotify and a pidfd, never a sleep loop.
//!
//! Invariants: runtime state lives under the runtime root we pass (`--root`), never the
//! host's default; a failed create deletes whatever the runtime made; errors carry the
//! runtime's own message, and [`OciError::exit_code`] gives podman's exit codes (126, 127).

mod attach;
mod conmon;
mod error;
mod fds;
mod logs;
mod runtime;
mod seccomp;
mod spec;
mod spec_linux;
pub mod stats;
mod types;
mod update;
mod user;

pub use attach::{
    DetachMatcher, attach, attach_socket, attach_socket_detachable, connect_attach, resize_terminal,
};
pub use conmon::{
    ContainerPaths, CreateOptions, Created, Executor, Pids, pid_alive, pidfd_open, read_exit_code,
    readable_within, wait_exit,
};
pub use error::{OciError, Result};
pub use fds::check_preserved_fds;
pub use logs::{parse_log, read_log};
pub use runtime::{OciRuntime, RuncCompatible, cgroup_version, hybrid_cgroups, version_line};
pub use spec::{
    DEFAULT_CAPABILITIES, DEFAULT_PATH, INIT_PATH, caller_bounding_set, default_cgroup_path,
    environment, generate, privileged_capabilities, process_args, write_bundle,
};
pub use spec_linux::{HostDevice, host_device, parse_cgroup_rule, update_resources};
pub use types::{
    ContainerSpec, ImageDefaults, Limits, LogLine, Namespace, RuntimeState, UserMount,
};
pub use user::{ResolvedUser, id_names, resolve_groups, resolve_user};
