//! What INFO shows about the process, read from the OS for the core (which reads nothing).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use sentinel_core::ProcessInfo;

/// Facts fixed at start-up.
#[derive(Clone, Debug)]
pub struct ProcessFacts {
    pub run_id: String,
    pub tcp_port: u16,
    pub config_file: String,
    pub started: Instant,
    /// INFO's `process_supervised` (see [`ProcessInfo::supervised`]).
    pub supervised: &'static str,
}

/// The current process info.
pub fn current(facts: &ProcessFacts) -> ProcessInfo {
    let (user, sys) = cpu_seconds();
    ProcessInfo {
        os: os_line(),
        arch_bits: usize::BITS,
        process_id: std::process::id(),
        supervised: facts.supervised,
        run_id: facts.run_id.clone(),
        tcp_port: facts.tcp_port,
        server_time_usec: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
        uptime_seconds: facts.started.elapsed().as_secs(),
        executable: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        config_file: facts.config_file.clone(),
        used_cpu_sys: sys,
        used_cpu_user: user,
        used_cpu_sys_children: 0.0,
        used_cpu_user_children: 0.0,
        multiplexing_api: "io_uring".to_string(),
    }
}

/// utime and stime of this process in seconds, from /proc/self/stat.
fn cpu_seconds() -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return (0.0, 0.0);
    };
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Safety: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = if hz > 0 { hz as f64 } else { 100.0 };
    (ticks(11) / hz, ticks(12) / hz)
}

fn os_line() -> String {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    format!(
        "Linux {} {}",
        read("/proc/sys/kernel/osrelease"),
        std::env::consts::ARCH
    )
}

/// Whether `path` is an executable file (what `SENTINEL SET ... notification-script` checks).
pub fn is_executable(path: &str) -> bool {
    let Ok(c) = std::ffi::CString::new(path) else {
        return false;
    };
    // Safety: `c` is a valid NUL-terminated string for the duration of the call.
    unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
}

/// Resolves a hostname to its first address (the core shows IPs when `announce-hostnames` is
/// off). Blocking, through the system resolver (`/etc/hosts`, DNS).
pub fn resolve_host(host: &str) -> Option<String> {
    use std::net::ToSocketAddrs;
    let mut addrs = (host, 0).to_socket_addrs().ok()?;
    addrs.next().map(|a| a.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_and_checks_executables() {
        let facts = ProcessFacts {
            run_id: "x".repeat(40),
            tcp_port: 26379,
            config_file: "/etc/sentinel.conf".into(),
            started: Instant::now(),
            supervised: "upstart",
        };
        let info = current(&facts);
        assert_eq!(info.supervised, "upstart");
        assert_eq!(info.process_id, std::process::id());
        assert!(info.os.starts_with("Linux "));
        assert!(is_executable("/bin/sh"));
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, "x").unwrap();
        assert!(!is_executable(&plain.to_string_lossy()));
        assert!(!is_executable("/no/such/file"));
        let local = resolve_host("localhost").unwrap();
        assert!(local == "127.0.0.1" || local == "::1", "{local}");
    }
}
