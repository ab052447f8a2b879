//! End-to-end: the `sentinel` binary against real sockets and a real redis-server.

mod support;

use std::process::{Command, Stdio};

use sentinel_core::resp::Frame;
use support::{Conn, eventually, redis_server, redis_server_with, start_sentinel, text};

fn monitor(port: u16) -> String {
    format!(
        "sentinel monitor mymaster 127.0.0.1 {port} 1\nsentinel down-after-milliseconds mymaster 5000\n"
    )
}

#[test]
fn answers_ping_inline_ping_and_myid() {
    let s = start_sentinel(&monitor(support::free_port()));
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()));
    // The harness's liveness probe: an inline PING followed by an empty line.
    let mut raw = s.conn();
    raw.send_raw(b"PING\r\n\n");
    assert_eq!(raw.read(), Some(Frame::Simple("PONG".into())));
    let id = text(&c.cmd(&["SENTINEL", "MYID"]));
    assert_eq!(id.len(), 40);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    // The generated id was saved to the config file.
    let conf = std::fs::read_to_string(s.conf_path()).expect("conf");
    assert!(conf.contains(&format!("sentinel myid {id}")), "{conf}");
}

#[test]
fn protocol_error_is_replied_then_closed() {
    let s = start_sentinel(&monitor(support::free_port()));
    let mut c = s.conn();
    c.send_raw(b"*1\r\n$x\r\n");
    let out = String::from_utf8_lossy(&c.read_to_close()).into_owned();
    assert!(out.starts_with("-ERR Protocol error"), "{out:?}");
}

#[test]
fn subscriptions_receive_events_and_restrict_resp2() {
    let s = start_sentinel(&monitor(support::free_port()));
    let mut c = s.conn();
    let reply = c.cmd(&["SUBSCRIBE", "+sdown"]);
    assert_eq!(
        reply,
        Frame::Array(vec![
            Frame::bulk("subscribe"),
            Frame::bulk("+sdown"),
            Frame::Integer(1)
        ])
    );
    let err = text(&c.cmd(&["SENTINEL", "MYID"]));
    // Redis 7.0 names the subcommand by its full name.
    assert!(
        err.starts_with("ERR Can't execute 'sentinel|myid'"),
        "{err}"
    );
    assert_eq!(
        c.cmd(&["PING"]),
        Frame::Array(vec![Frame::bulk("pong"), Frame::bulk("")])
    );
}

#[test]
fn links_to_a_real_master_carry_sentinel_names() {
    let Some((_redis, rport)) = redis_server() else {
        return;
    };
    let s = start_sentinel(&monitor(rport));
    let id = text(&s.conn().cmd(&["SENTINEL", "MYID"]));
    let prefix = format!("name=sentinel-{}", &id[..8]);
    let mut redis = Conn::connect(rport).expect("connect redis");
    eventually("both sentinel links in CLIENT LIST", || {
        let list = text(&redis.cmd(&["CLIENT", "LIST"]));
        (list.contains(&format!("{prefix}-cmd ")) && list.contains(&format!("{prefix}-pubsub ")))
            .then_some(())
    });
}

#[test]
fn two_sentinels_discover_each_other() {
    let Some((_redis, rport)) = redis_server() else {
        return;
    };
    let a = start_sentinel(&monitor(rport));
    let mut events = a.conn();
    assert_eq!(
        events.cmd(&["PSUBSCRIBE", "*"]),
        Frame::Array(vec![
            Frame::bulk("psubscribe"),
            Frame::bulk("*"),
            Frame::Integer(1)
        ])
    );
    let b = start_sentinel(&monitor(rport));
    let b_id = text(&b.conn().cmd(&["SENTINEL", "MYID"]));
    let payload = eventually("+sentinel for the second sentinel", || {
        let Frame::Array(items) = events.read()? else {
            return None;
        };
        let [kind, _pattern, channel, payload] = items.as_slice() else {
            return None;
        };
        (text(kind) == "pmessage" && text(channel) == "+sentinel")
            .then(|| text(payload))
            .filter(|p| p.contains(&b_id))
    });
    assert!(
        payload.starts_with(&format!("sentinel {b_id} 127.0.0.1 {} @ mymaster", b.port)),
        "{payload}"
    );
    // Discovery is persisted as a known-sentinel line.
    eventually("known-sentinel in the config file", || {
        let conf = std::fs::read_to_string(a.conf_path()).ok()?;
        conf.contains(&format!(
            "known-sentinel mymaster 127.0.0.1 {} {b_id}",
            b.port
        ))
        .then_some(())
    });
}

#[test]
fn sigterm_exits_zero_and_removes_the_pidfile() {
    let mut s = start_sentinel(&format!(
        "pidfile sentinel.pid\n{}",
        monitor(support::free_port())
    ));
    let pidfile = s.home().join("sentinel.pid");
    let pid = eventually("the pid file", || std::fs::read_to_string(&pidfile).ok());
    assert_eq!(pid.trim(), s.guard.0.id().to_string());
    let child_pid = i32::try_from(s.guard.0.id()).expect("pid");
    // Safety: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child_pid, libc::SIGTERM) }, 0);
    let status = eventually("the sentinel to exit", || {
        s.guard.0.try_wait().ok().flatten()
    });
    assert!(status.success(), "{status:?}");
    assert!(!pidfile.exists());
    let log = std::fs::read_to_string(s.home().join("log.txt")).expect("log");
    assert!(
        log.contains("Received SIGTERM scheduling shutdown..."),
        "{log}"
    );
}

