//! MONITOR, REMOVE, RESET and SET.

use super::*;

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
    // Hostnames need resolve-hostnames, and must resolve.
    reply(
        &mut s,
        &["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes"],
    );
    s.set_resolver(|h| (h == "localhost").then(|| "127.0.0.1".to_string()));
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "MONITOR", "x", "no-such-host", "6379", "1"]
        ),
        err("ERR Invalid IP address or hostname specified")
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
        super::args(&["SENTINEL", "MONITOR", "m", "127.0.0.1", "6379", "2"]),
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

/// Right after `SENTINEL RESET`, 7.0.15 shows (real binary, master up): `runid` empty,
/// `master,disconnected`, `last-ping-sent`, `last-ok-ping-reply`, `last-ping-reply` and
/// `role-reported-time` 0, `info-refresh` still counting from the last INFO, and INFO-CACHE
/// still holding that INFO.
#[test]
fn reset_restarts_ping_clocks_and_keeps_the_cached_info() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    let mid = s.master_by_name["mymaster"];
    {
        let n = &mut s.masters.get_mut(mid).unwrap().node;
        n.runid = Some("0c214a9510bf5d6bbafa3a253b2522c7e807b2ce".into());
        n.info_refreshed = Some(ms(400));
        n.info_text = Some(Bytes::from_static(b"# Server\r\nrun_id:0c21\r\n"));
        n.last_ok_reply = ms(500);
        n.last_reply = Some(ms(500));
        n.last_ping_sent = Some(ms(500));
        n.ping_pending_since = None;
        n.role_since = ms(100);
    }
    assert_eq!(
        reply(&mut s, &["SENTINEL", "RESET", "mymaster"]),
        Frame::Integer(1)
    );
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    for (key, want) in [
        ("runid", ""),
        ("flags", "master,disconnected"),
        ("last-ping-sent", "0"),
        ("last-ok-ping-reply", "0"),
        ("last-ping-reply", "0"),
        ("info-refresh", "600"),
        ("role-reported", "master"),
        ("role-reported-time", "0"),
        ("num-slaves", "0"),
    ] {
        assert_eq!(field(&m, key).as_deref(), Some(want), "{key}");
    }
    assert_eq!(
        reply(&mut s, &["SENTINEL", "INFO-CACHE", "mymaster"]),
        Frame::Array(vec![
            bulk("mymaster"),
            Frame::Array(vec![Frame::Array(vec![
                Frame::Integer(600),
                bulk("# Server\r\nrun_id:0c21\r\n"),
            ])]),
        ])
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
fn remove_and_reset_keep_peers_other_masters_still_share() {
    let mut s = sentinel();
    connected_master(&mut s, "a", 6379);
    connected_master(&mut s, "b", 6390);
    hello(&mut s, PEER, 26380, "a", 6379);
    hello(&mut s, PEER, 26380, "b", 6390);
    assert_eq!(
        reply(&mut s, &["SENTINEL", "RESET", "a"]),
        Frame::Integer(1)
    );
    assert_eq!(s.peers.len(), 1, "b still knows the peer");
    let Frame::Array(list) = reply(&mut s, &["SENTINEL", "SENTINELS", "b"]) else {
        panic!()
    };
    assert_eq!(field(&list[0], "link-refcount").as_deref(), Some("1"));
    hello(&mut s, PEER, 26380, "a", 6379);
    reply(&mut s, &["SENTINEL", "REMOVE", "b"]);
    assert_eq!(s.peers.len(), 1, "a knows it again");
    reply(&mut s, &["SENTINEL", "REMOVE", "a"]);
    assert!(s.peers.is_empty());
}

#[test]
fn monitor_accepts_port_zero_and_ipv6() {
    let mut s = sentinel();
    assert_eq!(
        reply(&mut s, &["SENTINEL", "MONITOR", "z", "127.0.0.1", "0", "1"]),
        Frame::ok()
    );
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "MONITOR", "v6", "fe80::1", "6379", "1"]
        ),
        Frame::ok()
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "v6"]),
        Frame::Array(vec![bulk("fe80::1"), bulk("6379")])
    );
}

