//! Sentinel's own pub/sub for clients: who is subscribed to which event channels and patterns,
//! and the frames Redis sends for (un)subscriptions and messages (pubsub.c).
//!
//! The core does not handle the four subscription commands yet, so the driver answers them
//! and fans `Action::Publish` events out from here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bytes::Bytes;
use sentinel_core::ClientId;
use sentinel_core::resp::{Frame, Protocol};

use crate::glob::glob_match;

/// One client's subscriptions, in the order they were made (UNSUBSCRIBE without arguments
/// answers in that order).
#[derive(Debug, Default)]
struct Subs {
    channels: Vec<Bytes>,
    patterns: Vec<Bytes>,
}

impl Subs {
    fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }
}

/// Channel and pattern subscriptions of every client of a shard.
#[derive(Debug, Default)]
pub struct Registry {
    channels: HashMap<Bytes, BTreeSet<ClientId>>,
    patterns: BTreeMap<Bytes, BTreeSet<ClientId>>,
    clients: HashMap<ClientId, Subs>,
}

/// Which list an operation is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
}

impl Kind {
    fn verbs(self) -> (&'static str, &'static str) {
        match self {
            Kind::Channel => ("subscribe", "unsubscribe"),
            Kind::Pattern => ("psubscribe", "punsubscribe"),
        }
    }
}

impl Registry {
    /// Subscriptions (channels + patterns) `client` holds.
    pub fn count(&self, client: ClientId) -> usize {
        self.clients.get(&client).map_or(0, Subs::count)
    }

    /// Subscribes `client` to `name`; returns the client's subscription count afterwards.
    pub fn subscribe(&mut self, client: ClientId, kind: Kind, name: &Bytes) -> usize {
        let subs = self.clients.entry(client).or_default();
        let list = match kind {
            Kind::Channel => &mut subs.channels,
            Kind::Pattern => &mut subs.patterns,
        };
        if !list.contains(name) {
            list.push(name.clone());
            let index = match kind {
                Kind::Channel => self.channels.entry(name.clone()).or_default(),
                Kind::Pattern => self.patterns.entry(name.clone()).or_default(),
            };
            index.insert(client);
        }
        subs.count()
    }

    /// Unsubscribes `client` from `name` (a no-op if it was not subscribed); returns the
    /// client's subscription count afterwards.
    pub fn unsubscribe(&mut self, client: ClientId, kind: Kind, name: &Bytes) -> usize {
        let Some(subs) = self.clients.get_mut(&client) else {
            return 0;
        };
        let list = match kind {
            Kind::Channel => &mut subs.channels,
            Kind::Pattern => &mut subs.patterns,
        };
        if let Some(pos) = list.iter().position(|n| n == name) {
            list.remove(pos);
            match kind {
                Kind::Channel => drop_from(&mut self.channels, name, client),
                Kind::Pattern => drop_from_sorted(&mut self.patterns, name, client),
            }
        }
        let count = subs.count();
        if count == 0 {
            self.clients.remove(&client);
        }
        count
    }

    /// What `client` is subscribed to of `kind`, in subscription order.
    pub fn names(&self, client: ClientId, kind: Kind) -> Vec<Bytes> {
        self.clients
            .get(&client)
            .map(|s| match kind {
                Kind::Channel => s.channels.clone(),
                Kind::Pattern => s.patterns.clone(),
            })
            .unwrap_or_default()
    }

    /// Forgets a client that went away.
    pub fn remove_client(&mut self, client: ClientId) {
        for kind in [Kind::Channel, Kind::Pattern] {
            for name in self.names(client, kind) {
                self.unsubscribe(client, kind, &name);
            }
        }
    }

    /// Who receives a message on `channel`: channel subscribers first, then pattern
    /// subscribers with the pattern that matched (Redis `pubsubPublishMessage` order).
    pub fn recipients(&self, channel: &[u8]) -> Vec<(ClientId, Option<Bytes>)> {
        let mut out: Vec<(ClientId, Option<Bytes>)> = self
            .channels
            .get(channel)
            .map(|set| set.iter().map(|c| (*c, None)).collect())
            .unwrap_or_default();
        for (pattern, set) in &self.patterns {
            if glob_match(pattern, channel) {
                out.extend(set.iter().map(|c| (*c, Some(pattern.clone()))));
            }
        }
        out
    }

    /// Handles `SUBSCRIBE`, `PSUBSCRIBE`, `UNSUBSCRIBE`, `PUNSUBSCRIBE` (upper-cased `command`,
    /// arguments after it); returns the frames to send, one per channel.
    pub fn command(
        &mut self,
        client: ClientId,
        command: &[u8],
        args: &[Bytes],
        proto: Protocol,
    ) -> Vec<Frame> {
        let (kind, subscribe) = match command {
            b"SUBSCRIBE" => (Kind::Channel, true),
            b"PSUBSCRIBE" => (Kind::Pattern, true),
            b"UNSUBSCRIBE" => (Kind::Channel, false),
            b"PUNSUBSCRIBE" => (Kind::Pattern, false),
            _ => return Vec::new(),
        };
        let (sub_verb, unsub_verb) = kind.verbs();
        if subscribe {
            if args.is_empty() {
                return vec![Frame::error(format!(
                    "ERR wrong number of arguments for '{sub_verb}' command"
                ))];
            }
            return args
                .iter()
                .map(|name| {
                    let count = self.subscribe(client, kind, name);
                    notice(proto, sub_verb, Frame::Bulk(name.clone()), count)
                })
                .collect();
        }
        let names = if args.is_empty() {
            self.names(client, kind)
        } else {
            args.to_vec()
        };
        if names.is_empty() {
            // Nothing to unsubscribe from: one reply with a null channel (pubsub.c).
            return vec![notice(
                proto,
                unsub_verb,
                Frame::NullBulk,
                self.count(client),
            )];
        }
        names
            .iter()
            .map(|name| {
                let count = self.unsubscribe(client, kind, name);
                notice(proto, unsub_verb, Frame::Bulk(name.clone()), count)
            })
            .collect()
    }
}

