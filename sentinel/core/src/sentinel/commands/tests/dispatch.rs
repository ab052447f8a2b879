//! Command lookup, arity, the authentication gate, HELLO, COMMAND, SHUTDOWN, client limits.

use super::*;

#[test]
fn command_count_and_list_match_7_0_15() {
    let mut s = sentinel();
    assert_eq!(reply(&mut s, &["COMMAND", "COUNT"]), Frame::Integer(15));
    let Frame::Array(list) = reply(&mut s, &["command", "list"]) else {
        panic!()
    };
    assert_eq!(list.len(), 72);
    for name in [
        "sentinel|set",
        "client|kill",
        "acl|dryrun",
        "command|getkeysandflags",
        "sentinel|slaves",
    ] {
        assert!(list.contains(&bulk(name)), "{name}");
    }
    let Frame::Array(all) = reply(&mut s, &["COMMAND"]) else {
        panic!()
    };
    assert_eq!(all.len(), 15);
    let Frame::Array(f) = reply(
        &mut s,
        &["command", "list", "filterby", "pattern", "sentinel*"],
    ) else {
        panic!()
    };
    assert_eq!(f.len(), 22);
}

#[test]
fn command_info_docs_and_getkeys() {
    let mut s = sentinel();
    let Frame::Array(info) = reply(&mut s, &["COMMAND", "INFO", "sentinel", "nosuch"]) else {
        panic!()
    };
    // 7.0.15 answers an unknown name with `$-1` (RESP2), not `*-1`.
    assert_eq!(info[1], Frame::NullBulk);
    let Frame::Array(entry) = &info[0] else {
        panic!()
    };
    assert_eq!(entry.len(), 10);
    assert_eq!(entry[0], bulk("sentinel"));
    assert_eq!(entry[1], Frame::Integer(-2));
    let Frame::Array(subs) = &entry[9] else {
        panic!()
    };
    assert_eq!(subs.len(), 21);
    let docs = reply(&mut s, &["COMMAND", "DOCS", "ping"]);
    let Frame::Map(d) = docs else { panic!() };
    assert_eq!(d[0].0, bulk("ping"));
    assert_eq!(
        reply(&mut s, &["COMMAND", "GETKEYS", "ping", "x"]),
        err("ERR The command has no key arguments")
    );
    assert_eq!(
        reply(&mut s, &["COMMAND", "GETKEYS", "nosuch", "x"]),
        err("ERR Invalid command specified")
    );
    // 7.0.15 (real binary): "no key arguments" comes before the command's arity, and an
    // unknown subcommand of a container is an invalid command.
    for a in [
        &["COMMAND", "GETKEYS", "role", "x"][..],
        &["COMMAND", "GETKEYS", "sentinel", "masters", "a"],
        &["COMMAND", "GETKEYSANDFLAGS", "auth", "a", "b", "c"],
    ] {
        assert_eq!(
            reply(&mut s, a),
            err("ERR The command has no key arguments"),
            "{a:?}"
        );
    }
    for a in [
        &["COMMAND", "GETKEYS", "sentinel", "a"][..],
        &["COMMAND", "GETKEYS", "sentinel|masters", "a"],
        &["COMMAND", "GETKEYSANDFLAGS", "nosuch", "a"],
    ] {
        assert_eq!(
            reply(&mut s, a),
            err("ERR Invalid command specified"),
            "{a:?}"
        );
    }
    assert_eq!(
        reply(&mut s, &["COMMAND", "GETKEYS", "auth"]),
        err("ERR wrong number of arguments for 'command|getkeys' command")
    );
}

