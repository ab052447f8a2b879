//! Dispatch, authentication, pub/sub, INFO and the other non-SENTINEL commands, driven through
//! `handle_client_command` as a client would.

use bytes::Bytes;

use crate::action::{Action, ClientId};
use crate::addr::Addr;
use crate::instance::MasterParams;
use crate::resp::{Frame, Protocol};
use crate::sentinel::{Sentinel, SentinelParams};
use crate::time::Instant;
use crate::{Limits, Timing};

pub(super) const MYID: &str = "00000000000000000000000000000000000000aa";

pub(super) fn sentinel_with(limits: Limits) -> Sentinel {
    Sentinel::new(SentinelParams {
        myid: MYID.into(),
        port: 26379,
        announce_ip: None,
        current_epoch: 0,
        timing: Timing::default(),
        limits,
        seed: 7,
    })
}

pub(super) fn sentinel() -> Sentinel {
    sentinel_with(Limits::default())
}

pub(super) fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

pub(super) fn args(a: &[&str]) -> Vec<Bytes> {
    a.iter()
        .map(|s| Bytes::copy_from_slice(s.as_bytes()))
        .collect()
}

/// Runs a command and returns every action it produced (persists completed successfully).
pub(super) fn run(s: &mut Sentinel, client: u64, a: &[&str]) -> Vec<Action> {
    s.handle_client_command(ms(1_000), ClientId(client), args(a));
    let mut out = Vec::new();
    while let Some(action) = s.poll_action() {
        if let Action::Persist { token } = action {
            s.handle_persisted(ms(1_000), token, true);
        }
        out.push(action);
    }
    out
}

/// The replies to `client` among `actions`.
pub(super) fn replies_to(actions: &[Action], client: u64) -> Vec<Frame> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Reply { client: c, frame } if c.0 == client => Some(frame.clone()),
            _ => None,
        })
        .collect()
}

/// The single reply to a command from client 1.
pub(super) fn reply(s: &mut Sentinel, a: &[&str]) -> Frame {
    reply_as(s, 1, a)
}

pub(super) fn reply_as(s: &mut Sentinel, client: u64, a: &[&str]) -> Frame {
    let r = replies_to(&run(s, client, a), client);
    assert_eq!(r.len(), 1, "{a:?} gave {r:?}");
    r.into_iter().next().unwrap()
}

pub(super) fn err(text: &str) -> Frame {
    Frame::error(text)
}

pub(super) fn bulk(text: &str) -> Frame {
    Frame::bulk(text)
}

/// A map or flat array as (key, value) text pairs.
pub(super) fn pairs(f: &Frame) -> Vec<(String, Frame)> {
    let s = |f: &Frame| String::from_utf8_lossy(f.as_bytes().unwrap_or_default()).into_owned();
    match f {
        Frame::Map(m) => m.iter().map(|(k, v)| (s(k), v.clone())).collect(),
        Frame::Array(a) => a.chunks(2).map(|kv| (s(&kv[0]), kv[1].clone())).collect(),
        other => panic!("not a map: {other:?}"),
    }
}

pub(super) fn field(f: &Frame, key: &str) -> Option<String> {
    pairs(f)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned())
}

pub(super) fn text_of(f: &Frame) -> String {
    String::from_utf8_lossy(f.as_bytes().unwrap_or_default()).into_owned()
}

pub(super) fn add_master(s: &mut Sentinel, name: &str, port: u16) {
    let mut p = MasterParams::new(name, Addr::new("127.0.0.1", port), 2);
    p.down_after = std::time::Duration::from_millis(30_000);
    s.monitor(ms(0), p).unwrap();
}

#[test]
fn command_count_and_list_match_7_0_15() {
    let mut s = sentinel();
    assert_eq!(reply(&mut s, &["COMMAND", "COUNT"]), Frame::Integer(15));
    let Frame::Array(list) = reply(&mut s, &["command", "list"]) else {
        panic!()
    };
    assert_eq!(list.len(), 72);
    for name in [
        "sentinel|set",
        "client|kill",
        "acl|dryrun",
        "command|getkeysandflags",
        "sentinel|slaves",
    ] {
        assert!(list.contains(&bulk(name)), "{name}");
    }
    let Frame::Array(all) = reply(&mut s, &["COMMAND"]) else {
        panic!()
    };
    assert_eq!(all.len(), 15);
    let Frame::Array(f) = reply(
        &mut s,
        &["command", "list", "filterby", "pattern", "sentinel*"],
    ) else {
        panic!()
    };
    assert_eq!(f.len(), 22);
}

