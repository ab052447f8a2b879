//! End-to-end: how the `sentinel` binary behaves as a process: signals.

mod support;

use std::time::Duration;

use support::{Conn, Guard, start_sentinel};

fn signal(guard: &Guard, sig: libc::c_int) {
    let pid = i32::try_from(guard.0.id()).expect("pid");
    // Safety: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
}

fn answers_ping(port: u16) -> bool {
    Conn::connect(port).is_ok_and(|mut c| {
        c.send(&["PING"]);
        c.read().is_some()
    })
}

#[test]
fn sighup_is_ignored() {
    let mut s = start_sentinel("");
    signal(&s.guard, libc::SIGHUP);
    // A second one too: the disposition is not a one-shot handler.
    signal(&s.guard, libc::SIGHUP);
    // The default action would have ended the process by the time PING is answered.
    let mut conn = s.conn();
    assert_eq!(support::text(&conn.cmd(&["PING"])), "PONG");
    std::thread::sleep(Duration::from_millis(200));
    assert!(s.guard.0.try_wait().expect("try_wait").is_none());
    assert!(answers_ping(s.port));
}
