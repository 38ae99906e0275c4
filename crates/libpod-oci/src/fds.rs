//! `--preserve-fds`: which of this process's descriptors a container may be given.

use std::os::fd::BorrowedFd;

use nix::fcntl::{FcntlArg, FdFlag, fcntl};

use crate::error::{OciError, Result};

/// Checks that descriptors 3 to 3+`n`-1 are open and inheritable (not close-on-exec): ones
/// this process was started with, never its own files.
pub fn check_preserved_fds(n: u32) -> Result<()> {
    for fd in 3..3 + n as i32 {
        // SAFETY: the descriptor is only asked for its flags, not used or closed.
        let b = unsafe { BorrowedFd::borrow_raw(fd) };
        let flags = fcntl(b, FcntlArg::F_GETFD).map_err(|_| {
            OciError::InvalidInput(format!(
                "--preserve-fds {n}: file descriptor {fd} is not open; open descriptors 3 to {} for rpod",
                2 + n
            ))
        })?;
        if FdFlag::from_bits_truncate(flags).contains(FdFlag::FD_CLOEXEC) {
            return Err(OciError::InvalidInput(format!(
                "--preserve-fds {n}: file descriptor {fd} was not passed to this process"
            )));
        }
    }
    Ok(())
}
