//! Unit tests of the state machine driven by hand (the simulator drives whole groups).

mod detect;

use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::action::ClientId;
use crate::resp::Frame;

const MYID: &str = "0000000000000000000000000000000000000001";

fn sentinel() -> Sentinel {
    Sentinel::new(SentinelParams {
        myid: MYID.to_string(),
        port: 26379,
        announce_ip: None,
        current_epoch: 0,
        timing: Timing::default(),
        limits: Limits::default(),
        seed: 1,
    })
}

fn drain(s: &mut Sentinel) -> Vec<Action> {
    std::iter::from_fn(|| s.poll_action()).collect()
}

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

fn master_params(down_after_ms: u64) -> MasterParams {
    let mut p = MasterParams::new("mymaster", Addr::new("127.0.0.1", 6379), 2);
    p.down_after = Duration::from_millis(down_after_ms);
    p
}

/// Monitors a master, connects both links, and returns (cmd, pubsub).
fn connected(s: &mut Sentinel, down_after_ms: u64) -> (LinkId, LinkId) {
    s.monitor(ms(0), master_params(down_after_ms)).unwrap();
    s.handle_timeout(ms(0));
    let links: Vec<LinkId> = drain(s)
        .into_iter()
        .filter_map(|a| match a {
            Action::Connect { link, addr } => {
                assert_eq!(addr, Addr::new("127.0.0.1", 6379));
                Some(link)
            }
            _ => None,
        })
        .collect();
    assert_eq!(links.len(), 2, "a master gets a command and a pub/sub link");
    s.handle_link_up(ms(1), links[0], Some("127.0.0.1".into()));
    s.handle_link_up(ms(1), links[1], Some("127.0.0.1".into()));
    (links[0], links[1])
}

/// The replies a pub/sub link gets before any message: CLIENT SETNAME, then SUBSCRIBE.
fn acknowledge_subscription(s: &mut Sentinel, pubsub: LinkId) {
    s.handle_reply(ms(2), pubsub, Frame::ok());
    let ack = Frame::Array(vec![
        Frame::bulk("subscribe"),
        Frame::bulk("__sentinel__:hello"),
        Frame::Integer(1),
    ]);
    s.handle_reply(ms(2), pubsub, ack);
}

