//! SENTINEL subcommands: replies, instance maps, validation texts, events and flushes.

use std::time::Duration;

use bytes::Bytes;

use super::tests::{
    MYID, add_master, bulk, err, field, ms, pairs, replies_to, reply, run, sentinel, text_of,
};
use crate::action::{Action, ClientId};
use crate::addr::Addr;
use crate::instance::{Failover, Replica};
use crate::link::LinkId;
use crate::resp::Frame;
use crate::sentinel::Sentinel;

/// A master with both links up, as a healthy monitored master looks.
fn connected_master(s: &mut Sentinel, name: &str, port: u16) -> Vec<LinkId> {
    add_master(s, name, port);
    s.handle_timeout(ms(0));
    let links: Vec<LinkId> = std::iter::from_fn(|| s.poll_action())
        .filter_map(|a| match a {
            Action::Connect { link, .. } => Some(link),
            _ => None,
        })
        .collect();
    for l in &links {
        s.handle_link_up(ms(1), *l, Some("127.0.0.1".into()));
    }
    while s.poll_action().is_some() {}
    links
}

fn hello(s: &mut Sentinel, runid: &str, port: u16, master: &str, master_port: u16) {
    let payload = format!("127.0.0.1,{port},{runid},0,{master},127.0.0.1,{master_port},0");
    s.handle_client_command(
        ms(5),
        ClientId(900),
        vec![
            Bytes::from_static(b"PUBLISH"),
            Bytes::from_static(b"__sentinel__:hello"),
            Bytes::from(payload),
        ],
    );
    while s.poll_action().is_some() {}
}

fn add_replica(s: &mut Sentinel, master: &str, port: u16) -> crate::instance::ReplicaId {
    let mid = s.master_by_name[master];
    let m = s.masters.get_mut(mid).unwrap();
    let addr = Addr::new("127.0.0.1", port);
    let rid = m.replicas.insert(Replica::new(addr.clone(), ms(0)));
    m.replica_by_addr.insert(addr, rid);
    rid
}

fn events(actions: &[Action]) -> Vec<(String, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Publish(e) => Some((e.channel.to_string(), e.message.clone())),
            _ => None,
        })
        .collect()
}

const PEER: &str = "00000000000000000000000000000000000000bb";

#[test]
fn master_map_field_order_and_index_33() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    let keys: Vec<String> = pairs(&m).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "name",
            "ip",
            "port",
            "runid",
            "flags",
            "link-pending-commands",
            "link-refcount",
            "last-ping-sent",
            "last-ok-ping-reply",
            "last-ping-reply",
            "down-after-milliseconds",
            "info-refresh",
            "role-reported",
            "role-reported-time",
            "config-epoch",
            "num-slaves",
            "num-other-sentinels",
            "quorum",
            "failover-timeout",
            "parallel-syncs",
        ]
    );
    assert_eq!(field(&m, "flags").as_deref(), Some("master"));
    assert_eq!(field(&m, "port").as_deref(), Some("6379"));
    assert_eq!(field(&m, "quorum").as_deref(), Some("2"));
    assert_eq!(
        field(&m, "down-after-milliseconds").as_deref(),
        Some("30000")
    );
    assert!(
        pairs(&m).iter().all(|(_, v)| matches!(v, Frame::Bulk(_))),
        "all values bulk"
    );
    hello(&mut s, PEER, 26380, "mymaster", 6379);
    let Frame::Map(m) = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]) else {
        panic!()
    };
    let flat: Vec<Frame> = m.into_iter().flat_map(|(k, v)| [k, v]).collect();
    assert_eq!(flat[32], bulk("num-other-sentinels"));
    assert_eq!(flat[33], bulk("1"));
}

