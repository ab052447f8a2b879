//! CLIENT subcommands.

use super::*;

#[test]
fn client_id_name_info_and_list() {
    let mut s = sentinel();
    s.handle_client_connected(
        super::ms(0),
        ClientId(7),
        tcp("10.0.0.1:5000".into(), "10.0.0.2:26379".into()),
    );
    assert_eq!(reply_as(&mut s, 7, &["CLIENT", "ID"]), Frame::Integer(7));
    assert_eq!(reply_as(&mut s, 7, &["CLIENT", "GETNAME"]), Frame::NullBulk);
    assert_eq!(
        reply_as(&mut s, 7, &["CLIENT", "SETNAME", "bad name"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(
        reply_as(&mut s, 7, &["CLIENT", "SETNAME", "jedis"]),
        Frame::ok()
    );
    assert_eq!(reply_as(&mut s, 7, &["CLIENT", "GETNAME"]), bulk("jedis"));
    let info = text_of(&reply_as(&mut s, 7, &["CLIENT", "INFO"]));
    assert!(
        info.starts_with("id=7 addr=10.0.0.1:5000 laddr=10.0.0.2:26379 "),
        "{info}"
    );
    assert!(
        info.contains(" name=jedis ")
            && info.contains(" cmd=client|info ")
            && info.ends_with(" resp=2\n")
    );
    run(&mut s, 8, &["SUBSCRIBE", "x"]);
    let list = text_of(&reply_as(&mut s, 7, &["CLIENT", "LIST"]));
    assert_eq!(list.lines().count(), 2);
    let pubsub = text_of(&reply_as(&mut s, 7, &["CLIENT", "LIST", "TYPE", "pubsub"]));
    assert!(
        pubsub.starts_with("id=8 ") && pubsub.contains(" flags=P ") && pubsub.lines().count() == 1
    );
    assert_eq!(
        reply_as(&mut s, 7, &["CLIENT", "LIST", "TYPE", "bogus"]),
        err("ERR Unknown client type 'bogus'")
    );
    assert_eq!(
        reply_as(&mut s, 7, &["CLIENT", "LIST", "ID", "x"]),
        err("ERR Invalid client ID")
    );
    let by_id = text_of(&reply_as(&mut s, 7, &["CLIENT", "LIST", "ID", "8"]));
    assert!(by_id.starts_with("id=8 "));
}

#[test]
fn client_kill_user_default_skipme_no_closes_everyone() {
    let mut s = sentinel();
    for id in 1..=3 {
        reply_as(&mut s, id, &["PING"]);
    }
    let out = run(
        &mut s,
        1,
        &["CLIENT", "KILL", "USER", "default", "SKIPME", "no"],
    );
    assert_eq!(
        out[0],
        Action::Reply {
            client: ClientId(1),
            frame: Frame::Integer(3)
        }
    );
    let closed: Vec<u64> = out
        .iter()
        .filter_map(|a| match a {
            Action::CloseClient { client } => Some(client.0),
            _ => None,
        })
        .collect();
    assert_eq!(closed, vec![1, 2, 3]);
    // Killed clients' later commands are ignored until the driver reports them closed.
    assert!(run(&mut s, 2, &["PING"]).is_empty());
    s.handle_client_closed(super::ms(2), ClientId(2));
    assert_eq!(
        reply_as(&mut s, 2, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
}

#[test]
fn client_kill_forms_and_errors() {
    let mut s = sentinel();
    s.handle_client_connected(
        super::ms(0),
        ClientId(1),
        tcp("127.0.0.1:1".into(), "127.0.0.1:26379".into()),
    );
    s.handle_client_connected(
        super::ms(0),
        ClientId(2),
        tcp("127.0.0.1:2".into(), "127.0.0.1:26379".into()),
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "KILL", "127.0.0.1:9"]),
        err("ERR No such client")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "KILL", "USER", "nobody"]),
        err("ERR No such user 'nobody'")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "KILL", "TYPE", "x"]),
        err("ERR Unknown client type 'x'")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "KILL", "ID", "0"]),
        err("ERR client-id should be greater than 0")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "KILL", "SKIPME", "maybe"]),
        err("ERR syntax error")
    );
    // Three arguments are the old form: `ID` is taken as an address.
    assert_eq!(
        reply(&mut s, &["CLIENT", "KILL", "ID"]),
        err("ERR No such client")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "KILL"]),
        err("ERR wrong number of arguments for 'client|kill' command")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "KILL", "ID", "1", "x"]),
        err("ERR syntax error")
    );
    // SKIPME defaults to yes in the new form.
    assert_eq!(
        reply(&mut s, &["CLIENT", "KILL", "ID", "1", "TYPE", "normal"]),
        Frame::Integer(0)
    );
    let out = run(&mut s, 1, &["CLIENT", "KILL", "127.0.0.1:2"]);
    assert_eq!(
        out,
        vec![
            Action::Reply {
                client: ClientId(1),
                frame: Frame::ok()
            },
            Action::CloseClient {
                client: ClientId(2)
            },
        ]
    );
}

