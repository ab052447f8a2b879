//! Process plumbing: file access checks, daemonizing, supervisor notifications, the fd limit,
//! entropy, and the signals that stop (or must not stop) the sentinel.

use std::ffi::CString;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// An OS error as C's `strerror` words it (Rust appends ` (os error N)`; Redis does not).
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

/// `access(2)`: whether the process may write (`libc::W_OK`) or execute (`libc::X_OK`) `path`.
pub fn access(path: &Path, mode: libc::c_int) -> io::Result<()> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // Safety: `c` is a valid NUL-terminated string that lives across the call.
    let rc = unsafe { libc::access(c.as_ptr(), mode) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Redis's `daemonize()`: fork, the parent exits, the child starts a new session and points
/// stdin/stdout/stderr at /dev/null. Must run before any thread is started.
pub fn daemonize() -> io::Result<()> {
    // Safety: the process is single-threaded here (called before any thread is spawned), so
    // the child is a complete copy with nothing half-locked.
    match unsafe { libc::fork() } {
        -1 => return Err(io::Error::last_os_error()),
        0 => {}
        // Safety: `_exit` ends the parent without running destructors the child still owns.
        _ => unsafe { libc::_exit(0) },
    }
    // Safety: plain syscall without pointers.
    unsafe { libc::setsid() };
    let devnull = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    use std::os::fd::AsRawFd;
    for fd in 0..=2 {
        // Safety: both fds are open; dup2 only replaces the standard descriptor.
        unsafe { libc::dup2(devnull.as_raw_fd(), fd) };
    }
    Ok(())
}

/// Ignores SIGHUP, as Redis does (server.c `initServer`): a closed terminal or a stray
/// `kill -HUP` (logrotate scripts send one to many daemons) must not stop the sentinel. The
/// disposition is process-wide, so threads started later inherit it.
pub fn ignore_sighup() -> io::Result<()> {
    // Safety: plain syscall; SIG_IGN is a valid disposition for SIGHUP.
    if unsafe { libc::signal(libc::SIGHUP, libc::SIG_IGN) } == libc::SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sends one sd_notify message (`READY=1\n`, `STATUS=...\n`) as a datagram to `socket`, the
/// value of $NOTIFY_SOCKET: a socket path, or `@name` for the abstract namespace.
pub fn notify_socket(socket: &str, message: &str) -> io::Result<()> {
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let sock = UnixDatagram::unbound()?;
    let addr = match socket.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name.as_bytes())?
        }
        None if socket.starts_with('/') => SocketAddr::from_pathname(socket)?,
        // sd_notify accepts only these two forms.
        None => return Err(io::Error::from_raw_os_error(libc::EINVAL)),
    };
    sock.send_to_addr(message.as_bytes(), &addr)?;
    Ok(())
}

/// Stops the process with SIGSTOP: how a daemon tells upstart (`expect stop`) it is ready.
pub fn stop_self() {
    // Safety: plain syscall; upstart continues the process.
    unsafe { libc::raise(libc::SIGSTOP) };
}

/// Raises the soft limit on open files to the hard limit; returns the new soft limit.
pub fn raise_nofile() -> io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // Safety: `lim` is a valid rlimit the call writes into.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // Safety: `raised` is a valid rlimit the call only reads.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(io::Error::last_os_error());
        }
        lim = raised;
    }
    Ok(lim.rlim_cur)
}

/// Eight bytes from the kernel's RNG (seeds for `myid` and the core's PRNG).
pub fn random_u64() -> io::Result<u64> {
    let mut buf = [0u8; 8];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(u64::from_le_bytes(buf))
}

/// The signals that stop the sentinel, blocked in every thread and taken with `sigwait` by
/// the main thread. Call before starting threads so they inherit the mask.
pub struct StopSignals {
    set: libc::sigset_t,
}

impl StopSignals {
    pub fn block() -> io::Result<StopSignals> {
        // Safety: `sigset_t` is plain data; sigemptyset initialises it before any other use,
        // and pthread_sigmask only reads it.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::sigaddset(&mut set, libc::SIGINT);
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            if rc != 0 {
                return Err(io::Error::from_raw_os_error(rc));
            }
            Ok(StopSignals { set })
        }
    }

    /// Waits for SIGTERM or SIGINT and returns its name.
    pub fn wait(&self) -> &'static str {
        loop {
            let mut sig: libc::c_int = 0;
            // Safety: `self.set` was initialised in `block`; `sig` is a valid out pointer.
            let rc = unsafe { libc::sigwait(&self.set, &mut sig) };
            if rc == 0 {
                return if sig == libc::SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_reaches_a_path_socket_and_an_abstract_one() {
        use std::os::unix::net::{SocketAddr, UnixDatagram};
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notify.sock");
        let rx = UnixDatagram::bind(&path).expect("bind");
        notify_socket(path.to_str().expect("utf-8 path"), "READY=1\n").expect("send");
        let mut buf = [0u8; 64];
        let n = rx.recv(&mut buf).expect("recv");
        assert_eq!(&buf[..n], b"READY=1\n");

        use std::os::linux::net::SocketAddrExt;
        let name = format!("sentinel-notify-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).expect("addr");
        let rx = UnixDatagram::bind_addr(&addr).expect("bind abstract");
        notify_socket(&format!("@{name}"), "STATUS=x\n").expect("send abstract");
        let n = rx.recv(&mut buf).expect("recv abstract");
        assert_eq!(&buf[..n], b"STATUS=x\n");

        assert!(notify_socket("relative.sock", "READY=1\n").is_err());
        assert!(notify_socket(dir.path().join("none").to_str().unwrap(), "READY=1\n").is_err());
    }

    #[test]
    fn strerror_drops_the_rust_suffix() {
        let e = io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(strerror(&e), "No such file or directory");
        let custom = io::Error::other("plain");
        assert_eq!(strerror(&custom), "plain");
    }
}