#[test]
fn command_info_docs_and_getkeys() {
    let mut s = sentinel();
    let Frame::Array(info) = reply(&mut s, &["COMMAND", "INFO", "sentinel", "nosuch"]) else {
        panic!()
    };
    assert_eq!(info[1], Frame::NullArray);
    let Frame::Array(entry) = &info[0] else {
        panic!()
    };
    assert_eq!(entry.len(), 10);
    assert_eq!(entry[0], bulk("sentinel"));
    assert_eq!(entry[1], Frame::Integer(-2));
    let Frame::Array(subs) = &entry[9] else {
        panic!()
    };
    assert_eq!(subs.len(), 21);
    let docs = reply(&mut s, &["COMMAND", "DOCS", "ping"]);
    let Frame::Map(d) = docs else { panic!() };
    assert_eq!(d[0].0, bulk("ping"));
    assert_eq!(
        reply(&mut s, &["COMMAND", "GETKEYS", "ping", "x"]),
        err("ERR The command has no key arguments")
    );
    assert_eq!(
        reply(&mut s, &["COMMAND", "GETKEYS", "nosuch", "x"]),
        err("ERR Invalid command specified")
    );
    assert_eq!(
        reply(&mut s, &["COMMAND", "GETKEYS", "role", "x"]),
        err("ERR Invalid number of arguments specified for command")
    );
}

#[test]
fn unknown_commands_subcommands_and_arity_errors() {
    let mut s = sentinel();
    let cases: &[(&[&str], &str)] = &[
        (
            &["foo", "a", "b"],
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' ",
        ),
        (
            &["quit"],
            "ERR unknown command 'quit', with args beginning with: ",
        ),
        (
            &["config", "get", "x"],
            "ERR unknown command 'config', with args beginning with: 'get' 'x' ",
        ),
        (
            &["sentinel", "nope"],
            "ERR unknown subcommand 'nope'. Try SENTINEL HELP.",
        ),
        (
            &["client", "no-touch", "on"],
            "ERR unknown subcommand 'no-touch'. Try CLIENT HELP.",
        ),
        (
            &["client", "setinfo", "lib-name", "x"],
            "ERR unknown subcommand 'setinfo'. Try CLIENT HELP.",
        ),
        (&["acl", "x"], "ERR unknown subcommand 'x'. Try ACL HELP."),
        (
            &["sentinel", "set", "mymaster", "quorum"],
            "ERR wrong number of arguments for 'sentinel|set' command",
        ),
        (
            &["sentinel"],
            "ERR wrong number of arguments for 'sentinel' command",
        ),
        (
            &["sentinel", "masters", "x"],
            "ERR wrong number of arguments for 'sentinel|masters' command",
        ),
        (
            &["sentinel", "monitor", "a", "b", "c"],
            "ERR wrong number of arguments for 'sentinel|monitor' command",
        ),
        (
            &["role", "x"],
            "ERR wrong number of arguments for 'role' command",
        ),
        (
            &["publish", "a"],
            "ERR wrong number of arguments for 'publish' command",
        ),
        (
            &["ping", "a", "b"],
            "ERR wrong number of arguments for 'ping' command",
        ),
        (
            &["client", "setname"],
            "ERR wrong number of arguments for 'client|setname' command",
        ),
        (
            &["subscribe"],
            "ERR wrong number of arguments for 'subscribe' command",
        ),
    ];
    for (a, want) in cases {
        assert_eq!(reply(&mut s, a), err(want), "{a:?}");
    }
}

