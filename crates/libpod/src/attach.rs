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
}

impl AttachConnection {
    /// Copies the container's output to `stdout` and `stderr`, and `stdin` (when given) to it,
    /// until the container's streams close; the end of `stdin` closes the container's.
    pub fn run(
        self,
        stdin: Option<Box<dyn Read + Send>>,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<()> {
        Ok(libpod_oci::attach_socket(self.sock, stdin, stdout, stderr)?)
    }
}

impl Container {
    /// Connects to the container's attach socket (it exists once the container is created).
    pub fn connect_attach(&self) -> Result<AttachConnection> {
        let bundle = self.rt.inner.paths(self.id()).bundle;
        Ok(AttachConnection {
            sock: libpod_oci::connect_attach(&bundle)?,
        })
    }

    /// Gives the container's terminal this size (for `-t` containers).
    pub fn resize_terminal(&self, rows: u16, cols: u16) -> Result<()> {
        let bundle = self.rt.inner.paths(self.id()).bundle;
        Ok(libpod_oci::resize_terminal(&bundle, rows, cols)?)
    }
}
