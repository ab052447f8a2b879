//! CLIENT and its 16 subcommands of 7.0 (networking.c `clientCommand`). Concepts a sentinel
//! does not have (eviction, tracking, blocking) get minimal but well-formed replies.

use bytes::Bytes;

use super::connection::{bad_client_name, valid_client_name};
use super::{Sentinel, help, parse_int, syntax_error, text};
use crate::action::{Action, ClientId};
use crate::resp::{Frame, Protocol};
use crate::sentinel::clients::{ReplyMode, Session};
use crate::time::Instant;

/// CLIENT LIST / INFO text: verbatim in RESP3, a bulk string in RESP2.
fn verbatim(text: String) -> Frame {
    Frame::Verbatim {
        format: *b"txt",
        text: Bytes::from(text),
    }
}

/// A CLIENT KILL / CLIENT LIST type filter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ClientType {
    Normal,
    Replica,
    Master,
    PubSub,
}

fn client_type(name: &[u8]) -> Option<ClientType> {
    match name.to_ascii_lowercase().as_slice() {
        b"normal" => Some(ClientType::Normal),
        b"slave" | b"replica" => Some(ClientType::Replica),
        b"master" => Some(ClientType::Master),
        b"pubsub" => Some(ClientType::PubSub),
        _ => None,
    }
}

fn type_of(s: &Session) -> ClientType {
    if s.subscription_count() > 0 {
        ClientType::PubSub
    } else {
        ClientType::Normal
    }
}

/// What CLIENT KILL matches on.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    kind: Option<ClientType>,
    addr: Option<String>,
    laddr: Option<String>,
    user: Option<String>,
    skipme: bool,
}

impl Sentinel {
    pub(super) fn client_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Option<Frame> {
        let sub = args[1].to_ascii_lowercase();
        let reply = match sub.as_slice() {
            b"id" => Frame::Integer(i64::try_from(client.0).unwrap_or(i64::MAX)),
            b"info" => {
                let line = self.client_line(now, client).unwrap_or_default();
                verbatim(line + "\n")
            }
            b"list" => self.client_list(now, args),
            b"getname" => self
                .front
                .clients
                .get(client)
                .and_then(|s| s.name.clone())
                .map_or(Frame::NullBulk, Frame::Bulk),
            b"setname" => {
                let name = &args[2];
                if !valid_client_name(name) {
                    return Some(bad_client_name());
                }
                if let Some(s) = self.front.clients.get_mut(client) {
                    s.name = (!name.is_empty()).then(|| name.clone());
                }
                Frame::ok()
            }
            b"kill" => return self.client_kill(client, args),
            b"pause" => {
                // 7.0.15's order: the argument count, then the mode, then the timeout.
                if args.len() > 4 {
                    let sub = &args[1];
                    return Some(Frame::error(format!(
                        "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
                        text(&sub[..sub.len().min(128)])
                    )));
                }
                if let Some(mode) = args.get(3)
                    && !mode.eq_ignore_ascii_case(b"write")
                    && !mode.eq_ignore_ascii_case(b"all")
                {
                    return Some(Frame::error("ERR CLIENT PAUSE mode must be WRITE or ALL"));
                }
                match parse_int(&args[2]) {
                    None => {
                        return Some(Frame::error(
                            "ERR timeout is not an integer or out of range",
                        ));
                    }
                    Some(t) if t < 0 => return Some(Frame::error("ERR timeout is negative")),
                    Some(_) => {}
                }
                Frame::ok()
            }
            b"unpause" => Frame::ok(),
            b"no-evict" => match args[2].to_ascii_lowercase().as_slice() {
                b"on" | b"off" => {
                    let on = args[2].eq_ignore_ascii_case(b"on");
                    if let Some(s) = self.front.clients.get_mut(client) {
                        s.no_evict = on;
                    }
                    Frame::ok()
                }
                _ => syntax_error(),
            },
            b"reply" => {
                let mode = match args[2].to_ascii_lowercase().as_slice() {
                    b"on" => ReplyMode::On,
                    b"off" => ReplyMode::Off,
                    b"skip" => ReplyMode::Skip,
                    _ => return Some(syntax_error()),
                };
                if let Some(s) = self.front.clients.get_mut(client) {
                    // OFF and SKIP are not answered themselves; SKIP then drops the reply of
                    // the next command.
                    s.reply_mode = mode;
                    s.suppress = mode != ReplyMode::On;
                }
                if mode == ReplyMode::On {
                    Frame::ok()
                } else {
                    return None;
                }
            }
            b"tracking" => match args[2].to_ascii_lowercase().as_slice() {
                b"on" | b"off" => {
                    let on = args[2].eq_ignore_ascii_case(b"on");
                    if let Some(s) = self.front.clients.get_mut(client) {
                        s.tracking = on;
                    }
                    Frame::ok()
                }
                _ => syntax_error(),
            },
            b"getredir" => {
                let tracking = self.front.clients.get(client).is_some_and(|s| s.tracking);
                Frame::Integer(if tracking { 0 } else { -1 })
            }
            b"trackinginfo" => {
                let tracking = self.front.clients.get(client).is_some_and(|s| s.tracking);
                Frame::Map(vec![
                    (
                        Frame::bulk("flags"),
                        Frame::Set(vec![Frame::bulk(if tracking { "on" } else { "off" })]),
                    ),
                    (
                        Frame::bulk("redirect"),
                        Frame::Integer(if tracking { 0 } else { -1 }),
                    ),
                    (Frame::bulk("prefixes"), Frame::Array(Vec::new())),
                ])
            }
            b"caching" => Frame::error(
                "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
            ),
            b"unblock" => {
                if parse_int(&args[2]).is_none() {
                    return Some(Frame::error("ERR value is not an integer or out of range"));
                }
                match args.get(3).map(|a| a.to_ascii_lowercase()) {
                    Some(m) if m != b"timeout" && m != b"error" => {
                        return Some(Frame::error(
                            "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
                        ));
                    }
                    _ if args.len() > 4 => return Some(syntax_error()),
                    _ => {}
                }
                Frame::Integer(0)
            }
            b"help" => help::client(),
            _ => super::unknown_command_error(args),
        };
        Some(reply)
    }