fn sent(actions: &[Action]) -> Vec<(LinkId, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { link, args } => Some((
                *link,
                args.iter()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn connect_sequence_matches_redis() {
    let mut s = sentinel();
    let (cmd, pubsub) = connected(&mut s, 30_000);
    let out = sent(&drain(&mut s));
    assert_eq!(
        out[0],
        (cmd, "CLIENT SETNAME sentinel-00000000-cmd".to_string())
    );
    assert_eq!(out[1], (cmd, "PING".to_string()));
    assert!(out.contains(&(
        pubsub,
        "CLIENT SETNAME sentinel-00000000-pubsub".to_string()
    )));
    assert!(out.contains(&(pubsub, "SUBSCRIBE __sentinel__:hello".to_string())));
    assert!(out.iter().any(|(l, c)| *l == cmd && c == "INFO"));
    assert!(out.iter().any(|(l, c)| *l == cmd && c.starts_with("PUBLISH __sentinel__:hello 127.0.0.1,26379,")));
}

#[test]
fn auth_and_rename_command_apply() {
    let mut s = sentinel();
    let mut p = master_params(30_000);
    p.auth_user = Some("sentinel".into());
    p.auth_pass = Some("secret".into());
    p.renamed_commands.insert("PING".into(), "PONG2".into());
    s.monitor(ms(0), p).unwrap();
    s.handle_timeout(ms(0));
    let link = drain(&mut s)
        .into_iter()
        .find_map(|a| match a {
            Action::Connect { link, .. } => Some(link),
            _ => None,
        })
        .unwrap();
    s.handle_link_up(ms(1), link, None);
    let out = sent(&drain(&mut s));
    assert_eq!(out[0].1, "AUTH sentinel secret");
    assert!(out.iter().any(|(_, c)| c == "PONG2"));
    assert!(!out.iter().any(|(_, c)| c == "PING"));
}

#[test]
fn a_renamed_auth_is_used() {
    let mut s = sentinel();
    let mut p = master_params(30_000);
    p.auth_pass = Some("secret".into());
    p.renamed_commands.insert("AUTH".into(), "LOGIN2".into());
    s.monitor(ms(0), p).unwrap();
    s.handle_timeout(ms(0));
    let link = drain(&mut s)
        .into_iter()
        .find_map(|a| match a {
            Action::Connect { link, .. } => Some(link),
            _ => None,
        })
        .unwrap();
    s.handle_link_up(ms(1), link, None);
    let out = sent(&drain(&mut s));
    assert_eq!(out[0].1, "LOGIN2 secret");
    assert!(!out.iter().any(|(_, c)| c.starts_with("AUTH")));
}

#[test]
fn silent_master_goes_sdown_after_down_after_and_recovers() {
    let mut s = sentinel();
    let (cmd, _) = connected(&mut s, 1_000);
    drain(&mut s);
    // Nothing answers: the PING sent at 1 ms is pending.
    let mut now = 1;
    while now < 1_000 {
        now = s
            .poll_timeout()
            .unwrap()
            .as_nanos()
            .div_ceil(1_000_000)
            .max(now + 1);
        s.handle_timeout(ms(now));
        assert!(
            !drain(&mut s)
                .iter()
                .any(|a| matches!(a, Action::Publish(e) if e.channel == "+sdown"))
        );
    }
    // The deadline for SDOWN is down-after after the first unanswered PING.
    let deadline = s.poll_timeout().unwrap();
    assert!(deadline <= ms(1_002), "sdown deadline {deadline:?}");
    s.handle_timeout(ms(1_002));
    let events: Vec<_> = drain(&mut s)
        .into_iter()
        .filter_map(|a| match a {
            Action::Publish(e) => Some(e),
            _ => None,
        })
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.channel == "+sdown" && e.message == "master mymaster 127.0.0.1 6379")
    );
    assert!(s.is_sdown("mymaster"));
    // The first pending reply is the CLIENT SETNAME, then the PING.
    s.handle_reply(ms(1_010), cmd, Frame::ok());
    s.handle_reply(ms(1_010), cmd, Frame::Simple(Bytes::from_static(b"PONG")));
    let events = drain(&mut s);
    assert!(
        events
            .iter()
            .any(|a| matches!(a, Action::Publish(e) if e.channel == "-sdown"))
    );
    assert!(!s.is_sdown("mymaster"));
}

#[test]
fn loading_and_masterdown_count_as_replies_other_errors_do_not() {
    for (reply, ok) in [
        (
            Frame::error("LOADING Redis is loading the dataset in memory"),
            true,
        ),
        (Frame::error("MASTERDOWN Link with MASTER is down"), true),
        (Frame::error("NOAUTH Authentication required."), false),
        (Frame::error("MISCONF Errors writing to disk"), false),
        (Frame::Integer(1), false),
    ] {
        let mut s = sentinel();
        let (cmd, _) = connected(&mut s, 1_000);
        drain(&mut s);
        s.handle_reply(ms(2), cmd, Frame::ok()); // CLIENT SETNAME
        s.handle_reply(ms(2), cmd, reply.clone()); // PING
        s.handle_timeout(ms(1_005));
        assert_eq!(s.is_sdown("mymaster"), !ok, "reply {reply:?}");
    }
}

#[test]
fn broken_link_reconnects_throttled_to_the_ping_period() {
    let mut s = sentinel();
    let (cmd, _) = connected(&mut s, 30_000);
    drain(&mut s);
    s.handle_link_down(ms(100), cmd);
    // The last reconnect was at 0 ms, so the next one waits until 1000 ms.
    assert!(
        !drain(&mut s)
            .iter()
            .any(|a| matches!(a, Action::Connect { .. }))
    );
    s.handle_timeout(ms(999));
    assert!(
        !drain(&mut s)
            .iter()
            .any(|a| matches!(a, Action::Connect { .. }))
    );
    s.handle_timeout(ms(1_000));
    let connects = drain(&mut s)
        .into_iter()
        .filter(|a| matches!(a, Action::Connect { .. }))
        .count();
    assert_eq!(connects, 1, "only the missing command link is reopened");
}

#[test]
fn hello_from_a_peer_adds_a_sentinel_once_and_adopts_a_higher_epoch() {
    let mut s = sentinel();
    let (_, pubsub) = connected(&mut s, 30_000);
    drain(&mut s);
    acknowledge_subscription(&mut s, pubsub);
    let peer = "0000000000000000000000000000000000000002";
    let payload = format!("127.0.0.1,26380,{peer},7,mymaster,127.0.0.1,6379,0");
    let msg = Frame::Array(vec![
        Frame::bulk("message"),
        Frame::bulk("__sentinel__:hello"),
        Frame::bulk(&payload),
    ]);
    s.handle_reply(ms(5), pubsub, msg.clone());
    s.handle_reply(ms(6), pubsub, msg);
    let actions = drain(&mut s);
    let channels: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Publish(e) => Some(e.channel),
            _ => None,
        })
        .collect();
    assert_eq!(channels, vec!["+sentinel", "+new-epoch"]);
    assert_eq!(
        actions
            .iter()
            .filter(|a| matches!(a, Action::Persist { .. }))
            .count(),
        1,
        "persists coalesce"
    );
    assert_eq!(
        s.known_sentinels("mymaster"),
        vec![(peer.to_string(), Addr::new("127.0.0.1", 26380))]
    );
    assert_eq!(s.current_epoch(), 7);
    // The peer gets a link of its own right away.
    s.handle_timeout(ms(6));
    assert!(
        drain(&mut s)
            .iter()
            .any(|a| matches!(a, Action::Connect { addr, .. } if addr.port == 26380))
    );
}

