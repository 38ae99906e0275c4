//! Where locks and the allocation bitmap live: one file with byte-range (OFD) locks, or memory.
//! The manager's logic runs unchanged over either, so the memory backend doubles as the
//! syscall-free test double.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, fcntl};

use crate::error::{LockError, Result};
use crate::keys::{ALLOC_KEY, key_name};

/// Cross-process exclusion of keys plus word storage for the bitmap.
pub(crate) trait Backend: Send + Sync {
    /// Takes the process-level lock on `key`; `wait` false returns `Ok(false)` when it is held elsewhere.
    fn lock(&self, key: u64, wait: bool) -> Result<bool>;
    /// Releases the process-level lock on `key`.
    fn unlock(&self, key: u64) -> Result<()>;
    /// Reads word `i` of the bitmap area (0 past the end).
    fn read_word(&self, i: u64) -> Result<u64>;
    /// Writes word `i` of the bitmap area.
    fn write_word(&self, i: u64, w: u64) -> Result<()>;
    /// How many words are stored; all later words read as zero.
    fn stored_words(&self) -> Result<u64>;
    /// Where the locks live, for messages.
    fn path(&self) -> PathBuf;
}

/// The first word of a lock file, "LPRSLCK1" read as little-endian.
const MAGIC: u64 = u64::from_le_bytes(*b"LPRSLCK1");

/// Locks as byte ranges of one file: the kernel drops them when the holding process dies.
pub(crate) struct FileBackend {
    file: File,
    path: PathBuf,
}

impl FileBackend {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)
            .map_err(io)?;
        let b = FileBackend {
            file,
            path: path.to_path_buf(),
        };
        // Two processes may create the file at once; the magic is written under the allocator lock.
        b.lock(ALLOC_KEY, true)?;
        let checked = b.check_magic();
        b.unlock(ALLOC_KEY)?;
        checked?;
        Ok(b)
    }

    fn check_magic(&self) -> Result<()> {
        let len = self
            .file
            .metadata()
            .map_err(|source| LockError::Io {
                path: self.path.clone(),
                source,
            })?
            .len();
        if len == 0 {
            return self.write_word(0, MAGIC);
        }
        if len % 8 != 0 {
            return Err(LockError::BadFile {
                path: self.path.clone(),
                reason: format!("size {len} is not a multiple of 8"),
            });
        }
        let m = self.read_word(0)?;
        if m != MAGIC {
            return Err(LockError::BadFile {
                path: self.path.clone(),
                reason: format!("magic {m:#x}"),
            });
        }
        Ok(())
    }

    fn setlk(&self, key: u64, kind: libc::c_short, wait: bool) -> std::result::Result<(), Errno> {
        // One byte per key. Lock ranges and file data are independent (locking a range never
        // touches its bytes), so keys may share offsets with the bitmap words.
        let start = i64::try_from(key).map_err(|_| Errno::EOVERFLOW)?;
        // SAFETY: flock is a plain C struct for which all-zero bytes are a valid value.
        let mut fl: libc::flock = unsafe { std::mem::zeroed() };
        fl.l_type = kind;
        fl.l_whence = libc::SEEK_SET as libc::c_short;
        fl.l_start = start;
        fl.l_len = 1;
        loop {
            let arg = if wait {
                FcntlArg::F_OFD_SETLKW(&fl)
            } else {
                FcntlArg::F_OFD_SETLK(&fl)
            };
            match fcntl(&self.file, arg) {
                Err(Errno::EINTR) => continue,
                r => return r.map(drop),
            }
        }
    }

    fn syscall_err(&self, op: &'static str, key: u64, source: Errno) -> LockError {
        LockError::Syscall {
            op,
            key: key_name(key),
            path: self.path.clone(),
            source,
        }
    }
}

impl Backend for FileBackend {
    fn lock(&self, key: u64, wait: bool) -> Result<bool> {
        match self.setlk(key, libc::F_WRLCK as libc::c_short, wait) {
            Ok(()) => Ok(true),
            Err(Errno::EAGAIN | Errno::EACCES) if !wait => Ok(false),
            Err(e) => Err(self.syscall_err(if wait { "lock" } else { "try-lock" }, key, e)),
        }
    }

    fn unlock(&self, key: u64) -> Result<()> {
        self.setlk(key, libc::F_UNLCK as libc::c_short, false)
            .map_err(|e| self.syscall_err("unlock", key, e))
    }

    fn read_word(&self, i: u64) -> Result<u64> {
        let mut buf = [0u8; 8];
        let mut done = 0;
        while done < 8 {
            match self.file.read_at(&mut buf[done..], i * 8 + done as u64) {
                Ok(0) => break, // past the end reads as zero: the bitmap grows on demand
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(LockError::Io {
                        path: self.path.clone(),
                        source,
                    });
                }
            }
        }
        Ok(u64::from_le_bytes(buf))
    }

    fn write_word(&self, i: u64, w: u64) -> Result<()> {
        self.file
            .write_all_at(&w.to_le_bytes(), i * 8)
            .map_err(|source| LockError::Io {
                path: self.path.clone(),
                source,
            })
    }

    fn stored_words(&self) -> Result<u64> {
        let len = self
            .file
            .metadata()
            .map_err(|source| LockError::Io {
                path: self.path.clone(),
                source,
            })?
            .len();
        Ok(len.div_ceil(8))
    }

    fn path(&self) -> PathBuf {
        self.path.clone()
    }
}

/// In-process only: the thread table does all the exclusion, words live in a vector.
#[derive(Default)]
pub(crate) struct MemoryBackend {
    words: Mutex<Vec<u64>>,
}

impl Backend for MemoryBackend {
    fn lock(&self, _key: u64, _wait: bool) -> Result<bool> {
        Ok(true)
    }

    fn unlock(&self, _key: u64) -> Result<()> {
        Ok(())
    }

    fn read_word(&self, i: u64) -> Result<u64> {
        let words = self.words.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(usize::try_from(i)
            .ok()
            .and_then(|i| words.get(i).copied())
            .unwrap_or(0))
    }

    fn write_word(&self, i: u64, w: u64) -> Result<()> {
        let mut words = self.words.lock().unwrap_or_else(PoisonError::into_inner);
        let i = usize::try_from(i).map_err(|_| LockError::Exhausted)?;
        if words.len() <= i {
            words.resize(i + 1, 0);
        }
        words[i] = w;
        Ok(())
    }

    fn stored_words(&self) -> Result<u64> {
        Ok(self
            .words
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len() as u64)
    }

    fn path(&self) -> PathBuf {
        PathBuf::from("<memory>")
    }
}
