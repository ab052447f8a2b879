//! The shard's view of its clients: their output, the protocol each speaks, and the pub/sub
//! commands the driver answers itself.
//!
//! Protocol tracking is provisional: until the core owns `HELLO`, the driver notes every
//! `HELLO <n>` it forwards and switches the client's protocol when the core's reply to it is
//! not an error (the reply itself is already encoded in the new protocol, as Redis does).

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use bytes::Bytes;
use sentinel_core::ClientId;
use sentinel_core::resp::{Frame, Protocol, encode};

use crate::outbox::Outbox;
use crate::pubsub::{self, Registry};

/// One connected client.
#[derive(Debug)]
struct Client {
    outbox: Rc<Outbox>,
    proto: Protocol,
    /// For each command forwarded to the core and not answered yet: the protocol it switches
    /// to if it succeeds (`HELLO 2|3`), else `None`.
    awaiting: VecDeque<Option<Protocol>>,
}

/// The clients of a shard.
#[derive(Debug)]
pub(crate) struct Clients {
    map: HashMap<ClientId, Client>,
    /// Shared with the accept loops, which enforce `maxclients` with it.
    connected: Rc<Cell<usize>>,
    output_max: usize,
    pub(crate) pubsub: Registry,
}

/// What the driver decided about a client command.
pub(crate) enum Route {
    /// Answered here.
    Done,
    /// Forward to the core.
    Core,
}

/// Commands a RESP2 client may send while subscribed (server.c `processCommand`).
const ALLOWED_WHILE_SUBSCRIBED: &[&[u8]] = &[
    b"PING",
    b"SUBSCRIBE",
    b"SSUBSCRIBE",
    b"UNSUBSCRIBE",
    b"SUNSUBSCRIBE",
    b"PSUBSCRIBE",
    b"PUNSUBSCRIBE",
    b"QUIT",
    b"RESET",
];

/// The protocol a `HELLO` request asks for, if it is one.
fn hello_protocol(args: &[Bytes]) -> Option<Protocol> {
    let name = args.first()?;
    if !name.eq_ignore_ascii_case(b"HELLO") {
        return None;
    }
    match args.get(1)?.as_ref() {
        b"2" => Some(Protocol::Resp2),
        b"3" => Some(Protocol::Resp3),
        _ => None,
    }
}

impl Clients {
    pub(crate) fn new(connected: Rc<Cell<usize>>, output_max: usize) -> Clients {
        Clients {
            map: HashMap::new(),
            connected,
            output_max,
            pubsub: Registry::default(),
        }
    }

    pub(crate) fn add(&mut self, client: ClientId, outbox: Rc<Outbox>) {
        self.map.insert(
            client,
            Client {
                outbox,
                proto: Protocol::Resp2,
                awaiting: VecDeque::new(),
            },
        );
    }

    /// Forgets a client: what is queued is still written, then the socket is closed.
    pub(crate) fn remove(&mut self, client: ClientId) {
        if let Some(c) = self.map.remove(&client) {
            c.outbox.close_after_flush();
            self.connected.set(self.connected.get().saturating_sub(1));
        }
        self.pubsub.remove_client(client);
    }

    /// Sends a protocol error and closes the client, as Redis does.
    pub(crate) fn protocol_error(&mut self, client: ClientId, text: &str) {
        self.send(client, &Frame::error(text.replace(['\r', '\n'], " ")));
        self.remove(client);
    }

    /// Encodes `frame` for `client` in its protocol. A client whose queued output passes the
    /// bound is disconnected (Redis's output buffer limits).
    pub(crate) fn send(&mut self, client: ClientId, frame: &Frame) {
        let Some(c) = self.map.get(&client) else {
            return;
        };
        let proto = c.proto;
        let queued = c.outbox.push(|buf| encode(frame, proto, buf));
        if queued > self.output_max {
            if let Some(c) = self.map.get(&client) {
                c.outbox.abort();
            }
            self.remove(client);
        }
    }

    /// A reply from the core to a forwarded command.
    pub(crate) fn reply(&mut self, client: ClientId, frame: &Frame) {
        if let Some(c) = self.map.get_mut(&client)
            && let Some(Some(proto)) = c.awaiting.pop_front()
            && !frame.is_error()
        {
            c.proto = proto;
        }
        self.send(client, frame);
    }

    /// Decides where a command goes; answers the pub/sub commands and the RESP2 subscribed
    /// context here.
    pub(crate) fn route(&mut self, client: ClientId, args: &[Bytes]) -> Route {
        let Some(c) = self.map.get(&client) else {
            return Route::Done;
        };
        let proto = c.proto;
        let Some(name) = args.first() else {
            return Route::Done;
        };
        let upper = name.to_ascii_uppercase();
        let subscribed = self.pubsub.count(client) > 0;
        match upper.as_slice() {
            b"SUBSCRIBE" | b"PSUBSCRIBE" | b"UNSUBSCRIBE" | b"PUNSUBSCRIBE" => {
                let frames = self.pubsub.command(client, &upper, &args[1..], proto);
                for f in &frames {
                    self.send(client, f);
                }
                return Route::Done;
            }
            b"PING" if subscribed && proto == Protocol::Resp2 && args.len() <= 2 => {
                let msg = args.get(1).cloned().unwrap_or_default();
                self.send(
                    client,
                    &Frame::Array(vec![Frame::bulk("pong"), Frame::Bulk(msg)]),
                );
                return Route::Done;
            }
            _ => {}
        }
        if subscribed
            && proto == Protocol::Resp2
            && !ALLOWED_WHILE_SUBSCRIBED.contains(&upper.as_slice())
        {
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            self.send(
                client,
                &Frame::error(format!(
                    "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
                )),
            );
            return Route::Done;
        }
        if let Some(c) = self.map.get_mut(&client) {
            c.awaiting.push_back(hello_protocol(args));
        }
        Route::Core
    }

    /// Delivers an event to every subscriber of `channel`.
    pub(crate) fn publish(&mut self, channel: &str, payload: &str) {
        for (client, pattern) in self.pubsub.recipients(channel.as_bytes()) {
            let Some(c) = self.map.get(&client) else {
                continue;
            };
            let frame = pubsub::message(
                c.proto,
                pattern.as_ref(),
                channel.as_bytes(),
                payload.as_bytes(),
            );
            self.send(client, &frame);
        }
    }

    /// Closes every client (shutdown).
    pub(crate) fn close_all(&mut self) {
        let ids: Vec<ClientId> = self.map.keys().copied().collect();
        for id in ids {
            self.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_versions() {
        let args = |v: &[&str]| -> Vec<Bytes> {
            v.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        assert_eq!(
            hello_protocol(&args(&["hello", "3"])),
            Some(Protocol::Resp3)
        );
        assert_eq!(
            hello_protocol(&args(&["HELLO", "2"])),
            Some(Protocol::Resp2)
        );
        assert_eq!(hello_protocol(&args(&["HELLO"])), None);
        assert_eq!(hello_protocol(&args(&["PING", "3"])), None);
    }
}
