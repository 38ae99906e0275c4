//! Where the service listens: `unix://PATH` (the default) or `tcp:HOST:PORT`, or the socket
//! systemd passes (`LISTEN_FDS`).

use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{ApiError, Result};

/// An address the service listens on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A Unix socket at this path (created 0660).
    Unix(PathBuf),
    /// A TCP address, `HOST:PORT` (no authentication: podman warns, and so do we).
    Tcp(String),
}

impl FromStr for Endpoint {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || ApiError::Endpoint(s.to_string());
        if let Some(path) = s
            .strip_prefix("unix://")
            .or_else(|| s.strip_prefix("unix:"))
        {
            if !path.starts_with('/') {
                return Err(bad());
            }
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        if let Some(addr) = s.strip_prefix("tcp://").or_else(|| s.strip_prefix("tcp:")) {
            let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
            if host.is_empty() || port.parse::<u16>().is_err() {
                return Err(bad());
            }
            return Ok(Endpoint::Tcp(addr.to_string()));
        }
        Err(bad())
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix://{}", p.display()),
            Endpoint::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

/// podman's default: `/run/libpod-rs/rpod.sock` as root, else under `$XDG_RUNTIME_DIR`.
pub fn default_endpoint() -> Endpoint {
    let base = if nix::unistd::geteuid().is_root() {
        PathBuf::from("/run")
    } else {
        std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(format!("/run/user/{}", nix::unistd::getuid())))
    };
    Endpoint::Unix(base.join("libpod-rs").join("rpod.sock"))
}

/// A bound listener.
pub(crate) enum Listener {
    /// A Unix socket; the path is removed when the service ends (unless systemd made it).
    Unix(tokio::net::UnixListener, Option<PathBuf>),
    /// A TCP socket.
    Tcp(tokio::net::TcpListener),
}

/// The socket systemd passed, if any (`LISTEN_PID` is us and `LISTEN_FDS` >= 1): fd 3.
/// The variables are cleared so children (conmon, hooks) never see them; call it before the
/// process has threads.
pub(crate) fn take_activation() -> Option<RawFd> {
    let pid: Option<u32> = std::env::var("LISTEN_PID")
        .ok()
        .and_then(|p| p.parse().ok());
    let fds: Option<u32> = std::env::var("LISTEN_FDS")
        .ok()
        .and_then(|p| p.parse().ok());
    // SAFETY: called by `serve` before it starts the service's threads; rpod has none of
    // its own, so nothing reads the environment meanwhile.
    unsafe {
        std::env::remove_var("LISTEN_PID");
        std::env::remove_var("LISTEN_FDS");
        std::env::remove_var("LISTEN_FDNAMES");
    }
    (pid == Some(std::process::id()) && fds.is_some_and(|n| n >= 1)).then_some(3)
}

/// Binds `endpoint`, or takes the socket systemd passed (`activated`, from
/// [`take_activation`]); must run inside the tokio runtime.
pub(crate) fn listen(endpoint: &Endpoint, activated: Option<RawFd>) -> Result<Listener> {
    if let Some(fd) = activated {
        return from_activation(fd);
    }
    match endpoint {
        Endpoint::Unix(path) => bind_unix(path),
        Endpoint::Tcp(addr) => {
            let l = std::net::TcpListener::bind(addr)
                .map_err(|e| ApiError::io(format!("listen on tcp:{addr}"), e))?;
            l.set_nonblocking(true)
                .map_err(|e| ApiError::io("set the socket non-blocking", e))?;
            let l = tokio::net::TcpListener::from_std(l)
                .map_err(|e| ApiError::io("register the socket", e))?;
            Ok(Listener::Tcp(l))
        }
    }
}

fn from_activation(fd: RawFd) -> Result<Listener> {
    use nix::sys::socket::{AddressFamily, SockaddrLike, SockaddrStorage, getsockname};
    let addr = getsockname::<SockaddrStorage>(fd)
        .map_err(|e| ApiError::io("inspect the socket systemd passed (fd 3)", e.into()))?;
    let reg = |e| ApiError::io("register the socket systemd passed", e);
    if addr.family() == Some(AddressFamily::Unix) {
        // SAFETY: fd 3 is the listening socket systemd passed us; we take sole ownership.
        let l = unsafe { std::os::unix::net::UnixListener::from_raw_fd(fd) };
        l.set_nonblocking(true).map_err(reg)?;
        Ok(Listener::Unix(
            tokio::net::UnixListener::from_std(l).map_err(reg)?,
            None,
        ))
    } else {
        // SAFETY: as above, a TCP listening socket.
        let l = unsafe { std::net::TcpListener::from_raw_fd(fd) };
        l.set_nonblocking(true).map_err(reg)?;
        Ok(Listener::Tcp(
            tokio::net::TcpListener::from_std(l).map_err(reg)?,
        ))
    }
}

fn bind_unix(path: &Path) -> Result<Listener> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ApiError::io(format!("create {}", dir.display()), e))?;
    }
    if path.exists() {
        // A live service keeps its socket; a dead one's is replaced.
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(ApiError::io(
                format!("listen on {}", path.display()),
                std::io::Error::new(
                    std::io::ErrorKind::AddrInUse,
                    "another service is listening there: stop it or give another URI",
                ),
            ));
        }
        std::fs::remove_file(path)
            .map_err(|e| ApiError::io(format!("remove the stale {}", path.display()), e))?;
    }
    let l = std::os::unix::net::UnixListener::bind(path)
        .map_err(|e| ApiError::io(format!("listen on {}", path.display()), e))?;
    // Owner and group only: whoever can connect can run containers as root.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
        .map_err(|e| ApiError::io(format!("chmod 0660 {}", path.display()), e))?;
    l.set_nonblocking(true)
        .map_err(|e| ApiError::io("set the socket non-blocking", e))?;
    let l = tokio::net::UnixListener::from_std(l)
        .map_err(|e| ApiError::io("register the socket", e))?;
    Ok(Listener::Unix(l, Some(path.to_path_buf())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_as_podman_takes_them() {
        let u: Endpoint = "unix:///run/x.sock".parse().expect("unix");
        assert_eq!(u, Endpoint::Unix("/run/x.sock".into()));
        assert_eq!(u.to_string(), "unix:///run/x.sock");
        let t: Endpoint = "tcp:127.0.0.1:8080".parse().expect("tcp");
        assert_eq!(t, Endpoint::Tcp("127.0.0.1:8080".into()));
        assert_eq!(
            "tcp://localhost:80".parse::<Endpoint>().expect("tcp"),
            Endpoint::Tcp("localhost:80".into())
        );
        for bad in [
            "unix://rel",
            "tcp:host",
            "tcp::80",
            "http://x",
            "tcp:h:99999",
        ] {
            assert!(bad.parse::<Endpoint>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_socket_is_0660_and_a_stale_one_replaced() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s.sock");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt");
        rt.block_on(async {
            let first = listen(&Endpoint::Unix(path.clone()), None).expect("bind");
            let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
            assert_eq!(mode & 0o777, 0o660);
            // A live one is not taken over.
            assert!(listen(&Endpoint::Unix(path.clone()), None).is_err());
            drop(first);
            // Its file left behind is replaced.
            listen(&Endpoint::Unix(path.clone()), None).expect("rebind");
        });
    }
}