#[test]
fn conditional_fields_and_flags() {
    let mut s = sentinel();
    add_master(&mut s, "mymaster", 6379);
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(field(&m, "flags").as_deref(), Some("master,disconnected"));
    let mid = s.master_by_name["mymaster"];
    {
        let master = s.masters.get_mut(mid).unwrap();
        master.node.health = crate::instance::Health::SubjectivelyDown { since: ms(400) };
        master.odown_since = Some(ms(500));
        master.failover.state = Failover::WaitStart;
        master.params.notification_script = Some("/bin/n.sh".into());
    }
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(
        field(&m, "flags").as_deref(),
        Some("s_down,o_down,master,disconnected,failover_in_progress")
    );
    assert_eq!(field(&m, "failover-state").as_deref(), Some("wait_start"));
    assert_eq!(field(&m, "s-down-time").as_deref(), Some("600"));
    assert_eq!(field(&m, "o-down-time").as_deref(), Some("500"));
    assert_eq!(
        field(&m, "notification-script").as_deref(),
        Some("/bin/n.sh")
    );
    let keys: Vec<String> = pairs(&m).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        &keys[7..14],
        [
            "failover-state",
            "last-ping-sent",
            "last-ok-ping-reply",
            "last-ping-reply",
            "s-down-time",
            "o-down-time",
            "down-after-milliseconds"
        ]
    );
    let info = text_of(&reply(&mut s, &["INFO", "sentinel"]));
    assert!(info.contains("status=odown"));
}

#[test]
fn replicas_omit_unannounced_and_show_replica_fields() {
    let mut s = sentinel();
    add_master(&mut s, "mymaster", 6379);
    let r1 = add_replica(&mut s, "mymaster", 6380);
    let r2 = add_replica(&mut s, "mymaster", 6381);
    let mid = s.master_by_name["mymaster"];
    s.masters
        .get_mut(mid)
        .unwrap()
        .replicas
        .get_mut(r2)
        .unwrap()
        .info
        .announced = false;
    for sub in ["REPLICAS", "SLAVES"] {
        let Frame::Array(list) = reply(&mut s, &["SENTINEL", sub, "mymaster"]) else {
            panic!()
        };
        assert_eq!(list.len(), 1);
        let r = &list[0];
        assert_eq!(field(r, "name").as_deref(), Some("127.0.0.1:6380"));
        assert_eq!(field(r, "flags").as_deref(), Some("slave,disconnected"));
        assert_eq!(field(r, "role-reported").as_deref(), Some("slave"));
        assert_eq!(field(r, "master-host").as_deref(), Some("?"));
        assert_eq!(field(r, "master-link-status").as_deref(), Some("err"));
        assert_eq!(field(r, "slave-priority").as_deref(), Some("100"));
        assert_eq!(field(r, "replica-announced").as_deref(), Some("1"));
        let keys: Vec<String> = pairs(r).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys.last().map(String::as_str), Some("replica-announced"));
    }
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(field(&m, "num-slaves").as_deref(), Some("2"));
    // The promoted replica and reconf flags.
    {
        let master = s.masters.get_mut(mid).unwrap();
        master.failover.state = Failover::WaitPromotion { promoted: r1 };
    }
    let Frame::Array(list) = reply(&mut s, &["SENTINEL", "REPLICAS", "mymaster"]) else {
        panic!()
    };
    assert_eq!(
        field(&list[0], "flags").as_deref(),
        Some("slave,disconnected,promoted")
    );
}

#[test]
fn get_master_addr_by_name_follows_promotion_from_reconf_slaves() {
    let mut s = sentinel();
    add_master(&mut s, "mymaster", 6379);
    let rid = add_replica(&mut s, "mymaster", 6380);
    let addr = |s: &mut Sentinel| reply(s, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]);
    assert_eq!(
        addr(&mut s),
        Frame::Array(vec![bulk("127.0.0.1"), bulk("6379")])
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"]),
        Frame::NullArray
    );
    let mid = s.master_by_name["mymaster"];
    s.masters.get_mut(mid).unwrap().failover.state = Failover::WaitPromotion { promoted: rid };
    assert_eq!(
        addr(&mut s),
        Frame::Array(vec![bulk("127.0.0.1"), bulk("6379")])
    );
    s.masters.get_mut(mid).unwrap().failover.state = Failover::ReconfSlaves { promoted: rid };
    assert_eq!(
        addr(&mut s),
        Frame::Array(vec![bulk("127.0.0.1"), bulk("6380")])
    );
    // MASTER still shows the configured address until +switch-master.
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(field(&m, "port").as_deref(), Some("6379"));
}

#[test]
fn unknown_master_errors() {
    let mut s = sentinel();
    for sub in [
        "MASTER",
        "REPLICAS",
        "SLAVES",
        "SENTINELS",
        "CKQUORUM",
        "REMOVE",
        "FAILOVER",
    ] {
        assert_eq!(
            reply(&mut s, &["SENTINEL", sub, "nope"]),
            err("ERR No such master with that name"),
            "{sub}"
        );
    }
    assert_eq!(
        reply(&mut s, &["SENTINEL", "SET", "nope", "quorum", "1"]),
        err("ERR No such master with that name")
    );
}

