//! The store's records (images, layers, container layers, mount counts) as JSON files, read and
//! written under one store-wide lock so that processes never see or make a half-written store.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::blobs::write_atomic;
use crate::error::{Result, StorageError, io};
use crate::types::{ContainerLayer, Image, Layer};

/// Everything the store records.
#[derive(Debug, Default, Clone)]
pub(crate) struct Records {
    pub images: Vec<Image>,
    pub layers: Vec<Layer>,
    pub containers: Vec<ContainerLayer>,
    /// Mount counts by container ID (kept under the run root: they end with the boot).
    pub mounts: BTreeMap<String, u32>,
}

/// Paths of the record files.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    lock: PathBuf,
    images: PathBuf,
    layers: PathBuf,
    containers: PathBuf,
    mounts: PathBuf,
}

/// Holds the store lock; records are read at lock time and written by `save`.
pub(crate) struct Locked {
    _guard: Flock<File>,
    pub records: Records,
}

fn load<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
    match fs::read(path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| StorageError::Corrupt {
            what: path.to_path_buf(),
            detail: format!("{e}; restore it from a backup or remove the store"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(StorageError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

fn store<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    let bytes = serde_json::to_vec(v).map_err(|e| StorageError::Corrupt {
        what: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    write_atomic(path, &bytes)
}

impl Meta {
    pub(crate) fn new(graph_root: &Path, run_root: &Path) -> Self {
        Meta {
            lock: graph_root.join("storage.lock"),
            images: graph_root.join("images.json"),
            layers: graph_root.join("layers.json"),
            containers: graph_root.join("containers.json"),
            mounts: run_root.join("mounts.json"),
        }
    }

    /// Takes the store lock (exclusive for writers, shared for readers) and reads the records.
    pub(crate) fn lock(&self, exclusive: bool) -> Result<Locked> {
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock)
            .map_err(io(&self.lock))?;
        let arg = if exclusive {
            FlockArg::LockExclusive
        } else {
            FlockArg::LockShared
        };
        let guard = loop {
            match Flock::lock(f.try_clone().map_err(io(&self.lock))?, arg) {
                Ok(g) => break g,
                Err((_, nix::errno::Errno::EINTR)) => continue,
                Err((_, e)) => {
                    return Err(StorageError::Io {
                        path: self.lock.clone(),
                        source: e.into(),
                    });
                }
            }
        };
        let records = Records {
            images: load(&self.images)?,
            layers: load(&self.layers)?,
            containers: load(&self.containers)?,
            mounts: load(&self.mounts)?,
        };
        Ok(Locked {
            _guard: guard,
            records,
        })
    }

    /// Writes the record files that changed, each atomically; layers before the images and
    /// containers that use them.
    pub(crate) fn save(&self, before: &Records, r: &Records) -> Result<()> {
        if before.layers != r.layers {
            store(&self.layers, &r.layers)?;
        }
        if before.images != r.images {
            store(&self.images, &r.images)?;
        }
        if before.containers != r.containers {
            store(&self.containers, &r.containers)?;
        }
        if before.mounts != r.mounts {
            store(&self.mounts, &r.mounts)?;
        }
        Ok(())
    }
}
