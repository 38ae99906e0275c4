//! Converting a containers (Docker-format) seccomp profile, such as the seed's
//! `/usr/share/containers/seccomp.json`, into the OCI spec's seccomp section: rules are kept
//! when their `includes` hold and their `excludes` do not, for this architecture and the
//! container's capabilities. Sub-architectures the kernel cannot run (x32, usually) are left
//! out.

use std::path::Path;
use std::sync::OnceLock;

use oci_spec::runtime::LinuxSeccomp;
use serde_json::{Value, json};

use crate::error::{OciError, Result, io};

/// This machine's architecture: its seccomp name, and the Go name profiles use in `includes`.
fn native_arch() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "x86_64" => ("SCMP_ARCH_X86_64", "amd64"),
        "aarch64" => ("SCMP_ARCH_AARCH64", "arm64"),
        "x86" => ("SCMP_ARCH_X86", "386"),
        "arm" => ("SCMP_ARCH_ARM", "arm"),
        "powerpc64" => ("SCMP_ARCH_PPC64LE", "ppc64le"),
        "s390x" => ("SCMP_ARCH_S390X", "s390x"),
        "riscv64" => ("SCMP_ARCH_RISCV64", "riscv64"),
        _ => ("SCMP_ARCH_NATIVE", ""),
    }
}

/// Whether this kernel runs programs of the sub-architecture `arch`. Only x32 is commonly
/// missing (a kernel option Debian leaves off at boot); rules for an ABI no program can use
/// only cost the runtime time: about 10 ms of `runc create` on this machine kind.
pub(crate) fn kernel_runs(arch: &str) -> bool {
    static X32: OnceLock<bool> = OnceLock::new();
    match arch {
        "SCMP_ARCH_X32" if cfg!(target_arch = "x86_64") => *X32.get_or_init(x32_probe),
        _ => true,
    }
}

/// Asks the kernel for an x32 getpid. Under a seccomp filter of our own that call could be
/// fatal, so there the answer is "yes", which keeps the rules.
fn x32_probe() -> bool {
    let filtered = std::fs::read_to_string("/proc/self/status").map_or(true, |s| {
        s.lines()
            .any(|l| l.starts_with("Seccomp:") && l.split_whitespace().nth(1) != Some("0"))
    });
    if filtered {
        return true;
    }
    const X32_SYSCALL_BIT: libc::c_long = 0x4000_0000;
    // SAFETY: getpid takes no arguments and has no effect; the kernel answers ENOSYS when the
    // x32 ABI is off.
    unsafe { libc::syscall(X32_SYSCALL_BIT | libc::SYS_getpid) >= 0 }
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Converts the profile at `path` for a container holding `caps` (`CAP_*` names).
pub fn load_profile(path: &Path, caps: &[String]) -> Result<LinuxSeccomp> {
    let text = std::fs::read(path).map_err(io(path))?;
    let p: Value = serde_json::from_slice(&text)
        .map_err(|e| OciError::Spec(format!("seccomp profile {}: {e}", path.display())))?;
    let (arch, go_arch) = native_arch();
    let mut arches = vec![arch.to_string()];
    for m in p["archMap"].as_array().into_iter().flatten() {
        if m["architecture"].as_str() == Some(arch) {
            arches.extend(
                strs(&m["subArchitectures"])
                    .into_iter()
                    .filter(|a| kernel_runs(a))
                    .map(String::from),
            );
        }
    }
    let has_cap = |c: &str| caps.iter().any(|x| x == c);
    let mut rules = Vec::new();
    for r in p["syscalls"].as_array().into_iter().flatten() {
        let inc = &r["includes"];
        let exc = &r["excludes"];
        // Profiles name architectures the Go way (`amd64`) in includes and excludes.
        let arch_ok = |v: &Value| strs(v).contains(&go_arch);
        if !strs(&inc["caps"]).iter().all(|c| has_cap(c)) {
            continue;
        }
        if inc["arches"].as_array().is_some_and(|a| !a.is_empty()) && !arch_ok(&inc["arches"]) {
            continue;
        }
        if strs(&exc["caps"]).iter().any(|c| has_cap(c)) || arch_ok(&exc["arches"]) {
            continue;
        }
        let mut rule = json!({"names": r["names"], "action": r["action"]});
        if let Some(e) = r["errnoRet"].as_u64() {
            rule["errnoRet"] = json!(e);
        }
        if let Some(args) = r["args"].as_array().filter(|a| !a.is_empty()) {
            rule["args"] = json!(
                args.iter()
                    .map(|a| {
                        let mut o =
                            json!({"index": a["index"], "value": a["value"], "op": a["op"]});
                        if a["valueTwo"].as_u64().is_some_and(|v| v != 0) {
                            o["valueTwo"] = a["valueTwo"].clone();
                        }
                        o
                    })
                    .collect::<Vec<_>>()
            );
        }
        rules.push(rule);
    }
    let mut oci =
        json!({"defaultAction": p["defaultAction"], "architectures": arches, "syscalls": rules});
    if let Some(e) = p["defaultErrnoRet"].as_u64() {
        oci["defaultErrnoRet"] = json!(e);
    }
    serde_json::from_value(oci)
        .map_err(|e| OciError::Spec(format!("seccomp profile {}: {e}", path.display())))
}