#[test]
fn sentinels_map_and_ckquorum() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    connected_master(&mut s, "other", 6390);
    assert_eq!(
        reply(&mut s, &["SENTINEL", "CKQUORUM", "mymaster"]),
        Frame::error(
            "NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master"
        )
    );
    hello(&mut s, PEER, 26380, "mymaster", 6379);
    hello(&mut s, PEER, 26380, "other", 6390);
    let Frame::Array(list) = reply(&mut s, &["SENTINEL", "SENTINELS", "mymaster"]) else {
        panic!()
    };
    assert_eq!(list.len(), 1);
    let e = &list[0];
    assert_eq!(field(e, "name").as_deref(), Some(PEER));
    assert_eq!(field(e, "port").as_deref(), Some("26380"));
    assert_eq!(field(e, "flags").as_deref(), Some("sentinel,disconnected"));
    assert_eq!(field(e, "link-refcount").as_deref(), Some("2"));
    assert_eq!(field(e, "voted-leader").as_deref(), Some("?"));
    let keys: Vec<String> = pairs(e).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        &keys[keys.len() - 4..],
        [
            "down-after-milliseconds",
            "last-hello-message",
            "voted-leader",
            "voted-leader-epoch"
        ]
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "CKQUORUM", "mymaster"]),
        Frame::Simple(Bytes::from_static(
            b"OK 2 usable Sentinels. Quorum and failover authorization can be reached"
        ))
    );
    reply(&mut s, &["SENTINEL", "SET", "mymaster", "quorum", "3"]);
    let pid = s.peer_by_runid[PEER];
    s.peers.get_mut(pid).unwrap().node.health =
        crate::instance::Health::SubjectivelyDown { since: ms(0) };
    assert_eq!(
        reply(&mut s, &["SENTINEL", "CKQUORUM", "mymaster"]),
        Frame::error(
            "NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master. Not enough available Sentinels to reach the majority and authorize a failover"
        )
    );
}

#[test]
fn monitor_validation_texts() {
    let mut s = sentinel();
    let cases: &[(&[&str], &str)] = &[
        (&["m", "127.0.0.1", "6379", "x"], "ERR Invalid quorum"),
        (&["m", "127.0.0.1", "x", "x"], "ERR Invalid quorum"),
        (&["m", "127.0.0.1", "x", "2"], "ERR Invalid port"),
        (
            &["m", "127.0.0.1", "6379", "0"],
            "ERR Quorum must be 1 or greater.",
        ),
        (
            &["m", "not-an-ip", "6379", "2"],
            "ERR Invalid IP address or hostname specified",
        ),
        (
            &["m", "127.0.0.1", "70000", "2"],
            "ERR Invalid port number.",
        ),
        (&["m", "127.0.0.1", "-1", "2"], "ERR Invalid port number."),
    ];
    for (a, want) in cases {
        let mut full = vec!["SENTINEL", "MONITOR"];
        full.extend_from_slice(a);
        assert_eq!(reply(&mut s, &full), err(want), "{a:?}");
    }
    let out = run(&mut s, 1, &["SENTINEL", "MONITOR", "m", "::1", "6379", "2"]);
    assert_eq!(
        events(&out),
        vec![("+monitor".into(), "master m ::1 6379 quorum 2".into())]
    );
    assert!(out.iter().any(|a| matches!(a, Action::Persist { .. })));
    assert_eq!(replies_to(&out, 1), vec![Frame::ok()]);
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "MONITOR", "m", "127.0.0.1", "6379", "2"]
        ),
        err("ERR Duplicate master name.")
    );
    // Hostnames need resolve-hostnames.
    reply(
        &mut s,
        &["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes"],
    );
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "MONITOR", "h", "localhost", "6379", "1"]
        ),
        Frame::ok()
    );
    assert_eq!(
        reply(&mut s, &["ROLE"]),
        Frame::Array(vec![
            bulk("sentinel"),
            Frame::Array(vec![bulk("h"), bulk("m")])
        ])
    );
    let m = reply(&mut s, &["SENTINEL", "MASTER", "h"]);
    assert_eq!(
        field(&m, "down-after-milliseconds").as_deref(),
        Some("30000")
    );
    assert_eq!(field(&m, "failover-timeout").as_deref(), Some("180000"));
}

