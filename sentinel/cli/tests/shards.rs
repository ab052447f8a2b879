//! End-to-end: the `sentinel` binary with several shards (`SENTINEL_SHARDS`), masters hashed
//! to all of them, answering through the front shard as one sentinel does.

mod support;

use sentinel_core::resp::Frame;
use sentinel_core::shard_of;
use support::{Conn, eventually, redis_server, start_sentinel_with_env, text};

const SHARDS: usize = 4;

/// The value of `key` in an instance map (a flat array of pairs over RESP2).
fn field(map: &Frame, key: &str) -> Option<String> {
    let Frame::Array(items) = map else {
        return None;
    };
    items
        .chunks(2)
        .find(|kv| text(&kv[0]) == key)
        .and_then(|kv| kv.get(1))
        .map(text)
}

fn names(masters: &Frame) -> Vec<String> {
    match masters {
        Frame::Array(maps) => maps.iter().filter_map(|m| field(m, "name")).collect(),
        other => panic!("not an array: {other:?}"),
    }
}

/// Names spread over every shard: at least two per shard, in name order.
fn spread_names() -> Vec<String> {
    let mut per_shard = [0usize; SHARDS];
    let mut out = Vec::new();
    for i in 0.. {
        if per_shard.iter().all(|n| *n >= 2) {
            break;
        }
        let name = format!("m{i:02}");
        let s = shard_of(&name, SHARDS);
        if per_shard[s] < 2 {
            per_shard[s] += 1;
            out.push(name);
        }
    }
    out.sort();
    out
}

/// A name that lands on `shard`, not among `taken`.
fn name_on(shard: usize, taken: &[String]) -> String {
    (0..)
        .map(|i| format!("new{i}"))
        .find(|n| shard_of(n, SHARDS) == shard && !taken.contains(n))
        .unwrap_or_default()
}

fn push_message(c: &mut Conn) -> (String, String) {
    match c.read() {
        Some(Frame::Array(v)) if v.len() == 3 => (text(&v[1]), text(&v[2])),
        other => panic!("not a message: {other:?}"),
    }
}