#[test]
fn garbage_and_own_hellos_are_ignored() {
    let mut s = sentinel();
    let (_, pubsub) = connected(&mut s, 30_000);
    drain(&mut s);
    acknowledge_subscription(&mut s, pubsub);
    for payload in [
        "".to_string(),
        "a,b,c".to_string(),
        "127.0.0.1,notaport,x,1,mymaster,127.0.0.1,6379,0".to_string(),
        format!("127.0.0.1,26379,{MYID},9,mymaster,127.0.0.1,6379,0"),
        // Our run id anywhere in the frame marks it as ours (Redis searches the whole message).
        format!("127.0.0.1,26380,ab{MYID},9,mymaster,127.0.0.1,6379,0"),
        format!(
            "h{MYID},26380,0000000000000000000000000000000000000003,9,mymaster,127.0.0.1,6379,0"
        ),
        "127.0.0.1,26380,0000000000000000000000000000000000000003,1,other,127.0.0.1,6379,0"
            .to_string(),
    ] {
        let msg = Frame::Array(vec![
            Frame::bulk("message"),
            Frame::bulk("__sentinel__:hello"),
            Frame::bulk(&payload),
        ]);
        s.handle_reply(ms(5), pubsub, msg);
    }
    s.handle_reply(ms(5), pubsub, Frame::Integer(3));
    assert!(s.known_sentinels("mymaster").is_empty());
    assert_eq!(s.current_epoch(), 0);
}

