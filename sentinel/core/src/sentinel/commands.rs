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
        let reply = self.dispatch(now, &args);
        self.actions.push_back(Action::Reply {
            client,
            frame: reply,
        });
    }

    fn dispatch(&mut self, now: Instant, args: &[Bytes]) -> Frame {
        let Some(name) = args.first() else {
            return unknown_command_error(args);
        };
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
            b"SENTINEL" if args.len() == 2 && args[1].eq_ignore_ascii_case(b"myid") => {
                Frame::bulk(self.params.myid.as_bytes())
            }
            _ => unknown_command_error(args),
        }
    }
}