#[test]
fn unknown_commands_subcommands_and_arity_errors() {
    let mut s = sentinel();
    let cases: &[(&[&str], &str)] = &[
        (
            &["foo", "a", "b"],
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' ",
        ),
        (
            &["quit"],
            "ERR unknown command 'quit', with args beginning with: ",
        ),
        (
            &["config", "get", "x"],
            "ERR unknown command 'config', with args beginning with: 'get' 'x' ",
        ),
        (
            &["sentinel", "nope"],
            "ERR unknown subcommand 'nope'. Try SENTINEL HELP.",
        ),
        (
            &["client", "no-touch", "on"],
            "ERR unknown subcommand 'no-touch'. Try CLIENT HELP.",
        ),
        (
            &["client", "setinfo", "lib-name", "x"],
            "ERR unknown subcommand 'setinfo'. Try CLIENT HELP.",
        ),
        (&["acl", "x"], "ERR unknown subcommand 'x'. Try ACL HELP."),
        (
            &["sentinel", "set", "mymaster", "quorum"],
            "ERR wrong number of arguments for 'sentinel|set' command",
        ),
        (
            &["sentinel"],
            "ERR wrong number of arguments for 'sentinel' command",
        ),
        (
            &["sentinel", "masters", "x"],
            "ERR wrong number of arguments for 'sentinel|masters' command",
        ),
        (
            &["sentinel", "monitor", "a", "b", "c"],
            "ERR wrong number of arguments for 'sentinel|monitor' command",
        ),
        (
            &["role", "x"],
            "ERR wrong number of arguments for 'role' command",
        ),
        (
            &["publish", "a"],
            "ERR wrong number of arguments for 'publish' command",
        ),
        (
            &["ping", "a", "b"],
            "ERR wrong number of arguments for 'ping' command",
        ),
        (
            &["client", "setname"],
            "ERR wrong number of arguments for 'client|setname' command",
        ),
        (
            &["subscribe"],
            "ERR wrong number of arguments for 'subscribe' command",
        ),
    ];
    for (a, want) in cases {
        assert_eq!(reply(&mut s, a), err(want), "{a:?}");
    }
}

