//! `cp`: files between a container and the host, or a tar stream, with podman's rules.
//!
//! Every container path is resolved inside the container's root by `libpod-fs` (so symlinks,
//! `..` and races stay inside). A running container is reached through `/proc/PID/root`, so
//! its bind mounts, volumes and tmpfs mounts are seen as its processes see them; a stopped
//! one through its mounted root filesystem.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use libpod_fs::{Kind, PackOptions, Root, Source, UnpackOptions, plan_copy};
use libpod_state::ContainerStatus;

use crate::container::Container;
use crate::error::{LibpodError, Result};

/// How `cp` copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyOptions {
    /// Into a container: files become owned by the container's user (podman's `--archive`,
    /// the default); off, they keep the owner they had. Out of a container owners are kept.
    pub archive: bool,
    /// Let a directory replace a non-directory and the reverse (`--overwrite`).
    pub overwrite: bool,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            archive: true,
            overwrite: false,
        }
    }
}

impl CopyOptions {
    /// podman's defaults with `archive` and `overwrite` as given.
    pub fn new(archive: bool, overwrite: bool) -> Self {
        CopyOptions { archive, overwrite }
    }
}

/// A container path as `docker cp` asks about it before it copies (the API's path stat).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathStat {
    /// Its last component (`/` for the root).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// `st_mode`: the file type and permission bits.
    pub mode: u32,
    /// Last modification, nanoseconds since the epoch.
    pub mtime: i64,
}

/// A host path made absolute (relative ones against the working directory).
fn absolute(p: &Path) -> Result<PathBuf> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(crate::error::io("."))?;
    Ok(cwd.join(p))
}

fn kind_of(root: &Root, rel: &Path) -> Result<Option<Kind>> {
    Ok(root.stat(rel)?.map(|st| Kind::of(&st)))
}

/// Fails unless `dir` (where a new name is created) is an existing directory.
fn need_dir(root: &Root, dir: &Path, shown: &str) -> Result<()> {
    match kind_of(root, dir)? {
        Some(Kind::Dir) => Ok(()),
        _ => Err(LibpodError::Fs(libpod_fs::FsError::Copy(format!(
            "\"{shown}\" could not be found: its parent directory does not exist"
        )))),
    }
}

/// Packs `src` in `from` and unpacks it in `to` at `dest`, through a pipe.
fn transfer(
    from: &Root,
    src: &Path,
    src_shown: &str,
    to: &Root,
    dest: &str,
    unpack: &UnpackOptions,
) -> Result<()> {
    let kind = kind_of(from, src)?.ok_or_else(|| {
        LibpodError::Fs(libpod_fs::FsError::Copy(format!(
            "\"{src_shown}\" could not be found: no such file or directory"
        )))
    })?;
    let source = Source::new(src_shown, kind);
    let plan = plan_copy(&source, dest, kind_of(to, Path::new(dest))?)?;
    need_dir(to, &plan.dir, dest)?;
    let pack = PackOptions {
        name: plan.name.clone(),
        follow_final: true,
        owner: None,
        xattrs: false,
        ..Default::default()
    };
    let (reader, writer) = std::io::pipe().map_err(crate::error::io("pipe"))?;
    std::thread::scope(|s| {
        let packer = s.spawn(move || libpod_fs::pack(from, src, &pack, writer));
        let unpacked = libpod_fs::unpack(to, &plan.dir, reader, unpack);
        let packed = packer
            .join()
            .unwrap_or_else(|_| Err(libpod_fs::FsError::Copy("the copy thread panicked".into())));
        // The packer's error is the cause when both failed (the unpacker saw a cut stream).
        packed.and(unpacked).map_err(LibpodError::from)
    })
}

/// How a builder's `COPY` places a source in a container.
#[derive(Clone, Debug, Default)]
pub struct PlaceOptions {
    /// Every entry owned by this uid and gid (`--chown`); `None` keeps the source's.
    pub owner: Option<(u32, u32)>,
    /// Every file and directory with this mode (`--chmod`).
    pub mode: Option<u32>,
    /// Entries of a source directory left out (`.containerignore`), by their path
    /// relative to that directory.
    pub exclude: Option<libpod_fs::Exclude>,
    /// The source is an archive (plain, gzip or zstd tar) to unpack into `dest` (`ADD`).
    pub extract: bool,
}