#[test]
fn monitor_reply_waits_for_the_write_and_reports_failure() {
    let mut s = sentinel();
    s.handle_client_command(
        ms(0),
        ClientId(1),
        super::tests::args(&["SENTINEL", "MONITOR", "m", "127.0.0.1", "6379", "2"]),
    );
    let out: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
    assert!(replies_to(&out, 1).is_empty());
    let token = out
        .iter()
        .find_map(|a| match a {
            Action::Persist { token } => Some(*token),
            _ => None,
        })
        .unwrap();
    s.handle_persisted(ms(1), token, false);
    assert_eq!(
        s.poll_action(),
        Some(Action::Reply {
            client: ClientId(1),
            frame: err("ERR Failed to save config file. Check server logs.")
        })
    );
}

#[test]
fn remove_emits_minus_monitor_and_closes_links() {
    let mut s = sentinel();
    let links = connected_master(&mut s, "mymaster", 6379);
    hello(&mut s, PEER, 26380, "mymaster", 6379);
    let out = run(&mut s, 1, &["SENTINEL", "REMOVE", "mymaster"]);
    assert_eq!(
        events(&out)[0],
        ("-monitor".into(), "master mymaster 127.0.0.1 6379".into())
    );
    for l in links {
        assert!(out.contains(&Action::Close { link: l }));
    }
    assert_eq!(replies_to(&out, 1), vec![Frame::ok()]);
    assert!(s.master_names().is_empty());
    assert!(s.peers.is_empty() && s.peer_by_runid.is_empty());
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn reset_clears_group_by_glob_without_flush() {
    let mut s = sentinel();
    let links = connected_master(&mut s, "mymaster", 6379);
    add_master(&mut s, "other", 6390);
    add_replica(&mut s, "mymaster", 6380);
    hello(&mut s, PEER, 26380, "mymaster", 6379);
    let mid = s.master_by_name["mymaster"];
    s.masters.get_mut(mid).unwrap().odown_since = Some(ms(1));
    assert_eq!(
        reply(&mut s, &["SENTINEL", "RESET", "nomatch*"]),
        Frame::Integer(0)
    );
    let out = run(&mut s, 1, &["SENTINEL", "RESET", "my*"]);
    assert_eq!(replies_to(&out, 1), vec![Frame::Integer(1)]);
    assert!(events(&out).contains(&(
        "+reset-master".into(),
        "master mymaster 127.0.0.1 6379".into()
    )));
    assert!(
        !out.iter().any(|a| matches!(a, Action::Persist { .. })),
        "RESET does not flush"
    );
    for l in links {
        assert!(out.contains(&Action::Close { link: l }));
    }
    assert_eq!(
        reply(&mut s, &["SENTINEL", "REPLICAS", "mymaster"]),
        Frame::Array(vec![])
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "SENTINELS", "mymaster"]),
        Frame::Array(vec![])
    );
    assert!(
        s.peers.is_empty(),
        "a peer no master references is forgotten"
    );
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    assert!(!field(&m, "flags").unwrap().contains("o_down"));
    assert_eq!(
        reply(&mut s, &["SENTINEL", "RESET", "*"]),
        Frame::Integer(2)
    );
}

