//! `commit`: a container's changes as a new image, with the container's settings (command,
//! environment, ports, labels, ...) as the image's, as podman makes it.
//!
//! ```no_run
//! let rt = libpod::Runtime::builder().build()?;
//! let opts = libpod::CommitOptions {
//!     reference: Some("web:v2".into()),
//!     changes: vec!["CMD [\"httpd\", \"-f\"]".into()],
//!     ..Default::default()
//! };
//! let image = rt.container("web")?.commit(&opts)?;
//! println!("{}", image.id);
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::str::FromStr;

use libpod_state::{ContainerStatus as S, MountKind};
use libpod_storage::{CommitSpec, Image};
use serde_json::{Map, Value, json};

use crate::container::Container;
use crate::error::{LibpodError, Result};
use crate::events::EventStatus;

/// The manifest and config format of an image made here (`--format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageFormat {
    /// OCI image manifest and config (podman's default).
    #[default]
    Oci,
    /// Docker schema 2 (needed for a comment, healthchecks and ONBUILD as Docker reads them).
    Docker,
}

impl FromStr for ImageFormat {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "oci" => Ok(Self::Oci),
            "docker" | "v2s2" => Ok(Self::Docker),
            other => Err(LibpodError::Invalid(format!(
                "unrecognized image type \"{other}\": use oci or docker"
            ))),
        }
    }
}

/// How [`Container::commit`] makes its image.
#[derive(Clone, Debug, Default)]
pub struct CommitOptions {
    /// The new image's name (`None`: an unnamed image).
    pub reference: Option<String>,
    /// Dockerfile instructions applied to its settings (`-c 'CMD ["sh"]'`).
    pub changes: Vec<String>,
    /// Its comment (`-m`; Docker format only).
    pub message: Option<String>,
    /// Its author (`-a`).
    pub author: Option<String>,
    /// Pause a running container while its files are read (`--pause`).
    pub pause: bool,
    /// One layer with the whole filesystem (`--squash`).
    pub squash: bool,
    /// Manifest format (`--format`).
    pub format: ImageFormat,
    /// Declare every volume and bind mount as a volume of the image, not only anonymous
    /// volumes (`--include-volumes`).
    pub include_volumes: bool,
}

/// `vars` merged into `env` by key: a key already there keeps its place.
fn merge_env(env: &mut Vec<String>, vars: &[String]) {
    let key = |kv: &str| kv.split_once('=').map_or(kv, |(k, _)| k).to_string();
    for kv in vars {
        match env.iter_mut().find(|e| key(e) == key(kv)) {
            Some(e) => e.clone_from(kv),
            None => env.push(kv.clone()),
        }
    }
}

impl Container {
    /// Makes an image of the container's filesystem and settings (`commit`).
    pub fn commit(&self, opts: &CommitOptions) -> Result<Image> {
        if opts.message.is_some() && opts.format != ImageFormat::Docker {
            return Err(LibpodError::Invalid(
                "messages are only compatible with the docker image format (-f docker)".into(),
            ));
        }
        let cfg = self.config()?;
        let config = self.commit_config(&cfg, opts)?;
        let from = if cfg.image_name.is_empty() {
            cfg.image_id.clone()
        } else {
            cfg.image_name.clone()
        };
        let spec = CommitSpec {
            names: opts.reference.iter().cloned().collect(),
            config,
            created_by: "/bin/sh".into(),
            author: opts.author.clone(),
            comment: Some(format!("FROM {from}")),
            squash: opts.squash,
            docker: opts.format == ImageFormat::Docker,
            image_comment: opts.message.clone(),
            ..Default::default()
        };
        let paused = opts.pause && self.state()?.status == S::Running && self.pause().is_ok();
        let inner = self.inner();
        let made = inner
            .guard()
            .and_then(|_g| Ok(inner.store.commit_container(self.id(), &spec)?));
        if paused {
            self.unpause()?;
        }
        let image = made?;
        crate::event_record::container(inner, EventStatus::Commit, &cfg);
        Ok(image)
    }

