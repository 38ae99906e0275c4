//! Capability names: podman 4.3's default set and the names the kernel knows (ground floor).

/// podman 4.3's `default_capabilities` (containers.conf), granted to every container that
/// does not ask otherwise.
pub const DEFAULT_CAPABILITIES: &[&str] = &[
    "CAP_AUDIT_WRITE",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_MKNOD",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_RAW",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

/// Every capability by its number (`capability(7)`), index = number.
pub const CAP_NUMBERS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// `name` as `CAP_NAME` in capitals (`net_raw` and `CAP_NET_RAW` alike), if the kernel knows it.
pub fn normalize(name: &str) -> Option<String> {
    let up = name.trim().to_ascii_uppercase();
    let full = if up.starts_with("CAP_") {
        up
    } else {
        format!("CAP_{up}")
    };
    CAP_NUMBERS.contains(&full.as_str()).then_some(full)
}

/// The names of the capabilities set in a mask such as `/proc/self/status`'s `CapBnd`.
pub fn names_of_mask(mask: u64) -> Vec<String> {
    CAP_NUMBERS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1u64 << i) != 0)
        .map(|(_, n)| n.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_and_checked() {
        assert_eq!(normalize("net_raw").as_deref(), Some("CAP_NET_RAW"));
        assert_eq!(normalize("CAP_MKNOD").as_deref(), Some("CAP_MKNOD"));
        assert_eq!(normalize("bogus"), None);
    }

    #[test]
    fn podman_default_mask() {
        // podman 4.3's CapEff in a default container.
        let mask: u64 = DEFAULT_CAPABILITIES
            .iter()
            .map(|n| 1u64 << CAP_NUMBERS.iter().position(|c| c == n).expect("known"))
            .sum();
        assert_eq!(mask, 0xa804_25fb);
        assert_eq!(names_of_mask(mask).len(), DEFAULT_CAPABILITIES.len());
    }
}
