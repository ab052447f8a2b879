//! Thread-per-core: routing of commands to shards, merging of their answers, and a few cores
//! wired together as the driver does (forwarded commands, answers, events).

use bytes::Bytes;

use super::super::shard_merge::{Merge, merge, merge_info, merge_vip, unknown_address};
use super::super::shards::{Route, route_of};
use super::{add_master, args, bulk, err, field, ms, sentinel};
use crate::action::{Action, ClientId};
use crate::epoch::{EpochCounter, shard_of};
use crate::resp::Frame;
use crate::sentinel::Sentinel;

/// A master name that lands on `shard` of `n`.
fn name_on(shard: usize, n: usize) -> String {
    (0..)
        .map(|i| format!("m{i}"))
        .find(|name| shard_of(name, n) == shard)
        .unwrap_or_default()
}

#[test]
fn route_table() {
    let n = 4;
    let on = |name: &str| Route::One(shard_of(name, n));
    const HELLO: &str = "127.0.0.1,26380,aaaa,3,mymaster,127.0.0.1,6379,0";
    let cases: Vec<(&[&str], Route)> = vec![
        (&["sentinel", "master", "mymaster"], on("mymaster")),
        (&["SENTINEL", "Replicas", "x"], on("x")),
        (&["sentinel", "slaves", "x"], on("x")),
        (&["sentinel", "sentinels", "x"], on("x")),
        (&["sentinel", "get-master-addr-by-name", "y"], on("y")),
        (&["sentinel", "ckquorum", "y"], on("y")),
        (&["sentinel", "failover", "y"], on("y")),
        (
            &["sentinel", "monitor", "z", "1.2.3.4", "6379", "2"],
            on("z"),
        ),
        (&["sentinel", "remove", "z"], on("z")),
        (&["sentinel", "set", "z", "quorum", "2"], on("z")),
        (&["sentinel", "info-cache", "z"], on("z")),
        (
            &["sentinel", "info-cache", "a", "b"],
            Route::All(Merge::InfoCache),
        ),
        (&["sentinel", "masters"], Route::All(Merge::Masters)),
        (&["sentinel", "pending-scripts"], Route::All(Merge::Concat)),
        (&["sentinel", "reset", "*"], Route::All(Merge::Sum)),
        (
            &["sentinel", "is-master-down-by-addr", "h", "1", "0", "*"],
            Route::All(Merge::MasterDown),
        ),
        (&["sentinel", "flushconfig"], Route::All(Merge::Same)),
        (
            &["sentinel", "simulate-failure", "crash-after-election"],
            Route::All(Merge::Same),
        ),
        (
            &["sentinel", "config", "set", "resolve-hostnames", "yes"],
            Route::All(Merge::Same),
        ),
        (&["sentinel", "config", "get", "*"], Route::Local),
        (&["sentinel", "debug"], Route::Local),
        (
            &["sentinel", "debug", "ping-period", "100"],
            Route::All(Merge::Same),
        ),
        (&["sentinel", "myid"], Route::Local),
        (&["sentinel", "help"], Route::Local),
        (&["info"], Route::All(Merge::Info)),
        (&["info", "all"], Route::All(Merge::Info)),
        (&["info", "sentinel"], Route::All(Merge::Info)),
        (&["info", "server"], Route::Local),
        (&["info", "vip"], Route::All(Merge::Info)),
        (&["info", "server", "VIP"], Route::All(Merge::Info)),
        (&["role"], Route::All(Merge::Role)),
        (&["publish", "__sentinel__:hello", HELLO], on("mymaster")),
        (
            &["publish", "__sentinel__:hello", "short,payload"],
            Route::Local,
        ),
        (&["publish", "other", HELLO], Route::Local),
        (&["ping"], Route::Local),
        (&["client", "list"], Route::Local),
    ];
    for (a, want) in cases {
        let name = a[0].to_ascii_lowercase();
        assert_eq!(route_of(&name, &args(a), n), want, "{a:?}");
        assert_eq!(route_of(&name, &args(a), 1), Route::Local, "{a:?} alone");
    }
}

fn map(name: &str) -> Frame {
    Frame::Map(vec![(bulk("name"), bulk(name)), (bulk("port"), bulk("1"))])
}

fn arr(v: Vec<Frame>) -> Frame {
    Frame::Array(v)
}

