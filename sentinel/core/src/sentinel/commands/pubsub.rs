//! Client pub/sub (pubsub.c): SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE, and delivery of
//! sentinel events to subscribers as `message` / `pmessage` (arrays in RESP2, pushes in RESP3).

use bytes::Bytes;

use super::Sentinel;
use crate::acl::glob::glob_match;
use crate::acl::log::Denial;
use crate::action::ClientId;
use crate::event::Event;
use crate::resp::{Frame, Protocol};
use crate::time::Instant;

/// An array or a push, as the client's protocol wants pub/sub frames.
fn pubsub_frame(proto: Protocol, items: Vec<Frame>) -> Frame {
    match proto {
        Protocol::Resp2 => Frame::Array(items),
        Protocol::Resp3 => Frame::Push(items),
    }
}

impl Sentinel {
    /// One confirmation per channel, each with the subscription count after it.
    pub(super) fn pubsub_command(
        &mut self,
        now: Instant,
        client: ClientId,
        name: &str,
        args: &[Bytes],
    ) {
        let Some(s) = self.front.clients.get(client) else {
            return;
        };
        let proto = s.protocol;
        let pattern = name.starts_with('p');
        let subscribe = !name.contains("unsub");
        if subscribe {
            let denied = self.front.acl.user(&s.user).and_then(|u| {
                args[1..]
                    .iter()
                    .find(|c| !u.can_use_channel(c, pattern))
                    .cloned()
            });
            if let Some(channel) = denied {
                let user = s.user.clone();
                self.acl_denied(now, client, Denial::Channel, &super::text(&channel), &user);
                self.respond(
                    client,
                    Frame::error(
                        "NOPERM this user has no permissions to access one of the channels used as arguments",
                    ),
                );
                return;
            }
        }
        let mut frames = Vec::new();
        {
            let Some(s) = self.front.clients.get_mut(client) else {
                return;
            };
            let targets: Vec<Bytes> = if subscribe || args.len() > 1 {
                args[1..].to_vec()
            } else if pattern {
                s.patterns.iter().cloned().collect()
            } else {
                s.channels.iter().cloned().collect()
            };
            if !subscribe && targets.is_empty() {
                // Nothing of this kind to drop: the count is of all the client's subscriptions
                // (pubsub.c `pubsubUnsubscribeAllPatterns` replies with the total).
                let count = i64::try_from(s.subscription_count()).unwrap_or(i64::MAX);
                frames.push(pubsub_frame(
                    proto,
                    vec![Frame::bulk(name), Frame::NullBulk, Frame::Integer(count)],
                ));
            }
            for t in targets {
                let set = if pattern {
                    &mut s.patterns
                } else {
                    &mut s.channels
                };
                if subscribe {
                    set.insert(t.clone());
                } else {
                    set.remove(&t);
                }
                let count = i64::try_from(s.subscription_count()).unwrap_or(i64::MAX);
                frames.push(pubsub_frame(
                    proto,
                    vec![Frame::bulk(name), Frame::Bulk(t), Frame::Integer(count)],
                ));
            }
        }
        for f in frames {
            self.respond(client, f);
        }
    }

    /// Sends `event` to every client subscribed to its channel, then to every client with a
    /// matching pattern (pubsub.c `pubsubPublishMessage` order).
    pub(crate) fn deliver_event(&mut self, event: &Event) {
        let channel = Bytes::from_static(event.channel.as_bytes());
        let payload = Bytes::from(event.message.clone());
        let mut out = Vec::new();
        let live = self
            .front
            .clients
            .sessions
            .iter()
            .filter(|(_, s)| !s.killed);
        for (id, s) in live.clone() {
            if s.channels.contains(&channel) {
                out.push((
                    *id,
                    pubsub_frame(
                        s.protocol,
                        vec![
                            Frame::bulk("message"),
                            Frame::Bulk(channel.clone()),
                            Frame::Bulk(payload.clone()),
                        ],
                    ),
                ));
            }
        }
        for (id, s) in live {
            for p in &s.patterns {
                if glob_match(p, &channel, false) {
                    out.push((
                        *id,
                        pubsub_frame(
                            s.protocol,
                            vec![
                                Frame::bulk("pmessage"),
                                Frame::Bulk(p.clone()),
                                Frame::Bulk(channel.clone()),
                                Frame::Bulk(payload.clone()),
                            ],
                        ),
                    ));
                }
            }
        }
        for (id, frame) in out {
            self.push_to(id, frame);
        }
    }
}