#[test]
fn noauth_gate_with_requirepass() {
    let mut s = sentinel();
    s.acl_mut().set_requirepass("secret");
    let noauth = err("NOAUTH Authentication required.");
    assert_eq!(reply(&mut s, &["PING"]), noauth);
    assert_eq!(reply(&mut s, &["SENTINEL", "MASTERS"]), noauth);
    // Unknown commands and arity errors come before the gate, as in processCommand.
    assert_eq!(
        reply(&mut s, &["nosuch"]),
        err("ERR unknown command 'nosuch', with args beginning with: ")
    );
    assert_eq!(
        reply(&mut s, &["AUTH", "wrong"]),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
    assert_eq!(
        reply(&mut s, &["AUTH", "a", "b", "c"]),
        err("ERR syntax error")
    );
    assert_eq!(reply(&mut s, &["AUTH", "secret"]), Frame::ok());
    assert_eq!(
        reply(&mut s, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
    assert_eq!(reply(&mut s, &["ACL", "WHOAMI"]), bulk("default"));
    // Another connection still needs to authenticate.
    assert_eq!(reply_as(&mut s, 2, &["PING"]), noauth);
    assert_eq!(
        reply_as(&mut s, 2, &["HELLO", "3"]),
        err(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
        )
    );
    let hello = reply_as(&mut s, 2, &["HELLO", "3", "AUTH", "default", "secret"]);
    assert_eq!(pairs(&hello)[2], ("proto".to_string(), Frame::Integer(3)));
    assert_eq!(s.client_protocol(ClientId(2)), Protocol::Resp3);
}

#[test]
fn auth_without_password_configured() {
    let mut s = sentinel();
    assert_eq!(
        reply(&mut s, &["AUTH", "x"]),
        err(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
        )
    );
    assert_eq!(reply(&mut s, &["AUTH", "default", "anything"]), Frame::ok());
}

#[test]
fn disabled_default_user_locks_new_connections_out() {
    let mut s = sentinel();
    assert_eq!(
        reply(
            &mut s,
            &[
                "ACL",
                "SETUSER",
                "admin",
                "on",
                ">pw",
                "+@all",
                "allchannels"
            ]
        ),
        Frame::ok()
    );
    assert_eq!(
        reply(&mut s, &["ACL", "SETUSER", "default", "off"]),
        Frame::ok()
    );
    // Client 1 stays authenticated; a new one is not.
    assert_eq!(
        reply(&mut s, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
    assert_eq!(
        reply_as(&mut s, 5, &["PING"]),
        err("NOAUTH Authentication required.")
    );
    assert_eq!(reply_as(&mut s, 5, &["AUTH", "admin", "pw"]), Frame::ok());
    assert_eq!(reply_as(&mut s, 5, &["ACL", "WHOAMI"]), bulk("admin"));
}

#[test]
fn hello_map_and_protocol_switch() {
    let mut s = sentinel();
    let h = reply(&mut s, &["HELLO", "3", "SETNAME", "lettuce"]);
    let Frame::Map(m) = &h else { panic!("{h:?}") };
    let keys: Vec<String> = m.iter().map(|(k, _)| text_of(k)).collect();
    assert_eq!(
        keys,
        ["server", "version", "proto", "id", "mode", "modules"]
    );
    assert_eq!(m[0].1, bulk("redis"));
    assert_eq!(m[1].1, bulk("7.0.15"));
    assert_eq!(m[2].1, Frame::Integer(3));
    assert_eq!(m[3].1, Frame::Integer(1));
    assert_eq!(m[4].1, bulk("sentinel"));
    assert_eq!(s.client_protocol(ClientId(1)), Protocol::Resp3);
    assert_eq!(reply(&mut s, &["CLIENT", "GETNAME"]), bulk("lettuce"));
    assert_eq!(
        reply(&mut s, &["HELLO", "4"]),
        err("NOPROTO unsupported protocol version")
    );
    assert_eq!(
        reply(&mut s, &["HELLO", "x"]),
        err("ERR Protocol version is not an integer or out of range")
    );
    assert_eq!(
        reply(&mut s, &["HELLO", "2", "bogus"]),
        err("ERR Syntax error in HELLO option 'bogus'")
    );
    let h = reply(&mut s, &["HELLO", "2"]);
    assert_eq!(pairs(&h)[2].1, Frame::Integer(2));
    assert_eq!(s.client_protocol(ClientId(1)), Protocol::Resp2);
    assert_eq!(s.client_protocol(ClientId(99)), Protocol::Resp2);
}

#[test]
fn shutdown_forms() {
    let mut s = sentinel();
    assert_eq!(
        reply(&mut s, &["SHUTDOWN", "ABORT"]),
        err("ERR No shutdown in progress.")
    );
    assert_eq!(
        reply(&mut s, &["SHUTDOWN", "SAVE", "NOSAVE"]),
        err("ERR syntax error")
    );
    assert_eq!(
        reply(&mut s, &["SHUTDOWN", "ABORT", "NOW"]),
        err("ERR syntax error")
    );
    assert_eq!(
        reply(&mut s, &["SHUTDOWN", "bogus"]),
        err("ERR syntax error")
    );
    for form in [
        &["SHUTDOWN"][..],
        &["SHUTDOWN", "NOSAVE", "NOW", "FORCE"],
        &["shutdown", "save"],
    ] {
        let out = run(&mut s, 1, form);
        assert_eq!(out, vec![Action::Shutdown], "{form:?}");
    }
}

#[test]
fn max_clients_rejects_and_closes() {
    let mut s = sentinel_with(Limits {
        clients_max: 2,
        ..Limits::default()
    });
    for id in 1..=2 {
        s.handle_client_connected(
            ms(0),
            ClientId(id),
            tcp(format!("127.0.0.1:{id}"), "127.0.0.1:26379".into()),
        );
    }
    s.handle_client_connected(
        ms(0),
        ClientId(3),
        tcp("127.0.0.1:3".into(), "127.0.0.1:26379".into()),
    );
    let out: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
    assert_eq!(
        out,
        vec![
            Action::Reply {
                client: ClientId(3),
                frame: err("ERR max number of clients reached")
            },
            Action::CloseClient {
                client: ClientId(3)
            },
        ]
    );
    s.handle_client_closed(ms(1), ClientId(1));
    s.handle_client_connected(
        ms(2),
        ClientId(4),
        tcp("127.0.0.1:4".into(), "127.0.0.1:26379".into()),
    );
    assert_eq!(s.poll_action(), None);
    let i = text_of(&reply_as(&mut s, 2, &["INFO", "stats"]));
    assert!(i.contains("rejected_connections:1\r\n"));
    assert!(i.contains("total_connections_received:3\r\n"));
}

#[test]
fn command_info_and_docs_take_full_names() {
    let mut s = sentinel();
    let Frame::Array(info) = reply(
        &mut s,
        &["COMMAND", "INFO", "sentinel|set", "sentinel|nope"],
    ) else {
        panic!()
    };
    let Frame::Array(entry) = &info[0] else {
        panic!()
    };
    assert_eq!(entry[0], bulk("sentinel|set"));
    assert_eq!(entry[1], Frame::Integer(-5));
    // 7.0.15 answers an unknown name with `$-1` (RESP2), not `*-1`.
    assert_eq!(info[1], Frame::NullBulk);
    let docs = reply(&mut s, &["COMMAND", "DOCS", "client|kill"]);
    let Frame::Map(d) = docs else { panic!() };
    assert_eq!(d[0].0, bulk("client|kill"));
    assert_eq!(field(&d[0].1, "container").as_deref(), Some("client"));
}

#[test]
fn integer_arguments_parse_like_string2ll() {
    use super::super::parse_int;
    let cases: &[(&str, Option<i64>)] = &[
        ("0", Some(0)),
        ("42", Some(42)),
        ("-7", Some(-7)),
        ("9223372036854775807", Some(i64::MAX)),
        ("9223372036854775808", None),
        ("+1", None),
        ("01", None),
        ("-0", None),
        (" 1", None),
        ("1 ", None),
        ("", None),
        ("-", None),
        ("1.5", None),
    ];
    for (text, want) in cases {
        assert_eq!(parse_int(text.as_bytes()), *want, "{text:?}");
    }
}

#[test]
fn unknown_command_error_cuts_long_arguments() {
    let mut s = sentinel();
    let long = "x".repeat(300);
    let r = reply(&mut s, &[&long, &long, "b"]);
    let text = String::from_utf8(match r {
        Frame::Error(e) => e.to_vec(),
        other => panic!("{other:?}"),
    })
    .unwrap();
    let cut = "x".repeat(128);
    assert_eq!(
        text,
        format!("ERR unknown command '{cut}', with args beginning with: '{cut}' ")
    );
}

#[test]
fn empty_requests_get_no_reply_and_closed_clients_lose_held_replies() {
    let mut s = sentinel();
    assert!(run(&mut s, 1, &[]).is_empty());
    s.handle_client_command(ms(0), ClientId(1), args(&["SENTINEL", "FLUSHCONFIG"]));
    let token = match s.poll_action() {
        Some(Action::Persist { token }) => token,
        other => panic!("{other:?}"),
    };
    s.handle_client_closed(ms(1), ClientId(1));
    s.handle_persisted(ms(2), token, true);
    assert_eq!(s.poll_action(), None);
}

#[test]
fn hello_setname_is_validated() {
    let mut s = sentinel();
    assert_eq!(
        reply(&mut s, &["HELLO", "2", "SETNAME", "a b"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(reply(&mut s, &["CLIENT", "GETNAME"]), Frame::NullBulk);
    assert_eq!(
        reply(&mut s, &["HELLO", "3", "AUTH", "default"]),
        err("ERR Syntax error in HELLO option 'AUTH'")
    );
    // HELLO without a version only reports.
    let h = reply(&mut s, &["HELLO"]);
    assert_eq!(pairs(&h)[2].1, Frame::Integer(2));
}

#[test]
fn peer_auth_uses_sentinel_credentials_then_requirepass() {
    let mut s = sentinel();
    assert_eq!(s.peer_auth_args(), None);
    s.set_requirepass("rp");
    assert_eq!(s.peer_auth_args(), Some(args(&["AUTH", "rp"])));
    assert_eq!(
        reply(&mut s, &["PING"]),
        err("NOAUTH Authentication required.")
    );
    reply(&mut s, &["AUTH", "rp"]);
    reply(
        &mut s,
        &["SENTINEL", "CONFIG", "SET", "sentinel-pass", "sp"],
    );
    assert_eq!(s.peer_auth_args(), Some(args(&["AUTH", "sp"])));
    reply(
        &mut s,
        &["SENTINEL", "CONFIG", "SET", "sentinel-user", "su"],
    );
    assert_eq!(s.peer_auth_args(), Some(args(&["AUTH", "su", "sp"])));
    s.set_requirepass("");
    assert_eq!(
        reply_as(&mut s, 9, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
}

#[test]
fn unknown_command_args_share_a_128_byte_budget_and_errors_stay_one_line() {
    let mut s = sentinel();
    let long = "y".repeat(200);
    let r = reply(&mut s, &["nope", "a", &long, "c"]);
    let want = format!(
        "ERR unknown command 'nope', with args beginning with: 'a' '{}' ",
        "y".repeat(124)
    );
    assert_eq!(r, err(&want));
    add_master(&mut s, "mymaster", 6379);
    assert_eq!(
        reply(
            &mut s,
            &["SENTINEL", "SET", "mymaster", "quorum", "1\r\n+OK"]
        ),
        err("ERR Invalid argument '1  +OK' for SENTINEL SET 'quorum'")
    );
}

/// Every HELP reply, line for line as redis-sentinel 7.0.15 prints it (`redis-cli <cmd> help`
/// saved under `redis_7015/`).
#[test]
fn help_texts_match_7_0_15() {
    let mut s = sentinel();
    for (cmd, want) in [
        ("SENTINEL", include_str!("redis_7015/help_sentinel.txt")),
        ("CLIENT", include_str!("redis_7015/help_client.txt")),
        ("ACL", include_str!("redis_7015/help_acl.txt")),
        ("COMMAND", include_str!("redis_7015/help_command.txt")),
    ] {
        let Frame::Array(lines) = reply(&mut s, &[cmd, "help"]) else {
            panic!("{cmd} HELP is not an array")
        };
        let got: Vec<String> = lines
            .iter()
            .map(|l| match l {
                Frame::Simple(b) => String::from_utf8_lossy(b).into_owned(),
                other => panic!("{cmd} HELP line {other:?}"),
            })
            .collect();
        let want: Vec<&str> = want.lines().collect();
        assert_eq!(got, want, "{cmd} HELP");
    }
}

/// HELLO applies its options in the order given, each at once (7.0.15 with `requirepass`,
/// every case from the real binary on a fresh connection).
#[test]
fn hello_options_take_effect_in_order() {
    let mut s = sentinel();
    s.acl_mut().set_requirepass("secret");
    let wrongpass = err("WRONGPASS invalid username-password pair or user is disabled.");
    let bad_name = err("ERR Client names cannot contain spaces, newlines or special characters.");
    let noauth = err("NOAUTH Authentication required.");
    // An AUTH before a bad name fails first, and the other way round.
    let hello = ["HELLO", "3", "AUTH", "default", "wrong", "SETNAME", "a b"];
    assert_eq!(reply_as(&mut s, 10, &hello), wrongpass);
    let hello = ["HELLO", "3", "SETNAME", "a b", "AUTH", "default", "wrong"];
    assert_eq!(reply_as(&mut s, 11, &hello), bad_name);
    let hello = ["HELLO", "3", "AUTH", "default", "wrong", "SETNAME"];
    assert_eq!(reply_as(&mut s, 12, &hello), wrongpass);
    // A bad name before a good AUTH: the AUTH never ran.
    let hello = ["HELLO", "3", "SETNAME", "a b", "AUTH", "default", "secret"];
    assert_eq!(reply_as(&mut s, 13, &hello), bad_name);
    assert_eq!(reply_as(&mut s, 13, &["CLIENT", "GETNAME"]), noauth);
    // A good AUTH and a good name stay even though a later option fails; no RESP3.
    let hello = [
        "HELLO", "3", "AUTH", "default", "secret", "SETNAME", "a", "SETNAME", "b c",
    ];
    assert_eq!(reply_as(&mut s, 14, &hello), bad_name);
    assert_eq!(reply_as(&mut s, 14, &["CLIENT", "GETNAME"]), bulk("a"));
    assert_eq!(s.client_protocol(ClientId(14)), Protocol::Resp2);
    let hello = ["HELLO", "3", "AUTH", "default", "secret", "FOO"];
    assert_eq!(
        reply_as(&mut s, 15, &hello),
        err("ERR Syntax error in HELLO option 'FOO'")
    );
    assert_eq!(
        reply_as(&mut s, 15, &["CLIENT", "GETNAME"]),
        Frame::NullBulk
    );
    // An unauthenticated client is renamed, then refused.
    assert_eq!(
        reply_as(&mut s, 16, &["HELLO", "3", "SETNAME", "ok"]),
        err(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
        )
    );
    assert_eq!(reply_as(&mut s, 16, &["AUTH", "secret"]), Frame::ok());
    assert_eq!(reply_as(&mut s, 16, &["CLIENT", "GETNAME"]), bulk("ok"));
}

/// Whether a client must authenticate is decided per command (7.0.15, two connections to the
/// real binary): a client that connected under a password runs commands as `default` once
/// the default user is nopass, HELLO still wants it authenticated, and a new password locks
/// it out again.
#[test]
fn the_default_users_state_is_checked_per_command() {
    let mut s = sentinel();
    s.acl_mut().set_requirepass("secret");
    let noauth = err("NOAUTH Authentication required.");
    assert_eq!(reply_as(&mut s, 2, &["PING"]), noauth);
    assert!(s.client_auth_required(ClientId(2)));
    assert_eq!(reply_as(&mut s, 1, &["AUTH", "secret"]), Frame::ok());
    assert_eq!(
        reply_as(&mut s, 1, &["ACL", "SETUSER", "default", "nopass"]),
        Frame::ok()
    );
    assert!(!s.client_auth_required(ClientId(2)));
    assert_eq!(
        reply_as(&mut s, 2, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
    assert_eq!(reply_as(&mut s, 2, &["ACL", "WHOAMI"]), bulk("default"));
    assert_eq!(
        reply_as(&mut s, 2, &["HELLO", "3"]),
        err(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
        )
    );
    assert_eq!(
        reply_as(
            &mut s,
            1,
            &["ACL", "SETUSER", "default", "resetpass", ">secret"]
        ),
        Frame::ok()
    );
    assert_eq!(reply_as(&mut s, 2, &["PING"]), noauth);
    assert_eq!(
        reply_as(&mut s, 1, &["PING"]),
        Frame::Simple(Bytes::from_static(b"PONG"))
    );
}

fn protected(requirepass: Option<&str>) -> Sentinel {
    let mut s = sentinel();
    let mut cfg = crate::config::ConfigFile::default();
    cfg.server.protected_mode = true;
    cfg.server.requirepass = requirepass.map(String::from);
    s.apply_client_config(&cfg).expect("config");
    s
}

fn denied(client: u64) -> Vec<Action> {
    vec![
        Action::Reply {
            client: ClientId(client),
            frame: err(crate::sentinel::commands::PROTECTED_MODE_DENIED),
        },
        Action::CloseClient {
            client: ClientId(client),
        },
    ]
}

#[test]
fn protected_mode_denies_non_loopback_clients_without_a_password() {
    let mut s = protected(None);
    // 127.0.0.2 is not loopback for Redis: only 127.0.0.1 and ::1 are.
    for (id, peer) in [
        (1, "127.0.0.2:5000"),
        (2, "10.0.0.1:5000"),
        (3, "[fe80::1]:5000"),
    ] {
        s.handle_client_connected(
            ms(0),
            ClientId(id),
            tcp(peer.into(), "10.0.0.9:26379".into()),
        );
        let out: Vec<Action> = std::iter::from_fn(|| s.poll_action()).collect();
        assert_eq!(out, denied(id), "{peer}");
    }
    for (id, peer) in [(4, "127.0.0.1:5000"), (5, "[::1]:5000")] {
        s.handle_client_connected(
            ms(0),
            ClientId(id),
            tcp(peer.into(), "127.0.0.1:26379".into()),
        );
        assert_eq!(s.poll_action(), None, "{peer}");
    }
    s.handle_client_connected(
        ms(0),
        ClientId(6),
        ClientOrigin::Unix {
            path: "/tmp/s.sock".into(),
        },
    );
    assert_eq!(s.poll_action(), None);
    let i = text_of(&reply_as(&mut s, 4, &["INFO", "stats"]));
    assert!(i.contains("rejected_connections:3\r\n"), "{i}");
    assert!(i.contains("total_connections_received:6\r\n"), "{i}");
}

#[test]
fn protected_mode_lets_anyone_in_with_a_password_or_when_off() {
    let mut s = protected(Some("secret"));
    s.handle_client_connected(
        ms(0),
        ClientId(1),
        tcp("10.0.0.1:5000".into(), "10.0.0.9:26379".into()),
    );
    assert_eq!(s.poll_action(), None);
    let mut s = sentinel();
    s.handle_client_connected(
        ms(0),
        ClientId(1),
        tcp("10.0.0.1:5000".into(), "10.0.0.9:26379".into()),
    );
    assert_eq!(s.poll_action(), None);
}
