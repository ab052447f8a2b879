//! The commands an emulated instance understands: what a sentinel sends (spec §3.1-§3.4) and
//! a few a person poking at it with redis-cli expects. Replies follow redis-server 7.0.

use bytes::{Bytes, BytesMut};
use sentinel_core::resp::{Frame, Protocol, encode};

use super::instance::ConnShared;
use super::model::Fleet;
use super::render;

/// Per-connection protocol state.
pub struct Session {
    pub index: usize,
    pub authed: bool,
    pub multi: Option<Vec<Vec<Bytes>>>,
    pub channels: Vec<Bytes>,
    pub quit: bool,
}

impl Session {
    pub fn new(index: usize, fleet: &Fleet) -> Session {
        Session {
            index,
            authed: fleet.requirepass.is_none(),
            multi: None,
            channels: Vec::new(),
            quit: false,
        }
    }
}

fn put(out: &mut BytesMut, f: &Frame) {
    encode(f, Protocol::Resp2, out);
}

fn upper(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).to_ascii_uppercase()
}

fn unknown(args: &[Bytes]) -> Frame {
    let name = String::from_utf8_lossy(&args[0]);
    let mut rest = String::new();
    for a in &args[1..] {
        rest.push('\'');
        rest.push_str(&String::from_utf8_lossy(a));
        rest.push_str("' ");
    }
    Frame::error(format!(
        "ERR unknown command '{name}', with args beginning with: {rest}"
    ))
}

fn wrong_args(name: &str) -> Frame {
    Frame::error(format!(
        "ERR wrong number of arguments for '{}' command",
        name.to_ascii_lowercase()
    ))
}

/// Runs one request (non-empty `args`) and appends its reply (or replies) to `out`.
pub fn dispatch(
    fleet: &Fleet,
    s: &mut Session,
    conn: &ConnShared,
    args: &[Bytes],
    out: &mut BytesMut,
) {
    let name = upper(&args[0]);
    if !s.authed && !matches!(name.as_str(), "AUTH" | "QUIT" | "HELLO") {
        put(out, &Frame::error("NOAUTH Authentication required."));
        return;
    }
    if conn.subscribed.get()
        && !matches!(
            name.as_str(),
            "SUBSCRIBE" | "UNSUBSCRIBE" | "PSUBSCRIBE" | "PUNSUBSCRIBE" | "PING" | "QUIT" | "RESET"
        )
    {
        put(
            out,
            &Frame::error(format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                name.to_ascii_lowercase()
            )),
        );
        return;
    }
    match name.as_str() {
        "MULTI" if s.multi.is_some() => {
            put(out, &Frame::error("ERR MULTI calls can not be nested"));
        }
        "MULTI" => {
            s.multi = Some(Vec::new());
            put(out, &Frame::ok());
        }
        "EXEC" => match s.multi.take() {
            None => put(out, &Frame::error("ERR EXEC without MULTI")),
            Some(queued) => {
                let replies = queued.iter().map(|a| command(fleet, s, conn, a)).collect();
                put(out, &Frame::Array(replies));
            }
        },
        "DISCARD" => match s.multi.take() {
            None => put(out, &Frame::error("ERR DISCARD without MULTI")),
            Some(_) => put(out, &Frame::ok()),
        },
        _ if s.multi.is_some() => {
            if let Some(q) = s.multi.as_mut() {
                q.push(args.to_vec());
            }
            put(out, &Frame::Simple(Bytes::from_static(b"QUEUED")));
        }
        "SUBSCRIBE" | "UNSUBSCRIBE" => subscribe(s, conn, &name, &args[1..], out),
        "PING" if conn.subscribed.get() => {
            let msg = args.get(1).cloned().unwrap_or_default();
            put(
                out,
                &Frame::Array(vec![Frame::bulk("pong"), Frame::Bulk(msg)]),
            );
        }
        _ => {
            let reply = command(fleet, s, conn, args);
            put(out, &reply);
        }
    }
}