#[test]
fn merge_table() {
    let down = arr(vec![Frame::Integer(1), bulk("abc"), Frame::Integer(5)]);
    let cases: Vec<(Merge, Vec<Frame>, Frame)> = vec![
        (Merge::Same, vec![Frame::ok(), Frame::ok()], Frame::ok()),
        (
            Merge::Same,
            vec![Frame::ok(), err("ERR bad"), err("ERR other")],
            err("ERR bad"),
        ),
        (
            Merge::Masters,
            vec![
                arr(vec![map("b"), map("d")]),
                arr(vec![]),
                arr(vec![map("a"), map("c")]),
            ],
            arr(vec![map("a"), map("b"), map("c"), map("d")]),
        ),
        (
            Merge::InfoCache,
            vec![
                arr(vec![bulk("b"), arr(vec![])]),
                arr(vec![bulk("a"), arr(vec![Frame::Integer(1)])]),
            ],
            arr(vec![
                bulk("a"),
                arr(vec![Frame::Integer(1)]),
                bulk("b"),
                arr(vec![]),
            ]),
        ),
        (
            Merge::Concat,
            vec![arr(vec![bulk("x")]), arr(vec![bulk("y")])],
            arr(vec![bulk("x"), bulk("y")]),
        ),
        (
            Merge::Sum,
            vec![Frame::Integer(2), Frame::Integer(0), Frame::Integer(3)],
            Frame::Integer(5),
        ),
        (
            Merge::MasterDown,
            vec![unknown_address(), down.clone(), unknown_address()],
            down,
        ),
        (
            Merge::MasterDown,
            vec![unknown_address(), unknown_address()],
            unknown_address(),
        ),
        (
            Merge::Role,
            vec![
                arr(vec![bulk("sentinel"), arr(vec![bulk("b")])]),
                arr(vec![bulk("sentinel"), arr(vec![bulk("a"), bulk("c")])]),
            ],
            arr(vec![
                bulk("sentinel"),
                arr(vec![bulk("a"), bulk("b"), bulk("c")]),
            ]),
        ),
    ];
    for (kind, parts, want) in cases {
        assert_eq!(merge(kind, parts.clone()), want, "{kind:?} {parts:?}");
    }
}

fn section(masters: &[(&str, &str)], tilt: u8, running: u32) -> String {
    let mut s = format!(
        "# Sentinel\r\nsentinel_masters:{}\r\nsentinel_tilt:{tilt}\r\nsentinel_tilt_since_seconds:{}\r\n\
         sentinel_running_scripts:{running}\r\nsentinel_scripts_queue_length:0\r\n\
         sentinel_simulate_failure_flags:0\r\n",
        masters.len(),
        if tilt == 1 { 3 } else { -1 }
    );
    for (i, (name, status)) in masters.iter().enumerate() {
        s.push_str(&format!(
            "master{i}:name={name},status={status},address=127.0.0.1:1,slaves=0,sentinels=1\r\n"
        ));
    }
    s
}

#[test]
fn info_sections_merge_into_one() {
    let front = format!(
        "# Server\r\nredis_version:7.0.15\r\n\r\n{}\r\n# Vip\r\nvip:none\r\n",
        section(&[("b", "ok")], 0, 1)
    );
    let others = [
        section(&[("a", "sdown"), ("c", "ok")], 1, 2),
        section(&[], 0, 0),
    ];
    let merged = merge_info(&front, &others);
    let want = format!(
        "# Server\r\nredis_version:7.0.15\r\n\r\n{}\r\n# Vip\r\nvip:none\r\n",
        section(&[("a", "sdown"), ("b", "ok"), ("c", "ok")], 1, 3)
    );
    assert_eq!(merged, want);
    // A front text that ends with the sentinel section.
    let alone = section(&[("b", "ok")], 0, 0);
    assert_eq!(
        merge_info(&alone, &[section(&[("a", "ok")], 0, 0)]),
        section(&[("a", "ok"), ("b", "ok")], 0, 0)
    );
}

#[test]
fn vip_sections_merge_into_one() {
    let vip = |lines: &[(&str, &str)]| {
        let mut s = "# VIP\r\nvip_local_addresses:3\r\n".to_string();
        for (i, (name, status)) in lines.iter().enumerate() {
            s.push_str(&format!(
                "vip{i}:name={name},vip=10.0.0.9,status={status}\r\n"
            ));
        }
        s
    };
    // `INFO sentinel vip` on the front: its sentinel section, then its (empty) VIP section.
    let front = format!("{}\r\n{}", section(&[], 0, 0), vip(&[]));
    let others = [format!(
        "{}\r\n{}",
        section(&[("b", "ok"), ("a", "ok")], 0, 0),
        vip(&[("b", "owned"), ("a", "not-owned")])
    )];
    let merged = merge_vip(&merge_info(&front, &others), &others);
    assert_eq!(
        merged,
        format!(
            "{}\r\n{}",
            section(&[("a", "ok"), ("b", "ok")], 0, 0),
            vip(&[("a", "not-owned"), ("b", "owned")])
        )
    );
    // `INFO vip` alone, and a text without a VIP section left as it is.
    assert_eq!(
        merge_vip(&vip(&[]), &[vip(&[("m", "owned")])]),
        vip(&[("m", "owned")])
    );
    assert_eq!(merge_vip("# Server\r\n", &[vip(&[])]), "# Server\r\n");
}

