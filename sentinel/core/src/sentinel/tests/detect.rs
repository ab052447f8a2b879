//! Failure-detection details (spec §3.2, §3.3, §3.5), driven against scripted instances.

use super::*;
use crate::link::Pending;

const RUNID_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const RUNID_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const PEER: &str = "0000000000000000000000000000000000000002";

/// What the sentinel did while it was driven.
#[derive(Default)]
struct Log {
    /// (ms, channel, message) of every event.
    events: Vec<(u64, &'static str, String)>,
    /// (ms, link, command line) of every command sent.
    sent: Vec<(u64, LinkId, String)>,
    /// (ms, link) of every link the core closed.
    closed: Vec<(u64, LinkId)>,
    /// (ms, link, port) of every connect asked for.
    connects: Vec<(u64, LinkId, u16)>,
    /// How many times the sentinel was woken.
    wakeups: u64,
}

impl Log {
    fn channel(&self, channel: &str) -> Vec<u64> {
        self.events
            .iter()
            .filter(|(_, c, _)| *c == channel)
            .map(|(t, _, _)| *t)
            .collect()
    }

    fn sent_on(&self, link: LinkId, command: &str) -> Vec<u64> {
        self.sent
            .iter()
            .filter(|(_, l, c)| *l == link && c == command)
            .map(|(t, _, _)| *t)
            .collect()
    }
}

/// How a test answers a command: `None` leaves it unanswered.
type Responder<'a> = &'a mut dyn FnMut(u64, LinkId, &str) -> Option<Frame>;

fn line(args: &[Bytes]) -> String {
    args.iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Handles the actions queued so far (and those the answers queue) at `now`.
fn settle(s: &mut Sentinel, now: u64, log: &mut Log, reply: Responder<'_>) {
    for _ in 0..1_000 {
        let actions = drain(s);
        if actions.is_empty() {
            return;
        }
        for a in actions {
            match a {
                Action::Send { link, args } => {
                    let l = line(&args);
                    log.sent.push((now, link, l.clone()));
                    if let Some(frame) = reply(now, link, &l) {
                        s.handle_reply(ms(now), link, frame);
                    }
                }
                Action::Publish(e) => log.events.push((now, e.channel, e.message)),
                Action::Close { link } => log.closed.push((now, link)),
                Action::Connect { link, addr } => log.connects.push((now, link, addr.port)),
                _ => {}
            }
        }
    }
    panic!("actions never settle at {now} ms");
}

/// Drives `s` from `from` to `to` ms, waking it at each of its deadlines.
fn drive(s: &mut Sentinel, from: u64, to: u64, reply: Responder<'_>) -> Log {
    let mut log = Log::default();
    let mut now = from;
    settle(s, now, &mut log, reply);
    loop {
        let next = s
            .poll_timeout()
            .map_or(to + 1, |t| t.as_nanos().div_ceil(1_000_000))
            .max(now + 1);
        if next > to {
            return log;
        }
        now = next;
        log.wakeups += 1;
        s.handle_timeout(ms(now));
        settle(s, now, &mut log, reply);
    }
}

fn info_master(runid: &str) -> Frame {
    Frame::bulk(format!(
        "# Server\r\nrun_id:{runid}\r\n# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
    ))
}

/// A healthy instance: PONG, INFO from `info`, everything else OK.
fn healthy(command: &str, info: &Frame) -> Frame {
    match command {
        "PING" => Frame::Simple(Bytes::from_static(b"PONG")),
        "INFO" => info.clone(),
        c if c.starts_with("PUBLISH") => Frame::Integer(1),
        c if c.starts_with("SUBSCRIBE") => Frame::Array(vec![
            Frame::bulk("subscribe"),
            Frame::bulk("__sentinel__:hello"),
            Frame::Integer(1),
        ]),
        _ => Frame::ok(),
    }
}

/// Monitors a master with `params` and asks for its links; returns (cmd, pubsub), both up at
/// 1 ms with nothing answered yet.
fn connected_with(s: &mut Sentinel, params: MasterParams) -> (LinkId, LinkId) {
    s.monitor(ms(0), params).unwrap();
    s.handle_timeout(ms(0));
    let links: Vec<LinkId> = drain(s)
        .into_iter()
        .filter_map(|a| match a {
            Action::Connect { link, .. } => Some(link),
            _ => None,
        })
        .collect();
    assert_eq!(links.len(), 2);
    s.handle_link_up(ms(1), links[0], Some("127.0.0.1".into()));
    s.handle_link_up(ms(1), links[1], Some("127.0.0.1".into()));
    (links[0], links[1])
}

/// The `flags` field of `SENTINEL MASTER mymaster`.
fn master_flags(s: &mut Sentinel, now: u64) -> String {
    let args = ["SENTINEL", "MASTER", "mymaster"]
        .iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
    s.handle_client_command(ms(now), ClientId(77), args);
    let frame = drain(s)
        .into_iter()
        .find_map(|a| match a {
            Action::Reply { frame, .. } => Some(frame),
            _ => None,
        })
        .expect("a reply");
    let pairs: Vec<(Frame, Frame)> = match frame {
        Frame::Map(pairs) => pairs,
        Frame::Array(items) => items
            .chunks(2)
            .filter_map(|c| Some((c.first()?.clone(), c.get(1)?.clone())))
            .collect(),
        other => panic!("unexpected reply {other:?}"),
    };
    pairs
        .iter()
        .find(|(k, _)| k.as_bytes() == Some(b"flags"))
        .and_then(|(_, v)| v.as_bytes())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .expect("a flags field")
}

#[test]
fn a_real_pong_ends_the_reboot_down_state_loading_does_not() {
    let mut s = sentinel();
    let mut p = master_params(30_000);
    p.master_reboot_down_after_period = Duration::from_millis(2_000);
    let (cmd, _) = connected_with(&mut s, p);
    let before = info_master(RUNID_A);
    let log = drive(&mut s, 1, 5_000, &mut |_, _, c| Some(healthy(c, &before)));
    assert!(log.channel("+reboot").is_empty());
    // Restarted with a new run id, loading its data set: PING gets `-LOADING`.
    let after = info_master(RUNID_B);
    let log = drive(&mut s, 5_000, 20_000, &mut |_, _, c| match c {
        "PING" => Some(Frame::error(
            "LOADING Redis is loading the dataset in memory",
        )),
        _ => Some(healthy(c, &after)),
    });
    let reboot = log.channel("+reboot");
    assert_eq!(reboot.len(), 1, "{:?}", log.events);
    let sdown = log.channel("+sdown");
    assert_eq!(sdown.len(), 1, "{:?}", log.events);
    assert!(
        (reboot[0] + 2_000..=reboot[0] + 2_001).contains(&sdown[0]),
        "reboot at {} ms, sdown at {} ms",
        reboot[0],
        sdown[0]
    );
    assert!(
        log.channel("-sdown").is_empty(),
        "LOADING cleared the reboot"
    );
    // It answers all along: pinged, and its command link kept.
    assert!(log.sent_on(cmd, "PING").len() > 20);
    assert!(!log.closed.iter().any(|(_, l)| *l == cmd));
    // Loaded: the first PONG clears the reboot and the S_DOWN with it.
    let log = drive(&mut s, 20_000, 21_000, &mut |_, _, c| {
        Some(healthy(c, &after))
    });
    assert_eq!(log.channel("-sdown").len(), 1, "{:?}", log.events);
    assert!(!s.is_sdown("mymaster"));
    // And a later LOADING (no new run id) does not bring it back.
    let log = drive(&mut s, 21_000, 25_000, &mut |_, _, c| match c {
        "PING" => Some(Frame::error(
            "LOADING Redis is loading the dataset in memory",
        )),
        _ => Some(healthy(c, &after)),
    });
    assert!(log.channel("+sdown").is_empty(), "{:?}", log.events);
}

#[test]
fn busy_while_sdown_sends_one_script_kill_through_the_rename_table() {
    let mut s = sentinel();
    let mut p = master_params(1_000);
    p.renamed_commands.insert("SCRIPT".into(), "XSCRIPT".into());
    let (cmd, _) = connected_with(&mut s, p);
    let info = info_master(RUNID_A);
    drive(&mut s, 1, 100, &mut |_, _, c| Some(healthy(c, &info)));
    // A script runs away: every PING gets `-BUSY`, which is no valid reply.
    let busy = |_: u64, _: LinkId, c: &str| match c {
        "PING" => Some(Frame::error(
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.",
        )),
        _ => Some(healthy(c, &info)),
    };
    let log = drive(&mut s, 100, 5_000, &mut { busy });
    let sdown = log.channel("+sdown");
    assert_eq!(sdown.len(), 1, "{:?}", log.events);
    let kills = log.sent_on(cmd, "XSCRIPT KILL");
    assert_eq!(kills.len(), 1, "one SCRIPT KILL: {:?}", log.sent);
    assert!(kills[0] >= sdown[0], "only once S_DOWN");
    assert!(log.sent_on(cmd, "SCRIPT KILL").is_empty());
    assert!(master_flags(&mut s, 5_000).contains("script_kill_sent"));
    // The script ends: the master is back, and the next S_DOWN may kill again.
    let log = drive(&mut s, 5_000, 6_000, &mut |_, _, c| Some(healthy(c, &info)));
    assert_eq!(log.channel("-sdown").len(), 1);
    assert!(!master_flags(&mut s, 6_000).contains("script_kill_sent"));
    let log = drive(&mut s, 6_000, 10_000, &mut { busy });
    assert_eq!(log.sent_on(cmd, "XSCRIPT KILL").len(), 1, "{:?}", log.sent);
}

#[test]
fn busy_before_sdown_kills_nothing() {
    let mut s = sentinel();
    let (cmd, _) = connected_with(&mut s, master_params(30_000));
    let info = info_master(RUNID_A);
    let log = drive(&mut s, 1, 5_000, &mut |_, _, c| match c {
        "PING" => Some(Frame::error("BUSY Redis is busy running a script.")),
        _ => Some(healthy(c, &info)),
    });
    assert!(!s.is_sdown("mymaster"));
    assert!(log.sent_on(cmd, "SCRIPT KILL").is_empty());
    assert!(!master_flags(&mut s, 5_000).contains("script_kill_sent"));
}

#[test]
fn a_stalled_command_link_older_than_the_reconnect_period_is_closed() {
    let mut s = sentinel();
    let (cmd, _) = connected_with(&mut s, master_params(2_000));
    // Nothing is ever answered on the command link.
    let log = drive(&mut s, 1, 20_000, &mut |_, l, c| {
        (l != cmd).then(|| healthy(c, &Frame::NullBulk))
    });
    let sdown = log.channel("+sdown");
    assert_eq!(sdown.len(), 1);
    assert!(sdown[0] <= 2_001, "sdown at {}", sdown[0]);
    // Pending for > down-after/2 long before, but the link is young until 15 s.
    let closed: Vec<u64> = log
        .closed
        .iter()
        .filter(|(_, l)| *l == cmd)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(closed, vec![15_001], "{:?}", log.closed);
    // The normal reconnect path follows.
    assert!(
        log.connects.iter().any(|(t, _, _)| *t >= 15_001),
        "{:?}",
        log.connects
    );
    assert!(
        s.is_sdown("mymaster"),
        "the reconnect does not clear S_DOWN"
    );
}

#[test]
fn error_replies_keep_the_command_link_open() {
    let mut s = sentinel();
    let (cmd, _) = connected_with(&mut s, master_params(2_000));
    let info = info_master(RUNID_A);
    let log = drive(&mut s, 1, 20_000, &mut |_, _, c| match c {
        "PING" => Some(Frame::error("NOAUTH Authentication required.")),
        _ => Some(healthy(c, &info)),
    });
    // S_DOWN (no valid reply), but the link is alive: it is not recycled.
    assert!(s.is_sdown("mymaster"));
    assert!(log.sent_on(cmd, "PING").len() > 20);
    assert!(
        !log.closed.iter().any(|(_, l)| *l == cmd),
        "{:?}",
        log.closed
    );
}

#[test]
fn a_silent_pubsub_link_is_closed_and_reopened() {
    let mut s = sentinel();
    let (cmd, pubsub) = connected_with(&mut s, master_params(30_000));
    let info = info_master(RUNID_A);
    // The command link is fine; the pub/sub link gets its subscription ack and then nothing.
    let log = drive(&mut s, 1, 16_000, &mut |_, _, c| Some(healthy(c, &info)));
    let closed: Vec<_> = log.closed.iter().filter(|(_, l)| *l == pubsub).collect();
    assert_eq!(closed, vec![&(15_001, pubsub)], "{:?}", log.closed);
    assert!(!log.closed.iter().any(|(_, l)| *l == cmd));
    assert!(log.connects.iter().any(|(t, _, _)| *t >= 15_001));
}

#[test]
fn a_pubsub_link_carrying_hellos_stays_open() {
    let mut s = sentinel();
    let (cmd, pubsub) = connected_with(&mut s, master_params(30_000));
    let info = info_master(RUNID_A);
    let mut echoes: Vec<Bytes> = Vec::new();
    let mut log = Log::default();
    let mut now = 1;
    // Our own hellos come back on the pub/sub link, as a real master delivers them.
    while now < 30_000 {
        let step = drive(&mut s, now, now + 100, &mut |_, l, c| {
            if l == cmd
                && let Some(payload) = c.strip_prefix("PUBLISH __sentinel__:hello ")
            {
                echoes.push(Bytes::copy_from_slice(payload.as_bytes()));
            }
            Some(healthy(c, &info))
        });
        log.closed.extend(step.closed);
        now += 100;
        for payload in echoes.drain(..) {
            let msg = Frame::Array(vec![
                Frame::bulk("message"),
                Frame::bulk("__sentinel__:hello"),
                Frame::Bulk(payload),
            ]);
            s.handle_reply(ms(now), pubsub, msg);
        }
    }
    assert!(log.closed.is_empty(), "{:?}", log.closed);
}

/// Two masters both watched by the peer sentinel `PEER`: its one link has refcount 2.
fn shared_peer_link(s: &mut Sentinel) -> (LinkId, LinkId) {
    shared_peer_link_with(s, 30_000, 30_000)
}

/// [`shared_peer_link`] with the two masters' down-after.
fn shared_peer_link_with(s: &mut Sentinel, first_ms: u64, other_ms: u64) -> (LinkId, LinkId) {
    let (_, pubsub) = connected_with(s, master_params(first_ms));
    let mut other = master_params(other_ms);
    other.name = "other".into();
    other.addr = Addr::new("127.0.0.1", 6390);
    s.monitor(ms(1), other).unwrap();
    drain(s);
    acknowledge_subscription(s, pubsub);
    for (name, port) in [("mymaster", 6379), ("other", 6390)] {
        let payload = format!("127.0.0.1,26380,{PEER},0,{name},127.0.0.1,{port},0");
        let msg = Frame::Array(vec![
            Frame::bulk("message"),
            Frame::bulk("__sentinel__:hello"),
            Frame::bulk(&payload),
        ]);
        s.handle_reply(ms(3), pubsub, msg);
    }
    s.handle_timeout(ms(3));
    let peer_link = drain(s)
        .into_iter()
        .find_map(|a| match a {
            Action::Connect { link, addr } if addr.port == 26380 => Some(link),
            _ => None,
        })
        .expect("a link to the peer");
    s.handle_link_up(ms(4), peer_link, None);
    drain(s);
    (pubsub, peer_link)
}

#[test]
fn back_pressure_scales_with_the_link_refcount() {
    let mut s = sentinel();
    let (_, peer_link) = shared_peer_link(&mut s);
    let peer = s.peer_by_runid[PEER];
    assert_eq!(s.peers.get(peer).unwrap().masters.len(), 2);
    // 150 commands in flight: under 100 × 2, so periodic PINGs still go out.
    for _ in 0..150 {
        s.links
            .get_mut(peer_link)
            .unwrap()
            .pending
            .push_back(Pending::Ignored);
    }
    let log = drive(&mut s, 5, 2_000, &mut |_, _, _| None);
    assert!(
        !log.sent_on(peer_link, "PING").is_empty(),
        "no PING at {} pending",
        s.pending_len(Some(peer_link))
    );
    // At 200 they stop.
    let pending = s.pending_len(Some(peer_link));
    for _ in pending..200 {
        s.links
            .get_mut(peer_link)
            .unwrap()
            .pending
            .push_back(Pending::Ignored);
    }
    let log = drive(&mut s, 2_000, 4_000, &mut |_, _, _| None);
    assert!(log.sent.iter().all(|(_, l, _)| *l != peer_link));
    // Held back, the link waits for replies: it is not polled every millisecond.
    assert!(log.wakeups <= 20, "{} wake-ups in 2 s", log.wakeups);
}

#[test]
fn back_pressure_on_an_unshared_link_is_100() {
    let mut s = sentinel();
    let (cmd, _) = connected_with(&mut s, master_params(30_000));
    drain(&mut s);
    for _ in 0..96 {
        s.links
            .get_mut(cmd)
            .unwrap()
            .pending
            .push_back(Pending::Ignored);
    }
    // 4 already in flight (SETNAME, PING, INFO, PUBLISH): 100.
    assert_eq!(s.pending_len(Some(cmd)), 100);
    let log = drive(&mut s, 1, 3_000, &mut |_, _, _| None);
    assert!(log.sent.iter().all(|(_, l, _)| *l != cmd), "{:?}", log.sent);
}

#[test]
fn ping_cadence_counts_error_replies_as_replies() {
    let mut s = sentinel();
    let (cmd, _) = connected_with(&mut s, master_params(30_000));
    let info = info_master(RUNID_A);
    let log = drive(&mut s, 1, 10_001, &mut |_, _, c| match c {
        "PING" => Some(Frame::error("NOAUTH Authentication required.")),
        _ => Some(healthy(c, &info)),
    });
    // One PING per ping interval (250 ms), not per half interval.
    let pings = log.sent_on(cmd, "PING");
    assert!(
        (39..=41).contains(&pings.len()),
        "{} PINGs: {pings:?}",
        pings.len()
    );
    // A pending PING is still re-sent at half the interval.
    let mut s = sentinel();
    let (cmd, _) = connected_with(&mut s, master_params(30_000));
    let log = drive(&mut s, 1, 10_001, &mut |_, l, c| {
        (l != cmd).then(|| healthy(c, &info))
    });
    let pings = log.sent_on(cmd, "PING").len();
    assert!((79..=81).contains(&pings), "{pings} PINGs");
}

#[test]
fn a_first_info_agreeing_with_the_config_reports_no_role_change() {
    let mut s = sentinel();
    let (_, _) = connected_with(&mut s, master_params(30_000));
    let info = Frame::bulk(format!(
        "run_id:{RUNID_A}\r\nrole:master\r\nconnected_slaves:1\r\n\
         slave0:ip=127.0.0.1,port=6380,state=online,offset=1,lag=0\r\n"
    ));
    let replica_info = Frame::bulk(format!(
        "run_id:{RUNID_B}\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\n\
         master_link_status:up\r\nslave_repl_offset:1\r\n"
    ));
    let mut replica_links = Vec::new();
    let mut log = Log::default();
    let mut now = 1;
    while now < 3_000 {
        let step = drive(&mut s, now, now + 50, &mut |_, l, c| {
            if replica_links.contains(&l) {
                Some(healthy(c, &replica_info))
            } else {
                Some(healthy(c, &info))
            }
        });
        now += 50;
        for (_, link, port) in &step.connects {
            if *port == 6380 {
                replica_links.push(*link);
                s.handle_link_up(ms(now), *link, None);
            }
        }
        log.events.extend(step.events);
        log.sent.extend(step.sent);
    }
    assert_eq!(log.channel("+slave").len(), 1);
    assert!(
        log.sent
            .iter()
            .any(|(_, l, c)| replica_links.contains(l) && c == "INFO"),
        "the replica got an INFO"
    );
    assert!(
        !log.events
            .iter()
            .any(|(_, c, _)| c.ends_with("role-change")),
        "{:?}",
        log.events
    );
    // A replica that reports master is a real change, inconsistent with the config.
    let promoted = Frame::bulk(format!("run_id:{RUNID_B}\r\nrole:master\r\n"));
    let log = drive(&mut s, 3_000, 14_000, &mut |_, l, c| {
        if replica_links.contains(&l) {
            Some(healthy(c, &promoted))
        } else {
            Some(healthy(c, &info))
        }
    });
    let changes: Vec<_> = log
        .events
        .iter()
        .filter(|(_, c, _)| c.ends_with("role-change"))
        .map(|(_, c, m)| format!("{c} {m}"))
        .collect();
    assert_eq!(
        changes,
        vec![
            "-role-change slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379 \
             new reported role is master"
        ]
    );
}

#[test]
fn a_reset_master_is_expected_to_be_a_master_again() {
    let mut s = sentinel();
    connected_with(&mut s, master_params(30_000));
    let demoted = Frame::bulk(format!(
        "run_id:{RUNID_A}\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6390\r\n"
    ));
    let log = drive(&mut s, 1, 100, &mut |_, _, c| Some(healthy(c, &demoted)));
    let changes: Vec<_> = log
        .events
        .iter()
        .filter(|(_, c, _)| c.ends_with("role-change"))
        .map(|(_, c, m)| format!("{c} {m}"))
        .collect();
    assert_eq!(
        changes,
        vec!["-role-change master mymaster 127.0.0.1 6379 new reported role is slave"]
    );
    let mid = s.master_by_name["mymaster"];
    s.reset_master(ms(100), mid);
    let node = &s.masters.get(mid).unwrap().node;
    assert_eq!(
        (node.role, node.role_since),
        (crate::instance::ReportedRole::Master, ms(100))
    );
}

#[test]
fn a_master_down_for_a_reboot_is_not_woken_every_millisecond() {
    let mut s = sentinel();
    let mut p = master_params(30_000);
    p.master_reboot_down_after_period = Duration::from_millis(2_000);
    connected_with(&mut s, p);
    let before = info_master(RUNID_A);
    drive(&mut s, 1, 5_000, &mut |_, _, c| Some(healthy(c, &before)));
    let after = info_master(RUNID_B);
    let mut loading = |_: u64, _: LinkId, c: &str| match c {
        "PING" => Some(Frame::error(
            "LOADING Redis is loading the dataset in memory",
        )),
        _ => Some(healthy(c, &after)),
    };
    let log = drive(&mut s, 5_000, 13_000, &mut loading);
    assert_eq!(log.channel("+sdown"), vec![12_001]);
    // S_DOWN for the reboot: the next wake-ups are the PINGs (4 a second) and hellos.
    let log = drive(&mut s, 13_000, 14_000, &mut loading);
    assert!(log.wakeups <= 10, "{} wake-ups in a second", log.wakeups);
}

#[test]
fn a_master_down_for_reporting_slave_is_not_woken_every_millisecond() {
    let mut s = sentinel();
    connected_with(&mut s, master_params(1_000));
    let demoted = Frame::bulk(format!(
        "run_id:{RUNID_A}\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6390\r\n"
    ));
    let log = drive(&mut s, 1, 22_000, &mut |_, _, c| Some(healthy(c, &demoted)));
    // down-after + 2 × info-period after the first report of role:slave.
    assert_eq!(log.channel("+sdown"), vec![21_001]);
    let log = drive(&mut s, 22_000, 23_000, &mut |_, _, c| {
        Some(healthy(c, &demoted))
    });
    assert!(log.wakeups <= 10, "{} wake-ups in a second", log.wakeups);
}

#[test]
fn a_master_going_silent_in_tilt_is_not_spun_on_and_is_judged_when_tilt_ends() {
    let mut s = sentinel();
    let (cmd, _) = connected_with(&mut s, master_params(1_000));
    // The wall clock jumps at 50 ms: TILT until 30 050 ms.
    let wall = |now: u64, jumped: bool| {
        crate::time::WallMillis(1_000_000 + now as i64 + if jumped { 60_000 } else { 0 })
    };
    s.observe_wall_clock(ms(0), wall(0, false));
    s.observe_wall_clock(ms(50), wall(50, true));
    assert!(s.in_tilt());
    // The master answers nothing; the wall clock is reported whenever the sentinel wakes.
    let mut log = Log::default();
    let mut now = 50;
    let mut wakeups_in_tilt = 0;
    while now < 32_000 {
        now = s
            .poll_timeout()
            .map_or(now + 1, |t| t.as_nanos().div_ceil(1_000_000))
            .max(now + 1);
        if s.in_tilt() && now > 5_000 {
            wakeups_in_tilt += 1;
        }
        s.observe_wall_clock(ms(now), wall(now, true));
        s.handle_timeout(ms(now));
        settle(&mut s, now, &mut log, &mut |_, l, c| {
            (l != cmd).then(|| healthy(c, &Frame::NullBulk))
        });
    }
    assert!(
        log.channel("+sdown").iter().all(|t| *t >= 30_050),
        "{:?}",
        log.events
    );
    let tilt_end = log.channel("-tilt");
    assert_eq!(tilt_end.len(), 1);
    assert_eq!(
        log.channel("+sdown").first(),
        Some(&tilt_end[0]),
        "{:?}",
        log.events
    );
    // 25 s of TILT: wall-clock checks (10 a second) and PINGs (8 a second), not 1 000.
    assert!(
        wakeups_in_tilt < 25 * 30,
        "{wakeups_in_tilt} wake-ups in 25 s of TILT"
    );
}

#[test]
fn a_frozen_master_is_not_woken_every_millisecond() {
    let mut s = sentinel();
    let (cmd, _) = connected_with(&mut s, master_params(1_000));
    // Nothing answers on the command link: the first INFO stays in flight.
    let mut frozen = |_: u64, l: LinkId, c: &str| (l != cmd).then(|| healthy(c, &Frame::NullBulk));
    let log = drive(&mut s, 1, 5_000, &mut frozen);
    assert_eq!(log.channel("+sdown").len(), 1);
    // PINGs at half the interval (8 a second) and hellos; nothing else is due.
    let log = drive(&mut s, 5_000, 6_000, &mut frozen);
    assert!(log.wakeups <= 12, "{} wake-ups in a second", log.wakeups);
}

#[test]
fn a_hello_answered_with_an_error_is_retried_soon_not_in_a_busy_loop() {
    let mut s = sentinel();
    let (cmd, _) = connected_with(&mut s, master_params(30_000));
    let info = info_master(RUNID_A);
    // -NOPERM to PUBLISH for the first 3 s, then accepted.
    let log = drive(&mut s, 1, 6_000, &mut |t, _, c| {
        if c.starts_with("PUBLISH") && t < 3_000 {
            return Some(Frame::error("NOPERM this user has no permissions"));
        }
        Some(healthy(c, &info))
    });
    let hellos: Vec<u64> = log
        .sent
        .iter()
        .filter(|(_, l, c)| *l == cmd && c.starts_with("PUBLISH __sentinel__:hello"))
        .map(|(t, _, _)| *t)
        .collect();
    let before: Vec<u64> = hellos.iter().copied().filter(|t| *t < 3_000).collect();
    // One every 100 ms while refused (sentinel.c's next tick), not one per 2 s publish period.
    assert!((25..=32).contains(&before.len()), "{hellos:?}");
    assert!(before.windows(2).all(|w| w[1] - w[0] >= 100), "{hellos:?}");
    // Accepted: back to the publish period.
    let after: Vec<u64> = hellos.iter().copied().filter(|t| *t >= 3_100).collect();
    assert!(after.len() <= 2, "{hellos:?}");
}

#[test]
fn a_shared_peer_goes_sdown_per_master_with_each_down_after() {
    let mut s = sentinel();
    let (_, peer_link) = shared_peer_link_with(&mut s, 5_000, 2_000);
    let info = info_master(RUNID_A);
    // The masters answer; the peer never does.
    let log = drive(&mut s, 5, 8_000, &mut |_, l, c| {
        (l != peer_link).then(|| healthy(c, &info))
    });
    let sdown: Vec<(u64, String)> = log
        .events
        .iter()
        .filter(|(_, c, m)| *c == "+sdown" && m.starts_with("sentinel "))
        .map(|(t, _, m)| (*t, m.clone()))
        .collect();
    let prefix = format!("sentinel {PEER} 127.0.0.1 26380 @ ");
    assert_eq!(sdown.len(), 2, "{sdown:?}");
    assert_eq!(sdown[0].1, format!("{prefix}other 127.0.0.1 6390"));
    assert_eq!(sdown[1].1, format!("{prefix}mymaster 127.0.0.1 6379"));
    // The silence is counted from the first unanswered PING, at the link's start (4 ms).
    assert!((2_004..2_010).contains(&sdown[0].0), "{sdown:?}");
    assert!((5_004..5_010).contains(&sdown[1].0), "{sdown:?}");
    // Each master's view shows its own flags.
    let count_down = |s: &mut Sentinel, name: &str| {
        let args = ["SENTINEL", "CKQUORUM", name]
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        s.handle_client_command(ms(8_000), ClientId(78), args);
        drain(s)
            .into_iter()
            .find_map(|a| match a {
                Action::Reply { frame, .. } => Some(format!("{frame:?}")),
                _ => None,
            })
            .unwrap_or_default()
    };
    assert!(count_down(&mut s, "other").contains("1 usable"));
    // The peer answers again: `-sdown` for each master.
    let log = drive(&mut s, 8_000, 12_000, &mut |_, l, c| {
        Some(if l == peer_link {
            match c {
                "PING" => Frame::Simple(Bytes::from_static(b"PONG")),
                _ => Frame::ok(),
            }
        } else {
            healthy(c, &info)
        })
    });
    let up = log
        .events
        .iter()
        .filter(|(_, c, m)| *c == "-sdown" && m.starts_with("sentinel "))
        .count();
    assert_eq!(up, 2, "{:?}", log.events);
}

#[test]
fn a_shared_peer_link_is_pinged_at_the_tightest_masters_cadence() {
    let mut s = sentinel();
    // The second master's down-after (500 ms) is below the 1 s ping period: its instance of
    // the peer pings at its cadence (a quarter of 500 ms here, `Timing::ping_interval`) over
    // the shared link, not at the first master's (250 ms).
    let (_, peer_link) = shared_peer_link_with(&mut s, 30_000, 500);
    let info = info_master(RUNID_A);
    let log = drive(&mut s, 5, 5_005, &mut |_, l, c| {
        Some(if l == peer_link {
            match c {
                "PING" => Frame::Simple(Bytes::from_static(b"PONG")),
                _ => Frame::ok(),
            }
        } else {
            healthy(c, &info)
        })
    });
    let pings = log.sent_on(peer_link, "PING").len();
    assert!((30..=41).contains(&pings), "{pings} PINGs in 5 s");
}
