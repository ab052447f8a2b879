//! End-to-end: how the `sentinel` binary behaves as a process: signals and the ACL users it
//! refuses to start with.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::{Conn, Guard, free_port, start_sentinel};

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

fn run_once(conf: &str) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("sentinel.conf"), conf).expect("write conf");
    let out = Command::new(env!("CARGO_BIN_EXE_sentinel"))
        .arg("sentinel.conf")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let log = std::fs::read_to_string(dir.path().join("log.txt")).unwrap_or_default();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        log,
    )
}

#[test]
fn a_bad_user_line_is_a_fatal_config_error() {
    let (code, err, _) = run_once(&format!(
        "port {}\nuser admin on >pw +@all\nuser alice on bogus\n",
        free_port()
    ));
    assert_eq!(code, Some(1));
    assert!(
        err.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"),
        "{err}"
    );
    assert!(err.contains(">>> 'user alice on bogus'"), "{err}");
    assert!(
        err.contains("Error in user declaration 'alice': Syntax error"),
        "{err}"
    );
}

#[test]
fn a_user_rule_naming_an_unknown_command_stops_the_start() {
    let (code, _, log) = run_once(&format!(
        "port {}\nbind 127.0.0.1\nlogfile log.txt\nuser alice on +nosuch\n",
        free_port()
    ));
    assert_eq!(code, Some(1));
    assert!(
        log.contains(
            "# Error loading ACL rule '+nosuch' for the user named 'alice': Unknown command or \
             category name in ACL"
        ),
        "{log}"
    );
    assert!(
        log.contains("# Critical error while loading ACLs. Exiting."),
        "{log}"
    );
}