#[test]
fn commands_reach_masters_on_every_shard() {
    let Some((_redis, rport)) = redis_server() else {
        return;
    };
    let masters = spread_names();
    let mut conf = String::new();
    for m in &masters {
        conf.push_str(&format!("sentinel monitor {m} 127.0.0.1 {rport} 1\n"));
        conf.push_str(&format!("sentinel down-after-milliseconds {m} 5000\n"));
    }
    let s = start_sentinel_with_env(&conf, &[("SENTINEL_SHARDS", "4")]);
    let mut c = s.conn();

    // Gathered from all shards, in name order.
    assert_eq!(names(&c.cmd(&["SENTINEL", "MASTERS"])), masters);
    let role = c.cmd(&["ROLE"]);
    assert_eq!(
        role,
        Frame::Array(vec![
            Frame::bulk("sentinel"),
            Frame::Array(masters.iter().map(Frame::bulk).collect())
        ])
    );
    // One master, wherever it lives.
    for m in &masters {
        let map = c.cmd(&["SENTINEL", "MASTER", m]);
        assert_eq!(field(&map, "name").as_deref(), Some(m.as_str()), "{map:?}");
        assert_eq!(
            c.cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", m]),
            Frame::Array(vec![
                Frame::bulk("127.0.0.1"),
                Frame::bulk(rport.to_string())
            ])
        );
        let ck = text(&c.cmd(&["SENTINEL", "CKQUORUM", m]));
        assert!(ck.starts_with("OK 1 usable Sentinels"), "{ck}");
    }
    assert_eq!(
        text(&c.cmd(&["SENTINEL", "MASTER", "nosuch"])),
        "ERR No such master with that name"
    );
    assert_eq!(
        c.cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch"]),
        Frame::NullArray
    );

    // INFO: one sentinel section for all shards.
    let info = text(&c.cmd(&["INFO", "sentinel"]));
    assert!(
        info.contains(&format!("sentinel_masters:{}\r\n", masters.len())),
        "{info}"
    );
    for (i, m) in masters.iter().enumerate() {
        assert!(info.contains(&format!("master{i}:name={m},")), "{info}");
    }
    let full = text(&c.cmd(&["INFO"]));
    assert!(full.contains("# Server\r\n") && full.contains("# Stats\r\n"));
    assert!(full.contains(&format!("sentinel_masters:{}\r\n", masters.len())));

    // Pipelined commands to different shards come back in command order.
    for m in &masters {
        c.send(&["SENTINEL", "MASTER", m]);
        c.send(&["PING"]);
    }
    for m in &masters {
        let map = c.read().expect("reply");
        assert_eq!(field(&map, "name").as_deref(), Some(m.as_str()));
        assert_eq!(c.read(), Some(Frame::Simple("PONG".into())));
    }

    // Events of every shard reach a subscriber on the front.
    let mut sub = s.conn();
    assert!(matches!(
        sub.cmd(&["SUBSCRIBE", "+set", "+monitor"]),
        Frame::Array(_)
    ));
    assert!(matches!(sub.read(), Some(Frame::Array(_))));
    for m in &masters {
        assert_eq!(
            c.cmd(&["SENTINEL", "SET", m, "quorum", "2"]),
            Frame::Simple("OK".into())
        );
        let (channel, payload) = push_message(&mut sub);
        assert_eq!(channel, "+set");
        assert!(
            payload.starts_with(&format!("master {m} 127.0.0.1 {rport} quorum 2")),
            "{payload}"
        );
        let map = c.cmd(&["SENTINEL", "MASTER", m]);
        assert_eq!(field(&map, "quorum").as_deref(), Some("2"));
    }

    // MONITOR / REMOVE on a shard that is not the front.
    let added = name_on(SHARDS - 1, &masters);
    let port = rport.to_string();
    assert_eq!(
        c.cmd(&["SENTINEL", "MONITOR", &added, "127.0.0.1", &port, "1"]),
        Frame::Simple("OK".into())
    );
    let (channel, payload) = push_message(&mut sub);
    assert_eq!(
        (channel.as_str(), payload.contains(&added)),
        ("+monitor", true)
    );
    assert_eq!(
        text(&c.cmd(&["SENTINEL", "MONITOR", &added, "127.0.0.1", &port, "1"])),
        "ERR Duplicate master name."
    );
    assert!(names(&c.cmd(&["SENTINEL", "MASTERS"])).contains(&added));
    assert_eq!(
        c.cmd(&["SENTINEL", "REMOVE", &added]),
        Frame::Simple("OK".into())
    );
    assert_eq!(
        text(&c.cmd(&["SENTINEL", "MASTER", &added])),
        "ERR No such master with that name"
    );
    assert_eq!(names(&c.cmd(&["SENTINEL", "MASTERS"])), masters);

    // Setters reach every shard; counts add up.
    assert_eq!(
        c.cmd(&["SENTINEL", "DEBUG", "ping-period", "500"]),
        Frame::Simple("OK".into())
    );
    assert_eq!(
        c.cmd(&["SENTINEL", "RESET", "*"]),
        Frame::Integer(i64::try_from(masters.len()).expect("count"))
    );
    assert_eq!(
        c.cmd(&["SENTINEL", "FLUSHCONFIG"]),
        Frame::Simple("OK".into())
    );
    let conf = std::fs::read_to_string(s.conf_path()).expect("conf");
    for m in &masters {
        assert!(
            conf.contains(&format!("sentinel monitor {m} 127.0.0.1 {rport} 2")),
            "{conf}"
        );
    }
    // An address nobody monitors, and one a shard does.
    let unknown = Frame::Array(vec![Frame::Integer(0), Frame::bulk("*"), Frame::Integer(0)]);
    let down = [
        "SENTINEL",
        "IS-MASTER-DOWN-BY-ADDR",
        "127.0.0.1",
        "1",
        "0",
        "*",
    ];
    assert_eq!(c.cmd(&down), unknown);
    let down = [
        "SENTINEL",
        "IS-MASTER-DOWN-BY-ADDR",
        "127.0.0.1",
        &port,
        "0",
        "*",
    ];
    assert_eq!(c.cmd(&down), unknown);
    eventually("masters still answer after the reset", || {
        (names(&c.cmd(&["SENTINEL", "MASTERS"])) == masters).then_some(())
    });
}
