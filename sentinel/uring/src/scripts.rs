//! Running the core's scripts (`Action::RunScript` / `Action::KillScript`).
//!
//! A script is spawned with `std::process::Command`: the sentinel's environment, stdin/stdout/
//! stderr inherited as Redis's `fork` + `execve` does, and no other descriptor (std opens
//! everything close-on-exec, and so do io_uring and socket2). A waiter thread per script waits
//! for its end without blocking the shard and sends `Control::ScriptExited` back.
//!
//! Killing by pid is safe against pid reuse: the waiter first waits with `WNOWAIT` (the child
//! stays a zombie, its pid taken), then marks the script reaped under a lock before reaping;
//! `kill` signals only under the same lock while the mark is unset.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Arc, Mutex, PoisonError};

use sentinel_core::ScriptExit;
use tokio::sync::mpsc::UnboundedSender;

use crate::input::Control;

/// One running script: its pid and whether the waiter has reaped it.
struct Running {
    pid: u32,
    reaped: Arc<Mutex<bool>>,
}

/// The scripts a shard started and has not yet heard the end of.
#[derive(Default)]
pub(crate) struct Scripts {
    running: HashMap<u64, Running>,
}

impl Scripts {
    /// Starts `argv` as script `id`; its end comes back as `Control::ScriptExited` on
    /// `reply`. Returns the pid, or the error of a spawn that failed.
    pub(crate) fn run(
        &mut self,
        id: u64,
        argv: &[String],
        reply: UnboundedSender<Control>,
    ) -> std::io::Result<u32> {
        let Some((path, args)) = argv.split_first() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "empty script argv",
            ));
        };
        let child = Command::new(path).args(args).spawn()?;
        let pid = child.id();
        let reaped = Arc::new(Mutex::new(false));
        let mark = reaped.clone();
        let waiter = std::thread::Builder::new()
            .name(format!("script-{pid}"))
            .spawn(move || {
                let exit = wait(child, &mark);
                let _ = reply.send(Control::ScriptExited { id, exit });
            });
        if let Err(e) = waiter {
            // No thread to wait with: do not leave an unwatched script running (it stays a
            // zombie; threads failing to start means the process is in trouble anyway).
            // SAFETY: `pid` is our unreaped child (the closure never ran), so it names it.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            return Err(e);
        }
        self.running.insert(id, Running { pid, reaped });
        Ok(pid)
    }

    /// SIGKILLs script `id` if it is still running.
    pub(crate) fn kill(&mut self, id: u64) {
        let Some(r) = self.running.get(&id) else {
            return;
        };
        let reaped = r.reaped.lock().unwrap_or_else(PoisonError::into_inner);
        if !*reaped {
            // SAFETY: not reaped yet, so the pid still names our child (possibly a zombie).
            unsafe { libc::kill(r.pid as libc::pid_t, libc::SIGKILL) };
        }
    }

    /// Script `id` ended (its waiter reported).
    pub(crate) fn exited(&mut self, id: u64) {
        self.running.remove(&id);
    }
}

/// Waits for `child` to end without reaping, marks it reaped, then reaps it.
fn wait(mut child: Child, reaped: &Mutex<bool>) -> ScriptExit {
    let pid = child.id() as libc::id_t;
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value; waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid out-pointer; `pid` is our child.
        let rc =
            unsafe { libc::waitid(libc::P_PID, pid, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if rc == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            break;
        }
    }
    let mut mark = reaped.lock().unwrap_or_else(PoisonError::into_inner);
    *mark = true;
    let status = child.wait();
    drop(mark);
    match status {
        Ok(status) => exit_of(status),
        // Not expected; report it like a failed exec (no retry).
        Err(_) => ScriptExit::Code(2),
    }
}

fn exit_of(status: ExitStatus) -> ScriptExit {
    match (status.code(), status.signal()) {
        (Some(code), _) => ScriptExit::Code(code),
        (None, Some(sig)) => ScriptExit::Signal(sig),
        (None, None) => ScriptExit::Code(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    fn next(rx: &mut mpsc::UnboundedReceiver<Control>) -> (u64, ScriptExit) {
        match rx.blocking_recv() {
            Some(Control::ScriptExited { id, exit }) => (id, exit),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exit_codes_signals_and_kill_are_reported() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut s = Scripts::default();
        let sh = |cmd: &str| vec!["/bin/sh".to_owned(), "-c".to_owned(), cmd.to_owned()];
        s.run(1, &sh("exit 3"), tx.clone()).unwrap();
        assert_eq!(next(&mut rx), (1, ScriptExit::Code(3)));
        s.exited(1);
        s.run(2, &sh("kill -TERM $$"), tx.clone()).unwrap();
        assert_eq!(next(&mut rx), (2, ScriptExit::Signal(libc::SIGTERM)));
        s.exited(2);
        s.run(3, &sh("sleep 30"), tx.clone()).unwrap();
        s.kill(3);
        assert_eq!(next(&mut rx), (3, ScriptExit::Signal(libc::SIGKILL)));
        s.exited(3);
        // Killing a finished script is a no-op.
        s.kill(3);
        assert!(s.run(4, &["/nonexistent/script".to_owned()], tx).is_err());
    }
}
