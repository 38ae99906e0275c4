//! libpod-rs: run OCI containers and pods on a Linux host.
//!
//! This crate is the facade a Rust program embeds. It composes the layers (configuration,
//! locks, state, storage, OCI execution, networking) into a [`Runtime`]; it wires and
//! sequences, the layers do the work. A runtime is built as libpod's `NewRuntime` builds one
//! (storage, OCI runtime, directories, locks, networking, state, then the alive check, with a
//! refresh after a reboot), owns containers and pods, reports [`Info`], and shuts down once.
//!
//! ```no_run
//! use libpod::{ContainerOptions, Runtime};
//! let rt = Runtime::builder().build()?;
//! let ctr = rt.create_container(ContainerOptions {
//!     image: "busybox".into(),
//!     command: vec!["echo".into(), "hello".into()],
//!     ..Default::default()
//! })?;
//! ctr.start()?;
//! assert_eq!(ctr.wait()?, 0);
//! ctr.remove(false)?;
//! rt.shutdown(false)?;
//! # Ok::<(), libpod::LibpodError>(())
//! ```
//!
//! # Cargo features
//!
//! Each backend is behind its own feature; CI builds and tests this crate with each one alone
//! (and with none). The in-memory state backend is always built.
//!
//! - `sqlite` (default): the SQLite state backend (rusqlite with a bundled SQLite). Durable,
//!   shared safely by many processes; the default `[engine] database_backend`.
//! - `redb` (default): the redb state backend, a pure-Rust embedded database shared by
//!   processes through redb's multi-writer mode.
//! - `cni` (default): container networks through CNI plugins (bridge networks, port
//!   mappings). Without it, containers get network mode `none`, `host` or `container:`.
//!
//! - `pull` (default): pulling images from registries over the OCI distribution protocol
//!   ([`Runtime::pull_image`]), with a blocking HTTP client (ureq with rustls). Without it,
//!   images come only from archives, layouts and tarballs.

mod attach;
mod caps;
mod commit;
mod container;
mod copy;
mod create;
mod disk_usage;
mod error;
mod etc;
mod event_record;
pub mod events;
mod exec;
mod health;
mod history;
mod image_details;
mod image_filter;
mod image_step;
mod images;
mod info;
mod lifecycle;
mod limits;
mod list;
mod logs;
mod lookpath;
mod monitor;
pub mod mount_spec;
mod names;
mod net_backend;
#[cfg(feature = "cni")]
mod net_cni;
#[cfg(not(feature = "cni"))]
mod net_none;
mod net_options;
mod network_connect;
mod network_filter;
pub use network_connect::connect_options;
pub use network_filter::{NetworkFilter, select_networks};
mod networks;
pub use net_options::{
    apply_static_addresses, network_mode_name, parse_ip, parse_mac, parse_network,
};
pub use networks::{network_id, subnet_requests};
mod options;
mod passwd;
mod pod;
mod ports;
mod prune;
#[cfg(feature = "pull")]
mod pull;
mod pull_policy;
mod remove;
mod restart;
mod runtime;
mod spec_fields;
mod stats;
mod status;
mod steps;
mod timefilter;
mod top;
mod trace;
mod update;
mod userns;
mod volume_filter;
mod volume_mounts;
mod volume_options;
mod volumes;
mod wait;

#[cfg(feature = "cni")]
use net_cni as net;
#[cfg(not(feature = "cni"))]
use net_none as net;

pub use attach::{AttachCloser, AttachConnection, AttachEnd, parse_detach_keys};
pub use caps::{normalize_caps, resolve_caps};
pub use commit::{CommitOptions, ImageFormat};
pub use container::{Container, parse_signal};
pub use copy::{CopyOptions, PathStat, PlaceOptions};
pub use disk_usage::{DiskUsage, UsageSummary};
pub use error::{LibpodError, Result};
pub use event_record::{EventStream, EventsOptions};
pub use health::{HealthOptions, HealthRun, next_health, parse_health_cmd};
pub use history::HistoryEntry;
pub use image_details::{HistoryStep, ImageDetails, TreeLayer};
pub use image_filter::{ImageFilter, glob, reference_matches, select_images};
pub use image_step::ImageStep;
pub use images::ArchiveFormat;
pub use info::{
    HostInfo, Info, PluginsInfo, ProgramInfo, RuntimeInfo, StoreInfo, VersionInfo, go_arch,
};
pub use limits::{
    cpus_quota, is_cdi_name, parse_add_host, parse_device, parse_device_rate, parse_dns_server,
    parse_namespace, parse_pod_share, parse_size, parse_sysctl, parse_ulimit, parse_umask,
};
pub use list::{ContainerFilter, FilterContext, ListOptions, SortKey, select_containers};
pub use logs::parse_log_opts;
pub use options::{
    ContainerOptions, ExecOptions, ImageVolumeMode, LogOptions, NamespaceOptions, PodOptions,
};
pub use pod::{Pod, PodRemoveOptions, PodStatus};
pub use ports::{parse_expose, parse_publish, published_port, published_ports};
pub use prune::{PruneOptions, PruneReport, is_prunable};
#[cfg(feature = "pull")]
pub use pull::{PullRequest, RegistryAccess, SearchResult, default_auth_file, logout};
pub use pull_policy::{PullDecision, PullPolicy};
pub use remove::{RemoveOptions, RemoveReport, removal_exit_code};
pub use restart::{backoff, parse_restart_policy, should_restart, starts_at_boot};
pub use runtime::{Runtime, RuntimeBuilder};
pub use stats::ContainerStats;
pub use timefilter::{
    format_rfc3339, now_ns, parse_go_duration, parse_rfc3339, parse_time_filter, rfc3339_nano,
};
pub use update::merge_resources;
pub use userns::{parse_id_mappings, parse_userns, unshare};
pub use volume_filter::{VolumeFilter, select_volumes};
pub use volumes::{LOCAL_DRIVER, Volume, VolumeOptions};
pub use wait::{ExitCondition, ExitWait, WaitCondition};

pub use libpod_config as config;
pub use libpod_fs as fs;
pub use libpod_lock as lock;
pub use libpod_network as network;
pub use libpod_oci as oci;
pub use libpod_state as state;
pub use libpod_storage as storage;