#[test]
fn set_applies_options_with_events_and_flush() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    let out = run(
        &mut s,
        1,
        &[
            "SENTINEL",
            "SET",
            "mymaster",
            "down-after-milliseconds",
            "2000",
            "failover-timeout",
            "10000",
            "parallel-syncs",
            "10",
            "quorum",
            "3",
            "auth-pass",
            "secret",
            "auth-user",
            "u",
            "rename-command",
            "PING",
            "PONG",
            "master-reboot-down-after-period",
            "5000",
        ],
    );
    assert_eq!(replies_to(&out, 1), vec![Frame::ok()]);
    assert_eq!(
        out.iter()
            .filter(|a| matches!(a, Action::Persist { .. }))
            .count(),
        1
    );
    let ev: Vec<String> = events(&out)
        .into_iter()
        .filter(|(c, _)| c == "+set")
        .map(|(_, m)| m)
        .collect();
    let p = "master mymaster 127.0.0.1 6379";
    assert_eq!(
        ev,
        vec![
            format!("{p} down-after-milliseconds 2000"),
            format!("{p} failover-timeout 10000"),
            format!("{p} parallel-syncs 10"),
            format!("{p} quorum 3"),
            format!("{p} auth-pass ******"),
            format!("{p} auth-user u"),
            format!("{p} rename-command PING PONG"),
            format!("{p} master-reboot-down-after-period 5000"),
        ]
    );
    assert!(
        out.iter().any(|a| matches!(a, Action::Close { .. })),
        "auth change drops links"
    );
    let mid = s.master_by_name["mymaster"];
    let params = &s.masters.get(mid).unwrap().params;
    assert_eq!(params.down_after, Duration::from_millis(2000));
    assert_eq!(params.auth_pass.as_deref(), Some("secret"));
    assert_eq!(
        params.renamed_commands.get("PING").map(String::as_str),
        Some("PONG")
    );
    assert_eq!(
        params.master_reboot_down_after_period,
        Duration::from_millis(5000)
    );
    // Renaming to itself removes the mapping; empty auth clears.
    reply(
        &mut s,
        &[
            "SENTINEL",
            "SET",
            "mymaster",
            "rename-command",
            "ping",
            "ping",
            "auth-pass",
            "",
        ],
    );
    let params = &s.masters.get(mid).unwrap().params;
    assert!(params.renamed_commands.is_empty());
    assert_eq!(params.auth_pass, None);
    // Replicas and peers of the master see the new down-after.
    add_replica(&mut s, "mymaster", 6380);
    let Frame::Array(r) = reply(&mut s, &["SENTINEL", "REPLICAS", "mymaster"]) else {
        panic!()
    };
    assert_eq!(
        field(&r[0], "down-after-milliseconds").as_deref(),
        Some("2000")
    );
}

#[test]
fn set_errors_and_partial_flush() {
    let mut s = sentinel();
    add_master(&mut s, "mymaster", 6379);
    let cases: &[(&[&str], &str)] = &[
        (
            &["quorum", "0"],
            "ERR Invalid argument '0' for SENTINEL SET 'quorum'",
        ),
        (
            &["down-after-milliseconds", "-5"],
            "ERR Invalid argument '-5' for SENTINEL SET 'down-after-milliseconds'",
        ),
        (
            &["failover-timeout", "abc"],
            "ERR Invalid argument 'abc' for SENTINEL SET 'failover-timeout'",
        ),
        (
            &["parallel-syncs", "0"],
            "ERR Invalid argument '0' for SENTINEL SET 'parallel-syncs'",
        ),
        (
            &["master-reboot-down-after-period", "-1"],
            "ERR Invalid argument '-1' for SENTINEL SET 'master-reboot-down-after-period'",
        ),
        (
            &["rename-command", "", "x"],
            "ERR Invalid argument '' for SENTINEL SET 'rename-command'",
        ),
        (
            &["bogus", "1"],
            "ERR Unknown option or number of arguments for SENTINEL SET 'bogus'",
        ),
        (
            &["rename-command", "PING"],
            "ERR Unknown option or number of arguments for SENTINEL SET 'rename-command'",
        ),
        (
            &["notification-script", "/x"],
            "ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration",
        ),
    ];
    for (a, want) in cases {
        let mut full = vec!["SENTINEL", "SET", "mymaster"];
        full.extend_from_slice(a);
        assert_eq!(reply(&mut s, &full), err(want), "{a:?}");
    }
    // A later error still flushes and keeps the earlier change (not atomic).
    let out = run(
        &mut s,
        1,
        &["SENTINEL", "SET", "mymaster", "quorum", "5", "quorum", "x"],
    );
    assert_eq!(
        replies_to(&out, 1),
        vec![err("ERR Invalid argument 'x' for SENTINEL SET 'quorum'")]
    );
    assert!(out.iter().any(|a| matches!(a, Action::Persist { .. })));
    assert_eq!(
        field(
            &reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]),
            "quorum"
        )
        .as_deref(),
        Some("5")
    );
    // Scripts once allowed: executable check, empty clears.
    let mut opts = s.options().clone();
    opts.deny_scripts_reconfig = false;
    s.set_options(opts);
    s.set_executable_check(|p| p == "/ok.sh");
    assert_eq!(
        reply(
            &mut s,
            &[
                "SENTINEL",
                "SET",
                "mymaster",
                "notification-script",
                "/missing.sh"
            ]
        ),
        err("ERR Notification script seems non existing or non executable")
    );
    assert_eq!(
        reply(
            &mut s,
            &[
                "SENTINEL",
                "SET",
                "mymaster",
                "client-reconfig-script",
                "/missing.sh"
            ]
        ),
        err("ERR Client reconfiguration script seems non existing or non executable")
    );
    assert_eq!(
        reply(
            &mut s,
            &[
                "SENTINEL",
                "SET",
                "mymaster",
                "client-reconfig-script",
                "/ok.sh"
            ]
        ),
        Frame::ok()
    );
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(
        field(&m, "client-reconfig-script").as_deref(),
        Some("/ok.sh")
    );
    reply(
        &mut s,
        &["SENTINEL", "SET", "mymaster", "client-reconfig-script", ""],
    );
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(field(&m, "client-reconfig-script"), None);
}

