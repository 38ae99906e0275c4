//! Allocation of lock numbers (a bitmap with a scan hint) and the lock handles.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::backend::{Backend, FileBackend, MemoryBackend};
use crate::error::{LockError, Result};
use crate::keys::{ALLOC_KEY, FIRST_NUMBERED, RUNTIME_KEY, VOLUMES_KEY, key_name};
use crate::table::Table;

/// Word index of the scan hint; word 0 is the file's magic.
const HINT_WORD: u64 = 1;
/// Word index where the bitmap starts.
const BITMAP_WORD: u64 = 2;
/// Bitmap words needed for every u32 number.
const MAX_WORDS: u64 = (u32::MAX as u64 + 1) / 64;

struct Shared {
    table: Table,
    backend: Box<dyn Backend>,
}

impl Shared {
    fn acquire(&self, key: u64) -> Result<()> {
        let started = std::time::Instant::now();
        self.table.acquire(key);
        match self.backend.lock(key, true) {
            Ok(_) => {
                let waited = started.elapsed();
                // Only a wait worth knowing about: an uncontended lock takes microseconds.
                if waited.as_millis() >= 1 {
                    tracing::debug!(
                        lock = key,
                        ms = waited.as_secs_f64() * 1e3,
                        "waited for a lock"
                    );
                }
                Ok(())
            }
            Err(e) => {
                self.table.release(key);
                Err(e)
            }
        }
    }

    fn try_acquire(&self, key: u64) -> Result<bool> {
        if !self.table.try_acquire(key) {
            return Ok(false);
        }
        match self.backend.lock(key, false) {
            Ok(true) => Ok(true),
            other => {
                self.table.release(key);
                other
            }
        }
    }

    fn release(&self, key: u64) -> Result<()> {
        let r = self.backend.unlock(key);
        self.table.release(key);
        r
    }
}

/// Allocates, retrieves and frees numbered locks shared by every process using the same file.
///
/// There is no fixed ceiling (every `u32` is a valid number) and no file descriptor per lock:
/// one open file per manager holds them all.
#[derive(Clone)]
pub struct LockManager {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LockManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockManager")
            .field("path", &self.shared.backend.path())
            .finish()
    }
}