impl Container {
    /// Copies `src` (resolved inside `from`: a build context or another root, so a symlink
    /// never leads out of it) into the container at `dest` as a Containerfile's `COPY`
    /// does: a directory's contents into `dest`, a file to `dest` (into it when `dest` ends
    /// with `/` or is a directory); missing directories of `dest` are made.
    pub fn place(&self, from: &Root, src: &Path, dest: &str, opts: &PlaceOptions) -> Result<()> {
        let kind = kind_of(from, src)?.ok_or_else(|| {
            LibpodError::Fs(libpod_fs::FsError::Copy(format!(
                "\"{}\" could not be found: no such file or directory",
                src.display()
            )))
        })?;
        self.with_root(|root| {
            let dest_kind = kind_of(root, Path::new(dest))?;
            let into_dir = kind == Kind::Dir || dest.ends_with('/') || dest_kind == Some(Kind::Dir);
            let (dir, name) = if into_dir {
                let name = (kind != Kind::Dir)
                    .then(|| PathBuf::from(src.file_name().unwrap_or(src.as_os_str())));
                (PathBuf::from(dest), name)
            } else {
                let d = Path::new(dest);
                let parent = d.parent().unwrap_or(Path::new("/")).to_path_buf();
                (parent, d.file_name().map(PathBuf::from))
            };
            root.mkdir_all(&dir, nix::sys::stat::Mode::from_bits_truncate(0o755))?;
            let unpack = UnpackOptions {
                chown: opts.owner,
                overwrite: true,
                xattrs: false,
            };
            if opts.extract {
                root.mkdir_all(
                    Path::new(dest),
                    nix::sys::stat::Mode::from_bits_truncate(0o755),
                )?;
                let archive = libpod_storage::extract::decompressed(from.open_file(src)?)?;
                return Ok(libpod_fs::unpack(root, Path::new(dest), archive, &unpack)?);
            }
            let pack = PackOptions {
                name,
                follow_final: true,
                owner: opts.owner,
                mode: opts.mode,
                exclude: opts.exclude.clone(),
                xattrs: false,
                mtime: None,
            };
            let (reader, writer) = std::io::pipe().map_err(crate::error::io("pipe"))?;
            std::thread::scope(|s| {
                let packer = s.spawn(move || libpod_fs::pack(from, src, &pack, writer));
                let unpacked = libpod_fs::unpack(root, &dir, reader, &unpack);
                let packed = packer.join().unwrap_or_else(|_| {
                    Err(libpod_fs::FsError::Copy("the copy thread panicked".into()))
                });
                packed.and(unpacked).map_err(LibpodError::from)
            })
        })
    }

    /// The uid and gid `user` (`NAME|UID[:GROUP|GID]`) stands for in the container's
    /// `/etc/passwd` and `/etc/group` (`COPY --chown`).
    pub fn user_ids(&self, user: &str) -> Result<(u32, u32)> {
        self.with_root(|root| {
            let u = libpod_oci::resolve_user(root.path(), user)?;
            Ok((u.uid, u.gid))
        })
    }

