//! End-to-end TLS: real redis-servers that speak only TLS, our sentinel with `tls-port` and
//! `tls-replication yes`, and redis-cli as the TLS client.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::{Guard, REDIS_SERVER, eventually, free_port, run_to_exit, start_sentinel, text};

const REDIS_CLI: &str = "/usr/bin/redis-cli";

/// A CA and a server and a client certificate it signed, made with the openssl command.
fn make_certs(dir: &Path) -> bool {
    let script = "set -e
openssl genrsa -out ca.key 2048
openssl req -x509 -new -nodes -sha256 -key ca.key -days 30 -subj '/CN=Test CA' -out ca.crt
for n in server client; do
  openssl genrsa -out $n.key 2048
  openssl req -new -sha256 -subj \"/CN=$n\" -key $n.key -out $n.csr
  openssl x509 -req -sha256 -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile ext.cnf -extensions $n -out $n.crt
done";
    std::fs::write(
        dir.join("ext.cnf"),
        "[server]\nnsCertType = server\n[client]\nnsCertType = client\n",
    )
    .expect("write ext.cnf");
    Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn tls_args(certs: &Path) -> Vec<String> {
    let p = |f: &str| certs.join(f).display().to_string();
    vec![
        "--tls-cert-file".into(),
        p("server.crt"),
        "--tls-key-file".into(),
        p("server.key"),
        "--tls-client-cert-file".into(),
        p("client.crt"),
        "--tls-client-key-file".into(),
        p("client.key"),
        "--tls-ca-cert-file".into(),
        p("ca.crt"),
    ]
}

/// A redis-server listening only on a TLS port.
fn tls_redis(certs: &Path, extra: &[&str]) -> (Guard, u16) {
    let port = free_port();
    let child = Command::new(REDIS_SERVER)
        .args(["--port", "0", "--tls-port", &port.to_string()])
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--tls-replication", "yes"])
        .args(tls_args(certs))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server");
    let guard = Guard(child);
    eventually("the TLS redis-server to answer", || {
        (cli(certs, port, true, &["PING"])? == "PONG").then_some(())
    });
    (guard, port)
}

/// redis-cli against `port`, over TLS (with the client certificate) or plain; its output, or
/// `None` if it failed.
fn cli(certs: &Path, port: u16, tls: bool, args: &[&str]) -> Option<String> {
    let mut cmd = Command::new(REDIS_CLI);
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string()]);
    if tls {
        let p = |f: &str| certs.join(f).display().to_string();
        cmd.args(["--tls", "--cacert", &p("ca.crt")]);
        cmd.args(["--cert", &p("client.crt"), "--key", &p("client.key")]);
    }
    let out = cmd
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !s.is_empty() && !s.starts_with("Error:")).then_some(s)
}

fn prerequisites(dir: &Path) -> bool {
    for bin in [REDIS_SERVER, REDIS_CLI] {
        if !Path::new(bin).exists() {
            eprintln!("SKIPPED: {bin} is missing (apt-get install -y redis-server redis-tools)");
            return false;
        }
    }
    if !make_certs(dir) {
        eprintln!("SKIPPED: could not make test certificates with the openssl command");
        return false;
    }
    true
}

fn sentinel_tls_conf(certs: &Path, tls_port: u16, master_port: u16) -> String {
    let args = tls_args(certs);
    let mut conf = String::new();
    for pair in args.chunks(2) {
        conf.push_str(&format!("{} \"{}\"\n", &pair[0][2..], pair[1]));
    }
    conf.push_str(&format!(
        "tls-port {tls_port}\ntls-replication yes\n\
         sentinel monitor mymaster 127.0.0.1 {master_port} 1\n\
         sentinel down-after-milliseconds mymaster 5000\n"
    ));
    conf
}

#[test]
fn monitors_tls_instances_and_serves_tls_clients() {
    let certs = tempfile::tempdir().expect("tempdir");
    if !prerequisites(certs.path()) {
        return;
    }
    let certs = certs.path();
    let (_master, master_port) = tls_redis(certs, &[]);
    let replicaof = format!("127.0.0.1 {master_port}");
    let (_replica, replica_port) = tls_redis(certs, &["--replicaof", &replicaof]);
    let tls_port = free_port();
    let s = start_sentinel(&sentinel_tls_conf(certs, tls_port, master_port));

    // A TLS client with a certificate the CA signed is served on tls-port...
    let pong = eventually("PONG over TLS", || cli(certs, tls_port, true, &["PING"]));
    assert_eq!(pong, "PONG");
    // ...a plain client there is not.
    assert_eq!(cli(certs, tls_port, false, &["PING"]), None);

    // The links to the TLS-only master work: its INFO arrives (role reported, replica found),
    // and the replica's own links come up.
    let mut c = s.conn();
    eventually("the master's INFO over TLS and its replica", || {
        let m = text_fields(&c.cmd(&["SENTINEL", "MASTER", "mymaster"]));
        (field(&m, "flags") == "master"
            && field(&m, "role-reported") == "master"
            && field(&m, "num-slaves") == "1")
            .then_some(())
    });
    eventually("the replica's INFO over TLS", || {
        let r = c.cmd(&["SENTINEL", "REPLICAS", "mymaster"]);
        let sentinel_core::resp::Frame::Array(rs) = r else {
            return None;
        };
        let r = text_fields(rs.first()?);
        (field(&r, "port") == replica_port.to_string()
            && field(&r, "flags") == "slave"
            && field(&r, "master-link-status") == "ok")
            .then_some(())
    });
    // The same answer through TLS.
    let addr = cli(
        certs,
        tls_port,
        true,
        &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"],
    )
    .expect("GET-MASTER-ADDR-BY-NAME over TLS");
    assert_eq!(addr, format!("127.0.0.1\n{master_port}"));
}

#[test]
fn tls_clients_without_a_certificate_are_refused() {
    let certs = tempfile::tempdir().expect("tempdir");
    if !prerequisites(certs.path()) {
        return;
    }
    let certs = certs.path();
    let tls_port = free_port();
    let _s = start_sentinel(&sentinel_tls_conf(certs, tls_port, free_port()));
    eventually("PONG over TLS", || cli(certs, tls_port, true, &["PING"]));
    // tls-auth-clients defaults to yes: no client certificate, no service.
    let out = Command::new(REDIS_CLI)
        .args(["-h", "127.0.0.1", "-p", &tls_port.to_string(), "--tls"])
        .arg("--cacert")
        .arg(certs.join("ca.crt"))
        .arg("PING")
        .stdin(Stdio::null())
        .output()
        .expect("redis-cli");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("PONG"),
        "served a client without a certificate"
    );
}

#[test]
fn tls_without_a_certificate_is_fatal_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("sentinel.conf");
    std::fs::write(
        &conf,
        format!("port {}\ntls-port {}\n", free_port(), free_port()),
    )
    .expect("write conf");
    let (code, out) = run_to_exit(&conf);
    assert_eq!(code, Some(1));
    assert!(out.contains("No tls-cert-file configured!"), "{out}");
    assert!(out.contains("Failed to configure TLS"), "{out}");
}

/// A flat RESP key/value array as pairs of strings.
fn text_fields(f: &sentinel_core::resp::Frame) -> Vec<(String, String)> {
    let sentinel_core::resp::Frame::Array(items) = f else {
        return Vec::new();
    };
    items
        .chunks(2)
        .filter(|p| p.len() == 2)
        .map(|p| (text(&p[0]), text(&p[1])))
        .collect()
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}