#[test]
fn config_set_and_get() {
    let mut s = sentinel();
    let only = "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";
    assert_eq!(
        reply(&mut s, &["SENTINEL", "CONFIG", "SET", "announce-ip"]),
        err(only)
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "CONFIG", "GET", "a", "b"]),
        err(only)
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "CONFIG", "FOO", "a"]),
        err(only)
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "CONFIG", "SET", "loglevel", "debug"]),
        err("ERR Invalid argument 'loglevel' to SENTINEL CONFIG SET")
    );
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe"]
        ),
        err("ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'resolve-hostnames'")
    );
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "CONFIG", "SET", "announce-port", "70000"]
        ),
        err("ERR Invalid value '70000' to SENTINEL CONFIG SET 'announce-port'")
    );
    for (p, v) in [
        ("announce-hostnames", "YES"),
        ("announce-ip", "10.1.1.1"),
        ("announce-port", "26999"),
        ("sentinel-user", "su"),
        ("sentinel-pass", "sp"),
    ] {
        assert_eq!(
            reply(&mut s, &["SENTINEL", "CONFIG", "SET", p, v]),
            Frame::ok(),
            "{p}"
        );
    }
    let all = reply(&mut s, &["SENTINEL", "CONFIG", "GET", "*"]);
    let got: Vec<(String, String)> = pairs(&all)
        .into_iter()
        .map(|(k, v)| (k, text_of(&v)))
        .collect();
    let want = [
        ("resolve-hostnames", "no"),
        ("announce-hostnames", "yes"),
        ("announce-ip", "10.1.1.1"),
        ("announce-port", "26999"),
        ("sentinel-user", "su"),
        ("sentinel-pass", "sp"),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
    assert_eq!(s.params.port, 26999);
    let some = reply(&mut s, &["SENTINEL", "CONFIG", "GET", "ANNOUNCE-*"]);
    assert_eq!(pairs(&some).len(), 3);
    assert_eq!(
        reply(&mut s, &["SENTINEL", "CONFIG", "GET", "nope"]),
        Frame::Map(vec![])
    );
    reply(&mut s, &["SENTINEL", "CONFIG", "SET", "sentinel-pass", ""]);
    assert_eq!(s.options().sentinel_pass, None);
    reply(&mut s, &["SENTINEL", "CONFIG", "SET", "announce-port", "0"]);
    assert_eq!(s.params.port, 26379);
}

#[test]
fn debug_lists_and_sets_timing() {
    let mut s = sentinel();
    let d = reply(&mut s, &["SENTINEL", "DEBUG"]);
    let p = pairs(&d);
    assert_eq!(p.len(), 13);
    assert_eq!(p[0], ("INFO-PERIOD".to_string(), bulk("10000")));
    assert!(
        p.iter()
            .all(|(k, _)| k.chars().all(|c| c.is_ascii_uppercase() || c == '-'))
    );
    assert_eq!(
        reply(
            &mut s,
            &[
                "SENTINEL",
                "DEBUG",
                "info-period",
                "100",
                "PING-PERIOD",
                "500"
            ]
        ),
        Frame::ok()
    );
    assert_eq!(s.params.timing.info_period, Duration::from_millis(100));
    assert_eq!(s.params.timing.ping_period, Duration::from_millis(500));
    assert_eq!(
        reply(&mut s, &["SENTINEL", "DEBUG", "tilt-period", "0"]),
        err("ERR Invalid argument '0' for SENTINEL DEBUG 'tilt-period'")
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "DEBUG", "bogus", "1"]),
        err("ERR Unknown option or number of arguments for SENTINEL DEBUG 'bogus'")
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "DEBUG", "ask-period"]),
        err("ERR Unknown option or number of arguments for SENTINEL DEBUG 'ask-period'")
    );
    let d = reply(&mut s, &["SENTINEL", "DEBUG"]);
    assert_eq!(field(&d, "INFO-PERIOD").as_deref(), Some("100"));
}

