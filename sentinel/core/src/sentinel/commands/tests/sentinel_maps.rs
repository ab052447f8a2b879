//! Instance maps and the read-only SENTINEL subcommands.

use super::*;

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
    // S_DOWN as mymaster sees the peer (each master judges it with its own down-after).
    let mid = s.master_by_name["mymaster"];
    s.masters
        .get_mut(mid)
        .unwrap()
        .sentinels
        .get_mut(PEER)
        .unwrap()
        .health = crate::instance::Health::SubjectivelyDown { since: ms(0) };
    assert_eq!(
        reply(&mut s, &["SENTINEL", "CKQUORUM", "mymaster"]),
        Frame::error(
            "NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master. Not enough available Sentinels to reach the majority and authorize a failover"
        )
    );
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
fn sentinel_master_down_and_replica_reconf_flags() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    hello(&mut s, PEER, 26380, "mymaster", 6379);
    let rid = add_replica(&mut s, "mymaster", 6380);
    let mid = s.master_by_name["mymaster"];
    {
        let m = s.masters.get_mut(mid).unwrap();
        m.sentinels.get_mut(PEER).unwrap().master_down = Some((true, ms(2)));
        m.sentinels.get_mut(PEER).unwrap().voted_leader = Some(MYID.into());
        m.sentinels.get_mut(PEER).unwrap().voted_leader_epoch = 3;
        m.replicas.get_mut(rid).unwrap().reconf = crate::instance::Reconf::InProgress;
        m.replicas.get_mut(rid).unwrap().info.master_link_up = true;
        m.replicas.get_mut(rid).unwrap().info.master_host = Some("127.0.0.1".into());
        m.replicas.get_mut(rid).unwrap().info.master_port = 6379;
    }
    let Frame::Array(list) = reply(&mut s, &["SENTINEL", "SENTINELS", "mymaster"]) else {
        panic!()
    };
    assert_eq!(
        field(&list[0], "flags").as_deref(),
        Some("sentinel,disconnected,master_down")
    );
    assert_eq!(field(&list[0], "voted-leader").as_deref(), Some(MYID));
    assert_eq!(field(&list[0], "voted-leader-epoch").as_deref(), Some("3"));
    let Frame::Array(list) = reply(&mut s, &["SENTINEL", "REPLICAS", "mymaster"]) else {
        panic!()
    };
    let r = &list[0];
    assert_eq!(
        field(r, "flags").as_deref(),
        Some("slave,disconnected,reconf_inprog")
    );
    assert_eq!(field(r, "master-link-status").as_deref(), Some("ok"));
    assert_eq!(field(r, "master-host").as_deref(), Some("127.0.0.1"));
    assert_eq!(field(r, "master-port").as_deref(), Some("6379"));
}

#[test]
fn last_ping_fields_count_from_now() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    // The connect PING was sent at 1 ms and is still unanswered at 1000 ms.
    let m = reply(&mut s, &["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(field(&m, "last-ping-sent").as_deref(), Some("1000"));
    assert_eq!(field(&m, "last-ok-ping-reply").as_deref(), Some("1000"));
    assert_eq!(field(&m, "info-refresh").as_deref(), Some("0"));
    assert_eq!(field(&m, "role-reported").as_deref(), Some("master"));
    assert_eq!(
        field(&m, "link-pending-commands")
            .as_deref()
            .map(|v| v != "0"),
        Some(true)
    );
}

/// The one reply to `a` from client 1 at `now`.
fn reply_at(s: &mut Sentinel, now: u64, a: &[&str]) -> Frame {
    s.handle_client_command(ms(now), ClientId(1), args(a));
    let actions: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
    let r = replies_to(&actions, 1);
    assert_eq!(r.len(), 1, "{a:?} gave {r:?}");
    r.into_iter().next().unwrap()
}

#[test]
fn a_peer_answer_older_than_five_ask_periods_clears_its_flag_and_vote() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    hello(&mut s, PEER, 26380, "mymaster", 6379);
    let mid = s.master_by_name["mymaster"];
    let answer = |down, leader: &str, epoch| {
        Frame::Array(vec![
            Frame::Integer(down),
            bulk(leader),
            Frame::Integer(epoch),
        ])
    };
    s.handle_is_master_down_reply(ms(1_000), mid, PEER, &answer(1, MYID, 3));
    let peer_at = |s: &mut Sentinel, now| {
        let Frame::Array(list) = reply_at(s, now, &["SENTINEL", "SENTINELS", "mymaster"]) else {
            panic!()
        };
        let f = |k| field(&list[0], k).unwrap();
        (f("flags"), f("voted-leader"), f("voted-leader-epoch"))
    };
    let standing = (
        "sentinel,disconnected,master_down".to_string(),
        MYID.to_string(),
        "3".to_string(),
    );
    let lapsed = (
        "sentinel,disconnected".to_string(),
        "?".to_string(),
        "3".to_string(),
    );
    // 5 × ask-period (1 s) after the answer it still stands, then flag and leader go; the
    // epoch of the vote stays, as in Redis.
    assert_eq!(peer_at(&mut s, 5_999), standing);
    assert_eq!(peer_at(&mut s, 6_001), lapsed);
    // A later answer without a vote does not bring the old one back.
    s.handle_is_master_down_reply(ms(7_000), mid, PEER, &answer(0, "*", 0));
    assert_eq!(
        peer_at(&mut s, 7_001),
        (
            "sentinel,disconnected".to_string(),
            "?".to_string(),
            "3".to_string()
        )
    );
    s.handle_is_master_down_reply(ms(7_100), mid, PEER, &answer(1, "*", 0));
    assert_eq!(
        peer_at(&mut s, 7_101),
        (standing.0.clone(), "?".to_string(), "3".to_string())
    );
}

