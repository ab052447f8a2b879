//! Client pub/sub and event delivery.

use super::*;

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
    // Nothing of that kind to drop: the count is still the client's total, as redis-server
    // 7.0.15 answers (`SUBSCRIBE a`, `PUNSUBSCRIBE` gives `punsubscribe nil 1`).
    run(&mut s, 1, &["SUBSCRIBE", "c"]);
    let out = run(&mut s, 1, &["PUNSUBSCRIBE"]);
    assert_eq!(
        replies_to(&out, 1),
        vec![Frame::Array(vec![
            bulk("punsubscribe"),
            Frame::NullBulk,
            Frame::Integer(1)
        ])]
    );
    run(&mut s, 1, &["UNSUBSCRIBE"]);
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
fn subscription_counts_are_per_client_and_deduplicated() {
    let mut s = sentinel();
    let out = run(&mut s, 1, &["SUBSCRIBE", "a", "a"]);
    assert_eq!(
        replies_to(&out, 1),
        vec![
            Frame::Array(vec![bulk("subscribe"), bulk("a"), Frame::Integer(1)]),
            Frame::Array(vec![bulk("subscribe"), bulk("a"), Frame::Integer(1)]),
        ]
    );
    let out = run(&mut s, 1, &["PSUBSCRIBE", "a"]);
    assert_eq!(
        replies_to(&out, 1),
        vec![Frame::Array(vec![
            bulk("psubscribe"),
            bulk("a"),
            Frame::Integer(2)
        ])]
    );
    let out = run(&mut s, 2, &["SUBSCRIBE", "a"]);
    assert_eq!(
        replies_to(&out, 2),
        vec![Frame::Array(vec![
            bulk("subscribe"),
            bulk("a"),
            Frame::Integer(1)
        ])]
    );
    let stats = text_of(&reply_as(&mut s, 3, &["INFO", "stats"]));
    assert!(stats.contains("pubsub_channels:1\r\n"));
    assert!(stats.contains("pubsub_patterns:1\r\n"));
}

#[test]
fn channel_subscribers_come_before_pattern_subscribers() {
    let mut s = sentinel();
    run(&mut s, 1, &["PSUBSCRIBE", "+s*"]);
    run(&mut s, 2, &["SUBSCRIBE", "+sdown"]);
    run(&mut s, 2, &["PSUBSCRIBE", "*"]);
    s.emit(crate::event::plain(
        crate::event::Level::Warning,
        "+sdown",
        "x",
    ));
    let out: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
    let order: Vec<(u64, String)> = out
        .iter()
        .filter_map(|a| match a {
            Action::Reply {
                client,
                frame: Frame::Array(items),
            } => Some((client.0, text_of(&items[0]))),
            _ => None,
        })
        .collect();
    assert_eq!(
        order,
        vec![
            (2, "message".to_string()),
            (1, "pmessage".to_string()),
            (2, "pmessage".to_string()),
        ]
    );
    assert!(
        matches!(out[0], Action::Publish(_)),
        "the driver logs the event first"
    );
}

#[test]
fn closed_clients_get_no_events() {
    let mut s = sentinel();
    run(&mut s, 1, &["PSUBSCRIBE", "*"]);
    s.handle_client_closed(ms(5), ClientId(1));
    s.emit(crate::event::plain(
        crate::event::Level::Warning,
        "+tilt",
        "#tilt mode entered",
    ));
    let out: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
    assert!(replies_to(&out, 1).is_empty());
    assert_eq!(out.len(), 1);
}

/// A RESP3 client subscribed to the events on the same connection sees what 7.0.15 sends (real
/// binary): MONITOR's `+OK` before its `+monitor`, but RESET's and REMOVE's events before
/// their replies.
#[test]
fn own_events_and_replies_in_7_0_15_order() {
    let mut s = sentinel();
    reply(&mut s, &["HELLO", "3"]);
    run(
        &mut s,
        1,
        &["SUBSCRIBE", "+monitor", "-monitor", "+reset-master"],
    );
    let event = |channel: &str, payload: &str| {
        Frame::Push(vec![bulk("message"), bulk(channel), bulk(payload)])
    };
    let out = run(
        &mut s,
        1,
        &["SENTINEL", "MONITOR", "mx", "127.0.0.1", "6399", "1"],
    );
    assert_eq!(
        replies_to(&out, 1),
        vec![
            Frame::ok(),
            event("+monitor", "master mx 127.0.0.1 6399 quorum 1")
        ]
    );
    let out = run(&mut s, 1, &["SENTINEL", "RESET", "mx"]);
    assert_eq!(
        replies_to(&out, 1),
        vec![
            event("+reset-master", "master mx 127.0.0.1 6399"),
            Frame::Integer(1)
        ]
    );
    let out = run(&mut s, 1, &["SENTINEL", "REMOVE", "mx"]);
    assert_eq!(
        replies_to(&out, 1),
        vec![event("-monitor", "master mx 127.0.0.1 6399"), Frame::ok()]
    );
}
