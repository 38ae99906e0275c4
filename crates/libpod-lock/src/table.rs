//! In-process exclusion: which lock keys threads of this process hold.
//!
//! Byte-range locks belong to an open file description, so two threads sharing one file would
//! both "own" a range. This table serialises threads first; the file lock then serialises
//! processes.

use std::collections::HashSet;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

const SHARDS: usize = 64;

#[derive(Default)]
struct Shard {
    held: Mutex<HashSet<u64>>,
    freed: Condvar,
}

/// Held keys, sharded so unrelated locks rarely contend on one mutex.
pub(crate) struct Table {
    shards: Vec<Shard>,
}

impl Table {
    pub(crate) fn new() -> Self {
        Table {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }

    fn shard(&self, key: u64) -> &Shard {
        // SHARDS is a power of two, so the cast cannot truncate a meaningful bit.
        &self.shards[(key as usize) & (SHARDS - 1)]
    }

    fn held(shard: &Shard) -> MutexGuard<'_, HashSet<u64>> {
        // A panic while holding this std mutex cannot leave the set inconsistent
        // (insert/remove are atomic), so poisoning is ignored.
        shard.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks until no other thread of this process holds `key`, then marks it held.
    pub(crate) fn acquire(&self, key: u64) {
        let shard = self.shard(key);
        let mut held = Self::held(shard);
        while held.contains(&key) {
            held = shard
                .freed
                .wait(held)
                .unwrap_or_else(PoisonError::into_inner);
        }
        held.insert(key);
    }

    /// Marks `key` held if no thread holds it.
    pub(crate) fn try_acquire(&self, key: u64) -> bool {
        Self::held(self.shard(key)).insert(key)
    }

    /// Releases `key` and wakes threads waiting on its shard.
    pub(crate) fn release(&self, key: u64) {
        let shard = self.shard(key);
        Self::held(shard).remove(&key);
        shard.freed.notify_all();
    }
}
