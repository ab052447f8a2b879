//! CLIENT and ACL.

use bytes::Bytes;

use super::tests::{bulk, err, field, replies_to, reply, reply_as, run, sentinel, text_of};
use crate::action::{Action, ClientId};
use crate::resp::Frame;

#[test]
fn client_id_name_info_and_list() {
    let mut s = sentinel();
    s.handle_client_connected(
        super::tests::ms(0),
        ClientId(7),
        "10.0.0.1:5000".into(),
        "10.0.0.2:26379".into(),
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
    s.handle_client_closed(super::tests::ms(2), ClientId(2));
    assert_eq!(
        reply_as(&mut s, 2, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
}

#[test]
fn client_kill_forms_and_errors() {
    let mut s = sentinel();
    s.handle_client_connected(
        super::tests::ms(0),
        ClientId(1),
        "127.0.0.1:1".into(),
        "l:1".into(),
    );
    s.handle_client_connected(
        super::tests::ms(0),
        ClientId(2),
        "127.0.0.1:2".into(),
        "l:1".into(),
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
    assert_eq!(
        reply(&mut s, &["CLIENT", "PAUSE", "10", "x"]),
        err("ERR syntax error")
    );
    assert_eq!(reply(&mut s, &["CLIENT", "UNPAUSE"]), Frame::ok());
    assert_eq!(reply(&mut s, &["CLIENT", "NO-EVICT", "on"]), Frame::ok());
    assert_eq!(
        reply(&mut s, &["CLIENT", "NO-EVICT", "x"]),
        err("ERR syntax error")
    );
    assert_eq!(reply(&mut s, &["CLIENT", "GETREDIR"]), Frame::Integer(-1));
    let ti = reply(&mut s, &["CLIENT", "TRACKINGINFO"]);
    assert_eq!(super::tests::pairs(&ti)[0].1, Frame::Set(vec![bulk("off")]));
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
fn acl_users_lifecycle() {
    let mut s = sentinel();
    assert_eq!(
        reply(
            &mut s,
            &[
                "ACL",
                "SETUSER",
                "sentinel-user",
                "ON",
                ">pw",
                "allchannels",
                "+@all"
            ]
        ),
        Frame::ok()
    );
    assert_eq!(
        reply(&mut s, &["ACL", "USERS"]),
        Frame::Array(vec![bulk("default"), bulk("sentinel-user")])
    );
    let u = reply(&mut s, &["ACL", "GETUSER", "sentinel-user"]);
    assert_eq!(field(&u, "commands").as_deref(), Some("+@all"));
    assert_eq!(field(&u, "channels").as_deref(), Some("&*"));
    assert_eq!(
        reply(&mut s, &["ACL", "GETUSER", "nobody"]),
        Frame::NullBulk
    );
    let Frame::Array(list) = reply(&mut s, &["ACL", "LIST"]) else {
        panic!()
    };
    assert_eq!(
        list[0],
        bulk("user default on nopass sanitize-payload ~* &* +@all")
    );
    assert!(text_of(&list[1]).starts_with("user sentinel-user on sanitize-payload #"));
    assert_eq!(
        reply(&mut s, &["ACL", "SETUSER", "x", "+nosuch"]),
        err("ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL")
    );
    // A client authenticated as a deleted user is disconnected.
    assert_eq!(
        reply_as(&mut s, 2, &["AUTH", "sentinel-user", "pw"]),
        Frame::ok()
    );
    let out = run(&mut s, 1, &["ACL", "DELUSER", "sentinel-user", "nobody"]);
    assert_eq!(
        out[0],
        Action::Reply {
            client: ClientId(1),
            frame: Frame::Integer(1)
        }
    );
    assert_eq!(
        out[1],
        Action::CloseClient {
            client: ClientId(2)
        }
    );
    assert_eq!(
        reply(&mut s, &["ACL", "DELUSER", "default"]),
        err("ERR The 'default' user cannot be removed")
    );
}

#[test]
fn acl_permissions_and_other_subcommands() {
    let mut s = sentinel();
    reply(
        &mut s,
        &[
            "ACL",
            "SETUSER",
            "ro",
            "on",
            "nopass",
            "-@all",
            "+ping",
            "+sentinel|masters",
        ],
    );
    assert_eq!(reply_as(&mut s, 2, &["AUTH", "ro", "x"]), Frame::ok());
    assert_eq!(
        reply_as(&mut s, 2, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
    assert_eq!(
        reply_as(&mut s, 2, &["SENTINEL", "MASTERS"]),
        Frame::Array(vec![])
    );
    assert_eq!(
        reply_as(&mut s, 2, &["SENTINEL", "RESET", "*"]),
        err("NOPERM this user has no permissions to run the 'sentinel|reset' command")
    );
    assert_eq!(reply(&mut s, &["ACL", "DRYRUN", "ro", "ping"]), Frame::ok());
    assert_eq!(
        reply(&mut s, &["ACL", "DRYRUN", "ro", "sentinel", "reset", "*"]),
        bulk("This user has no permissions to run the 'sentinel|reset' command")
    );
    assert_eq!(
        reply(&mut s, &["ACL", "DRYRUN", "nobody", "ping"]),
        err("ERR User 'nobody' not found")
    );
    assert_eq!(
        reply(&mut s, &["ACL", "DRYRUN", "ro", "nosuch"]),
        err("ERR Command 'nosuch' not found")
    );
    let Frame::Array(cats) = reply(&mut s, &["ACL", "CAT"]) else {
        panic!()
    };
    assert!(cats.contains(&bulk("admin")) && cats.contains(&bulk("pubsub")));
    let Frame::Array(pubsub) = reply(&mut s, &["ACL", "CAT", "pubsub"]) else {
        panic!()
    };
    assert_eq!(pubsub.len(), 5);
    assert_eq!(
        reply(&mut s, &["ACL", "CAT", "nope"]),
        err("ERR Unknown category 'nope'")
    );
    assert_eq!(text_of(&reply(&mut s, &["ACL", "GENPASS"])).len(), 64);
    assert_eq!(text_of(&reply(&mut s, &["ACL", "GENPASS", "5"])).len(), 2);
    assert!(reply(&mut s, &["ACL", "GENPASS", "0"]).is_error());
    assert_eq!(reply(&mut s, &["ACL", "LOG"]), Frame::Array(vec![]));
    assert_eq!(reply(&mut s, &["ACL", "LOG", "RESET"]), Frame::ok());
    assert!(text_of(&Frame::bulk("")).is_empty());
    for sub in ["SAVE", "LOAD"] {
        let r = reply(&mut s, &["ACL", sub]);
        assert!(
            matches!(&r, Frame::Error(e) if e.starts_with(b"ERR This Redis instance is not configured to use an ACL file"))
        );
    }
    // Channel permissions apply to SUBSCRIBE.
    reply(
        &mut s,
        &[
            "ACL",
            "SETUSER",
            "ch",
            "on",
            "nopass",
            "+@all",
            "resetchannels",
            "&+switch-master",
        ],
    );
    reply_as(&mut s, 3, &["AUTH", "ch", "x"]);
    assert_eq!(
        reply_as(&mut s, 3, &["SUBSCRIBE", "+sdown"]),
        err("NOPERM this user has no permissions to access one of the channels used as arguments")
    );
    assert_eq!(
        reply_as(&mut s, 3, &["PUBLISH", "__sentinel__:hello", "x"]),
        err("NOPERM this user has no permissions to access one of the channels used as arguments")
    );
    assert_eq!(
        reply_as(&mut s, 3, &["SUBSCRIBE", "+switch-master"]),
        Frame::Array(vec![
            bulk("subscribe"),
            bulk("+switch-master"),
            Frame::Integer(1)
        ])
    );
}
