//! Extended attributes of an entry named on its parent's descriptor, never following a
//! symlink: the path handed to the kernel is `/proc/self/fd/<dir>/<name>`, where `name` is one
//! component, so nothing outside the directory can be reached.

use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd};

use nix::errno::Errno;

fn proc_path(dir: BorrowedFd<'_>, name: &[u8]) -> Result<CString, Errno> {
    if name.contains(&b'/') {
        return Err(Errno::EINVAL);
    }
    let mut path = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
    path.extend_from_slice(name);
    CString::new(path).map_err(|_| Errno::EINVAL)
}

/// Calls a size-probing `l*xattr` function twice: once for the size, once for the bytes
/// (again if the value grew in between).
fn read_sized(mut call: impl FnMut(*mut libc::c_void, usize) -> isize) -> Result<Vec<u8>, Errno> {
    loop {
        let size = Errno::result(call(std::ptr::null_mut(), 0))?;
        let mut buf = vec![0u8; size.unsigned_abs()];
        match Errno::result(call(buf.as_mut_ptr().cast(), buf.len())) {
            Ok(n) => {
                buf.truncate(n.unsigned_abs());
                return Ok(buf);
            }
            Err(Errno::ERANGE) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Every extended attribute of `name` in `dir` with its value; empty where the file system
/// has none (ENOTSUP).
pub fn list(dir: BorrowedFd<'_>, name: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Errno> {
    let path = proc_path(dir, name)?;
    // SAFETY: `path` is NUL-terminated and outlives the call; the buffer has `len` bytes.
    let names =
        match read_sized(|buf, len| unsafe { libc::llistxattr(path.as_ptr(), buf.cast(), len) }) {
            Ok(n) => n,
            Err(Errno::ENOTSUP) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
    let mut out = Vec::new();
    for key in names.split(|b| *b == 0).filter(|k| !k.is_empty()) {
        let ckey = CString::new(key).map_err(|_| Errno::EINVAL)?;
        // SAFETY: both strings are NUL-terminated and outlive the call; the buffer has `len`
        // bytes.
        match read_sized(|buf, len| unsafe {
            libc::lgetxattr(path.as_ptr(), ckey.as_ptr(), buf, len)
        }) {
            Ok(v) => out.push((String::from_utf8_lossy(key).into_owned(), v)),
            // Removed meanwhile.
            Err(Errno::ENODATA) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Sets one extended attribute on `name` in `dir`.
pub fn set(dir: BorrowedFd<'_>, name: &[u8], key: &str, value: &[u8]) -> Result<(), Errno> {
    let path = proc_path(dir, name)?;
    let key = CString::new(key).map_err(|_| Errno::EINVAL)?;
    // SAFETY: both strings are NUL-terminated and outlive the call; value points at
    // value.len() readable bytes.
    let rc = unsafe {
        libc::lsetxattr(
            path.as_ptr(),
            key.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    Errno::result(rc).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn an_attribute_set_is_listed_back_and_a_slash_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("f"), b"x").expect("write");
        let d = std::fs::File::open(dir.path()).expect("open");
        match set(d.as_fd(), b"f", "user.test", b"value") {
            // tmpfs before 6.6 and some file systems keep no user xattrs.
            Err(Errno::ENOTSUP) | Err(Errno::EPERM) => return,
            r => r.expect("set"),
        }
        let got = list(d.as_fd(), b"f").expect("list");
        assert!(
            got.contains(&("user.test".to_string(), b"value".to_vec())),
            "{got:?}"
        );
        assert_eq!(list(d.as_fd(), b"a/f"), Err(Errno::EINVAL));
    }
}
