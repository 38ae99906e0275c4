//! Numbered locks for libpod-rs containers and pods, shared across threads and processes.
//!
//! libpod gives every container and pod a lock from a fixed pool in shared memory; users hit
//! its ceiling ("exceeded num_locks") and locks wedged by dead holders. Here a lock is one
//! byte of one file, locked with an open-file-description (OFD) byte-range lock:
//!
//! - no ceiling: any `u32` is a valid number, allocated from a bitmap kept in the same file;
//! - no file descriptor per lock: one open file per [`LockManager`] holds them all;
//! - a holder that dies, even by SIGKILL, releases its locks: the kernel drops them with the
//!   process's open files;
//! - threads of one process are serialised by an in-process table first, since byte-range
//!   locks belong to the open file, not the thread.
//!
//! The lock file lives in the runtime's tmp dir: allocations last until reboot, when the
//! runtime's refresh re-claims each container's number with [`LockManager::allocate_given`].
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let locks = libpod_lock::LockManager::open(&dir.path().join("locks")).unwrap();
//! let lock = locks.allocate().unwrap();
//! let guard = lock.lock().unwrap();
//! assert!(lock.try_lock().unwrap().is_none());
//! drop(guard);
//! locks.free(lock.number().unwrap()).unwrap();
//! ```

mod backend;
mod error;
mod keys;
mod manager;
mod table;

pub use error::{LockError, Result};
pub use manager::{Lock, LockGuard, LockManager};
