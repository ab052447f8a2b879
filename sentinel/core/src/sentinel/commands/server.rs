//! PING, PUBLISH (sentinel's fake one), ROLE and SHUTDOWN.

use bytes::Bytes;

use super::super::links::HELLO_CHANNEL;
use super::{Sentinel, arity_error, syntax_error};
use crate::action::{Action, ClientId};
use crate::resp::Frame;
use crate::time::Instant;

impl Sentinel {
    /// `PING [message]`; inside the RESP2 pub/sub context the reply is `["pong", message]`.
    pub(super) fn ping_command(&mut self, client: ClientId, args: &[Bytes]) -> Frame {
        if args.len() > 2 {
            return arity_error("ping");
        }
        let in_pubsub = self
            .front
            .clients
            .get(client)
            .is_some_and(|s| s.in_pubsub_context());
        if in_pubsub {
            let msg = args.get(1).cloned().unwrap_or_default();
            return Frame::Array(vec![Frame::bulk("pong"), Frame::Bulk(msg)]);
        }
        match args.get(1) {
            Some(msg) => Frame::Bulk(msg.clone()),
            None => Frame::Simple(Bytes::from_static(b"PONG")),
        }
    }

    /// Sentinel's `PUBLISH` accepts only hellos, which peers push to each other this way
    /// (sentinel.c `sentinelPublishCommand`).
    pub(super) fn publish_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Frame {
        if let Some(denied) = self.publish_denied(now, client, &args[1]) {
            return denied;
        }
        if args[1].as_ref() != HELLO_CHANNEL.as_bytes() {
            return Frame::error("ERR Only HELLO messages are accepted by Sentinel instances.");
        }
        let payload = args[2].clone();
        self.process_hello(now, &payload);
        Frame::Integer(1)
    }

    /// The refusal (logged in the ACL log) when `client`'s user may not publish on `channel`.
    pub(super) fn publish_denied(
        &mut self,
        now: Instant,
        client: ClientId,
        channel: &[u8],
    ) -> Option<Frame> {
        let denied_user = self.front.clients.get(client).and_then(|s| {
            self.front
                .acl
                .user(&s.user)
                .filter(|u| !u.can_use_channel(channel, false))
                .map(|u| u.name.clone())
        });
        if let Some(user) = denied_user {
            let channel = super::text(channel);
            self.acl_denied(
                now,
                client,
                crate::acl::log::Denial::Channel,
                &channel,
                &user,
            );
            return Some(Frame::error(
                "NOPERM this user has no permissions to access one of the channels used as arguments",
            ));
        }
        None
    }

    /// `ROLE`: `["sentinel", [master names]]`.
    pub(super) fn role_command(&self) -> Frame {
        let names = self.master_names().into_iter().map(Frame::bulk).collect();
        Frame::Array(vec![Frame::bulk("sentinel"), Frame::Array(names)])
    }

    /// `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]`: a sentinel never saves an RDB, so every
    /// valid form shuts down (no reply; the connection just closes).
    pub(super) fn shutdown_command(&mut self, args: &[Bytes]) -> Option<Frame> {
        let (mut save, mut nosave, mut other, mut abort) = (false, false, false, false);
        for a in &args[1..] {
            match a.to_ascii_lowercase().as_slice() {
                b"nosave" => nosave = true,
                b"save" => save = true,
                b"now" | b"force" => other = true,
                b"abort" => abort = true,
                _ => return Some(syntax_error()),
            }
        }
        if (abort && (save || nosave || other)) || (save && nosave) {
            return Some(syntax_error());
        }
        if abort {
            return Some(Frame::error("ERR No shutdown in progress."));
        }
        self.actions.push_back(Action::Shutdown);
        None
    }
}
