//! ACL subcommands and permission checks.

use super::*;

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
    assert_eq!(list[0], bulk("user default on nopass ~* &* +@all"));
    assert!(text_of(&list[1]).starts_with("user sentinel-user on #"));
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
fn acl_deluser_with_default_among_the_names_deletes_none() {
    let mut s = sentinel();
    reply(&mut s, &["ACL", "SETUSER", "a", "on", "nopass", "+@all"]);
    assert_eq!(reply_as(&mut s, 2, &["AUTH", "a", "x"]), Frame::ok());
    let out = run(&mut s, 1, &["ACL", "DELUSER", "a", "default"]);
    assert_eq!(
        out,
        [Action::Reply {
            client: ClientId(1),
            frame: err("ERR The 'default' user cannot be removed")
        }],
        "no reply but the error, and a's client stays connected"
    );
    assert_eq!(
        reply(&mut s, &["ACL", "USERS"]),
        Frame::Array(vec![bulk("a"), bulk("default")])
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

#[test]
fn acl_getuser_flags_and_password_hashes() {
    let mut s = sentinel();
    let hash = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b";
    assert_eq!(
        reply(&mut s, &["ACL", "SETUSER", "h", "off", &format!("#{hash}")]),
        Frame::ok()
    );
    let u = reply(&mut s, &["ACL", "GETUSER", "h"]);
    let p = pairs(&u);
    assert_eq!(p[0].1, Frame::Array(vec![bulk("off")]));
    assert_eq!(p[1].1, Frame::Array(vec![bulk(hash)]));
    assert_eq!(
        reply(&mut s, &["ACL", "SETUSER", "h", "#nothex"]),
        err(
            "ERR Error in ACL SETUSER modifier '#nothex': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
        )
    );
    assert_eq!(
        reply(&mut s, &["ACL", "SETUSER", "h", "<other"]),
        err(
            "ERR Error in ACL SETUSER modifier '<other': The password you are trying to remove from the user does not exist"
        )
    );
    // The hash is sha256("secret"): the user can log in once enabled.
    reply(&mut s, &["ACL", "SETUSER", "h", "on", "+@all"]);
    assert_eq!(reply_as(&mut s, 2, &["AUTH", "h", "secret"]), Frame::ok());
    assert_eq!(
        reply(&mut s, &["ACL", "SETUSER", "h", "<secret"]),
        Frame::ok()
    );
    assert_eq!(
        reply_as(&mut s, 3, &["AUTH", "h", "secret"]),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
}

#[test]
fn acl_log_records_failed_logins_and_denials() {
    let mut s = sentinel();
    assert_eq!(reply(&mut s, &["ACL", "LOG"]), Frame::Array(vec![]));
    reply(
        &mut s,
        &["ACL", "SETUSER", "ro", "on", "nopass", "-@all", "+ping"],
    );
    reply_as(&mut s, 2, &["AUTH", "ro", "x"]);
    reply_as(&mut s, 2, &["SENTINEL", "MYID"]);
    reply_as(&mut s, 3, &["AUTH", "nobody", "pw"]);
    reply_as(&mut s, 3, &["AUTH", "nobody", "pw"]);
    let Frame::Array(log) = reply(&mut s, &["ACL", "LOG"]) else {
        panic!()
    };
    assert_eq!(log.len(), 2);
    let keys: Vec<String> = pairs(&log[0]).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "count",
            "reason",
            "context",
            "object",
            "username",
            "age-seconds",
            "client-info"
        ]
    );
    assert_eq!(pairs(&log[0])[0].1, Frame::Integer(2));
    assert_eq!(field(&log[0], "reason").as_deref(), Some("auth"));
    assert_eq!(field(&log[0], "object").as_deref(), Some("AUTH"));
    assert_eq!(field(&log[0], "username").as_deref(), Some("nobody"));
    assert_eq!(field(&log[1], "reason").as_deref(), Some("command"));
    assert_eq!(field(&log[1], "object").as_deref(), Some("sentinel|myid"));
    assert!(field(&log[1], "client-info").unwrap().starts_with("id=2 "));
    let Frame::Array(one) = reply(&mut s, &["ACL", "LOG", "1"]) else {
        panic!()
    };
    assert_eq!(one.len(), 1);
    assert_eq!(
        reply(&mut s, &["ACL", "LOG", "-1"]),
        err("ERR value is out of range, must be positive")
    );
    assert_eq!(reply(&mut s, &["ACL", "LOG", "RESET"]), Frame::ok());
    assert_eq!(reply(&mut s, &["ACL", "LOG"]), Frame::Array(vec![]));
}

/// A sentinel configured with `aclfile users.acl` whose users are `file` (as loaded at
/// start-up).
fn with_aclfile(file: &str) -> Sentinel {
    let mut cfg = crate::config::ConfigFile::default();
    cfg.server.aclfile = Some("users.acl".into());
    let mut s = sentinel();
    s.apply_client_config(&cfg).unwrap();
    *s.acl_mut() = crate::acl::file::parse("users.acl", file).unwrap();
    s
}

fn drain(s: &mut Sentinel) -> Vec<Action> {
    std::iter::from_fn(|| s.poll_action()).collect()
}

/// Runs `ACL LOAD` or `ACL SAVE` for client 1 and returns the file action it asked for.
fn file_action(s: &mut Sentinel, sub: &str) -> Action {
    let out = run(s, 1, &["ACL", sub]);
    assert_eq!(out.len(), 1, "{out:?}");
    out.into_iter().next().unwrap()
}

#[test]
fn acl_load_replaces_the_users_and_disconnects_their_clients() {
    let mut s = with_aclfile("user alice on >pw +@all\nuser bob on nopass +@all");
    assert_eq!(reply_as(&mut s, 2, &["AUTH", "alice", "pw"]), Frame::ok());
    assert_eq!(reply_as(&mut s, 3, &["AUTH", "bob", "x"]), Frame::ok());
    assert_eq!(reply_as(&mut s, 4, &["PING"]), Frame::Simple("PONG".into()));
    // Client 1 is alice too: it is answered, then disconnected.
    assert_eq!(reply(&mut s, &["AUTH", "alice", "pw"]), Frame::ok());
    let Action::ReadAclFile { token, path } = file_action(&mut s, "LOAD") else {
        panic!("not a read");
    };
    assert_eq!(path, "users.acl");
    // A command sent behind ACL LOAD waits for it (it needs the new users).
    assert!(run(&mut s, 1, &["AUTH", "carol", "pw2"]).is_empty());
    s.handle_acl_file_read(
        ms(2_000),
        token,
        Ok(b"user bob on nopass +@all\nuser carol on >pw2 +@all\n"),
    );
    let out = drain(&mut s);
    assert_eq!(
        out,
        [
            Action::Reply {
                client: ClientId(1),
                frame: Frame::ok()
            },
            // Every client of a user other than default, even bob's whose user is unchanged
            // (redis-server 7.0.15 does the same).
            Action::CloseClient {
                client: ClientId(1)
            },
            Action::CloseClient {
                client: ClientId(2)
            },
            Action::CloseClient {
                client: ClientId(3)
            },
        ],
        "the deferred AUTH of a disconnected client is dropped"
    );
    assert_eq!(
        reply_as(&mut s, 4, &["ACL", "USERS"]),
        Frame::Array(vec![bulk("bob"), bulk("carol"), bulk("default")])
    );
    assert_eq!(reply_as(&mut s, 5, &["AUTH", "carol", "pw2"]), Frame::ok());
}

#[test]
fn commands_behind_acl_load_run_after_it_in_order() {
    let mut s = with_aclfile("");
    let Action::ReadAclFile { token, .. } = file_action(&mut s, "LOAD") else {
        panic!("not a read");
    };
    assert!(run(&mut s, 1, &["AUTH", "carol", "pw"]).is_empty());
    assert!(run(&mut s, 1, &["ACL", "WHOAMI"]).is_empty());
    // Other clients are not held up.
    assert_eq!(reply_as(&mut s, 2, &["PING"]), Frame::Simple("PONG".into()));
    s.handle_acl_file_read(ms(2_000), token, Ok(b"user carol on >pw +@all"));
    assert_eq!(
        replies_to(&drain(&mut s), 1),
        [Frame::ok(), Frame::ok(), bulk("carol")]
    );
    // The client is no longer waiting.
    assert_eq!(reply(&mut s, &["PING"]), Frame::Simple("PONG".into()));
}

#[test]
fn a_file_with_errors_changes_nothing_and_says_why() {
    let mut s = with_aclfile("user alice on >pw +@all");
    assert_eq!(reply_as(&mut s, 2, &["AUTH", "alice", "pw"]), Frame::ok());
    let Action::ReadAclFile { token, .. } = file_action(&mut s, "LOAD") else {
        panic!("not a read");
    };
    s.handle_acl_file_read(
        ms(2_000),
        token,
        Ok(b"user alice on >pw +@all\nuser bob on +nosuch\n"),
    );
    assert_eq!(
        drain(&mut s),
        [Action::Reply {
            client: ClientId(1),
            frame: err(
                "ERR users.acl:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
            )
        }],
        "alice's client stays"
    );
    assert_eq!(
        reply(&mut s, &["ACL", "USERS"]),
        Frame::Array(vec![bulk("alice"), bulk("default")])
    );
    let Action::ReadAclFile { token, .. } = file_action(&mut s, "LOAD") else {
        panic!("not a read");
    };
    s.handle_acl_file_read(ms(2_000), token, Err("No such file or directory"));
    assert_eq!(
        replies_to(&drain(&mut s), 1),
        [err(
            "ERR Error loading ACLs, opening file 'users.acl': No such file or directory"
        )]
    );
    assert_eq!(reply_as(&mut s, 3, &["AUTH", "alice", "pw"]), Frame::ok());
}

#[test]
fn acl_save_writes_the_users_as_they_were_at_the_command() {
    let mut s = with_aclfile("user alice on >pw +@all");
    let Action::WriteAclFile {
        token,
        path,
        contents,
    } = file_action(&mut s, "SAVE")
    else {
        panic!("not a write");
    };
    assert_eq!(path, "users.acl");
    let Frame::Array(list) = reply_as(&mut s, 2, &["ACL", "LIST"]) else {
        panic!("ACL LIST")
    };
    let lines: Vec<String> = list.iter().map(text_of).collect();
    assert_eq!(contents, lines.join("\n") + "\n");
    // Sent behind the SAVE: runs after it is answered, so it is not in the file either way.
    assert!(run(&mut s, 1, &["ACL", "SETUSER", "x"]).is_empty());
    s.handle_acl_file_written(ms(2_000), token, true);
    assert_eq!(replies_to(&drain(&mut s), 1), [Frame::ok(), Frame::ok()]);

    let Action::WriteAclFile {
        token, contents, ..
    } = file_action(&mut s, "SAVE")
    else {
        panic!("not a write");
    };
    assert!(
        contents.contains("user x off resetchannels -@all\n"),
        "{contents}"
    );
    s.handle_acl_file_written(ms(2_000), token, false);
    assert_eq!(
        replies_to(&drain(&mut s), 1),
        [err(
            "ERR There was an error trying to save the ACLs. Please check the server logs for more information"
        )]
    );
}

#[test]
fn too_many_commands_behind_acl_load_disconnect_the_client() {
    let mut s = sentinel_with(Limits {
        deferred_commands_max: 2,
        ..Limits::default()
    });
    let mut cfg = crate::config::ConfigFile::default();
    cfg.server.aclfile = Some("users.acl".into());
    s.apply_client_config(&cfg).unwrap();
    let Action::ReadAclFile { token, .. } = file_action(&mut s, "LOAD") else {
        panic!("not a read");
    };
    assert!(run(&mut s, 1, &["PING"]).is_empty());
    assert!(run(&mut s, 1, &["PING"]).is_empty());
    assert_eq!(
        run(&mut s, 1, &["PING"]),
        [Action::CloseClient {
            client: ClientId(1)
        }]
    );
    // The answer finds the client gone: the file still loads, nobody is answered.
    s.handle_client_closed(ms(1_500), ClientId(1));
    s.handle_acl_file_read(ms(2_000), token, Ok(b"user z on nopass"));
    assert!(drain(&mut s).is_empty());
    assert_eq!(
        reply_as(&mut s, 2, &["ACL", "USERS"]),
        Frame::Array(vec![bulk("default"), bulk("z")])
    );
    // An answer nobody asked for is ignored.
    s.handle_acl_file_written(ms(2_000), 999, true);
    assert!(drain(&mut s).is_empty());
}

/// Key and channel rules as 7.0.15 takes and lists them (every line from the real binary).
#[test]
fn acl_patterns_list_merge_and_refuse_as_7_0_15() {
    let mut s = sentinel();
    let setuser = |s: &mut Sentinel, name: &str, rules: &[&str]| {
        let mut a = vec!["ACL", "SETUSER", name];
        a.extend_from_slice(rules);
        reply(s, &a)
    };
    for (name, rules) in [
        ("u1", &["on", "&a*", "&b", "~k", "+@all"][..]),
        ("u2", &["resetchannels", "&x"]),
        ("u3", &["allchannels"]),
        ("u4", &["&x", "resetchannels"]),
        (
            "v1",
            &[
                "~x", "~x", "%R~y", "%R~y", "%W~y", "%RW~z", "~z", "&c", "&c",
            ],
        ),
        ("v3", &["%R~*", "%W~*"]),
        ("w1", &["%R~", "%R", "%rw~a", "%WR~a", "~", "%R~a~b"]),
        ("w2", &["%R~*", "~*"]),
        ("w3", &["%RW~*", "~x"]),
        ("w4", &["%r~r", "%w~w"]),
    ] {
        assert_eq!(setuser(&mut s, name, rules), Frame::ok(), "{name}");
    }
    let Frame::Array(list) = reply(&mut s, &["ACL", "LIST"]) else {
        panic!()
    };
    let list: Vec<String> = list.iter().map(text_of).collect();
    assert_eq!(
        list,
        [
            "user default on nopass ~* &* +@all",
            "user u1 on ~k resetchannels &a* &b +@all",
            "user u2 off resetchannels &x -@all",
            "user u3 off &* -@all",
            "user u4 off resetchannels -@all",
            "user v1 off ~x ~y ~z resetchannels &c -@all",
            "user v3 off ~* resetchannels -@all",
            "user w1 off ~ ~a %R~a~b resetchannels -@all",
            "user w2 off ~* resetchannels -@all",
            "user w3 off ~* ~x resetchannels -@all",
            "user w4 off %R~r %W~w resetchannels -@all",
        ]
    );
    let u1 = reply(&mut s, &["ACL", "GETUSER", "u1"]);
    assert_eq!(field(&u1, "keys").as_deref(), Some("~k"));
    assert_eq!(field(&u1, "channels").as_deref(), Some("&a* &b"));
    let keys = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    let channels = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    for (rules, bad, why) in [
        (&["allkeys", "~x"][..], "~x", keys),
        (&["~*", "~x"], "~x", keys),
        (&["allkeys", "%R~x"], "%R~x", keys),
        (&["allchannels", "&x"], "&x", channels),
        (&["&*", "&x"], "&x", channels),
        (&["&x", "allchannels", "&y"], "&y", channels),
        (&["%"], "%", "Syntax error"),
        (&["%X~a"], "%X~a", "Syntax error"),
        (&["%~a"], "%~a", "Syntax error"),
        (&["%RR~a"], "%RR~a", "Syntax error"),
    ] {
        assert_eq!(
            setuser(&mut s, "bad", rules),
            err(&format!("ERR Error in ACL SETUSER modifier '{bad}': {why}")),
            "{rules:?}"
        );
    }
    assert_eq!(reply(&mut s, &["ACL", "GETUSER", "bad"]), Frame::NullBulk);
    assert_eq!(
        reply(&mut s, &["ACL", "CAT", "FooBar"]),
        err("ERR Unknown category 'FooBar'")
    );
    assert_eq!(
        reply(&mut s, &["ACL", "CAT", "Foo Bar"]),
        err("ERR Unknown category 'Foo Bar'")
    );
}