#[test]
fn client_commands_ping_publish_and_unknown() {
    let mut s = sentinel();
    let c = ClientId(1);
    let reply = |s: &mut Sentinel, args: &[&str]| {
        s.handle_client_command(
            ms(0),
            c,
            args.iter()
                .map(|a| Bytes::copy_from_slice(a.as_bytes()))
                .collect(),
        );
        match s.poll_action() {
            Some(Action::Reply { client, frame }) => {
                assert_eq!(client, c);
                frame
            }
            other => panic!("expected a reply, got {other:?}"),
        }
    };
    assert_eq!(
        reply(&mut s, &["ping"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
    assert_eq!(reply(&mut s, &["PING", "hi"]), Frame::bulk("hi"));
    assert_eq!(reply(&mut s, &["sentinel", "MYID"]), Frame::bulk(MYID));
    assert_eq!(
        reply(&mut s, &["PUBLISH", "news", "x"]),
        Frame::error("ERR Only HELLO messages are accepted by Sentinel instances.")
    );
    assert_eq!(
        reply(&mut s, &["foo", "a", "b"]),
        Frame::error("ERR unknown command 'foo', with args beginning with: 'a' 'b' ")
    );
    assert_eq!(
        reply(&mut s, &["quit"]),
        Frame::error("ERR unknown command 'quit', with args beginning with: ")
    );
}

#[test]
fn monitor_rejects_duplicates_and_zero_quorum() {
    let mut s = sentinel();
    s.monitor(ms(0), master_params(1000)).unwrap();
    assert_eq!(
        s.monitor(ms(0), master_params(1000)),
        Err(MonitorError::DuplicateName)
    );
    let mut p = master_params(1000);
    p.name = "other".into();
    p.quorum = 0;
    assert_eq!(s.monitor(ms(0), p), Err(MonitorError::BadQuorum));
    assert_eq!(s.master_names(), vec!["mymaster"]);
}

#[test]
fn reconnect_attempts_do_not_clear_sdown() {
    let mut s = sentinel();
    let (cmd, pubsub) = connected(&mut s, 1_000);
    drain(&mut s);
    s.handle_reply(ms(2), cmd, Frame::ok());
    s.handle_reply(ms(2), cmd, Frame::Simple(Bytes::from_static(b"PONG")));
    s.handle_link_down(ms(500), cmd);
    s.handle_link_down(ms(500), pubsub);
    let mut sdown_seen_at = None;
    let mut now = 500;
    while now < 4_000 {
        now = (s.poll_timeout().unwrap().as_nanos().div_ceil(1_000_000)).max(now + 1);
        s.handle_timeout(ms(now));
        for a in drain(&mut s) {
            match a {
                // Every reconnect attempt is refused.
                Action::Connect { link, .. } => s.handle_link_down(ms(now), link),
                Action::Publish(e) if e.channel == "+sdown" => sdown_seen_at = Some(now),
                Action::Publish(e) => assert_ne!(e.channel, "-sdown", "flapped at {now} ms"),
                _ => {}
            }
        }
    }
    // Silence is counted from the moment the link broke.
    assert_eq!(sdown_seen_at, Some(1_501));
    assert!(s.is_sdown("mymaster"));
}

#[test]
fn held_replies_wait_for_a_persist_issued_after_them() {
    let mut s = sentinel();
    let c = ClientId(9);
    // A write already in flight does not release a reply queued after it.
    s.request_persist();
    let first = match s.poll_action() {
        Some(Action::Persist { token }) => token,
        other => panic!("{other:?}"),
    };
    s.reply_after_persist(
        c,
        Frame::ok(),
        Frame::error("ERR Failed to save config file. Check server logs."),
    );
    let second = match s.poll_action() {
        Some(Action::Persist { token }) => token,
        other => panic!("{other:?}"),
    };
    assert!(second > first);
    s.handle_persisted(ms(1), first, true);
    assert_eq!(s.poll_action(), None);
    s.handle_persisted(ms(2), second, false);
    assert_eq!(
        s.poll_action(),
        Some(Action::Reply {
            client: c,
            frame: Frame::error("ERR Failed to save config file. Check server logs.")
        })
    );
}

#[test]
fn replies_keep_command_order_behind_a_held_reply() {
    let mut s = sentinel();
    let c = ClientId(4);
    let args = |a: &[&str]| {
        a.iter()
            .map(|x| Bytes::copy_from_slice(x.as_bytes()))
            .collect::<Vec<_>>()
    };
    s.handle_client_command(ms(0), c, args(&["SENTINEL", "FLUSHCONFIG"]));
    s.handle_client_command(ms(0), c, args(&["PING"]));
    // Another client is not held up.
    s.handle_client_command(ms(0), ClientId(5), args(&["PING"]));
    let out = drain(&mut s);
    let token = out.iter().find_map(|a| match a {
        Action::Persist { token } => Some(*token),
        _ => None,
    });
    assert!(
        out.iter()
            .all(|a| !matches!(a, Action::Reply { client, .. } if *client == c))
    );
    assert!(out.iter().any(|a| matches!(
        a,
        Action::Reply {
            client: ClientId(5),
            ..
        }
    )));
    s.handle_persisted(ms(1), token.unwrap(), true);
    let replies: Vec<Frame> = drain(&mut s)
        .into_iter()
        .filter_map(|a| match a {
            Action::Reply { client, frame } if client == c => Some(frame),
            _ => None,
        })
        .collect();
    assert_eq!(
        replies,
        vec![Frame::ok(), Frame::Simple(Bytes::from_static(b"PONG"))]
    );
}

#[test]
fn config_state_round_trips_through_the_runtime() {
    let text = "\
sentinel myid 0000000000000000000000000000000000000001
sentinel monitor mymaster 127.0.0.1 6379 2
sentinel down-after-milliseconds mymaster 5000
sentinel ping-period mymaster 100
sentinel config-epoch mymaster 3
sentinel leader-epoch mymaster 3
sentinel known-replica mymaster 127.0.0.1 6380
sentinel known-replica mymaster 127.0.0.1 6381
sentinel known-sentinel mymaster 127.0.0.1 26380 0000000000000000000000000000000000000002
sentinel current-epoch 3
";
    let cfg = crate::config::load(text, &crate::config::LoadOptions::permissive()).unwrap();
    let mut s = sentinel();
    s.load_config(ms(0), &cfg.sentinel).unwrap();
    assert_eq!(s.current_epoch(), 3);
    let view = s.master_view("mymaster").unwrap();
    assert_eq!(
        (
            view.config_epoch,
            view.leader_epoch,
            view.replicas,
            view.sentinels
        ),
        (3, 3, 2, 1)
    );
    // Loading announces nothing: the state was already known.
    assert!(
        !drain(&mut s)
            .iter()
            .any(|a| matches!(a, Action::Publish(_)))
    );
    let snapshot = s.config_snapshot(&cfg.sentinel);
    assert_eq!(snapshot, cfg.sentinel);
    // And the rewrite of an unchanged state leaves the file as it was.
    let mut file = cfg.clone();
    file.sentinel = snapshot;
    assert_eq!(
        crate::config::rewrite(text, &file),
        crate::config::rewrite(text, &cfg)
    );
}

#[test]
fn master_settings_carry_over_from_the_config() {
    let mut m = crate::config::MasterConfig::new("mymaster", "127.0.0.1", 6379, 2);
    m.down_after_ms = 5000;
    m.rename_commands.push(("config".into(), "xconfig".into()));
    m.auth_pass = Some("secret".into());
    let p = MasterParams::from_config(&m);
    assert_eq!(p.name, "mymaster");
    assert_eq!(p.addr, Addr::new("127.0.0.1", 6379));
    assert_eq!(p.quorum, 2);
    assert_eq!(p.down_after, Duration::from_millis(5000));
    assert_eq!(
        p.renamed_commands.get("CONFIG").map(String::as_str),
        Some("xconfig")
    );
    assert_eq!(p.auth_pass.as_deref(), Some("secret"));
}

#[test]
fn a_restarted_sentinel_with_a_new_id_replaces_the_old_entry() {
    let mut s = sentinel();
    let (_, pubsub) = connected(&mut s, 30_000);
    drain(&mut s);
    acknowledge_subscription(&mut s, pubsub);
    let hello = |runid: &str| {
        let payload = format!("127.0.0.1,26380,{runid},0,mymaster,127.0.0.1,6379,0");
        Frame::Array(vec![
            Frame::bulk("message"),
            Frame::bulk("__sentinel__:hello"),
            Frame::bulk(&payload),
        ])
    };
    let old = "0000000000000000000000000000000000000002";
    let new = "0000000000000000000000000000000000000003";
    s.handle_reply(ms(5), pubsub, hello(old));
    s.handle_reply(ms(6), pubsub, hello(new));
    let events: Vec<&'static str> = drain(&mut s)
        .into_iter()
        .filter_map(|a| match a {
            Action::Publish(e) => Some(e.channel),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        vec!["+sentinel", "+sentinel-invalid-addr", "+sentinel"]
    );
    assert_eq!(
        s.known_sentinels("mymaster"),
        vec![(new.to_string(), Addr::new("127.0.0.1", 26380))]
    );
}

#[test]
fn an_error_to_subscribe_drops_the_pubsub_link_but_auth_errors_do_not() {
    let mut s = sentinel();
    let (_, pubsub) = connected(&mut s, 30_000);
    drain(&mut s);
    // CLIENT SETNAME refused: ignored, the link stays.
    s.handle_reply(
        ms(2),
        pubsub,
        Frame::error("NOAUTH Authentication required."),
    );
    assert!(
        !drain(&mut s)
            .iter()
            .any(|a| matches!(a, Action::Close { .. }))
    );
    // SUBSCRIBE refused: the link is useless and goes.
    s.handle_reply(
        ms(2),
        pubsub,
        Frame::error("NOAUTH Authentication required."),
    );
    assert!(
        drain(&mut s)
            .iter()
            .any(|a| matches!(a, Action::Close { link } if *link == pubsub))
    );
}

#[test]
fn bogus_is_master_down_replies_are_ignored_and_a_good_one_counts() {
    let mut s = sentinel();
    let (_, pubsub) = connected(&mut s, 1_000);
    drain(&mut s);
    acknowledge_subscription(&mut s, pubsub);
    let peer = "0000000000000000000000000000000000000002";
    let payload = format!("127.0.0.1,26380,{peer},0,mymaster,127.0.0.1,6379,0");
    let hello = Frame::Array(vec![
        Frame::bulk("message"),
        Frame::bulk("__sentinel__:hello"),
        Frame::bulk(&payload),
    ]);
    s.handle_reply(ms(5), pubsub, hello);
    s.handle_timeout(ms(5));
    let peer_link = drain(&mut s)
        .into_iter()
        .find_map(|a| match a {
            Action::Connect { link, addr } if addr.port == 26380 => Some(link),
            _ => None,
        })
        .unwrap();
    s.handle_link_up(ms(6), peer_link, None);
    // The master stays silent: S_DOWN at ~1 s, then we ask the peer.
    let mut now = 7;
    let mut asks = 0;
    let bogus = [
        Frame::Integer(1),
        Frame::Array(vec![Frame::Integer(1)]),
        Frame::Array(vec![Frame::bulk("1"), Frame::bulk("*"), Frame::Integer(0)]),
        Frame::Array(vec![
            Frame::Integer(1),
            Frame::Integer(5),
            Frame::Integer(0),
        ]),
        Frame::Array(vec![
            Frame::Integer(1),
            Frame::bulk("*"),
            Frame::Integer(-3),
        ]),
        Frame::error("ERR unknown command"),
    ];
    while now < 3_000 && asks < bogus.len() + 1 {
        now += 10;
        s.handle_timeout(ms(now));
        for a in drain(&mut s) {
            // Answer everything sent to the peer, in order, so each reply meets its command.
            let Action::Send { link, args } = a else {
                continue;
            };
            if link != peer_link {
                continue;
            }
            let reply = match args[0].as_ref() {
                b"PING" => Frame::Simple(Bytes::from_static(b"PONG")),
                b"PUBLISH" => Frame::Integer(1),
                _ if args
                    .get(1)
                    .is_some_and(|a| a.as_ref() == b"is-master-down-by-addr") =>
                {
                    asks += 1;
                    match bogus.get(asks - 1) {
                        Some(b) => b.clone(),
                        None => Frame::Array(vec![
                            Frame::Integer(1),
                            Frame::bulk("*"),
                            Frame::Integer(0),
                        ]),
                    }
                }
                _ => Frame::ok(),
            };
            s.handle_reply(ms(now), peer_link, reply);
            if asks <= bogus.len() {
                assert!(
                    !s.master_view("mymaster").unwrap().odown,
                    "bogus reply {asks} counted"
                );
            }
        }
    }
    assert!(asks > bogus.len(), "only {asks} asks");
    assert!(
        s.master_view("mymaster").unwrap().odown,
        "a well-formed reply reaches quorum 2"
    );
}

#[test]
fn start_up_announces_each_loaded_master_and_runs_its_notification_script() {
    let text = "\
sentinel monitor first 127.0.0.1 6379 2
sentinel monitor second 127.0.0.1 6390 3
sentinel notification-script second /bin/true
";
    let cfg = crate::config::load(text, &crate::config::LoadOptions::permissive()).unwrap();
    let mut s = sentinel();
    s.load_config(ms(0), &cfg.sentinel).unwrap();
    s.announce_monitored();
    s.handle_timeout(ms(0));
    let actions = drain(&mut s);
    let published: Vec<String> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Publish(e) => Some(format!("{} {}", e.channel, e.message)),
            _ => None,
        })
        .collect();
    assert_eq!(
        published[..2],
        [
            "+monitor master first 127.0.0.1 6379 quorum 2".to_string(),
            "+monitor master second 127.0.0.1 6390 quorum 3".to_string(),
        ]
    );
    let scripts: Vec<&Vec<String>> = actions
        .iter()
        .filter_map(|a| match a {
            Action::RunScript { argv, .. } => Some(argv),
            _ => None,
        })
        .collect();
    assert_eq!(
        scripts,
        [&vec![
            "/bin/true".to_string(),
            "+monitor".to_string(),
            "master second 127.0.0.1 6390 quorum 3".to_string(),
        ]]
    );
}

#[test]
fn masters_are_found_by_their_current_address() {
    let mut s = sentinel();
    let a = Addr::new("127.0.0.1", 6379);
    let b = Addr::new("127.0.0.1", 6380);
    let mid = s.monitor(ms(0), master_params(1000)).unwrap();
    let mut twin = master_params(1000);
    twin.name = "twin".into();
    let twin = s.monitor(ms(0), twin).unwrap();
    assert_eq!(
        s.master_at(&a),
        Some(mid),
        "the first monitored of two at one address"
    );
    s.switch_master(ms(10), mid, b.clone());
    assert_eq!((s.master_at(&a), s.master_at(&b)), (Some(twin), Some(mid)));
    s.handle_client_command(
        ms(20),
        ClientId(1),
        ["SENTINEL", "REMOVE", "mymaster"]
            .iter()
            .map(|a| Bytes::from(a.to_string()))
            .collect(),
    );
    assert_eq!((s.master_at(&a), s.master_at(&b)), (Some(twin), None));
}

/// Runs a client command to its reply, completing every config write it waits for.
fn command(s: &mut Sentinel, now: u64, client: ClientId, args: &[&str]) -> Frame {
    s.handle_client_command(
        ms(now),
        client,
        args.iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect(),
    );
    for _ in 0..4 {
        for a in drain(s) {
            match a {
                Action::Reply { client: c, frame } if c == client => return frame,
                Action::Persist { token } => s.handle_persisted(ms(now), token, true),
                _ => {}
            }
        }
    }
    panic!("no reply to {args:?}");
}

fn hello_frame(payload: &str) -> Frame {
    Frame::Array(vec![
        Frame::bulk("message"),
        Frame::bulk("__sentinel__:hello"),
        Frame::bulk(payload),
    ])
}

fn down_reply(down: i64, leader: &str, epoch: i64) -> Frame {
    Frame::Array(vec![
        Frame::Integer(down),
        Frame::bulk(leader),
        Frame::Integer(epoch),
    ])
}

#[test]
fn a_loaded_leader_epoch_above_the_current_epoch_is_kept_and_votes_follow_it() {
    let text = "\
sentinel myid 0000000000000000000000000000000000000001
sentinel monitor mymaster 127.0.0.1 6379 2
sentinel leader-epoch mymaster 10
sentinel current-epoch 3
";
    let cfg = crate::config::load(text, &crate::config::LoadOptions::permissive()).unwrap();
    let mut s = sentinel();
    s.load_config(ms(0), &cfg.sentinel).unwrap();
    // Stored as Redis stores it: the current epoch is not raised.
    assert_eq!(s.current_epoch(), 3);
    assert_eq!(s.master_view("mymaster").unwrap().leader_epoch, 10);
    let c = ClientId(7);
    let peer = "0000000000000000000000000000000000000002";
    let ask = |s: &mut Sentinel, now, epoch: &str| {
        let args = [
            "SENTINEL",
            "is-master-down-by-addr",
            "127.0.0.1",
            "6379",
            epoch,
            peer,
        ];
        command(s, now, c, &args)
    };
    // Epoch 5 is adopted, but the recorded vote (epoch 10) is newer: no vote, it is reported.
    assert_eq!(ask(&mut s, 1, "5"), down_reply(0, "*", 10));
    assert_eq!(s.current_epoch(), 5);
    assert_eq!(ask(&mut s, 2, "10"), down_reply(0, "*", 10));
    // Past it, the vote goes to the first asker.
    assert_eq!(ask(&mut s, 3, "11"), down_reply(0, peer, 11));
    assert_eq!(s.current_epoch(), 11);
    assert_eq!(
        s.master_view("mymaster").unwrap().leader.as_deref(),
        Some(peer)
    );
}

#[test]
fn the_highest_epoch_from_a_hello_never_wraps_the_current_epoch() {
    let mut s = sentinel();
    let (_, pubsub) = connected(&mut s, 30_000);
    drain(&mut s);
    acknowledge_subscription(&mut s, pubsub);
    let peer = "0000000000000000000000000000000000000002";
    let payload = format!(
        "127.0.0.1,26380,{peer},{},mymaster,127.0.0.1,6379,0",
        u64::MAX
    );
    s.handle_reply(ms(5), pubsub, hello_frame(&payload));
    assert_eq!(s.current_epoch(), u64::MAX);
    let mid = *s.master_by_name.get("mymaster").unwrap();
    // Twice, as repeated attempts would: no fresh epoch exists, so nothing starts.
    for now in [10, 20] {
        assert!(!s.start_failover(ms(now), mid, true));
        s.step_failover(ms(now), mid);
        assert_eq!(s.current_epoch(), u64::MAX);
        assert_eq!(s.master_view("mymaster").unwrap().failover_state, "none");
    }
    drain(&mut s);
    // A peer's vote request below the current epoch gets no vote, and no panic.
    let args = [
        "SENTINEL",
        "is-master-down-by-addr",
        "127.0.0.1",
        "6379",
        "3",
        peer,
    ];
    assert_eq!(
        command(&mut s, 30, ClientId(7), &args),
        down_reply(0, "*", 0)
    );
    assert_eq!(s.current_epoch(), u64::MAX);
}

#[test]
fn a_sentinel_moving_is_updated_in_every_master_and_its_shared_link_follows() {
    let mut s = sentinel();
    s.monitor(ms(0), master_params(30_000)).unwrap();
    let mut other = master_params(30_000);
    other.name = "other".into();
    other.addr = Addr::new("127.0.0.1", 6390);
    s.monitor(ms(0), other).unwrap();
    drain(&mut s);
    let peer = "0000000000000000000000000000000000000002";
    let hello = |s: &mut Sentinel, now, port: u16, master: &str, master_port: u16| {
        let payload = format!("127.0.0.1,{port},{peer},0,{master},127.0.0.1,{master_port},0");
        let reply = command(
            s,
            now,
            ClientId(9),
            &["PUBLISH", "__sentinel__:hello", &payload],
        );
        assert_eq!(reply, Frame::Integer(1));
    };
    hello(&mut s, 5, 26380, "mymaster", 6379);
    hello(&mut s, 5, 26380, "other", 6390);
    s.handle_timeout(ms(10));
    let connects: Vec<(LinkId, Addr)> = drain(&mut s)
        .into_iter()
        .filter_map(|a| match a {
            Action::Connect { link, addr } if addr.port == 26380 => Some((link, addr)),
            _ => None,
        })
        .collect();
    assert_eq!(connects.len(), 1, "one link shared by both masters");
    let old_link = connects[0].0;
    s.handle_link_up(ms(11), old_link, None);
    drain(&mut s);

    // Heard for one master at a new address.
    let payload = format!("127.0.0.1,26381,{peer},0,mymaster,127.0.0.1,6379,0");
    s.handle_client_command(
        ms(100),
        ClientId(9),
        ["PUBLISH", "__sentinel__:hello", &payload]
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect(),
    );
    let actions = drain(&mut s);
    let events: Vec<String> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Publish(e) if e.is_published() => Some(format!("{} {}", e.channel, e.message)),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        [
            format!(
                "+sentinel-address-switch master mymaster 127.0.0.1 6379 ip 127.0.0.1 port 26381 for {peer}"
            ),
            format!(
                "+sentinel-address-update sentinel {peer} 127.0.0.1 26381 @ mymaster 127.0.0.1 6379 1 additional matching instances"
            ),
        ]
    );
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Close { link } if *link == old_link)),
        "the shared link to the old address is closed"
    );
    for master in ["mymaster", "other"] {
        assert_eq!(
            s.known_sentinels(master),
            vec![(peer.to_string(), Addr::new("127.0.0.1", 26381))],
            "{master}"
        );
    }
    // The link comes back at the new address (reconnects are throttled to the ping period).
    s.handle_timeout(ms(1_100));
    let reconnects: Vec<Addr> = drain(&mut s)
        .into_iter()
        .filter_map(|a| match a {
            Action::Connect { addr, .. } if addr.port >= 26380 => Some(addr),
            _ => None,
        })
        .collect();
    assert_eq!(reconnects, [Addr::new("127.0.0.1", 26381)]);
}