fn subscribe(s: &mut Session, conn: &ConnShared, name: &str, chans: &[Bytes], out: &mut BytesMut) {
    let kind = name.to_ascii_lowercase();
    if name == "SUBSCRIBE" && chans.is_empty() {
        put(out, &wrong_args(name));
        return;
    }
    let targets: Vec<Bytes> = if chans.is_empty() {
        s.channels.clone()
    } else {
        chans.to_vec()
    };
    if targets.is_empty() {
        put(
            out,
            &Frame::Array(vec![Frame::bulk(&kind), Frame::NullBulk, Frame::Integer(0)]),
        );
    }
    for ch in targets {
        if name == "SUBSCRIBE" {
            if !s.channels.contains(&ch) {
                s.channels.push(ch.clone());
            }
        } else {
            s.channels.retain(|c| *c != ch);
        }
        conn.subscribed.set(!s.channels.is_empty());
        put(
            out,
            &Frame::Array(vec![
                Frame::bulk(&kind),
                Frame::Bulk(ch),
                Frame::Integer(s.channels.len() as i64),
            ]),
        );
    }
}

/// A command whose reply is one frame (also what EXEC runs).
fn command(fleet: &Fleet, s: &mut Session, conn: &ConnShared, args: &[Bytes]) -> Frame {
    let name = upper(&args[0]);
    let arg = |i: usize| args.get(i).map(|a| a.as_ref());
    match name.as_str() {
        "PING" => match arg(1) {
            None => Frame::Simple(Bytes::from_static(b"PONG")),
            Some(m) => Frame::bulk(m),
        },
        "ECHO" if args.len() == 2 => Frame::bulk(&args[1]),
        "INFO" => render::info(fleet, s.index, arg(1)),
        "ROLE" => render::role(fleet, s.index),
        "AUTH" => auth(fleet, s, args),
        "CLIENT" => client(fleet, s, conn, args),
        "PUBLISH" if args.len() == 3 => Frame::Integer(fleet.publish(s.index, &args[1], &args[2])),
        "SLAVEOF" | "REPLICAOF" if args.len() == 3 => {
            let (host, port) = (&args[1], &args[2]);
            if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
                fleet.slaveof(s.index, None);
                return Frame::ok();
            }
            match std::str::from_utf8(port)
                .ok()
                .and_then(|p| p.parse::<u16>().ok())
            {
                Some(port) => {
                    fleet.slaveof(s.index, Some((String::from_utf8_lossy(host).into(), port)));
                    Frame::ok()
                }
                None => Frame::error("ERR Invalid master port"),
            }
        }
        "CONFIG" => match arg(1).map(upper).as_deref() {
            Some("REWRITE") | Some("SET") | Some("RESETSTAT") => Frame::ok(),
            Some("GET") => Frame::Array(Vec::new()),
            _ => Frame::error("ERR unknown subcommand or wrong number of arguments for 'config'"),
        },
        "SCRIPT" => match arg(1).map(upper).as_deref() {
            Some("KILL") => Frame::error("NOTBUSY No scripts in execution right now."),
            _ => Frame::error("ERR unknown subcommand for 'script'"),
        },
        "SELECT" => Frame::ok(),
        "DBSIZE" => Frame::Integer(0),
        "QUIT" => {
            s.quit = true;
            Frame::ok()
        }
        "ECHO" | "PUBLISH" | "SLAVEOF" | "REPLICAOF" => wrong_args(&name),
        _ => unknown(args),
    }
}

fn auth(fleet: &Fleet, s: &mut Session, args: &[Bytes]) -> Frame {
    let Some(pass) = &fleet.requirepass else {
        return Frame::error(
            "ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?",
        );
    };
    let given = match args.len() {
        2 => &args[1],
        3 => &args[2],
        _ => return wrong_args("auth"),
    };
    if given.as_ref() == pass.as_bytes() {
        s.authed = true;
        Frame::ok()
    } else {
        Frame::error("WRONGPASS invalid username-password pair or user is disabled.")
    }
}