    /// One CLIENT LIST line (networking.c `catClientInfoString`, 7.0 fields).
    pub(super) fn client_line(&self, now: Instant, id: ClientId) -> Option<String> {
        let s = self.front.clients.get(id)?;
        let mut flags = String::new();
        if s.subscription_count() > 0 {
            flags.push('P');
        }
        if s.no_evict {
            flags.push('e');
        }
        if s.tracking {
            flags.push('t');
        }
        if s.unix {
            flags.push('U');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        let name = s.name.as_deref().map(text).unwrap_or_default();
        let resp = match s.protocol {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        };
        Some(format!(
            "id={} addr={} laddr={} fd=-1 name={name} age={} idle={} flags={flags} db=0 sub={} psub={} ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user={} redir={} resp={resp}",
            id.0,
            s.peer_addr,
            s.local_addr,
            now.millis_since(s.created) / 1000,
            now.millis_since(s.last_interaction) / 1000,
            s.channels.len(),
            s.patterns.len(),
            s.last_command,
            s.user,
            if s.tracking { 0 } else { -1 },
        ))
    }

    /// `CLIENT LIST [TYPE type] [ID id ...]`.
    fn client_list(&self, now: Instant, args: &[Bytes]) -> Frame {
        let mut kind = None;
        let mut ids: Option<Vec<u64>> = None;
        if args.len() > 2 {
            let opt = args[2].to_ascii_lowercase();
            if opt == b"type" && args.len() == 4 {
                match client_type(&args[3]) {
                    Some(t) => kind = Some(t),
                    None => {
                        return Frame::error(format!(
                            "ERR Unknown client type '{}'",
                            text(&args[3])
                        ));
                    }
                }
            } else if opt == b"id" && args.len() >= 4 {
                let mut v = Vec::new();
                for a in &args[3..] {
                    match parse_int(a)
                        .and_then(|i| u64::try_from(i).ok())
                        .filter(|i| *i > 0)
                    {
                        Some(i) => v.push(i),
                        None => return Frame::error("ERR Invalid client ID"),
                    }
                }
                ids = Some(v);
            } else {
                return syntax_error();
            }
        }
        let mut out = String::new();
        for (id, s) in &self.front.clients.sessions {
            if kind.is_some_and(|k| k != type_of(s)) {
                continue;
            }
            if ids.as_ref().is_some_and(|v| !v.contains(&id.0)) {
                continue;
            }
            if let Some(line) = self.client_line(now, *id) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        verbatim(out)
    }

    /// `CLIENT KILL <addr>` (old form: `+OK` or `No such client`) or
    /// `CLIENT KILL <filter> <value> ...` (new form: the number killed; SKIPME defaults to yes).
    fn client_kill(&mut self, me: ClientId, args: &[Bytes]) -> Option<Frame> {
        let mut f = KillFilter::default();
        let old_form = args.len() == 3;
        if old_form {
            f.addr = Some(text(&args[2]));
        } else {
            f.skipme = true;
            let mut i = 2;
            while i < args.len() {
                let Some(value) = args.get(i + 1) else {
                    return Some(syntax_error());
                };
                match args[i].to_ascii_lowercase().as_slice() {
                    b"id" => match parse_int(value).filter(|v| *v > 0) {
                        Some(v) => f.id = u64::try_from(v).ok(),
                        None => {
                            return Some(Frame::error("ERR client-id should be greater than 0"));
                        }
                    },
                    b"type" => match client_type(value) {
                        Some(t) => f.kind = Some(t),
                        None => {
                            return Some(Frame::error(format!(
                                "ERR Unknown client type '{}'",
                                text(value)
                            )));
                        }
                    },
                    b"addr" => f.addr = Some(text(value)),
                    b"laddr" => f.laddr = Some(text(value)),
                    b"user" => {
                        let name = text(value);
                        if self.front.acl.user(&name).is_none() {
                            return Some(Frame::error(format!("ERR No such user '{name}'")));
                        }
                        f.user = Some(name);
                    }
                    b"skipme" => match value.to_ascii_lowercase().as_slice() {
                        b"yes" => f.skipme = true,
                        b"no" => f.skipme = false,
                        _ => return Some(syntax_error()),
                    },
                    _ => return Some(syntax_error()),
                }
                i += 2;
            }
        }
        let victims: Vec<ClientId> = self
            .front
            .clients
            .sessions
            .iter()
            .filter(|(id, s)| {
                !(s.killed || (f.skipme && **id == me))
                    && f.id.is_none_or(|v| v == id.0)
                    && f.kind.is_none_or(|k| k == type_of(s))
                    && f.addr.as_ref().is_none_or(|a| *a == s.peer_addr)
                    && f.laddr.as_ref().is_none_or(|a| *a == s.local_addr)
                    && f.user.as_ref().is_none_or(|u| *u == s.user)
            })
            .map(|(id, _)| *id)
            .collect();
        let reply = if old_form {
            if victims.is_empty() {
                Frame::error("ERR No such client")
            } else {
                Frame::ok()
            }
        } else {
            Frame::Integer(i64::try_from(victims.len()).unwrap_or(i64::MAX))
        };
        // The reply goes out before a self-kill closes the connection.
        self.respond(me, reply);
        self.kill_clients(&victims);
        None
    }

    /// Marks clients killed and asks the driver to close them.
    pub(crate) fn kill_clients(&mut self, victims: &[ClientId]) {
        for id in victims {
            if let Some(s) = self.front.clients.get_mut(*id) {
                s.killed = true;
            }
            self.actions.push_back(Action::CloseClient { client: *id });
        }
    }
}