#[test]
fn bad_config_prints_the_fatal_block_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("sentinel.conf"),
        "port 26379\nsentinel monitor mymaster 127.0.0.1 6379 0\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_sentinel"))
        .arg("sentinel.conf")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"),
        "{err}"
    );
    assert!(
        err.contains("Reading the configuration file, at line 2"),
        "{err}"
    );
    assert!(
        err.contains(">>> 'sentinel monitor mymaster 127.0.0.1 6379 0'"),
        "{err}"
    );
}

#[test]
fn no_config_file_exits_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_sentinel"))
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Sentinel needs config file on disk to save state. Exiting..."),
        "{said}"
    );
}

#[test]
fn manual_failover_promotes_the_replica_and_persists_the_switch() {
    let Some((_master, mport)) = redis_server() else {
        return;
    };
    let Some((_replica, rport)) =
        redis_server_with(&["--replicaof", "127.0.0.1", &mport.to_string()])
    else {
        return;
    };
    let s = start_sentinel(&format!(
        "{}sentinel failover-timeout mymaster 10000\n",
        monitor(mport)
    ));
    let mut events = s.conn();
    events.cmd(&["SUBSCRIBE", "+switch-master"]);
    let mut c = s.conn();
    // Refused (NOGOODSLAVE) until the sentinel has learnt the replica from INFO.
    eventually("SENTINEL FAILOVER to be accepted", || {
        (c.cmd(&["SENTINEL", "FAILOVER", "mymaster"]) == Frame::ok()).then_some(())
    });
    let payload = eventually("+switch-master", || {
        let Frame::Array(items) = events.read()? else {
            return None;
        };
        let [kind, channel, payload] = items.as_slice() else {
            return None;
        };
        (text(kind) == "message" && text(channel) == "+switch-master").then(|| text(payload))
    });
    assert_eq!(
        payload,
        format!("mymaster 127.0.0.1 {mport} 127.0.0.1 {rport}")
    );
    let mut replica = Conn::connect(rport).expect("connect replica");
    eventually("the replica to report role master", || {
        let Frame::Array(role) = replica.cmd(&["ROLE"]) else {
            return None;
        };
        (role.first().map(text).as_deref() == Some("master")).then_some(())
    });
    eventually("the new master address in the config file", || {
        let conf = std::fs::read_to_string(s.conf_path()).ok()?;
        conf.contains(&format!("sentinel monitor mymaster 127.0.0.1 {rport} 1"))
            .then_some(())
    });
}

#[test]
fn three_sentinels_fail_over_a_killed_master() {
    let Some((mut master, mport)) = redis_server() else {
        return;
    };
    let Some((_replica, rport)) =
        redis_server_with(&["--replicaof", "127.0.0.1", &mport.to_string()])
    else {
        return;
    };
    let body = format!(
        "sentinel monitor mymaster 127.0.0.1 {mport} 2\n\
         sentinel down-after-milliseconds mymaster 1000\n\
         sentinel failover-timeout mymaster 10000\n"
    );
    let sentinels: Vec<_> = (0..3).map(|_| start_sentinel(&body)).collect();
    // Everyone knows everyone before the master dies (each learns the replica from its first
    // INFO, which precedes any hello on the same link).
    for s in &sentinels {
        eventually("peers and replica in the config file", || {
            let conf = std::fs::read_to_string(s.conf_path()).ok()?;
            (conf.matches("known-sentinel mymaster").count() == 2).then_some(())
        });
    }
    let mut events = sentinels[0].conn();
    events.cmd(&["SUBSCRIBE", "+switch-master"]);
    master.0.kill().expect("kill master");
    let payload = eventually("+switch-master", || {
        let Frame::Array(items) = events.read()? else {
            return None;
        };
        items.get(2).map(text)
    });
    assert_eq!(
        payload,
        format!("mymaster 127.0.0.1 {mport} 127.0.0.1 {rport}")
    );
}

#[test]
fn flushconfig_persists_remove_config_set_and_acl_users() {
    let s = start_sentinel(
        "sentinel monitor gone 127.0.0.1 1 1\nsentinel monitor kept 127.0.0.1 2 1\n",
    );
    let mut c = s.conn();
    for cmd in [
        &["SENTINEL", "REMOVE", "gone"][..],
        &["SENTINEL", "CONFIG", "SET", "announce-port", "26111"],
        &["ACL", "SETUSER", "bob", "on", ">pw", "+@all"],
        &["SENTINEL", "FLUSHCONFIG"],
    ] {
        assert_eq!(c.cmd(cmd), Frame::ok(), "{cmd:?}");
    }
    let text = std::fs::read_to_string(s.conf_path()).expect("config");
    let cfg = sentinel_core::config::load(&text, &sentinel_core::config::LoadOptions::permissive())
        .expect("the rewritten config loads");
    let names: Vec<&str> = cfg
        .sentinel
        .masters
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["kept"], "{text}");
    assert_eq!(cfg.sentinel.announce_port, 26111, "{text}");
    assert!(
        cfg.server
            .users
            .iter()
            .any(|u| u.first().map(String::as_str) == Some("bob")),
        "{text}"
    );
}

#[test]
fn links_leave_from_bind_source_addr() {
    // Protected mode would turn away a client from 127.0.0.2.
    let Some((_redis, port)) = redis_server_with(&["--protected-mode", "no"]) else {
        return;
    };
    // Any 127/8 address is local on Linux.
    let _s = start_sentinel(&format!("bind-source-addr 127.0.0.2\n{}", monitor(port)));
    let mut r = Conn::connect(port).expect("redis-server");
    eventually("the sentinel's links from 127.0.0.2", || {
        let list = text(&r.cmd(&["CLIENT", "LIST"]));
        list.lines()
            .any(|l| l.contains("name=sentinel-") && l.contains(" addr=127.0.0.2:"))
            .then_some(())
    });
}
