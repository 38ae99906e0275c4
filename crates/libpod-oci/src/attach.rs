//! Attaching to a running container through conmon's attach socket (`<bundle>/attach`,
//! SOCK_SEQPACKET): each packet conmon sends starts with a stream byte (2 stdout, 3 stderr);
//! bytes written to the socket go to the container's stdin when it was created with one.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use nix::fcntl::OFlag;
use nix::sys::socket::{
    AddressFamily, MsgFlags, SockFlag, SockType, UnixAddr, connect, recv, send, socket,
};

use crate::error::{OciError, Result};

const STDOUT: u8 = 2;
const STDERR: u8 = 3;

fn sys(op: &str) -> impl FnOnce(nix::Error) -> OciError + '_ {
    move |source| OciError::Sys {
        op: op.to_string(),
        source,
    }
}

/// Sets the size of a container's terminal through conmon's control FIFO (`<bundle>/ctl`,
/// lines of `1 <rows> <columns>`). Fails, without blocking, when no conmon listens.
pub fn resize_terminal(bundle: &Path, rows: u16, cols: u16) -> Result<()> {
    let ctl = bundle.join("ctl");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&ctl)
        .map_err(|source| OciError::Io {
            path: ctl.clone(),
            source,
        })?;
    f.write_all(format!("1 {rows} {cols}\n").as_bytes())
        .map_err(|source| OciError::Io { path: ctl, source })
}

/// Connects to a container's attach socket. The bundle path can be longer than a socket
/// address allows, so the connection goes through `/proc/self/fd/<bundle dir>/attach`.
pub fn connect_attach(bundle: &Path) -> Result<OwnedFd> {
    let dir = nix::fcntl::open(
        bundle,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(sys("open the bundle"))?;
    let sock = socket(
        AddressFamily::Unix,
        SockType::SeqPacket,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map_err(sys("socket"))?;
    let addr = UnixAddr::new(format!("/proc/self/fd/{}/attach", dir.as_raw_fd()).as_str())
        .map_err(sys("attach address"))?;
    connect(sock.as_raw_fd(), &addr).map_err(sys("connect to the attach socket"))?;
    Ok(sock)
}

/// Copies the container's output to `stdout` and `stderr` until it closes the socket (the
/// container exited); `stdin`, if given, is forwarded from another thread.
pub fn attach(
    bundle: &Path,
    stdin: Option<Box<dyn Read + Send>>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<()> {
    let sock = connect_attach(bundle)?;
    attach_socket(sock, stdin, stdout, stderr)
}

/// Like [`attach`], over a socket already connected with [`connect_attach`] (connect before
/// starting the container, so no output is missed).
pub fn attach_socket(
    sock: OwnedFd,
    stdin: Option<Box<dyn Read + Send>>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<()> {
    attach_socket_detachable(sock, stdin, stdout, stderr, &[]).map(drop)
}

/// Finds a detach key sequence in a stream of input, holding back what may be its start.
#[derive(Debug, Default)]
pub struct DetachMatcher {
    keys: Vec<u8>,
    held: Vec<u8>,
}

impl DetachMatcher {
    /// A matcher for `keys` (empty: never matches).
    pub fn new(keys: &[u8]) -> DetachMatcher {
        DetachMatcher {
            keys: keys.to_vec(),
            held: Vec::new(),
        }
    }

    /// Feeds input; returns what to pass on, and whether the sequence was typed (the bytes
    /// before it are passed on, the sequence itself never).
    pub fn feed(&mut self, input: &[u8]) -> (Vec<u8>, bool) {
        if self.keys.is_empty() {
            return (input.to_vec(), false);
        }
        let mut out = Vec::with_capacity(input.len());
        for &b in input {
            self.held.push(b);
            if self.held == self.keys {
                return (out, true);
            }
            // Keep the longest tail of what is held that could still start the sequence.
            while !self.held.is_empty() && !self.keys.starts_with(&self.held) {
                out.push(self.held.remove(0));
            }
        }
        (out, false)
    }
}

/// `attach_socket`, ending early when `detach_keys` are typed on `stdin` (then true; the
/// container keeps running).
pub fn attach_socket_detachable(
    sock: OwnedFd,
    stdin: Option<Box<dyn Read + Send>>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    detach_keys: &[u8],
) -> Result<bool> {
    let detached = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let Some(mut input) = stdin {
        let w = sock.try_clone().map_err(|e| OciError::Io {
            path: "<attach socket>".into(),
            source: e,
        })?;
        let mut matcher = DetachMatcher::new(detach_keys);
        let flag = detached.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match input.read(&mut buf) {
                    Ok(0) => {
                        // End of input: half-close, so conmon closes the container's stdin.
                        let _ = nix::sys::socket::shutdown(
                            w.as_raw_fd(),
                            nix::sys::socket::Shutdown::Write,
                        );
                        break;
                    }
                    Ok(n) => {
                        let (pass, detach) = matcher.feed(&buf[..n]);
                        if !pass.is_empty()
                            && send(w.as_raw_fd(), &pass, MsgFlags::empty()).is_err()
                        {
                            break;
                        }
                        if detach {
                            // Ends the output loop below: its next read sees the end.
                            flag.store(true, std::sync::atomic::Ordering::SeqCst);
                            let _ = nix::sys::socket::shutdown(
                                w.as_raw_fd(),
                                nix::sys::socket::Shutdown::Read,
                            );
                            break;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        });
    }
    let mut buf = vec![0u8; 8193];
    loop {
        let n = match recv(sock.as_raw_fd(), &mut buf, MsgFlags::empty()) {
            Ok(n) => n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(sys("read from the attach socket")(e)),
        };
        if n == 0 {
            break;
        }
        let out: &mut dyn Write = match buf[0] {
            STDOUT => &mut *stdout,
            STDERR => &mut *stderr,
            _ => continue,
        };
        out.write_all(&buf[1..n])
            .and_then(|_| out.flush())
            .map_err(|e| OciError::Io {
                path: "<attach output>".into(),
                source: e,
            })?;
    }
    Ok(detached.load(std::sync::atomic::Ordering::SeqCst))
}

#[cfg(test)]
mod detach_tests {
    use super::DetachMatcher;

    #[test]
    fn the_sequence_is_caught_across_reads_and_never_passed_on() {
        let mut m = DetachMatcher::new(&[0x10, 0x11]);
        assert_eq!(m.feed(b"ab\x10"), (b"ab".to_vec(), false));
        assert_eq!(m.feed(b"\x11rest"), (Vec::new(), true));
        let mut m = DetachMatcher::new(&[0x10, 0x11]);
        // A start that does not go on is passed on.
        assert_eq!(m.feed(b"\x10x\x10\x10"), (b"\x10x\x10".to_vec(), false));
        assert_eq!(m.feed(b"\x11"), (Vec::new(), true));
        let mut none = DetachMatcher::new(&[]);
        assert_eq!(none.feed(b"\x10\x11"), (b"\x10\x11".to_vec(), false));
    }
}