fn client(fleet: &Fleet, s: &Session, conn: &ConnShared, args: &[Bytes]) -> Frame {
    match args.get(1).map(|a| upper(a)).as_deref() {
        Some("SETNAME") if args.len() == 3 => Frame::ok(),
        Some("GETNAME") => Frame::NullBulk,
        Some("ID") => Frame::Integer(conn.id as i64),
        Some("KILL") => {
            // CLIENT KILL TYPE normal|pubsub (what sentinels send); other filters kill nothing.
            let mut n = 0;
            let mut i = 2;
            while i + 1 < args.len() {
                if upper(&args[i]) == "TYPE" {
                    match upper(&args[i + 1]).as_str() {
                        "NORMAL" => n += fleet.kill_clients(s.index, false, conn.id),
                        "PUBSUB" => n += fleet.kill_clients(s.index, true, conn.id),
                        "MASTER" | "REPLICA" | "SLAVE" => {}
                        other => {
                            return Frame::error(format!("ERR Unknown client type '{other}'"));
                        }
                    }
                }
                i += 2;
            }
            Frame::Integer(n)
        }
        _ => Frame::error("ERR unknown subcommand or wrong number of arguments for 'client'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::instance::Role;
    use crate::scenario::{Scenario, instance_ip};
    use sentinel_core::Limits;
    use sentinel_core::resp::ReplyDecoder;

    fn run(fleet: &Fleet, s: &mut Session, conn: &ConnShared, line: &[&str]) -> Frame {
        let args: Vec<Bytes> = line
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        let mut out = BytesMut::new();
        dispatch(fleet, s, conn, &args, &mut out);
        ReplyDecoder::new(Limits::default())
            .decode(&mut out)
            .unwrap()
            .unwrap()
    }

    fn setup(pass: &str) -> Fleet {
        let s = Scenario::parse(&format!(
            "name='t'\n[fleet]\nmasters=1\nreplicas=2\nrequirepass='{pass}'\n"
        ))
        .unwrap();
        Fleet::new(&s, 4, 0, 1)
    }

    #[test]
    fn sentinel_failover_transaction_changes_topology() {
        let f = setup("");
        let conn = ConnShared::new(1);
        let mut r1 = Session::new(1, &f);
        let ok = |fr: Frame| assert_eq!(fr, Frame::ok());
        ok(run(&f, &mut r1, &conn, &["MULTI"]));
        for line in [
            &["SLAVEOF", "NO", "ONE"][..],
            &["CONFIG", "REWRITE"],
            &["CLIENT", "KILL", "TYPE", "normal"],
            &["CLIENT", "KILL", "TYPE", "pubsub"],
        ] {
            assert_eq!(
                run(&f, &mut r1, &conn, line),
                Frame::Simple(Bytes::from_static(b"QUEUED"))
            );
        }
        let Frame::Array(replies) = run(&f, &mut r1, &conn, &["EXEC"]) else {
            panic!("EXEC must reply an array")
        };
        assert_eq!(replies.len(), 4);
        assert_eq!(f.get(1).unwrap().borrow().role, Role::Master);
        let mut r2 = Session::new(2, &f);
        let ip1 = instance_ip(4, 1).to_string();
        ok(run(&f, &mut r2, &conn, &["SLAVEOF", &ip1, "6379"]));
        let Frame::Bulk(info) = run(&f, &mut r2, &conn, &["INFO"]) else {
            panic!()
        };
        let info = String::from_utf8_lossy(&info).into_owned();
        assert!(info.contains(&format!("master_host:{ip1}\r\n")), "{info}");
    }

    #[test]
    fn auth_and_subscribed_mode_rules() {
        let f = setup("pw");
        let conn = ConnShared::new(1);
        let mut s = Session::new(0, &f);
        assert!(run(&f, &mut s, &conn, &["PING"]).is_error());
        assert!(run(&f, &mut s, &conn, &["AUTH", "bad"]).is_error());
        assert_eq!(run(&f, &mut s, &conn, &["AUTH", "pw"]), Frame::ok());
        let Frame::Array(sub) = run(&f, &mut s, &conn, &["SUBSCRIBE", "__sentinel__:hello"]) else {
            panic!()
        };
        assert_eq!(sub[2], Frame::Integer(1));
        assert!(conn.subscribed.get());
        assert!(run(&f, &mut s, &conn, &["INFO"]).is_error());
        let Frame::Array(p) = run(&f, &mut s, &conn, &["PING"]) else {
            panic!()
        };
        assert_eq!(p[0], Frame::bulk("pong"));
    }

    #[test]
    fn bad_input_gets_errors() {
        let f = setup("");
        let conn = ConnShared::new(1);
        let mut s = Session::new(0, &f);
        assert!(run(&f, &mut s, &conn, &["NOPE", "x"]).is_error());
        assert!(run(&f, &mut s, &conn, &["SLAVEOF", "h", "port"]).is_error());
        assert!(run(&f, &mut s, &conn, &["PUBLISH"]).is_error());
        assert!(run(&f, &mut s, &conn, &["EXEC"]).is_error());
        assert!(run(&f, &mut s, &conn, &["AUTH", "x"]).is_error());
        assert!(run(&f, &mut s, &conn, &["CLIENT", "KILL", "TYPE", "weird"]).is_error());
    }
}