#[test]
fn noauth_gate_with_requirepass() {
    let mut s = sentinel();
    s.acl_mut().set_requirepass("secret");
    let noauth = err("NOAUTH Authentication required.");
    assert_eq!(reply(&mut s, &["PING"]), noauth);
    assert_eq!(reply(&mut s, &["SENTINEL", "MASTERS"]), noauth);
    // Unknown commands and arity errors come before the gate, as in processCommand.
    assert_eq!(
        reply(&mut s, &["nosuch"]),
        err("ERR unknown command 'nosuch', with args beginning with: ")
    );
    assert_eq!(
        reply(&mut s, &["AUTH", "wrong"]),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
    assert_eq!(
        reply(&mut s, &["AUTH", "a", "b", "c"]),
        err("ERR syntax error")
    );
    assert_eq!(reply(&mut s, &["AUTH", "secret"]), Frame::ok());
    assert_eq!(
        reply(&mut s, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
    assert_eq!(reply(&mut s, &["ACL", "WHOAMI"]), bulk("default"));
    // Another connection still needs to authenticate.
    assert_eq!(reply_as(&mut s, 2, &["PING"]), noauth);
    assert_eq!(
        reply_as(&mut s, 2, &["HELLO", "3"]),
        err(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
        )
    );
    let hello = reply_as(&mut s, 2, &["HELLO", "3", "AUTH", "default", "secret"]);
    assert_eq!(pairs(&hello)[2], ("proto".to_string(), Frame::Integer(3)));
    assert_eq!(s.client_protocol(ClientId(2)), Protocol::Resp3);
}

#[test]
fn auth_without_password_configured() {
    let mut s = sentinel();
    assert_eq!(
        reply(&mut s, &["AUTH", "x"]),
        err(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
        )
    );
    assert_eq!(reply(&mut s, &["AUTH", "default", "anything"]), Frame::ok());
}

#[test]
fn disabled_default_user_locks_new_connections_out() {
    let mut s = sentinel();
    assert_eq!(
        reply(
            &mut s,
            &[
                "ACL",
                "SETUSER",
                "admin",
                "on",
                ">pw",
                "+@all",
                "allchannels"
            ]
        ),
        Frame::ok()
    );
    assert_eq!(
        reply(&mut s, &["ACL", "SETUSER", "default", "off"]),
        Frame::ok()
    );
    // Client 1 stays authenticated; a new one is not.
    assert_eq!(
        reply(&mut s, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
    assert_eq!(
        reply_as(&mut s, 5, &["PING"]),
        err("NOAUTH Authentication required.")
    );
    assert_eq!(reply_as(&mut s, 5, &["AUTH", "admin", "pw"]), Frame::ok());
    assert_eq!(reply_as(&mut s, 5, &["ACL", "WHOAMI"]), bulk("admin"));
}

#[test]
fn hello_map_and_protocol_switch() {
    let mut s = sentinel();
    let h = reply(&mut s, &["HELLO", "3", "SETNAME", "lettuce"]);
    let Frame::Map(m) = &h else { panic!("{h:?}") };
    let keys: Vec<String> = m.iter().map(|(k, _)| text_of(k)).collect();
    assert_eq!(
        keys,
        ["server", "version", "proto", "id", "mode", "modules"]
    );
    assert_eq!(m[0].1, bulk("redis"));
    assert_eq!(m[1].1, bulk("7.0.15"));
    assert_eq!(m[2].1, Frame::Integer(3));
    assert_eq!(m[3].1, Frame::Integer(1));
    assert_eq!(m[4].1, bulk("sentinel"));
    assert_eq!(s.client_protocol(ClientId(1)), Protocol::Resp3);
    assert_eq!(reply(&mut s, &["CLIENT", "GETNAME"]), bulk("lettuce"));
    assert_eq!(
        reply(&mut s, &["HELLO", "4"]),
        err("NOPROTO unsupported protocol version")
    );
    assert_eq!(
        reply(&mut s, &["HELLO", "x"]),
        err("ERR Protocol version is not an integer or out of range")
    );
    assert_eq!(
        reply(&mut s, &["HELLO", "2", "bogus"]),
        err("ERR Syntax error in HELLO option 'bogus'")
    );
    let h = reply(&mut s, &["HELLO", "2"]);
    assert_eq!(pairs(&h)[2].1, Frame::Integer(2));
    assert_eq!(s.client_protocol(ClientId(1)), Protocol::Resp2);
    assert_eq!(s.client_protocol(ClientId(99)), Protocol::Resp2);
}

#[test]
fn psubscribe_star_receives_events_resp2_and_resp3() {
    let mut s = sentinel();
    let out = run(&mut s, 1, &["PSUBSCRIBE", "*"]);
    assert_eq!(
        replies_to(&out, 1),
        vec![Frame::Array(vec![
            bulk("psubscribe"),
            bulk("*"),
            Frame::Integer(1)
        ])]
    );
    reply_as(&mut s, 2, &["HELLO", "3"]);
    let out = run(&mut s, 2, &["SUBSCRIBE", "+monitor", "+sdown"]);
    assert_eq!(
        replies_to(&out, 2),
        vec![
            Frame::Push(vec![bulk("subscribe"), bulk("+monitor"), Frame::Integer(1)]),
            Frame::Push(vec![bulk("subscribe"), bulk("+sdown"), Frame::Integer(2)]),
        ]
    );
    let out = run(
        &mut s,
        3,
        &["SENTINEL", "MONITOR", "mymaster", "127.0.0.1", "6379", "2"],
    );
    let payload = "master mymaster 127.0.0.1 6379 quorum 2";
    assert_eq!(
        replies_to(&out, 1),
        vec![Frame::Array(vec![
            bulk("pmessage"),
            bulk("*"),
            bulk("+monitor"),
            bulk(payload)
        ])]
    );
    assert_eq!(
        replies_to(&out, 2),
        vec![Frame::Push(vec![
            bulk("message"),
            bulk("+monitor"),
            bulk(payload)
        ])]
    );
    assert!(
        out.iter()
            .any(|a| matches!(a, Action::Publish(e) if e.channel == "+monitor"))
    );
    assert_eq!(replies_to(&out, 3), vec![Frame::ok()]);
}

#[test]
fn unsubscribe_and_pubsub_context() {
    let mut s = sentinel();
    run(&mut s, 1, &["SUBSCRIBE", "a", "b"]);
    run(&mut s, 1, &["PSUBSCRIBE", "x*"]);
    assert_eq!(
        reply(&mut s, &["SENTINEL", "MASTERS"]),
        err(
            "ERR Can't execute 'sentinel|masters': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        )
    );
    assert_eq!(
        reply(&mut s, &["PING"]),
        Frame::Array(vec![bulk("pong"), bulk("")])
    );
    assert_eq!(
        reply(&mut s, &["PING", "hi"]),
        Frame::Array(vec![bulk("pong"), bulk("hi")])
    );
    let out = run(&mut s, 1, &["UNSUBSCRIBE"]);
    assert_eq!(
        replies_to(&out, 1),
        vec![
            Frame::Array(vec![bulk("unsubscribe"), bulk("a"), Frame::Integer(2)]),
            Frame::Array(vec![bulk("unsubscribe"), bulk("b"), Frame::Integer(1)]),
        ]
    );
    let out = run(&mut s, 1, &["PUNSUBSCRIBE", "x*"]);
    assert_eq!(
        replies_to(&out, 1),
        vec![Frame::Array(vec![
            bulk("punsubscribe"),
            bulk("x*"),
            Frame::Integer(0)
        ])]
    );
    let out = run(&mut s, 1, &["PUNSUBSCRIBE"]);
    assert_eq!(
        replies_to(&out, 1),
        vec![Frame::Array(vec![
            bulk("punsubscribe"),
            Frame::NullBulk,
            Frame::Integer(0)
        ])]
    );
    assert_eq!(
        reply(&mut s, &["ROLE"]),
        Frame::Array(vec![bulk("sentinel"), Frame::Array(vec![])])
    );
    // RESP3 clients have no pub/sub context.
    reply_as(&mut s, 2, &["HELLO", "3"]);
    run(&mut s, 2, &["SUBSCRIBE", "a"]);
    assert_eq!(reply_as(&mut s, 2, &["SENTINEL", "MYID"]), bulk(MYID));
}

#[test]
fn info_section_selection_follows_13_info_command() {
    let mut s = sentinel();
    add_master(&mut s, "mymaster", 6379);
    let info = |s: &mut Sentinel, a: &[&str]| text_of(&reply(s, a));
    for a in [
        &["INFO"][..],
        &["INFO", "all"],
        &["INFO", "default"],
        &["INFO", "everything"],
    ] {
        let i = info(&mut s, a);
        for present in [
            "redis_version",
            "maxclients",
            "used_cpu_user",
            "sentinel_tilt",
            "redis_mode:sentinel",
        ] {
            assert!(i.contains(present), "{a:?} lacks {present}");
        }
        for absent in [
            "used_memory",
            "rdb_last_bgsave",
            "master_repl_offset",
            "cluster_enabled",
        ] {
            assert!(!i.contains(absent), "{a:?} has {absent}");
        }
        assert!(i.contains(
            "master0:name=mymaster,status=ok,address=127.0.0.1:6379,slaves=0,sentinels=1\r\n"
        ));
    }
    let cpu = info(&mut s, &["INFO", "cpu"]);
    assert!(cpu.starts_with("# CPU\r\n") && cpu.contains("used_cpu_user"));
    assert!(!cpu.contains("redis_version") && !cpu.contains("sentinel_tilt"));
    let sen = info(&mut s, &["INFO", "SENTINEL"]);
    assert!(sen.starts_with("# Sentinel\r\n") && !sen.contains("used_cpu_user"));
    let multi = info(&mut s, &["INFO", "server", "sentinel", "replication"]);
    assert!(multi.contains("redis_version") && multi.contains("sentinel_tilt"));
    assert!(!multi.contains("master_repl_offset") && !multi.contains("used_cpu_user"));
    assert!(multi.contains("io_threads_active:0\r\n\r\n# Sentinel\r\n"));
    let cpu_all = info(&mut s, &["INFO", "cpu", "all"]);
    assert!(cpu_all.contains("redis_version") && cpu_all.contains("sentinel_tilt"));
    assert_eq!(info(&mut s, &["INFO", "memory"]), "");
}

#[test]
fn info_uses_process_info() {
    let mut s = sentinel();
    s.set_process_info(crate::ProcessInfo {
        process_id: 4242,
        tcp_port: 26379,
        used_cpu_user: 1.5,
        config_file: "/etc/sentinel.conf".into(),
        ..Default::default()
    });
    let i = text_of(&reply(&mut s, &["INFO"]));
    assert!(i.contains("process_id:4242\r\n"));
    assert!(i.contains("used_cpu_user:1.500000\r\n"));
    assert!(i.contains("config_file:/etc/sentinel.conf\r\n"));
    assert!(i.contains("connected_clients:1\r\n"));
    assert!(i.contains("maxclients:10000\r\n"));
}

#[test]
fn shutdown_forms() {
    let mut s = sentinel();
    assert_eq!(
        reply(&mut s, &["SHUTDOWN", "ABORT"]),
        err("ERR No shutdown in progress.")
    );
    assert_eq!(
        reply(&mut s, &["SHUTDOWN", "SAVE", "NOSAVE"]),
        err("ERR syntax error")
    );
    assert_eq!(
        reply(&mut s, &["SHUTDOWN", "ABORT", "NOW"]),
        err("ERR syntax error")
    );
    assert_eq!(
        reply(&mut s, &["SHUTDOWN", "bogus"]),
        err("ERR syntax error")
    );
    for form in [
        &["SHUTDOWN"][..],
        &["SHUTDOWN", "NOSAVE", "NOW", "FORCE"],
        &["shutdown", "save"],
    ] {
        let out = run(&mut s, 1, form);
        assert_eq!(out, vec![Action::Shutdown], "{form:?}");
    }
}

#[test]
fn max_clients_rejects_and_closes() {
    let mut s = sentinel_with(Limits {
        clients_max: 2,
        ..Limits::default()
    });
    for id in 1..=2 {
        s.handle_client_connected(
            ms(0),
            ClientId(id),
            format!("127.0.0.1:{id}"),
            "127.0.0.1:26379".into(),
        );
    }
    s.handle_client_connected(
        ms(0),
        ClientId(3),
        "127.0.0.1:3".into(),
        "127.0.0.1:26379".into(),
    );
    let out: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
    assert_eq!(
        out,
        vec![
            Action::Reply {
                client: ClientId(3),
                frame: err("ERR max number of clients reached")
            },
            Action::CloseClient {
                client: ClientId(3)
            },
        ]
    );
    s.handle_client_closed(ms(1), ClientId(1));
    s.handle_client_connected(
        ms(2),
        ClientId(4),
        "127.0.0.1:4".into(),
        "127.0.0.1:26379".into(),
    );
    assert_eq!(s.poll_action(), None);
    let i = text_of(&reply_as(&mut s, 2, &["INFO", "stats"]));
    assert!(i.contains("rejected_connections:1\r\n"));
    assert!(i.contains("total_connections_received:3\r\n"));
}

#[test]
fn event_delivery_skips_debug_events_and_unmatched_patterns() {
    let mut s = sentinel();
    run(&mut s, 1, &["PSUBSCRIBE", "+s*", "-*"]);
    s.emit(crate::event::plain(
        crate::event::Level::Debug,
        "-cmd-link-reconnection",
        "x",
    ));
    s.emit(crate::event::plain(
        crate::event::Level::Warning,
        "+tilt",
        "#tilt mode entered",
    ));
    s.emit(crate::event::plain(
        crate::event::Level::Warning,
        "+sdown",
        "m",
    ));
    let out: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
    assert_eq!(
        replies_to(&out, 1),
        vec![Frame::Array(vec![
            bulk("pmessage"),
            bulk("+s*"),
            bulk("+sdown"),
            bulk("m")
        ])]
    );
}

#[test]
fn command_info_and_docs_take_full_names() {
    let mut s = sentinel();
    let Frame::Array(info) = reply(
        &mut s,
        &["COMMAND", "INFO", "sentinel|set", "sentinel|nope"],
    ) else {
        panic!()
    };
    let Frame::Array(entry) = &info[0] else {
        panic!()
    };
    assert_eq!(entry[0], bulk("sentinel|set"));
    assert_eq!(entry[1], Frame::Integer(-5));
    assert_eq!(info[1], Frame::NullArray);
    let docs = reply(&mut s, &["COMMAND", "DOCS", "client|kill"]);
    let Frame::Map(d) = docs else { panic!() };
    assert_eq!(d[0].0, bulk("client|kill"));
    assert_eq!(field(&d[0].1, "container").as_deref(), Some("client"));
}