/// `n` cores sharing one epoch, as the driver sets them up.
fn cluster(n: usize) -> Vec<Sentinel> {
    let epoch = EpochCounter::new(0);
    (0..n)
        .map(|i| {
            let mut s = sentinel();
            s.set_shards(i, n);
            s.set_epoch_counter(epoch.clone());
            s
        })
        .collect()
}

/// Carries actions between the cores until none is left, as the driver's router does; returns
/// what reached clients (all on the front).
fn pump(cores: &mut [Sentinel]) -> Vec<(ClientId, Frame)> {
    let mut out = Vec::new();
    loop {
        let mut moved = false;
        for i in 0..cores.len() {
            while let Some(action) = cores[i].poll_action() {
                moved = true;
                match action {
                    Action::Forward {
                        shard,
                        request,
                        args,
                    } => cores[shard].handle_forwarded(ms(1_000), request, args),
                    Action::ForwardReply { request, frame } => {
                        cores[0].handle_forwarded_reply(ms(1_000), request, i, frame)
                    }
                    Action::Publish(ev) if i != 0 => cores[0].handle_shard_event(&ev),
                    Action::Persist { token } => cores[i].handle_persisted(ms(1_000), token, true),
                    Action::Reply { client, frame } => {
                        assert_eq!(i, 0, "only the front replies to clients");
                        out.push((client, frame));
                    }
                    _ => {}
                }
            }
        }
        if !moved {
            return out;
        }
    }
}

fn send(cores: &mut [Sentinel], client: u64, a: &[&str]) {
    cores[0].handle_client_command(ms(1_000), ClientId(client), args(a));
}

#[test]
fn forwarded_commands_answer_in_order_and_events_reach_the_front() {
    let n = 3;
    let mut cores = cluster(n);
    let names: Vec<String> = (0..n).map(|s| name_on(s, n)).collect();
    for (s, name) in names.iter().enumerate() {
        add_master(&mut cores[s], name, 6379 + s as u16);
    }
    send(&mut cores, 1, &["SUBSCRIBE", "+set"]);
    // Pipelined: a master on each shard, a local command between.
    for name in &names {
        send(&mut cores, 2, &["SENTINEL", "MASTER", name]);
        send(&mut cores, 2, &["PING"]);
    }
    send(
        &mut cores,
        2,
        &["SENTINEL", "SET", &names[2], "quorum", "1"],
    );
    send(&mut cores, 2, &["SENTINEL", "MASTERS"]);
    let out = pump(&mut cores);
    let to = |c: u64| -> Vec<Frame> {
        out.iter()
            .filter(|(id, _)| id.0 == c)
            .map(|(_, f)| f.clone())
            .collect()
    };
    let replies = to(2);
    assert_eq!(replies.len(), 2 * n + 2, "{replies:?}");
    for (i, name) in names.iter().enumerate() {
        assert_eq!(
            field(&replies[2 * i], "name").as_deref(),
            Some(name.as_str())
        );
        assert_eq!(
            replies[2 * i + 1],
            Frame::Simple(Bytes::from_static(b"PONG"))
        );
    }
    assert_eq!(replies[2 * n], Frame::ok());
    let mut sorted = names.clone();
    sorted.sort();
    let Frame::Array(maps) = &replies[2 * n + 1] else {
        panic!("{:?}", replies[2 * n + 1]);
    };
    let got: Vec<String> = maps.iter().filter_map(|m| field(m, "name")).collect();
    assert_eq!(got, sorted);
    // The +set of shard 2 reached the subscriber on the front.
    let events = to(1);
    assert!(
        events.iter().any(|f| format!("{f:?}").contains(&names[2])),
        "{events:?}"
    );
}

#[test]
fn one_shard_forwards_nothing() {
    let mut s = sentinel();
    add_master(&mut s, "mymaster", 6379);
    s.handle_client_command(ms(1_000), ClientId(1), args(&["SENTINEL", "MASTERS"]));
    s.handle_client_command(ms(1_000), ClientId(1), args(&["INFO"]));
    let actions: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
    assert!(
        actions.iter().all(|a| matches!(a, Action::Reply { .. })),
        "{actions:?}"
    );
}

#[test]
fn the_epoch_is_shared() {
    let cores = cluster(2);
    let epoch = EpochCounter::new(0);
    let mut a = sentinel();
    a.set_epoch_counter(epoch.clone());
    epoch.raise_to(4);
    assert_eq!(a.current_epoch(), 4);
    assert_eq!(cores[0].current_epoch(), cores[1].current_epoch());
}