impl LockManager {
    /// Opens (creating if needed) the lock file at `path`, shared with other processes.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self::with_backend(Box::new(FileBackend::open(path)?)))
    }

    /// Locks that exist only in this process, for throwaway runtimes and tests.
    pub fn in_memory() -> Self {
        Self::with_backend(Box::<MemoryBackend>::default())
    }

    fn with_backend(backend: Box<dyn Backend>) -> Self {
        LockManager {
            shared: Arc::new(Shared {
                table: Table::new(),
                backend,
            }),
        }
    }

    /// The lock file's path (`<memory>` for in-memory locks).
    pub fn path(&self) -> PathBuf {
        self.shared.backend.path()
    }

    /// Runs `f` under the allocator lock; the lock is released whatever `f` returns.
    fn with_alloc<T>(&self, f: impl FnOnce(&dyn Backend) -> Result<T>) -> Result<T> {
        self.shared.acquire(ALLOC_KEY)?;
        let r = f(self.shared.backend.as_ref());
        let u = self.shared.release(ALLOC_KEY);
        let v = r?;
        u?;
        Ok(v)
    }

    fn handle(&self, number: u32) -> Lock {
        Lock {
            shared: Arc::clone(&self.shared),
            key: FIRST_NUMBERED + u64::from(number),
        }
    }

    /// Allocates the lowest free number at or after the scan hint.
    pub fn allocate(&self) -> Result<Lock> {
        let number = self.with_alloc(|b| {
            let hint = b.read_word(HINT_WORD)?.min(MAX_WORDS - 1);
            let order = (hint..MAX_WORDS).chain(0..hint);
            for w in order {
                let word = b.read_word(BITMAP_WORD + w)?;
                if word == u64::MAX {
                    continue;
                }
                let bit = (!word).trailing_zeros();
                let word = word | (1 << bit);
                b.write_word(BITMAP_WORD + w, word)?;
                let next = if word == u64::MAX { w + 1 } else { w };
                if next != hint {
                    b.write_word(HINT_WORD, next)?;
                }
                return u32::try_from(w * 64 + u64::from(bit)).map_err(|_| LockError::Exhausted);
            }
            Err(LockError::Exhausted)
        })?;
        Ok(self.handle(number))
    }

    /// Allocates a number and takes its lock in one step, inside the allocator's critical
    /// section, so no other process ever sees it allocated but unheld (and takes it for the
    /// orphan of a dead process).
    pub fn allocate_locked(&self) -> Result<(Lock, LockGuard)> {
        let number = self.with_alloc(|b| {
            let hint = b.read_word(HINT_WORD)?.min(MAX_WORDS - 1);
            for w in (hint..MAX_WORDS).chain(0..hint) {
                let word = b.read_word(BITMAP_WORD + w)?;
                let mut free = !word;
                while free != 0 {
                    let bit = free.trailing_zeros();
                    free &= free - 1;
                    let n =
                        u32::try_from(w * 64 + u64::from(bit)).map_err(|_| LockError::Exhausted)?;
                    // A number whose lock a stale holder still has is skipped, not waited for.
                    if self.shared.try_acquire(FIRST_NUMBERED + u64::from(n))? {
                        b.write_word(BITMAP_WORD + w, word | (1 << bit))?;
                        return Ok(n);
                    }
                }
            }
            Err(LockError::Exhausted)
        })?;
        let lock = self.handle(number);
        let guard = LockGuard {
            lock: lock.clone(),
            held: true,
        };
        Ok((lock, guard))
    }

    /// Every allocated number, in order.
    pub fn allocated(&self) -> Result<Vec<u32>> {
        self.with_alloc(|b| {
            let mut v = Vec::new();
            for w in 0..bitmap_words(b)? {
                let word = b.read_word(BITMAP_WORD + w)?;
                for bit in 0..64 {
                    if word & (1 << bit) != 0 {
                        v.push(u32::try_from(w * 64 + bit).map_err(|_| LockError::Exhausted)?);
                    }
                }
            }
            Ok(v)
        })
    }

    /// Allocates a given number (used when re-claiming a container's lock after a reboot).
    pub fn allocate_given(&self, number: u32) -> Result<Lock> {
        self.with_alloc(|b| {
            let (w, mask) = position(number);
            let word = b.read_word(BITMAP_WORD + w)?;
            if word & mask != 0 {
                return Err(LockError::AlreadyAllocated(number));
            }
            b.write_word(BITMAP_WORD + w, word | mask)
        })?;
        Ok(self.handle(number))
    }

    /// Returns the handle of an allocated lock.
    pub fn retrieve(&self, number: u32) -> Result<Lock> {
        if self.is_allocated(number)? {
            Ok(self.handle(number))
        } else {
            Err(LockError::NotAllocated(number))
        }
    }

    /// True when `number` is allocated.
    pub fn is_allocated(&self, number: u32) -> Result<bool> {
        let (w, mask) = position(number);
        self.with_alloc(|b| Ok(b.read_word(BITMAP_WORD + w)? & mask != 0))
    }

    /// Frees an allocated number; freeing one that is not allocated is an error.
    pub fn free(&self, number: u32) -> Result<()> {
        self.with_alloc(|b| {
            let (w, mask) = position(number);
            let word = b.read_word(BITMAP_WORD + w)?;
            if word & mask == 0 {
                return Err(LockError::NotAllocated(number));
            }
            b.write_word(BITMAP_WORD + w, word & !mask)?;
            if w < b.read_word(HINT_WORD)? {
                b.write_word(HINT_WORD, w)?;
            }
            Ok(())
        })
    }

    /// Frees every number (after a reboot, before owners re-claim theirs).
    pub fn free_all(&self) -> Result<()> {
        self.with_alloc(|b| {
            for w in 0..bitmap_words(b)? {
                if b.read_word(BITMAP_WORD + w)? != 0 {
                    b.write_word(BITMAP_WORD + w, 0)?;
                }
            }
            b.write_word(HINT_WORD, 0)
        })
    }

    /// The number of allocated locks.
    pub fn allocated_count(&self) -> Result<u64> {
        self.with_alloc(|b| {
            let mut n = 0u64;
            for w in 0..bitmap_words(b)? {
                n += u64::from(b.read_word(BITMAP_WORD + w)?.count_ones());
            }
            Ok(n)
        })
    }

    /// The runtime-wide lock, taken around refresh and other whole-runtime changes.
    pub fn runtime_lock(&self) -> Lock {
        Lock {
            shared: Arc::clone(&self.shared),
            key: RUNTIME_KEY,
        }
    }

    /// The lock held while a volume name is checked and taken, or given up with its
    /// directory: a creation never meets a removal half done. A leaf: nothing but the
    /// allocator's lock is taken under it.
    pub fn volume_names_lock(&self) -> Lock {
        Lock {
            shared: Arc::clone(&self.shared),
            key: VOLUMES_KEY,
        }
    }
}

/// How many bitmap words are stored; every word past them reads as zero.
fn bitmap_words(b: &dyn Backend) -> Result<u64> {
    Ok(b.stored_words()?.saturating_sub(BITMAP_WORD))
}

fn position(number: u32) -> (u64, u64) {
    (u64::from(number) / 64, 1u64 << (number % 64))
}

/// A handle on one lock. Cloning is cheap; clones name the same lock.
#[derive(Clone)]
pub struct Lock {
    shared: Arc<Shared>,
    key: u64,
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lock({})", key_name(self.key))
    }
}

impl Lock {
    /// The lock's number, or `None` for the runtime-wide lock.
    pub fn number(&self) -> Option<u32> {
        self.key
            .checked_sub(FIRST_NUMBERED)
            .and_then(|n| u32::try_from(n).ok())
    }

    /// Blocks until this thread holds the lock against every thread and process.
    pub fn lock(&self) -> Result<LockGuard> {
        self.shared.acquire(self.key)?;
        Ok(LockGuard {
            lock: self.clone(),
            held: true,
        })
    }

    /// Takes the lock if nobody holds it; `Ok(None)` when somebody does.
    pub fn try_lock(&self) -> Result<Option<LockGuard>> {
        Ok(self.shared.try_acquire(self.key)?.then(|| LockGuard {
            lock: self.clone(),
            held: true,
        }))
    }
}

/// Proof that a lock is held; dropping it releases the lock.
#[derive(Debug)]
pub struct LockGuard {
    lock: Lock,
    held: bool,
}

impl LockGuard {
    /// Releases the lock now, reporting a failure that `drop` would have to ignore.
    pub fn unlock(mut self) -> Result<()> {
        self.held = false;
        self.lock.shared.release(self.lock.key)
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if self.held {
            // Unlocking a range of an open file cannot fail in practice; the kernel also
            // releases it when the process exits.
            let _ = self.lock.shared.release(self.lock.key);
        }
    }
}
