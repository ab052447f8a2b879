//! Helpers for the end-to-end tests: a free port, a real redis-server, the `sentinel` binary,
//! and a tiny blocking RESP client. Waiting is always a bounded retry loop; no test asserts on
//! how long something took.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use sentinel_core::Limits;
use sentinel_core::resp::{Frame, ReplyDecoder, encode_request};

pub const REDIS_SERVER: &str = "/usr/bin/redis-server";
/// Upper bound on any wait; reaching it fails the test (it is not a timing assertion).
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    l.local_addr().expect("local addr").port()
}

/// Retries `f` until it returns `Some` or `PATIENCE` runs out.
pub fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A blocking RESP connection.
pub struct Conn {
    stream: TcpStream,
    buf: BytesMut,
    decoder: ReplyDecoder,
}

impl Conn {
    pub fn connect(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_millis(500)))?;
        Ok(Conn {
            stream,
            buf: BytesMut::new(),
            decoder: ReplyDecoder::new(Limits::default()),
        })
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    pub fn send(&mut self, args: &[&str]) {
        let mut out = BytesMut::new();
        encode_request(args, &mut out);
        self.send_raw(&out);
    }

    /// The next frame, or `None` if none arrived within the read timeout or the peer closed.
    pub fn read(&mut self) -> Option<Frame> {
        loop {
            if let Ok(Some(f)) = self.decoder.decode(&mut self.buf) {
                return Some(f);
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Everything the peer sends until it closes (or goes quiet).
    pub fn read_to_close(&mut self) -> Vec<u8> {
        let mut all = self.buf.split().to_vec();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = self.stream.read(&mut chunk) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&chunk[..n]);
        }
        all
    }

    /// Whether the peer has closed the connection: end of stream (after any pending input),
    /// where a read timeout means it is still open.
    pub fn is_closed(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => return e.kind() == std::io::ErrorKind::ConnectionReset,
            }
        }
    }

    pub fn cmd(&mut self, args: &[&str]) -> Frame {
        self.send(args);
        eventually("a reply", || self.read())
    }
}

pub fn text(f: &Frame) -> String {
    match f {
        Frame::Error(b) => String::from_utf8_lossy(b).into_owned(),
        other => String::from_utf8_lossy(other.as_bytes().unwrap_or_default()).into_owned(),
    }
}

/// Kills the child when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A redis-server on a free loopback port, or `None` (with a message) if it is not installed.
pub fn redis_server() -> Option<(Guard, u16)> {
    redis_server_with(&[])
}

/// [`redis_server`] with extra arguments (e.g. `--replicaof`).
pub fn redis_server_with(extra: &[&str]) -> Option<(Guard, u16)> {
    if !Path::new(REDIS_SERVER).exists() {
        eprintln!("SKIPPED: {REDIS_SERVER} is missing (apt-get install -y redis-server)");
        return None;
    }
    let port = free_port();
    let child = Command::new(REDIS_SERVER)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server");
    let guard = Guard(child);
    eventually("redis-server to answer PING", || {
        let mut c = Conn::connect(port).ok()?;
        c.send(&["PING"]);
        c.read()
    });
    Some((guard, port))
}

/// A `sentinel` process with its own directory and config file.
pub struct Sentinel {
    pub guard: Guard,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Sentinel {
    /// The sentinel's `dir` (where its config, log and pid file live).
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("sentinel_0")
    }

    pub fn conf_path(&self) -> PathBuf {
        self.home().join("sentinel.conf")
    }

    pub fn conn(&self) -> Conn {
        eventually("a client connection", || Conn::connect(self.port).ok())
    }
}

/// Writes `body` (plus `port`, `dir` and `logfile`) as `sentinel_0/sentinel.conf` in a fresh
/// directory and starts the binary on it the way the Redis test harness does: cwd is the
/// parent, the config path is relative, and `dir ./sentinel_0` is relative too.
pub fn start_sentinel(body: &str) -> Sentinel {
    start_sentinel_with_env(body, &[])
}

/// [`start_sentinel`] with extra environment variables (e.g. `SENTINEL_SHARDS`).
pub fn start_sentinel_with_env(body: &str, env: &[(&str, &str)]) -> Sentinel {
    start_sentinel_with_files(body, env, &[])
}

/// [`start_sentinel_with_env`] with more files (name, contents) written beside the config
/// first (e.g. an `aclfile`).
pub fn start_sentinel_with_files(
    body: &str,
    env: &[(&str, &str)],
    files: &[(&str, &str)],
) -> Sentinel {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = format!("port {port}\nbind 127.0.0.1\ndir ./sentinel_0\nlogfile log.txt\n{body}");
    std::fs::create_dir(dir.path().join("sentinel_0")).expect("mkdir");
    std::fs::write(dir.path().join("sentinel_0/sentinel.conf"), conf).expect("write conf");
    for (name, contents) in files {
        std::fs::write(dir.path().join("sentinel_0").join(name), contents).expect("write file");
    }
    let child = Command::new(env!("CARGO_BIN_EXE_sentinel"))
        .arg("sentinel_0/sentinel.conf")
        .current_dir(dir.path())
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sentinel");
    let s = Sentinel {
        guard: Guard(child),
        port,
        dir,
    };
    eventually("the sentinel to answer PING", || {
        let mut c = Conn::connect(port).ok()?;
        c.send(&["PING"]);
        c.read()
    });
    s
}

/// Runs the binary on `conf` (logging to stdout) until it exits: its exit code and output.
/// One that keeps running fails the test once the patience runs out (and is killed).
pub fn run_to_exit(conf: &std::path::Path) -> (Option<i32>, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_sentinel"))
        .arg(conf)
        .current_dir(conf.parent().expect("conf dir"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sentinel");
    let mut guard = Guard(child);
    let status = eventually("the sentinel to exit", || guard.0.try_wait().ok().flatten());
    let mut stdout = String::new();
    if let Some(mut out) = guard.0.stdout.take() {
        out.read_to_string(&mut stdout).expect("read stdout");
    }
    (status.code(), stdout)
}
