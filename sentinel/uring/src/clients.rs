//! Client connections as the driver sees them: an output buffer per client. Everything about
//! what clients say (sessions, protocol, auth, pub/sub) lives in the core; replies are encoded
//! here with the protocol the core reports for each client.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use sentinel_core::ClientId;
use sentinel_core::resp::{Frame, Protocol, encode};

use crate::outbox::Outbox;

#[derive(Debug)]
pub(crate) struct Clients {
    map: HashMap<ClientId, Rc<Outbox>>,
    /// Open client connections (shared with the accept loop for `maxclients`).
    connected: Rc<Cell<usize>>,
    /// Bytes queued to one client before it is disconnected.
    output_max: usize,
}

impl Clients {
    pub(crate) fn new(connected: Rc<Cell<usize>>, output_max: usize) -> Clients {
        Clients {
            map: HashMap::new(),
            connected,
            output_max,
        }
    }

    pub(crate) fn add(&mut self, client: ClientId, outbox: Rc<Outbox>) {
        self.map.insert(client, outbox);
    }

    /// Whether `client` is connected (announced and not closed).
    pub(crate) fn contains(&self, client: ClientId) -> bool {
        self.map.contains_key(&client)
    }

    /// Forgets a client and closes its connection once its output is written. Returns whether
    /// it was still known.
    pub(crate) fn remove(&mut self, client: ClientId) -> bool {
        let Some(outbox) = self.map.remove(&client) else {
            return false;
        };
        outbox.close_after_flush();
        self.connected.set(self.connected.get().saturating_sub(1));
        true
    }

    /// A protocol error: Redis replies with the error and closes the connection.
    pub(crate) fn protocol_error(&mut self, client: ClientId, text: &str) {
        self.send(
            client,
            &Frame::error(text.replace(['\r', '\n'], " ")),
            Protocol::Resp2,
        );
        self.remove(client);
    }

    /// Queues `frame` for `client`; a client whose output grows past the limit is dropped.
    /// Returns false when the client was dropped.
    pub(crate) fn send(&mut self, client: ClientId, frame: &Frame, proto: Protocol) -> bool {
        let Some(outbox) = self.map.get(&client) else {
            return true;
        };
        let queued = outbox.push(|buf| encode(frame, proto, buf));
        if queued > self.output_max {
            outbox.abort();
            self.remove(client);
            return false;
        }
        true
    }

    pub(crate) fn close_all(&mut self) {
        let ids: Vec<ClientId> = self.map.keys().copied().collect();
        for id in ids {
            self.remove(id);
        }
    }
}