#[test]
fn simulate_failure_help_myid_pending_scripts_info_cache() {
    let mut s = sentinel();
    assert_eq!(
        reply(&mut s, &["SENTINEL", "SIMULATE-FAILURE", "HELP"]),
        Frame::Array(vec![
            bulk("crash-after-election"),
            bulk("crash-after-promotion")
        ])
    );
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "SIMULATE-FAILURE", "crash-after-election"]
        ),
        Frame::ok()
    );
    assert!(s.simulate_failure().crash_after_election);
    assert_eq!(
        reply(&mut s, &["SENTINEL", "SIMULATE-FAILURE", "nope"]),
        err("ERR Unknown failure simulation specified")
    );
    assert!(!s.simulate_failure().crash_after_election);
    assert_eq!(reply(&mut s, &["SENTINEL", "MYID"]), bulk(MYID));
    assert_eq!(
        reply(&mut s, &["SENTINEL", "PENDING-SCRIPTS"]),
        Frame::Array(vec![])
    );
    let Frame::Array(help) = reply(&mut s, &["SENTINEL", "HELP"]) else {
        panic!()
    };
    assert_eq!(
        help.last(),
        Some(&Frame::Simple(Bytes::from_static(b"    Print this help.")))
    );
    add_master(&mut s, "mymaster", 6379);
    add_replica(&mut s, "mymaster", 6380);
    let ic = reply(
        &mut s,
        &["SENTINEL", "INFO-CACHE", "mymaster", "nope", "mymaster"],
    );
    let Frame::Array(items) = ic else { panic!() };
    assert_eq!(items.len(), 2);
    assert_eq!(items[0], bulk("mymaster"));
    assert_eq!(
        items[1],
        Frame::Array(vec![
            Frame::Array(vec![Frame::Integer(0), Frame::NullBulk]),
            Frame::Array(vec![Frame::Integer(0), Frame::NullBulk]),
        ])
    );
    assert_eq!(
        reply(
            &mut s,
            &[
                "SENTINEL",
                "IS-MASTER-DOWN-BY-ADDR",
                "127.0.0.1",
                "x",
                "0",
                "*"
            ]
        ),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        reply(
            &mut s,
            &[
                "SENTINEL",
                "IS-MASTER-DOWN-BY-ADDR",
                "127.0.0.1",
                "6379",
                "0",
                "*"
            ]
        ),
        Frame::Array(vec![Frame::Integer(0), bulk("*"), Frame::Integer(0)])
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "FAILOVER", "mymaster"]),
        err("NOGOODSLAVE No suitable replica to promote")
    );
    assert_eq!(reply(&mut s, &["SENTINEL", "FLUSHCONFIG"]), Frame::ok());
}

#[test]
fn masters_lists_every_master_in_name_order() {
    let mut s = sentinel();
    add_master(&mut s, "b", 6380);
    add_master(&mut s, "a", 6379);
    let Frame::Array(list) = reply(&mut s, &["SENTINEL", "MASTERS"]) else {
        panic!()
    };
    let names: Vec<String> = list.iter().map(|m| field(m, "name").unwrap()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn timing_changes_recompute_deadlines() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    s.handle_timeout(ms(1_000));
    while s.poll_action().is_some() {}
    assert!(s.poll_timeout().unwrap() > ms(1_000));
    reply(&mut s, &["SENTINEL", "DEBUG", "info-period", "100"]);
    assert!(s.poll_timeout().unwrap() <= ms(1_000));
    s.handle_timeout(ms(1_000));
    while s.poll_action().is_some() {}
    assert!(s.poll_timeout().unwrap() > ms(1_000));
    reply(
        &mut s,
        &[
            "SENTINEL",
            "SET",
            "mymaster",
            "down-after-milliseconds",
            "100",
        ],
    );
    assert!(s.poll_timeout().unwrap() <= ms(1_000));
}
