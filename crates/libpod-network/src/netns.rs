//! Network namespaces that outlive the process that made them: each is bind-mounted onto a file
//! (as `ip netns add` does) and joined by path in the OCI spec.

use std::fs;
use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sched::{CloneFlags, unshare};

use crate::error::{NetworkError, Result, io};

/// Brings `lo` up in the calling thread's network namespace.
fn loopback_up() -> std::result::Result<(), nix::Error> {
    // SAFETY: a plain datagram socket for the interface ioctls; closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(nix::Error::last());
    }
    // SAFETY: ifreq is plain data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (i, b) in b"lo\0".iter().enumerate() {
        req.ifr_name[i] = *b as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS and SIOCSIFFLAGS read and write `req`, which outlives both calls.
    let rc = unsafe {
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) < 0 {
            -1
        } else {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            libc::ioctl(fd, libc::SIOCSIFFLAGS, &req)
        }
    };
    let err = nix::Error::last();
    // SAFETY: fd is ours and closed once.
    unsafe { libc::close(fd) };
    if rc < 0 { Err(err) } else { Ok(()) }
}

/// A new empty file `dir/name` for a namespace to be bound on (an existing one is an error:
/// two containers never share a name).
fn mount_point(dir: &Path, name: &str) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(name);
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io(&path))?;
    Ok(path)
}

/// Creates a network namespace with `lo` up, bound at `dir/name`.
pub fn create_netns(dir: &Path, name: &str) -> Result<PathBuf> {
    let path = mount_point(dir, name)?;
    let target = path.clone();
    // A new thread enters the new namespace, so this process's other threads keep theirs;
    // the bind mount keeps the namespace alive after the thread is gone.
    let made = std::thread::spawn(move || -> Result<()> {
        let err = |op| {
            let t = target.clone();
            move |source| NetworkError::Netns {
                op,
                path: t,
                source,
            }
        };
        unshare(CloneFlags::CLONE_NEWNET).map_err(err("unshare"))?;
        loopback_up().map_err(err("bring up lo in"))?;
        mount(
            Some("/proc/thread-self/ns/net"),
            &target,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(err("bind mount"))
    })
    .join()
    .unwrap_or_else(|_| {
        Err(NetworkError::Invalid {
            what: path.display().to_string(),
            message: "the namespace thread panicked".into(),
        })
    });
    if let Err(e) = made {
        let _ = umount2(&path, MntFlags::MNT_DETACH);
        let _ = fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}

/// Sets `sysctls` (`net.*` names) in the network namespace at `path`, from the host: what a
/// container in a user namespace cannot do in a namespace the host's user namespace owns.
pub fn set_netns_sysctls(path: &Path, sysctls: &[(String, String)]) -> Result<()> {
    let ns = fs::File::open(path).map_err(io(path))?;
    let sysctls = sysctls.to_vec();
    let p = path.to_path_buf();
    // A thread of its own enters the namespace: /proc/sys/net shows the opener's.
    std::thread::spawn(move || -> Result<()> {
        nix::sched::setns(&ns, CloneFlags::CLONE_NEWNET).map_err(|source| NetworkError::Netns {
            op: "enter",
            path: p.clone(),
            source,
        })?;
        for (k, v) in &sysctls {
            let file = Path::new("/proc/sys").join(k.replace('.', "/"));
            fs::write(&file, v).map_err(|e| NetworkError::Invalid {
                what: format!("sysctl {k}"),
                message: format!("setting it in {}: {e}", p.display()),
            })?;
        }
        Ok(())
    })
    .join()
    .unwrap_or_else(|_| {
        Err(NetworkError::Invalid {
            what: path.display().to_string(),
            message: "the namespace thread panicked".into(),
        })
    })
}

/// Binds the network namespace at `source` (`/proc/PID/ns/net`) at `dir/name`.
pub fn bind_netns(dir: &Path, name: &str, source: &Path) -> Result<PathBuf> {
    let path = mount_point(dir, name)?;
    if let Err(e) = mount(
        Some(source),
        &path,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    ) {
        let _ = fs::remove_file(&path);
        return Err(NetworkError::Netns {
            op: "bind mount",
            path,
            source: e,
        });
    }
    Ok(path)
}

/// Unmounts and removes a namespace file; a missing one is fine.
pub fn remove_netns(path: &Path) -> Result<()> {
    match umount2(path, MntFlags::MNT_DETACH) {
        Ok(()) | Err(nix::errno::Errno::EINVAL) | Err(nix::errno::Errno::ENOENT) => {}
        Err(source) => {
            return Err(NetworkError::Netns {
                op: "unmount",
                path: path.to_path_buf(),
                source,
            });
        }
    }
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

/// True when `path` is a mounted network namespace.
pub fn is_netns(path: &Path) -> bool {
    nix::sys::statfs::statfs(path).is_ok_and(|s| s.filesystem_type().0 as u64 == 0x6e73_6673)
}
