//! Child processes for the harness tasks: spawned in their own process group and killed with
//! their parent, signalled by pid, stopped on Ctrl-C; plus free loopback ports and bounded
//! polling.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Turns SIGINT/SIGTERM/SIGHUP into a flag that the polling loops check (`check_interrupt`),
/// so that Ctrl-C unwinds through the cleanup guards instead of killing us mid-way.
pub fn trap_interrupts() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // Safety: installs an async-signal-safe handler (one atomic store) for a standard signal.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

pub fn check_interrupt() -> Result<()> {
    if interrupted() {
        bail!("interrupted");
    }
    Ok(())
}

/// Makes `cmd` start in its own process group (so a terminal's Ctrl-C reaches only us and we
/// clean up in order) and die with SIGKILL if this process dies first.
pub fn detach(cmd: &mut Command) -> &mut Command {
    cmd.process_group(0);
    // Safety: the closure runs between fork and exec and only calls prctl, which is
    // async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

/// Sends `sig` to one pid (ours: we only signal processes we started).
pub fn signal(pid: u32, sig: libc::c_int) -> Result<()> {
    let pid = libc::pid_t::try_from(pid).context("pid out of range")?;
    // Safety: kill(2) with a pid of a child we spawned and still own; no memory is involved.
    if unsafe { libc::kill(pid, sig) } != 0 {
        bail!(
            "kill({pid}, {sig}) failed: {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(())
}

/// Sends `sig` to the process group led by `pid` (a child started with `detach`).
pub fn signal_group(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // Safety: as in `signal`; the group id is our own child's pid.
        unsafe {
            libc::kill(-pid, sig);
        }
    }
}

/// SIGKILLs and reaps a child; harmless if it already exited.
pub fn kill_and_reap(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// A loopback TCP port that is free right now (the kernel's choice for port 0).
pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// Polls `f` every `every` until it returns `Some`, failing after `limit` (or on Ctrl-C) with
/// `what` and the last error seen.
pub fn poll<T>(
    what: &str,
    limit: Duration,
    every: Duration,
    mut f: impl FnMut() -> Result<Option<T>>,
) -> Result<T> {
    let deadline = Instant::now() + limit;
    let mut last = String::new();
    loop {
        check_interrupt()?;
        match f() {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last = format!(" (last error: {e:#})"),
        }
        if Instant::now() >= deadline {
            bail!("timed out after {limit:?} waiting for {what}{last}");
        }
        std::thread::sleep(every);
    }
}

/// A pseudo-random u64 without a crate: std's randomly keyed hasher over a counter.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_returns_the_first_some_and_times_out_otherwise() {
        let mut n = 0;
        let got = poll(
            "n to reach 3",
            Duration::from_secs(5),
            Duration::ZERO,
            || {
                n += 1;
                Ok((n >= 3).then_some(n))
            },
        );
        assert_eq!(got.unwrap(), 3);
        let err = poll::<()>("never", Duration::ZERO, Duration::ZERO, || bail!("nope"));
        let msg = format!("{:#}", err.unwrap_err());
        assert!(msg.contains("never") && msg.contains("nope"), "{msg}");
    }

    #[test]
    fn free_ports_are_nonzero() {
        assert_ne!(free_port().unwrap(), 0);
    }
}
