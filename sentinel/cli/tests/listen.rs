//! End-to-end: where the binary listens for clients (`unixsocket`, `unixsocketperm`, port 0)
//! and whom it lets in (`protected-mode`).

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use support::{eventually, redis_server_with, run_to_exit, start_sentinel};

/// Sends `request` on `stream` and reads until the peer closes or goes quiet.
fn exchange(mut stream: impl Read + Write, request: &[u8]) -> Vec<u8> {
    stream.write_all(request).expect("write");
    let mut all = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        all.extend_from_slice(&chunk[..n]);
        // A one-line reply that is not the DENIED text is complete.
        if all.ends_with(b"\r\n") && !all.starts_with(b"-DENIED") {
            break;
        }
    }
    all
}

/// A TCP connection to `port` on 127.0.0.1 from the source address `from`.
fn connect_from(from: &str, port: u16) -> TcpStream {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let src: SocketAddr = format!("{from}:0").parse().expect("source");
    socket.bind(&src.into()).expect("bind source");
    let dst: SocketAddr = format!("127.0.0.1:{port}").parse().expect("destination");
    socket.connect(&dst.into()).expect("connect");
    let stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    stream
}

fn ping_from(from: &str, port: u16) -> Vec<u8> {
    exchange(connect_from(from, port), b"PING\r\n")
}

#[test]
fn unix_socket_serves_clients_and_goes_away_on_shutdown() {
    let sockets = tempfile::tempdir().expect("tempdir");
    let path = sockets.path().join("sentinel.sock");
    // A stale file where the socket goes is replaced, as Redis does.
    std::fs::write(&path, b"stale").expect("stale file");
    let path_text = path.to_str().expect("utf-8 path").to_string();
    let mut s = start_sentinel(&format!(
        "unixsocket {path_text}\nunixsocketperm 700\nprotected-mode yes\n"
    ));
    let meta = std::fs::metadata(&path).expect("socket file");
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);

    let connect = || {
        let c = UnixStream::connect(&path).expect("connect unix");
        c.set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        c
    };
    assert_eq!(exchange(connect(), b"PING\r\n"), b"+PONG\r\n");
    let reply = exchange(connect(), b"CLIENT INFO\r\n");
    let info = String::from_utf8_lossy(&reply).into_owned();
    assert!(
        info.contains(&format!(" addr={path_text}:0 laddr={path_text}:0 ")),
        "{info}"
    );
    assert!(info.contains(" flags=U "), "{info}");
    // TCP clients show their real addresses.
    let mut tcp = s.conn();
    let info = support::text(&tcp.cmd(&["CLIENT", "INFO"]));
    assert!(
        info.contains(" addr=127.0.0.1:")
            && info.contains(&format!(" laddr=127.0.0.1:{} ", s.port)),
        "{info}"
    );
    assert!(info.contains(" flags=N "), "{info}");

    let pid = i32::try_from(s.guard.0.id()).expect("pid");
    // Safety: signalling our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = eventually("the sentinel to exit", || {
        s.guard.0.try_wait().ok().flatten()
    });
    assert!(status.success(), "{status}");
    assert!(!path.exists(), "the socket file is removed on shutdown");
    let log = std::fs::read_to_string(s.home().join("log.txt")).expect("log");
    assert!(log.contains("Removing the unix socket file."), "{log}");
}

#[test]
fn refuses_to_start_listening_nowhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("sentinel.conf");
    std::fs::write(&conf, "port 0\nsentinel monitor m 127.0.0.1 6999 2\n").expect("conf");
    let (code, stdout) = run_to_exit(&conf);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("# Configured to not listen anywhere, exiting."),
        "{stdout}"
    );
}

#[test]
fn unix_socket_that_cannot_be_bound_is_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("sentinel.conf");
    let body = format!(
        "port 0\nunixsocket {}/missing/s.sock\nsentinel monitor m 127.0.0.1 6999 2\n",
        dir.path().display()
    );
    std::fs::write(&conf, body).expect("conf");
    let (code, stdout) = run_to_exit(&conf);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("# Failed opening Unix socket: bind: No such file or directory"),
        "{stdout}"
    );
}

#[test]
fn protected_mode_denies_non_loopback_clients_as_redis_does() {
    let s = start_sentinel("protected-mode yes\n");
    let ours = ping_from("127.0.0.2", s.port);
    assert!(
        ours.starts_with(b"-DENIED Redis is running in protected mode"),
        "{ours:?}"
    );
    assert!(ours.ends_with(b"\r\n"));
    // Exactly what 7.0.15 says, when it is installed to ask.
    if let Some((_redis, port)) = redis_server_with(&["--protected-mode", "yes"]) {
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&ping_from("127.0.0.2", port))
        );
    }
    // 127.0.0.1 is loopback.
    assert_eq!(ping_from("127.0.0.1", s.port), b"+PONG\r\n");
    let mut c = s.conn();
    let stats = support::text(&c.cmd(&["INFO", "stats"]));
    assert!(stats.contains("rejected_connections:1\r\n"), "{stats}");
}

#[test]
fn protected_mode_is_off_by_default_and_a_password_lifts_it() {
    let s = start_sentinel("");
    assert_eq!(ping_from("127.0.0.2", s.port), b"+PONG\r\n");
    let s = start_sentinel("protected-mode yes\nrequirepass secret\n");
    assert_eq!(
        ping_from("127.0.0.2", s.port),
        b"-NOAUTH Authentication required.\r\n"
    );
}
