//! End-to-end: how the `sentinel` binary behaves as a process: signals, supervision by
//! systemd, and the ACL users it refuses to start with.

mod support;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{Conn, Guard, eventually, free_port, start_sentinel};

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

/// Receives the next datagram, failing the test if none comes within the patience.
fn next_message(rx: &UnixDatagram) -> String {
    let mut buf = [0u8; 512];
    let n = rx.recv(&mut buf).expect("a notification");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn start_supervised(home: &Path, socket: &Path, args: &[&str]) -> Guard {
    let child = Command::new(env!("CARGO_BIN_EXE_sentinel"))
        .arg("sentinel.conf")
        .args(args)
        .current_dir(home)
        .env("NOTIFY_SOCKET", socket)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sentinel");
    Guard(child)
}

#[test]
fn systemd_supervision_notifies_readiness_and_stopping_and_does_not_daemonize() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("notify.sock");
    let rx = UnixDatagram::bind(&socket).expect("bind notify socket");
    rx.set_read_timeout(Some(support::PATIENCE))
        .expect("timeout");
    let port = free_port();
    let conf = dir.path().join("sentinel.conf");
    // `daemonize yes` in the file: under systemd it must be ignored (first start). The second
    // start passes what Debian's redis-sentinel.service passes.
    std::fs::write(
        &conf,
        format!("port {port}\nbind 127.0.0.1\ndaemonize yes\nlogfile log.txt\n"),
    )
    .expect("write conf");

    let debian = ["--supervised", "systemd", "--daemonize", "no"];
    for (start, args) in [&debian[..2], &debian[..]].into_iter().enumerate() {
        let mut guard = start_supervised(dir.path(), &socket, args);
        assert_eq!(next_message(&rx), "STATUS=Redis is loading...\n");
        assert_eq!(next_message(&rx), "STATUS=Ready to accept connections\n");
        assert_eq!(next_message(&rx), "READY=1\n");
        // Ready means serving.
        assert!(answers_ping(port), "start {start}");
        let mut conn = Conn::connect(port).expect("connect");
        let info = support::text(&conn.cmd(&["INFO", "server"]));
        assert!(
            info.contains("\r\nprocess_supervised:systemd\r\n"),
            "{info}"
        );
        // Not daemonized: the process systemd started is the one that serves.
        assert!(guard.0.try_wait().expect("try_wait").is_none());
        signal(&guard, libc::SIGTERM);
        assert_eq!(next_message(&rx), "STOPPING=1\n");
        let status = eventually("the sentinel to exit", || guard.0.try_wait().ok().flatten());
        assert!(status.success(), "{status:?}");
        // The command-line `supervised` is persisted once, however often it starts.
        let text = std::fs::read_to_string(&conf).expect("read conf");
        assert_eq!(
            text.matches("supervised").count(),
            1,
            "start {start}: {text}"
        );
        assert_eq!(
            text.matches("daemonize").count(),
            1,
            "start {start}: {text}"
        );
    }
    let log = std::fs::read_to_string(dir.path().join("log.txt")).expect("log");
    assert!(
        log.contains("Supervised by systemd. Please make sure you set appropriate values"),
        "{log}"
    );
}

#[test]
fn systemd_supervision_without_a_socket_is_logged_and_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    std::fs::write(
        dir.path().join("sentinel.conf"),
        format!("port {port}\nbind 127.0.0.1\nlogfile log.txt\nsupervised systemd\n"),
    )
    .expect("write conf");
    let _guard = Guard(
        Command::new(env!("CARGO_BIN_EXE_sentinel"))
            .arg("sentinel.conf")
            .current_dir(dir.path())
            .env_remove("NOTIFY_SOCKET")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sentinel"),
    );
    eventually("PING", || answers_ping(port).then_some(()));
    let mut conn = Conn::connect(port).expect("connect");
    let info = support::text(&conn.cmd(&["INFO", "server"]));
    assert!(info.contains("\r\nprocess_supervised:no\r\n"), "{info}");
    let log = eventually("the log", || {
        std::fs::read_to_string(dir.path().join("log.txt"))
            .ok()
            .filter(|l| l.matches("NOTIFY_SOCKET not found!").count() >= 3)
    });
    assert!(
        log.contains("# systemd supervision error: NOTIFY_SOCKET not found!"),
        "{log}"
    );
}

#[test]
fn upstart_supervision_stops_itself_to_signal_readiness() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    std::fs::write(
        dir.path().join("sentinel.conf"),
        format!("port {port}\nbind 127.0.0.1\nlogfile log.txt\ndaemonize yes\n"),
    )
    .expect("write conf");
    let guard = Guard(
        Command::new(env!("CARGO_BIN_EXE_sentinel"))
            .args(["sentinel.conf", "--supervised", "auto"])
            .current_dir(dir.path())
            .env("UPSTART_JOB", "sentinel")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sentinel"),
    );
    let pid = i32::try_from(guard.0.id()).expect("pid");
    let mut status = 0;
    // Safety: waiting for our own child; `status` is a valid out pointer.
    let rc = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
    assert_eq!(rc, pid);
    assert!(libc::WIFSTOPPED(status), "status {status:#x}");
    assert_eq!(libc::WSTOPSIG(status), libc::SIGSTOP);
    // Upstart continues it; it then serves from the same pid (daemonize is ignored).
    signal(&guard, libc::SIGCONT);
    eventually("PING", || answers_ping(port).then_some(()));
    let mut conn = Conn::connect(port).expect("connect");
    let info = support::text(&conn.cmd(&["INFO", "server"]));
    assert!(
        info.contains("\r\nprocess_supervised:upstart\r\n"),
        "{info}"
    );
    let log = std::fs::read_to_string(dir.path().join("log.txt")).expect("log");
    assert!(
        log.contains("supervised by upstart, will stop to signal readiness."),
        "{log}"
    );
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

#[test]
fn users_in_the_config_and_an_aclfile_stop_the_start() {
    let (code, _, log) = run_once(&format!(
        "port {}\nbind 127.0.0.1\nlogfile log.txt\naclfile users.acl\nuser alice on\n",
        free_port()
    ));
    assert_eq!(code, Some(1));
    assert!(
        log.contains(
            "# Configuring Redis with users defined in redis.conf and at the same setting an \
             ACL file path is invalid."
        ),
        "{log}"
    );
}
