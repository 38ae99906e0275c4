//! Lock keys: byte offsets in the lock file (ground floor).

/// Key of the runtime-wide lock (refresh, alive file).
pub(crate) const RUNTIME_KEY: u64 = 0;
/// Key of the allocator's own lock.
pub(crate) const ALLOC_KEY: u64 = 1;
/// Key of the lock that orders volume creations and removals by name.
pub(crate) const VOLUMES_KEY: u64 = 2;
/// Keys below this are reserved for named locks; lock number `n` has key `FIRST_NUMBERED + n`.
pub(crate) const FIRST_NUMBERED: u64 = 16;

/// How a key reads in messages.
pub(crate) fn key_name(key: u64) -> String {
    match key {
        RUNTIME_KEY => "runtime".to_string(),
        ALLOC_KEY => "allocator".to_string(),
        VOLUMES_KEY => "volume names".to_string(),
        k => k.saturating_sub(FIRST_NUMBERED).to_string(),
    }
}