#[test]
fn set_auth_pass_drops_replica_links_too() {
    let mut s = sentinel();
    let master_links = connected_master(&mut s, "mymaster", 6379);
    let rid = add_replica(&mut s, "mymaster", 6380);
    let mid = s.master_by_name["mymaster"];
    s.schedule
        .set(crate::instance::Owner::Replica(mid, rid), ms(1));
    s.handle_timeout(ms(1));
    let replica_links: Vec<LinkId> = std::iter::from_fn(|| s.poll_action())
        .filter_map(|a| match a {
            Action::Connect { link, addr } if addr.port == 6380 => Some(link),
            _ => None,
        })
        .collect();
    assert_eq!(replica_links.len(), 2);
    assert!(
        s.masters
            .get(mid)
            .unwrap()
            .replicas
            .get(rid)
            .unwrap()
            .node
            .cmd
            .is_some()
    );
    let out = run(
        &mut s,
        1,
        &["SENTINEL", "SET", "mymaster", "auth-user", "u"],
    );
    for l in master_links.iter().chain(&replica_links) {
        assert!(out.contains(&Action::Close { link: *l }), "{l:?}");
    }
    assert_eq!(
        events(&out)
            .into_iter()
            .find(|(c, _)| c == "+set")
            .unwrap()
            .1,
        "master mymaster 127.0.0.1 6379 auth-user u"
    );
}

#[test]
fn set_down_after_shows_in_sentinel_maps() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    hello(&mut s, PEER, 26380, "mymaster", 6379);
    reply(
        &mut s,
        &[
            "SENTINEL",
            "SET",
            "mymaster",
            "down-after-milliseconds",
            "1234",
        ],
    );
    let Frame::Array(list) = reply(&mut s, &["SENTINEL", "SENTINELS", "mymaster"]) else {
        panic!()
    };
    assert_eq!(
        field(&list[0], "down-after-milliseconds").as_deref(),
        Some("1234")
    );
}

#[test]
fn control_characters_are_refused_where_the_config_keeps_them_unquoted() {
    let mut s = sentinel();
    add_master(&mut s, "mymaster", 6379);
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "MONITOR", "bad\nname", "127.0.0.1", "6379", "1"]
        ),
        err("ERR Master name must not contain control characters")
    );
    let mut opts = s.options().clone();
    opts.deny_scripts_reconfig = false;
    s.set_options(opts);
    assert_eq!(
        reply(
            &mut s,
            &[
                "SENTINEL",
                "SET",
                "mymaster",
                "notification-script",
                "/a\n/b"
            ]
        ),
        err("ERR Script paths must not contain control characters")
    );
    assert_eq!(
        reply(
            &mut s,
            &[
                "SENTINEL",
                "SET",
                "mymaster",
                "rename-command",
                "CONFIG",
                "X\rY"
            ]
        ),
        err("ERR Command names must not contain control characters")
    );
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "CONFIG", "SET", "announce-ip", "1.2.3.4\nx"]
        ),
        err("ERR announce-ip must not contain control characters")
    );
    // Credentials are quoted by the config writer and may hold anything.
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "SET", "mymaster", "auth-pass", "x\ny"]
        ),
        Frame::ok()
    );
}

#[test]
fn a_master_monitored_by_hostname_is_found_by_its_ip_for_votes() {
    let mut s = monitoring_a_hostname(|h| (h == "db.example").then(|| "10.0.0.5".to_string()));
    let ask = |s: &mut Sentinel, host: &str, epoch: &str, runid: &str| {
        reply(
            s,
            &[
                "SENTINEL",
                "IS-MASTER-DOWN-BY-ADDR",
                host,
                "6379",
                epoch,
                runid,
            ],
        )
    };
    let vote = |leader: &str, epoch: i64| {
        Frame::Array(vec![Frame::Integer(0), bulk(leader), Frame::Integer(epoch)])
    };
    // A stock sentinel (announce-hostnames no) names the master by the IP it resolved to.
    assert_eq!(ask(&mut s, "10.0.0.5", "1", "peer-a"), vote("peer-a", 1));
    // With announce-hostnames yes peers name it by its hostname.
    assert_eq!(ask(&mut s, "db.example", "2", "peer-b"), vote("peer-b", 2));
    assert_eq!(ask(&mut s, "10.0.0.6", "3", "peer-c"), vote("*", 0));
    // Removed, it is found by neither.
    reply(&mut s, &["SENTINEL", "REMOVE", "h"]);
    assert_eq!(ask(&mut s, "10.0.0.5", "4", "peer-d"), vote("*", 0));
}

#[test]
fn sentinel_events_show_addresses_as_announce_hostnames_says() {
    let mut s = monitoring_a_hostname(|h| (h == "db.example").then(|| "10.0.0.5".to_string()));
    while s.poll_action().is_some() {}
    let hello = format!("127.0.0.1,26380,{PEER},0,h,db.example,6379,0");
    s.process_hello(ms(10), hello.as_bytes());
    let actions: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
    let added: Vec<String> = events(&actions)
        .into_iter()
        .filter(|(c, _)| c == "+sentinel")
        .map(|(_, m)| m)
        .collect();
    // announce-hostnames no: the master by its IP, like every other `%@` event.
    assert_eq!(
        added,
        vec![format!("sentinel {PEER} 127.0.0.1 26380 @ h 10.0.0.5 6379")]
    );
}
