//! Attaching to a container's streams and terminal (conmon's attach socket and control
//! FIFO), for a CLI or an API service; the facade over `libpod-oci`'s attach.
//!
//! ```no_run
//! # let rt = libpod::Runtime::builder().build()?;
//! let c = rt.container("web")?;
//! // Connected before the start, so no output is missed.
//! let conn = c.connect_attach()?;
//! c.start()?;
//! conn.run(None, &mut std::io::stdout(), &mut std::io::stderr())?;
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::io::{Read, Write};
use std::os::fd::OwnedFd;

use crate::container::Container;
use crate::error::Result;

/// A connection to a container's output (and input).
#[derive(Debug)]
pub struct AttachConnection {
    sock: OwnedFd,
    container: Container,
}

impl AttachConnection {
    /// Records the `attach` event.
    fn attached(&self) {
        if let Ok(cfg) = self.container.config() {
            crate::event_record::container(
                self.container.inner(),
                crate::events::EventStatus::Attach,
                &cfg,
            );
        }
    }
}

/// Ends an attach from another thread, e.g. once its client went away while the container
/// is silent (see [`AttachConnection::closer`]).
#[derive(Debug)]
pub struct AttachCloser(OwnedFd);

impl AttachCloser {
    /// Shuts the attach socket down: the attach returns as if the container's streams closed
    /// (the container goes on running).
    pub fn close(&self) {
        use std::os::fd::AsRawFd;
        // Already shut down is fine.
        let _ = nix::sys::socket::shutdown(self.0.as_raw_fd(), nix::sys::socket::Shutdown::Both);
    }
}

/// How an attach ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachEnd {
    /// The container's streams closed (it exited, or its output ended).
    Closed,
    /// The detach keys were typed: the container goes on running.
    Detached,
}

/// podman's `--detach-keys`: comma-separated keys, each a character or `ctrl-X` (`ctrl-a` to
/// `ctrl-z`, `ctrl-@`, `ctrl-[`, `ctrl-\\`, `ctrl-]`, `ctrl-^`, `ctrl-_`); empty: none.
///
/// ```
/// assert_eq!(libpod::parse_detach_keys("ctrl-p,ctrl-q")?, [0x10, 0x11]);
/// assert!(libpod::parse_detach_keys("ctrl-1").is_err());
/// # Ok::<(), libpod::LibpodError>(())
/// ```
pub fn parse_detach_keys(s: &str) -> Result<Vec<u8>> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|k| {
            let bad = || {
                crate::LibpodError::Invalid(format!(
                    "invalid detach keys {s:?}: {k:?} is not a character or ctrl-<key>"
                ))
            };
            match k.strip_prefix("ctrl-") {
                Some(c) if c.len() == 1 => {
                    let c = c.as_bytes()[0].to_ascii_lowercase();
                    match c {
                        b'a'..=b'z' => Ok(c - b'a' + 1),
                        b'@' => Ok(0),
                        b'[' => Ok(27),
                        b'\\' => Ok(28),
                        b']' => Ok(29),
                        b'^' => Ok(30),
                        b'_' => Ok(31),
                        _ => Err(bad()),
                    }
                }
                Some(_) => Err(bad()),
                None if k.len() == 1 => Ok(k.as_bytes()[0]),
                None => Err(bad()),
            }
        })
        .collect()
}

impl AttachConnection {
    /// A handle that ends this attach from another thread.
    pub fn closer(&self) -> Result<AttachCloser> {
        let fd = self.sock.try_clone().map_err(crate::error::io(format!(
            "the attach socket of {}",
            self.container.id()
        )))?;
        Ok(AttachCloser(fd))
    }

    /// `run`, ending as soon as `detach_keys` are typed on `stdin` (they are not passed on).
    pub fn run_detachable(
        self,
        stdin: Option<Box<dyn Read + Send>>,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
        detach_keys: &[u8],
    ) -> Result<AttachEnd> {
        self.attached();
        let detached =
            libpod_oci::attach_socket_detachable(self.sock, stdin, stdout, stderr, detach_keys)?;
        Ok(if detached {
            AttachEnd::Detached
        } else {
            AttachEnd::Closed
        })
    }

    /// Copies the container's output to `stdout` and `stderr`, and `stdin` (when given) to it,
    /// until the container's streams close; the end of `stdin` closes the container's.
    pub fn run(
        self,
        stdin: Option<Box<dyn Read + Send>>,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<()> {
        self.attached();
        Ok(libpod_oci::attach_socket(self.sock, stdin, stdout, stderr)?)
    }
}

impl Container {
    /// Connects to the container's attach socket (it exists once the container is created).
    pub fn connect_attach(&self) -> Result<AttachConnection> {
        let bundle = self.rt.inner.paths(self.id()).bundle;
        Ok(AttachConnection {
            sock: libpod_oci::connect_attach(&bundle)?,
            container: self.clone(),
        })
    }

    /// Gives the container's terminal this size (for `-t` containers).
    pub fn resize_terminal(&self, rows: u16, cols: u16) -> Result<()> {
        let bundle = self.rt.inner.paths(self.id()).bundle;
        Ok(libpod_oci::resize_terminal(&bundle, rows, cols)?)
    }
}