    /// The new image's settings: its image's, then the container's, then `--change`.
    fn commit_config(
        &self,
        cfg: &libpod_state::ContainerConfig,
        opts: &CommitOptions,
    ) -> Result<Map<String, Value>> {
        let mut config = match cfg.image_id.as_str() {
            "" => Map::new(),
            id => self.rt.image_settings(id)?,
        };
        let image_env: Vec<String> = config
            .get("Env")
            .and_then(|e| serde_json::from_value(e.clone()).ok())
            .unwrap_or_default();
        let mut env = vec![
            libpod_oci::DEFAULT_PATH.to_string(),
            "TERM=xterm".to_string(),
            "container=podman".to_string(),
        ];
        merge_env(&mut env, &image_env);
        merge_env(&mut env, &cfg.env);
        config.insert("Env".into(), json!(env));
        if let Some(u) = cfg.user.as_ref().filter(|u| !u.is_empty()) {
            config.insert("User".into(), json!(u));
        }
        // podman's containers run in the image's directory, else in /.
        let image_dir = config
            .get("WorkingDir")
            .and_then(Value::as_str)
            .unwrap_or("");
        let workdir = match cfg.workdir.as_deref().filter(|w| !w.is_empty()) {
            Some(w) => w.to_string(),
            None if image_dir.is_empty() => "/".to_string(),
            None => image_dir.to_string(),
        };
        config.insert("WorkingDir".into(), json!(workdir));
        if let Some(ep) = &cfg.entrypoint {
            config.insert("Entrypoint".into(), json!(ep));
        }
        if !cfg.command.is_empty() {
            config.insert("Cmd".into(), json!(cfg.command));
        }
        self.commit_ports_labels(cfg, &mut config);
        if let Some(h) = &cfg.healthcheck {
            config.insert(
                "Healthcheck".into(),
                json!({"Test": h.test, "Interval": h.interval, "Timeout": h.timeout,
                       "StartPeriod": h.start_period, "Retries": h.retries}),
            );
        }
        self.commit_volumes(cfg, opts.include_volumes, &mut config)?;
        libpod_storage::apply_changes(&mut config, &opts.changes)?;
        Ok(config)
    }

    /// Exposed ports (published, `--expose`d and the image's) and labels.
    fn commit_ports_labels(
        &self,
        cfg: &libpod_state::ContainerConfig,
        config: &mut Map<String, Value>,
    ) {
        let mut ports = config
            .get("ExposedPorts")
            .and_then(|p| p.as_object().cloned())
            .unwrap_or_default();
        for p in &cfg.ports {
            for i in 0..p.range.max(1) {
                let port = p.container_port.saturating_add(i);
                ports.insert(format!("{port}/{}", p.protocol.as_str()), json!({}));
            }
        }
        for e in &cfg.expose {
            for i in 0..e.range.max(1) {
                let port = e.port.saturating_add(i);
                ports.insert(format!("{port}/{}", e.protocol.as_str()), json!({}));
            }
        }
        if !ports.is_empty() {
            config.insert("ExposedPorts".into(), Value::Object(ports));
        }
        if !cfg.labels.is_empty() {
            let mut labels = config
                .get("Labels")
                .and_then(|l| l.as_object().cloned())
                .unwrap_or_default();
            for (k, v) in &cfg.labels {
                labels.insert(k.clone(), json!(v));
            }
            config.insert("Labels".into(), Value::Object(labels));
        }
    }

    /// Volumes the image declares: its image's, and the container's anonymous volumes (with
    /// `all`, every volume and bind mount).
    fn commit_volumes(
        &self,
        cfg: &libpod_state::ContainerConfig,
        all: bool,
        config: &mut Map<String, Value>,
    ) -> Result<()> {
        let mut vols = config
            .get("Volumes")
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        let inner = self.inner();
        for m in &cfg.mounts {
            let include = match m.kind {
                MountKind::Bind => all,
                MountKind::Volume => {
                    all || {
                        let _g = inner.guard()?;
                        inner.state.volume(&m.source).is_ok_and(|v| v.anonymous)
                    }
                }
                _ => false,
            };
            if include {
                vols.insert(m.destination.clone(), json!({}));
            }
        }
        if !vols.is_empty() {
            config.insert("Volumes".into(), Value::Object(vols));
        }
        Ok(())
    }
}
