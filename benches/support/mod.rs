//! What the benchmarks share: memory figures from `/proc/<pid>/status`.
//!
//! Each benchmark includes this file with `#[path = "support/mod.rs"] mod support;` and
//! uses part of it.
#![allow(dead_code)]

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

/// `zroster fake` in a child process, seeded from a state file; stopped when dropped.
pub(crate) struct Fake {
    /// The process.
    pub(crate) child: std::process::Child,
    /// Where it listens (`http://127.0.0.1:PORT`).
    pub(crate) url: String,
    /// Kept open so the emulator never writes to a closed pipe.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Fake {
    /// Starts `zroster fake --port 0 FLAGS --state STATE` and waits for its
    /// `listening on URL` line.
    pub(crate) fn start(flags: &[&str], state: &std::path::Path) -> Self {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zroster"))
            .args(["fake", "--port", "0"])
            .args(flags)
            .arg("--state")
            .arg(state)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("`zroster fake` starts");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("`zroster fake` says where it listens");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("the first line is `listening on URL`")
            .to_owned();
        Self {
            child,
            url,
            _stdout: stdout,
        }
    }

    /// The process id, as `/proc` names it.
    pub(crate) fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
