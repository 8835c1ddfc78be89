//! What the benchmarks share: memory figures from `/proc/<pid>/status`.
//!
//! Each benchmark includes this file with `#[path = "support/mod.rs"] mod support;`.

/// A memory figure (`VmHWM:`, `VmRSS:`) of a process's `/proc/<pid>/status` (`pid` `self`
/// for this process), in MiB; 0 when it cannot be read (not Linux, the process is gone).
pub(crate) fn status_mib(pid: &str, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(key))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
