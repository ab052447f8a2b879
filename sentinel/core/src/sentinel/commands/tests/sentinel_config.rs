//! CONFIG, DEBUG, SIMULATE-FAILURE and the small SENTINEL subcommands.

use super::*;

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
        Some(&Frame::Simple(Bytes::from_static(b"    Prints this help.")))
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
        reply(
            &mut s,
            &[
                "SENTINEL",
                "IS-MASTER-DOWN-BY-ADDR",
                "127.0.0.1",
                "70000",
                "0",
                "abc"
            ]
        ),
        Frame::Array(vec![Frame::Integer(0), bulk("*"), Frame::Integer(0)])
    );
    assert_eq!(
        reply(
            &mut s,
            &[
                "SENTINEL",
                "IS-MASTER-DOWN-BY-ADDR",
                "127.0.0.1",
                "6379",
                "-1",
                "abc"
            ]
        ),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        reply(&mut s, &["SENTINEL", "FAILOVER", "mymaster"]),
        err("NOGOODSLAVE No suitable replica to promote")
    );
    assert_eq!(reply(&mut s, &["SENTINEL", "FLUSHCONFIG"]), Frame::ok());
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

#[test]
fn new_sentinel_credentials_drop_peer_links() {
    let mut s = sentinel();
    connected_master(&mut s, "mymaster", 6379);
    hello(&mut s, PEER, 26380, "mymaster", 6379);
    s.handle_timeout(ms(10));
    let peer_link = std::iter::from_fn(|| s.poll_action())
        .find_map(|a| match a {
            Action::Connect { link, addr } if addr.port == 26380 => Some(link),
            _ => None,
        })
        .unwrap();
    s.handle_link_up(ms(11), peer_link, None);
    while s.poll_action().is_some() {}
    let out = run(
        &mut s,
        1,
        &["SENTINEL", "CONFIG", "SET", "sentinel-user", "u"],
    );
    assert!(out.contains(&Action::Close { link: peer_link }));
    assert_eq!(replies_to(&out, 1), vec![Frame::ok()]);
    assert_eq!(s.options().sentinel_user.as_deref(), Some("u"));
}

#[test]
fn simulate_failure_flags_show_in_info() {
    let mut s = sentinel();
    reply(
        &mut s,
        &[
            "SENTINEL",
            "SIMULATE-FAILURE",
            "crash-after-election",
            "CRASH-AFTER-PROMOTION",
        ],
    );
    let flags = s.simulate_failure();
    assert!(flags.crash_after_election && flags.crash_after_promotion);
    let info = text_of(&reply(&mut s, &["INFO", "sentinel"]));
    assert!(info.contains("sentinel_simulate_failure_flags:3\r\n"));
    reply(
        &mut s,
        &["SENTINEL", "SIMULATE-FAILURE", "crash-after-promotion"],
    );
    assert!(!s.simulate_failure().crash_after_election);
}