fn drop_from(index: &mut HashMap<Bytes, BTreeSet<ClientId>>, name: &Bytes, client: ClientId) {
    if let Some(set) = index.get_mut(name) {
        set.remove(&client);
        if set.is_empty() {
            index.remove(name);
        }
    }
}

fn drop_from_sorted(
    index: &mut BTreeMap<Bytes, BTreeSet<ClientId>>,
    name: &Bytes,
    client: ClientId,
) {
    if let Some(set) = index.get_mut(name) {
        set.remove(&client);
        if set.is_empty() {
            index.remove(name);
        }
    }
}

/// A pub/sub frame: an array in RESP2, a push in RESP3.
fn push(proto: Protocol, items: Vec<Frame>) -> Frame {
    match proto {
        Protocol::Resp2 => Frame::Array(items),
        Protocol::Resp3 => Frame::Push(items),
    }
}

fn notice(proto: Protocol, verb: &str, name: Frame, count: usize) -> Frame {
    push(
        proto,
        vec![
            Frame::bulk(verb),
            name,
            Frame::Integer(i64::try_from(count).unwrap_or(i64::MAX)),
        ],
    )
}

/// `message` / `pmessage` for one recipient.
pub fn message(proto: Protocol, pattern: Option<&Bytes>, channel: &[u8], payload: &[u8]) -> Frame {
    let items = match pattern {
        None => vec![
            Frame::bulk("message"),
            Frame::bulk(channel),
            Frame::bulk(payload),
        ],
        Some(p) => vec![
            Frame::bulk("pmessage"),
            Frame::Bulk(p.clone()),
            Frame::bulk(channel),
            Frame::bulk(payload),
        ],
    };
    push(proto, items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn counts_follow_redis() {
        let mut r = Registry::default();
        let c = ClientId(1);
        let frames = r.command(
            c,
            b"SUBSCRIBE",
            &[b("+sdown"), b("+odown")],
            Protocol::Resp2,
        );
        assert_eq!(
            frames[1],
            Frame::Array(vec![
                Frame::bulk("subscribe"),
                Frame::bulk("+odown"),
                Frame::Integer(2)
            ])
        );
        let frames = r.command(c, b"PSUBSCRIBE", &[b("*")], Protocol::Resp3);
        assert_eq!(
            frames[0],
            Frame::Push(vec![
                Frame::bulk("psubscribe"),
                Frame::bulk("*"),
                Frame::Integer(3)
            ])
        );
        // Unsubscribe everything (channels only), in subscription order.
        let frames = r.command(c, b"UNSUBSCRIBE", &[], Protocol::Resp2);
        assert_eq!(frames.len(), 2);
        assert_eq!(
            frames[0],
            Frame::Array(vec![
                Frame::bulk("unsubscribe"),
                Frame::bulk("+sdown"),
                Frame::Integer(2)
            ])
        );
        assert_eq!(r.count(c), 1);
        let frames = r.command(c, b"UNSUBSCRIBE", &[], Protocol::Resp2);
        assert_eq!(
            frames,
            vec![Frame::Array(vec![
                Frame::bulk("unsubscribe"),
                Frame::NullBulk,
                Frame::Integer(1)
            ])]
        );
        assert_eq!(
            r.command(c, b"SUBSCRIBE", &[], Protocol::Resp2),
            vec![Frame::error(
                "ERR wrong number of arguments for 'subscribe' command"
            )]
        );
    }

    #[test]
    fn recipients_channel_then_patterns() {
        let mut r = Registry::default();
        r.subscribe(ClientId(1), Kind::Pattern, &b("+s*"));
        r.subscribe(ClientId(2), Kind::Channel, &b("+sdown"));
        r.subscribe(ClientId(3), Kind::Pattern, &b("-*"));
        let got = r.recipients(b"+sdown");
        assert_eq!(
            got,
            vec![(ClientId(2), None), (ClientId(1), Some(b("+s*")))]
        );
        r.remove_client(ClientId(1));
        assert_eq!(r.recipients(b"+sdown"), vec![(ClientId(2), None)]);
        assert_eq!(r.count(ClientId(1)), 0);
        // Subscribing twice counts once.
        assert_eq!(r.subscribe(ClientId(2), Kind::Channel, &b("+sdown")), 1);
    }

    #[test]
    fn message_shapes() {
        assert_eq!(
            message(Protocol::Resp2, None, b"+sdown", b"x"),
            Frame::Array(vec![
                Frame::bulk("message"),
                Frame::bulk("+sdown"),
                Frame::bulk("x")
            ])
        );
        assert_eq!(
            message(Protocol::Resp3, Some(&b("*")), b"+sdown", b"x"),
            Frame::Push(vec![
                Frame::bulk("pmessage"),
                Frame::bulk("*"),
                Frame::bulk("+sdown"),
                Frame::bulk("x")
            ])
        );
    }
}