#[test]
fn a_lapsed_peer_vote_does_not_elect() {
    let other = "00000000000000000000000000000000000000cc";
    // Both peers back PEER in epoch 4 at 1 s.
    let voted = || {
        let mut s = sentinel();
        connected_master(&mut s, "mymaster", 6379);
        hello(&mut s, PEER, 26380, "mymaster", 6379);
        hello(&mut s, other, 26381, "mymaster", 6379);
        let mid = s.master_by_name["mymaster"];
        s.epoch.raise_to(4);
        let vote = Frame::Array(vec![Frame::Integer(1), bulk(PEER), Frame::Integer(4)]);
        for runid in [PEER, other] {
            s.handle_is_master_down_reply(ms(1_000), mid, runid, &vote);
        }
        while s.poll_action().is_some() {}
        (s, mid)
    };
    // Fresh, they elect it (our vote follows the majority).
    let (mut s, mid) = voted();
    assert_eq!(s.leader_of(ms(1_500), mid, 4).as_deref(), Some(PEER));
    // Lapsed, only our own vote counts.
    let (mut s, mid) = voted();
    assert_eq!(s.leader_of(ms(6_500), mid, 4), None);
}

/// 7.0.15 (seen on the real binary): a replica that never answered INFO under a master that
/// did shows the current Unix time in ms as its age; under a master never refreshed every age
/// is 0. The INFO texts are bulk strings, in RESP3 too (`$4974`, not `=`).
#[test]
fn info_cache_replica_ages_follow_the_masters_refresh() {
    let mut s = sentinel();
    s.observe_wall_clock(ms(0), crate::time::WallMillis(1_796_163_000_000));
    add_master(&mut s, "m", 6379);
    add_replica(&mut s, "m", 6380); // never answers INFO
    let fresh = add_replica(&mut s, "m", 6381);
    let mid = s.master_by_name["m"];
    let m = s.masters.get_mut(mid).unwrap();
    m.replicas.get_mut(fresh).unwrap().node.info_refreshed = Some(ms(600));
    let ages = |s: &mut Sentinel| {
        let Frame::Array(items) = reply(s, &["SENTINEL", "INFO-CACHE", "m"]) else {
            panic!()
        };
        let Frame::Array(entries) = &items[1] else {
            panic!()
        };
        entries
            .iter()
            .map(|e| match e {
                Frame::Array(pair) => pair[0].clone(),
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>()
    };
    // The master was never refreshed: 0 for all, whatever the replicas' times.
    assert_eq!(
        ages(&mut s),
        vec![Frame::Integer(0), Frame::Integer(0), Frame::Integer(0)]
    );
    {
        let m = s.masters.get_mut(mid).unwrap();
        m.node.info_refreshed = Some(ms(400));
        m.node.info_text = Some(Bytes::from_static(b"# Server\r\n"));
    }
    assert_eq!(
        ages(&mut s),
        vec![
            Frame::Integer(600),
            Frame::Integer(1_796_163_001_000),
            Frame::Integer(400)
        ]
    );
    reply(&mut s, &["HELLO", "3"]);
    let Frame::Array(items) = reply(&mut s, &["SENTINEL", "INFO-CACHE", "m"]) else {
        panic!()
    };
    let Frame::Array(entries) = &items[1] else {
        panic!()
    };
    assert_eq!(
        entries[0],
        Frame::Array(vec![Frame::Integer(600), bulk("# Server\r\n")])
    );
}