    /// Runs `f` on the container's root as its processes see it: `/proc/PID/root` while it
    /// runs (checked to still be its process after opening), else its mounted root
    /// filesystem (unmounted afterwards, whatever `f` returns).
    fn with_root<T>(&self, f: impl FnOnce(&Root) -> Result<T>) -> Result<T> {
        let st = self.state()?;
        let live = matches!(
            st.status,
            ContainerStatus::Running | ContainerStatus::Paused
        );
        if let (true, Some(pid)) = (live, st.pid)
            && let Some(pidfd) = libpod_oci::pidfd_open(pid)
        {
            let root = Root::open(Path::new(&format!("/proc/{pid}/root")))?;
            // The pid could have been reused between the state read and the open: the
            // pidfd, taken before, is readable only once that process has ended.
            let mut fds = [nix::poll::PollFd::new(
                pidfd.as_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            let ended = nix::poll::poll(&mut fds, nix::poll::PollTimeout::ZERO).unwrap_or(1) > 0;
            if !ended {
                return f(&root);
            }
        }
        let path = self.mount()?;
        let out = Root::open(&path)
            .map_err(LibpodError::from)
            .and_then(|r| f(&r));
        let unmounted = self.unmount();
        let v = out?;
        unmounted?;
        Ok(v)
    }

    /// How files copied into the container are unpacked: owned by its user with `archive`.
    fn unpack_in(&self, root: &Root, opts: &CopyOptions) -> Result<UnpackOptions> {
        Ok(UnpackOptions {
            chown: if opts.archive {
                self.copy_owner(root)?
            } else {
                None
            },
            overwrite: opts.overwrite,
            xattrs: false,
        })
    }

    /// The uid and gid files copied in get with `archive` (the container's user).
    fn copy_owner(&self, root: &Root) -> Result<Option<(u32, u32)>> {
        let user = self.config()?.user.unwrap_or_default();
        if user.is_empty() {
            return Ok(Some((0, 0)));
        }
        let u = libpod_oci::resolve_user(root.path(), &user)?;
        Ok(Some((u.uid, u.gid)))
    }

    /// Copies the host path `src` into the container at `dest` (podman's `cp SRC CTR:DEST`).
    ///
    /// ```no_run
    /// # let rt = libpod::Runtime::builder().build()?;
    /// let c = rt.container("web")?;
    /// c.copy_in("./index.html".as_ref(), "/srv/", &libpod::CopyOptions::default())?;
    /// # Ok::<(), libpod::LibpodError>(())
    /// ```
    pub fn copy_in(&self, src: &Path, dest: &str, opts: &CopyOptions) -> Result<()> {
        let host = Root::open(Path::new("/"))?;
        let abs = absolute(src)?;
        let shown = src.to_string_lossy();
        // "SRC/." must keep its dot: the rules read it.
        let shown = if shown.ends_with("/.") {
            format!("{}/.", abs.display())
        } else {
            abs.display().to_string()
        };
        self.with_root(|root| {
            let unpack = self.unpack_in(root, opts)?;
            transfer(&host, &abs, &shown, root, dest, &unpack)
        })
    }

    /// Copies the container's `src` to the host path `dest` (podman's `cp CTR:SRC DEST`).
    pub fn copy_out(&self, src: &str, dest: &Path, opts: &CopyOptions) -> Result<()> {
        let host = Root::open(Path::new("/"))?;
        let abs = absolute(dest)?;
        let mut shown = abs.display().to_string();
        if dest.to_string_lossy().ends_with('/') && !shown.ends_with('/') {
            shown.push('/');
        }
        self.with_root(|root| {
            let unpack = UnpackOptions {
                chown: None,
                overwrite: opts.overwrite,
                xattrs: false,
            };
            transfer(root, Path::new(src), src, &host, &shown, &unpack)
        })
    }

    /// Unpacks the tar stream `tar` into the container's directory `dest` (`cp - CTR:DEST`).
    pub fn copy_in_tar(&self, tar: impl Read, dest: &str, opts: &CopyOptions) -> Result<()> {
        self.with_root(|root| {
            if kind_of(root, Path::new(dest))? != Some(Kind::Dir) {
                return Err(LibpodError::Fs(libpod_fs::FsError::Copy(format!(
                    "\"{dest}\" must be an existing directory when copying from a tar stream"
                ))));
            }
            let unpack = self.unpack_in(root, opts)?;
            Ok(libpod_fs::unpack(root, Path::new(dest), tar, &unpack)?)
        })
    }

    /// What `path` in the container is (following a final symlink, inside the container), or
    /// `None` when there is nothing there.
    ///
    /// ```no_run
    /// # let rt = libpod::Runtime::builder().build()?;
    /// let st = rt.container("web")?.stat_path("/etc/hostname")?;
    /// assert_eq!(st.map(|s| s.name), Some("hostname".to_string()));
    /// # Ok::<(), libpod::LibpodError>(())
    /// ```
    pub fn stat_path(&self, path: &str) -> Result<Option<PathStat>> {
        let name = Path::new(path)
            .file_name()
            .map_or_else(|| "/".to_string(), |n| n.to_string_lossy().into_owned());
        self.with_root(|root| {
            Ok(root.stat(Path::new(path))?.map(|st| PathStat {
                name,
                size: u64::try_from(st.st_size).unwrap_or(0),
                mode: st.st_mode,
                mtime: st.st_mtime * 1_000_000_000 + st.st_mtime_nsec,
            }))
        })
    }

    /// Writes the container's `src` as a tar stream to `out` (`cp CTR:SRC -`).
    pub fn copy_out_tar(&self, src: &str, out: impl Write) -> Result<()> {
        self.with_root(|root| {
            let kind = kind_of(root, Path::new(src))?.ok_or_else(|| {
                LibpodError::Fs(libpod_fs::FsError::Copy(format!(
                    "\"{src}\" could not be found: no such file or directory"
                )))
            })?;
            let source = Source::new(src, kind);
            let name = (!source.contents_only).then(|| PathBuf::from(&source.name));
            let opts = PackOptions {
                name,
                follow_final: true,
                owner: None,
                xattrs: false,
                ..Default::default()
            };
            Ok(libpod_fs::pack(root, Path::new(src), &opts, out)?)
        })
    }
}