#[test]
fn each_tilt_trigger_is_announced_and_restarts_the_period() {
    let mut s = sentinel();
    let wall = |now: u64, jump: i64| crate::time::WallMillis(1_000_000 + now as i64 + jump);
    s.observe_wall_clock(ms(0), wall(0, 0));
    s.observe_wall_clock(ms(100), wall(100, 60_000));
    assert!(s.in_tilt());
    // A second jump 10 s later, while in TILT: announced again, and TILT lasts 30 s from it.
    for t in (200..=10_000).step_by(100) {
        s.observe_wall_clock(ms(t), wall(t, 60_000));
    }
    s.observe_wall_clock(ms(10_100), wall(10_100, 120_000));
    assert_eq!(s.tilt_since(), Some(ms(10_100)));
    let tilts: Vec<String> = drain(&mut s)
        .into_iter()
        .filter_map(|a| match a {
            Action::Publish(e) if e.channel == "+tilt" => Some(e.message),
            _ => None,
        })
        .collect();
    assert_eq!(tilts, vec!["#tilt mode entered"; 2]);
    for t in (10_200..40_100).step_by(100) {
        s.observe_wall_clock(ms(t), wall(t, 120_000));
        assert!(s.in_tilt(), "{t}");
    }
    s.observe_wall_clock(ms(40_100), wall(40_100, 120_000));
    assert!(!s.in_tilt());
}
