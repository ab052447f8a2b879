//! Commands from clients and peer sentinels. (The full command table arrives with the drop-in
//! Sentinel work; this is the part peers need to find each other.)

use bytes::Bytes;

use super::Sentinel;
use super::links::HELLO_CHANNEL;
use crate::action::{Action, ClientId};
use crate::resp::Frame;
use crate::time::Instant;

/// Redis's reply to a command it does not know (`processCommand`): the name and the first
/// arguments, each cut to 128 bytes.
pub fn unknown_command_error(args: &[Bytes]) -> Frame {
    let cut = |b: &Bytes| String::from_utf8_lossy(&b[..b.len().min(128)]).into_owned();
    let name = args.first().map(cut).unwrap_or_default();
    let mut rest = String::new();
    for a in args.iter().skip(1) {
        if rest.len() >= 128 {
            break;
        }
        rest.push_str(&format!("'{}' ", cut(a)));
    }
    Frame::error(format!(
        "ERR unknown command '{name}', with args beginning with: {rest}"
    ))
}

impl Sentinel {
    /// A client (or a peer sentinel) sent a command. The reply comes out as `Action::Reply`.
    pub fn handle_client_command(&mut self, now: Instant, client: ClientId, args: Vec<Bytes>) {
        if let Some(reply) = self.dispatch(now, client, &args) {
            self.actions.push_back(Action::Reply {
                client,
                frame: reply,
            });
        }
    }

    /// The reply, or `None` when it comes later (held for a config write).
    fn dispatch(&mut self, now: Instant, client: ClientId, args: &[Bytes]) -> Option<Frame> {
        let Some(name) = args.first() else {
            return Some(unknown_command_error(args));
        };
        if name.eq_ignore_ascii_case(b"sentinel") {
            return self.sentinel_command(now, client, args);
        }
        Some(self.plain_command(now, args, name))
    }

    fn plain_command(&mut self, now: Instant, args: &[Bytes], name: &Bytes) -> Frame {
        match name.to_ascii_uppercase().as_slice() {
            b"PING" => match args.len() {
                1 => Frame::Simple(Bytes::from_static(b"PONG")),
                2 => Frame::Bulk(args[1].clone()),
                _ => Frame::error("ERR wrong number of arguments for 'ping' command"),
            },
            b"PUBLISH" if args.len() == 3 => {
                if args[1].as_ref() != HELLO_CHANNEL.as_bytes() {
                    return Frame::error(
                        "ERR Only HELLO messages are accepted by Sentinel instances.",
                    );
                }
                let payload = args[2].clone();
                self.process_hello(now, &payload);
                Frame::Integer(1)
            }
            b"PUBLISH" => Frame::error("ERR wrong number of arguments for 'publish' command"),
            _ => unknown_command_error(args),
        }
    }

    fn sentinel_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Option<Frame> {
        let sub = args
            .get(1)
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default();
        let reply = match (sub.as_slice(), args.len()) {
            (b"myid", 2) => Frame::bulk(self.params.myid.as_bytes()),
            (b"flushconfig", 2) => {
                self.reply_after_persist(
                    client,
                    Frame::ok(),
                    Frame::error("ERR Failed to save config file. Check server logs."),
                );
                return None;
            }
            (b"is-master-down-by-addr", 6) => {
                let port = parse_int(&args[3]).and_then(|p| u16::try_from(p).ok());
                let epoch = parse_int(&args[4]).and_then(|e| u64::try_from(e).ok());
                let (Some(port), Some(epoch)) = (port, epoch) else {
                    return Some(Frame::error("ERR value is not an integer or out of range"));
                };
                let addr =
                    crate::addr::Addr::new(String::from_utf8_lossy(&args[2]).into_owned(), port);
                let runid = String::from_utf8_lossy(&args[5]).into_owned();
                self.is_master_down_by_addr(now, client, &addr, epoch, &runid);
                return None;
            }
            (b"failover", 3) => {
                let name = String::from_utf8_lossy(&args[2]).into_owned();
                let Some(&mid) = self.master_by_name.get(&name) else {
                    return Some(Frame::error("ERR No such master with that name"));
                };
                match self.force_failover(now, mid) {
                    Ok(()) => Frame::ok(),
                    Err(super::election::FailoverRefusal::InProgress) => {
                        Frame::error("INPROG Failover already in progress")
                    }
                    Err(super::election::FailoverRefusal::NoGoodReplica) => {
                        Frame::error("NOGOODSLAVE No suitable replica to promote")
                    }
                }
            }
            _ => unknown_command_error(args),
        };
        Some(reply)
    }
}

/// An integer argument as Redis parses it (`string2ll`): optional sign, digits, no spaces.
pub(crate) fn parse_int(arg: &[u8]) -> Option<i64> {
    std::str::from_utf8(arg)
        .ok()?
        .parse()
        .ok()
        .filter(|_| !arg.starts_with(b"+"))
}