#[test]
fn client_reply_pause_tracking_and_misc() {
    let mut s = sentinel();
    assert!(replies_to(&run(&mut s, 1, &["CLIENT", "REPLY", "OFF"]), 1).is_empty());
    assert!(replies_to(&run(&mut s, 1, &["PING"]), 1).is_empty());
    assert_eq!(reply(&mut s, &["CLIENT", "REPLY", "ON"]), Frame::ok());
    assert!(replies_to(&run(&mut s, 1, &["CLIENT", "REPLY", "SKIP"]), 1).is_empty());
    assert!(replies_to(&run(&mut s, 1, &["PING"]), 1).is_empty());
    assert_eq!(
        reply(&mut s, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "REPLY", "maybe"]),
        err("ERR syntax error")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "PAUSE", "x"]),
        err("ERR timeout is not an integer or out of range")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "PAUSE", "-1"]),
        err("ERR timeout is negative")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "PAUSE", "10", "WRITE"]),
        Frame::ok()
    );
    // 7.0.15: the mode is checked before the timeout; extra arguments are a wrong count.
    assert_eq!(
        reply(&mut s, &["CLIENT", "PAUSE", "10", "x"]),
        err("ERR CLIENT PAUSE mode must be WRITE or ALL")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "PAUSE", "x", "FOO"]),
        err("ERR CLIENT PAUSE mode must be WRITE or ALL")
    );
    assert_eq!(
        reply(&mut s, &["client", "pAuse", "1", "2", "3"]),
        err("ERR unknown subcommand or wrong number of arguments for 'pAuse'. Try CLIENT HELP.")
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "PAUSE", "9223372036854775807", "all"]),
        Frame::ok()
    );
    assert_eq!(reply(&mut s, &["CLIENT", "UNPAUSE"]), Frame::ok());
    assert_eq!(reply(&mut s, &["CLIENT", "NO-EVICT", "on"]), Frame::ok());
    assert_eq!(
        reply(&mut s, &["CLIENT", "NO-EVICT", "x"]),
        err("ERR syntax error")
    );
    assert_eq!(reply(&mut s, &["CLIENT", "GETREDIR"]), Frame::Integer(-1));
    let ti = reply(&mut s, &["CLIENT", "TRACKINGINFO"]);
    assert_eq!(super::pairs(&ti)[0].1, Frame::Set(vec![bulk("off")]));
    assert_eq!(reply(&mut s, &["CLIENT", "TRACKING", "on"]), Frame::ok());
    assert_eq!(reply(&mut s, &["CLIENT", "GETREDIR"]), Frame::Integer(0));
    assert!(reply(&mut s, &["CLIENT", "CACHING", "yes"]).is_error());
    assert_eq!(
        reply(&mut s, &["CLIENT", "UNBLOCK", "5"]),
        Frame::Integer(0)
    );
    assert_eq!(
        reply(&mut s, &["CLIENT", "UNBLOCK", "5", "x"]),
        err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    );
    let Frame::Array(help) = reply(&mut s, &["CLIENT", "HELP"]) else {
        panic!()
    };
    assert_eq!(
        help[0],
        Frame::Simple(Bytes::from_static(
            b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
        ))
    );
}

#[test]
fn setname_empty_clears_and_list_type_normal_excludes_pubsub() {
    let mut s = sentinel();
    reply(&mut s, &["CLIENT", "SETNAME", "x"]);
    assert_eq!(reply(&mut s, &["CLIENT", "SETNAME", ""]), Frame::ok());
    assert_eq!(reply(&mut s, &["CLIENT", "GETNAME"]), Frame::NullBulk);
    run(&mut s, 2, &["SUBSCRIBE", "c"]);
    let normal = text_of(&reply(&mut s, &["CLIENT", "LIST", "TYPE", "normal"]));
    assert!(normal.starts_with("id=1 ") && normal.lines().count() == 1);
    let master = text_of(&reply(&mut s, &["CLIENT", "LIST", "TYPE", "master"]));
    assert!(master.is_empty());
    assert_eq!(
        reply(&mut s, &["CLIENT", "LIST", "bogus"]),
        err("ERR syntax error")
    );
}

#[test]
fn unix_socket_and_ipv6_clients_in_client_list() {
    let mut s = sentinel();
    s.handle_client_connected(
        super::ms(0),
        ClientId(1),
        ClientOrigin::Unix {
            path: "/tmp/s.sock".into(),
        },
    );
    let info = text_of(&reply_as(&mut s, 1, &["CLIENT", "INFO"]));
    assert!(
        info.starts_with("id=1 addr=/tmp/s.sock:0 laddr=/tmp/s.sock:0 fd=-1 name= "),
        "{info}"
    );
    assert!(info.contains(" flags=U "), "{info}");
    s.handle_client_connected(
        super::ms(0),
        ClientId(2),
        tcp("[::1]:4000".into(), "[::1]:26379".into()),
    );
    let info = text_of(&reply_as(&mut s, 2, &["CLIENT", "INFO"]));
    assert!(
        info.starts_with("id=2 addr=[::1]:4000 laddr=[::1]:26379 ") && info.contains(" flags=N "),
        "{info}"
    );
}
