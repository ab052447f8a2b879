//! Opening links, the connect sequence, and routing replies to what asked for them
//! (sentinel.c `sentinelReconnectInstance` and the reply callbacks).

use bytes::Bytes;

use super::Sentinel;
use crate::action::Action;
use crate::event::Level;
use crate::instance::{Node, Owner};
use crate::link::{Link, LinkId, LinkKind, LinkState, Pending};
use crate::resp::Frame;
use crate::time::Instant;

/// The pub/sub channel sentinels announce themselves on.
pub(crate) use crate::hello::HELLO_CHANNEL;

/// How soon a hello that got an error reply is sent again (sentinel.c's next tick).
pub(crate) const HELLO_RETRY: std::time::Duration = std::time::Duration::from_millis(100);

impl Sentinel {
    pub(crate) fn node(&self, owner: Owner) -> Option<&Node> {
        match owner {
            Owner::Master(mid) => self.masters.get(mid).map(|m| &m.node),
            Owner::Replica(mid, rid) => self
                .masters
                .get(mid)
                .and_then(|m| m.replicas.get(rid))
                .map(|r| &r.node),
            Owner::Peer(pid) => self.peers.get(pid).map(|p| &p.node),
        }
    }

    pub(crate) fn node_mut(&mut self, owner: Owner) -> Option<&mut Node> {
        match owner {
            Owner::Master(mid) => self.masters.get_mut(mid).map(|m| &mut m.node),
            Owner::Replica(mid, rid) => self
                .masters
                .get_mut(mid)
                .and_then(|m| m.replicas.get_mut(rid))
                .map(|r| &mut r.node),
            Owner::Peer(pid) => self.peers.get_mut(pid).map(|p| &mut p.node),
        }
    }

    /// Whether `link` exists and is connected.
    pub(crate) fn link_up(&self, link: Option<LinkId>) -> bool {
        link.and_then(|l| self.links.get(l))
            .is_some_and(Link::is_up)
    }

    /// Asks the driver for the links `owner` is missing: a command link, and for masters and
    /// replicas a pub/sub link. A new command link starts the pending-PING clock, as Redis's
    /// queued PING does.
    pub(crate) fn reconnect(&mut self, now: Instant, owner: Owner) {
        let wants_pubsub = !matches!(owner, Owner::Peer(_));
        let Some(node) = self.node(owner) else { return };
        let (need_cmd, need_pubsub) = (node.cmd.is_none(), wants_pubsub && node.pubsub.is_none());
        let addr = node.addr.clone();
        let mut opened = Vec::new();
        if need_cmd {
            opened.push((
                LinkKind::Command,
                self.links.insert(Link::new(LinkKind::Command, owner, now)),
            ));
        }
        if need_pubsub {
            opened.push((
                LinkKind::PubSub,
                self.links.insert(Link::new(LinkKind::PubSub, owner, now)),
            ));
        }
        let Some(node) = self.node_mut(owner) else {
            return;
        };
        node.last_reconnect = Some(now);
        for (kind, link) in &opened {
            match kind {
                LinkKind::Command => {
                    node.cmd = Some(*link);
                    node.ping_pending_since.get_or_insert(now);
                }
                LinkKind::PubSub => node.pubsub = Some(*link),
            }
        }
        for (_, link) in opened {
            self.actions.push_back(Action::Connect {
                link,
                addr: addr.clone(),
            });
        }
    }

    /// The driver connected `link`; `local_ip` is the local address of the socket (it goes into
    /// hellos when `announce-ip` is not set).
    pub fn handle_link_up(&mut self, now: Instant, link: LinkId, local_ip: Option<String>) {
        let Some(l) = self.links.get_mut(link) else {
            return;
        };
        l.state = LinkState::Up { since: now };
        l.local_ip = local_ip;
        l.last_activity = now;
        let (kind, owner) = (l.kind, l.owner);
        let suffix = match kind {
            LinkKind::Command => "cmd",
            LinkKind::PubSub => "pubsub",
        };
        let id8: String = self.params.myid.chars().take(8).collect();
        if let Some(auth) = self.auth_args(owner) {
            // Through the rename table like every other command (a renamed AUTH is used).
            self.send_command(link, owner, auth, Pending::Ignored);
        }
        let setname = vec![
            Bytes::from_static(b"CLIENT"),
            Bytes::from_static(b"SETNAME"),
            Bytes::from(format!("sentinel-{id8}-{suffix}")),
        ];
        self.send_command(link, owner, setname, Pending::Ignored);
        match kind {
            LinkKind::Command => {
                self.send_command(
                    link,
                    owner,
                    vec![Bytes::from_static(b"PING")],
                    Pending::Ping { sent: now },
                );
                if let Some(node) = self.node_mut(owner) {
                    node.last_ping_sent = Some(now);
                    // The first link to a master just switched to: its silence clock starts
                    // now, with this PING.
                    if node.awaiting_first_link.take().is_some() {
                        node.ping_pending_since = Some(now);
                    }
                }
            }
            LinkKind::PubSub => {
                let args = vec![
                    Bytes::from_static(b"SUBSCRIBE"),
                    Bytes::from_static(HELLO_CHANNEL.as_bytes()),
                ];
                self.send_command(link, owner, args, Pending::Subscribe);
            }
        }
        self.service(now, owner);
    }

    /// The driver failed to connect `link`, or the connection broke.
    pub fn handle_link_down(&mut self, now: Instant, link: LinkId) {
        if let Some(owner) = self.forget_link(now, link) {
            self.service(now, owner);
        }
    }

    /// Removes `link` and detaches it from its owner, whom it returns; the caller services the
    /// owner (which reconnects it).
    pub(crate) fn forget_link(&mut self, now: Instant, link: LinkId) -> Option<Owner> {
        let l = self.links.remove(link)?;
        let channel = match l.kind {
            LinkKind::Command => "-cmd-link-reconnection",
            LinkKind::PubSub => "-pubsub-link-reconnection",
        };
        self.emit_about(l.owner, Level::Debug, channel, "");
        if let Some(node) = self.node_mut(l.owner) {
            if node.cmd == Some(link) {
                node.cmd = None;
                // A lost command link starts the silence clock if no PING is pending, so the
                // reconnect attempts that follow cannot restart it (Redis keeps `act_ping_time`
                // across reconnects the same way).
                node.ping_pending_since.get_or_insert(now);
            }
            if node.pubsub == Some(link) {
                node.pubsub = None;
            }
        }
        Some(l.owner)
    }

    /// A reply (or, on a pub/sub link, a message) arrived on `link`.
    pub fn handle_reply(&mut self, now: Instant, link: LinkId, frame: Frame) {
        let Some(l) = self.links.get_mut(link) else {
            return;
        };
        l.last_activity = now;
        let owner = l.owner;
        if l.kind == LinkKind::PubSub {
            // Replies to AUTH / CLIENT SETNAME are discarded whatever they say. An error to the
            // SUBSCRIBE (`-NOAUTH`), or an unsolicited one, makes the link useless: drop it and
            // retry, so the instance shows `disconnected` (hiredis drops an async connection
            // on such an error).
            match l.pending.pop_front() {
                Some(Pending::Subscribe) | None if frame.is_error() => self.close_link(now, link),
                Some(_) => {}
                None => self.handle_pubsub_frame(now, owner, frame),
            }
            return;
        }
        let Some(pending) = l.pending.pop_front() else {
            // A reply nobody asked for: the stream is out of step; drop the link.
            self.close_link(now, link);
            return;
        };
        match pending {
            Pending::Ping { sent: _ } => self.handle_ping_reply(now, owner, link, &frame),
            Pending::Info => self.handle_info_reply(now, owner, frame),
            Pending::IsMasterDown { master, peer } => {
                self.handle_is_master_down_reply(now, master, &peer, &frame)
            }
            Pending::Hello if frame.is_error() => {
                if let Some(node) = self.node_mut(owner) {
                    node.hello_retry_at = Some(now + HELLO_RETRY);
                }
            }
            Pending::Hello | Pending::Ignored | Pending::Subscribe => {}
        }
        if let Owner::Peer(pid) = owner {
            self.vip_peer_heard(now, pid);
        }
        self.service(now, owner);
    }

    fn handle_ping_reply(&mut self, now: Instant, owner: Owner, link: LinkId, frame: &Frame) {
        let Some(node) = self.node_mut(owner) else {
            return;
        };
        node.last_reply = Some(now);
        let pong = matches!(frame, Frame::Simple(s) if s.as_ref() == b"PONG");
        let acceptable = pong
            || matches!(frame, Frame::Error(e)
                if e.starts_with(b"LOADING") || e.starts_with(b"MASTERDOWN"));
        if acceptable {
            node.last_ok_reply = now;
            node.ping_pending_since = None;
        }
        // A script keeps the instance busy and it is down because of it: kill the script, once
        // per S_DOWN period (sentinel.c, in the PING reply callback).
        let busy = matches!(frame, Frame::Error(e) if e.starts_with(b"BUSY"));
        if busy && node.health.is_sdown() && !node.script_kill_sent {
            node.script_kill_sent = true;
            let args = vec![Bytes::from_static(b"SCRIPT"), Bytes::from_static(b"KILL")];
            self.send_command(link, owner, args, Pending::Ignored);
        }
        // Only a real PONG ends a reboot: a master still loading its data set (`-LOADING`)
        // counts as down once `master-reboot-down-after-period` has passed.
        if pong
            && let Owner::Master(mid) = owner
            && let Some(m) = self.masters.get_mut(mid)
        {
            m.reboot_since = None;
        }
    }

    fn handle_pubsub_frame(&mut self, now: Instant, _owner: Owner, frame: Frame) {
        let items = match frame {
            Frame::Array(items) | Frame::Push(items) => items,
            _ => return,
        };
        if let [kind, channel, payload] = items.as_slice()
            && kind.as_bytes() == Some(b"message")
            && channel.as_bytes() == Some(HELLO_CHANNEL.as_bytes())
            && let Some(payload) = payload.as_bytes()
        {
            let payload = payload.to_vec();
            self.process_hello(now, &payload);
        }
    }

    /// Closes a link the core no longer wants.
    pub(crate) fn close_link(&mut self, now: Instant, link: LinkId) {
        if self.links.contains(link) {
            self.actions.push_back(Action::Close { link });
            self.handle_link_down(now, link);
        }
    }

    /// Sends a command through the owner's `rename-command` table.
    pub(crate) fn send_command(
        &mut self,
        link: LinkId,
        owner: Owner,
        mut args: Vec<Bytes>,
        pending: Pending,
    ) {
        if let Some(first) = args.first_mut()
            && let Some(renamed) = self.renamed(owner, first)
        {
            *first = renamed;
        }
        self.send(link, args, pending);
    }

    fn send(&mut self, link: LinkId, args: Vec<Bytes>, pending: Pending) {
        if let Some(l) = self.links.get_mut(link) {
            l.pending.push_back(pending);
            self.actions.push_back(Action::Send { link, args });
        }
    }

    fn renamed(&self, owner: Owner, command: &[u8]) -> Option<Bytes> {
        let mid = match owner {
            Owner::Master(mid) | Owner::Replica(mid, _) => mid,
            Owner::Peer(_) => return None,
        };
        let name = String::from_utf8_lossy(command).to_ascii_uppercase();
        let m = self.masters.get(mid)?;
        m.params
            .renamed_commands
            .get(&name)
            .map(|r| Bytes::from(r.clone()))
    }

    fn auth_args(&self, owner: Owner) -> Option<Vec<Bytes>> {
        let mid = match owner {
            Owner::Master(mid) | Owner::Replica(mid, _) => mid,
            // Other sentinels: `sentinel-user` / `sentinel-pass`, else `requirepass`.
            Owner::Peer(_) => return self.peer_auth_args(),
        };
        let p = &self.masters.get(mid)?.params;
        let pass = p.auth_pass.as_ref()?;
        let mut args = vec![Bytes::from_static(b"AUTH")];
        if let Some(user) = &p.auth_user {
            args.push(Bytes::from(user.clone()));
        }
        args.push(Bytes::from(pass.clone()));
        Some(args)
    }

    /// How many commands may be in flight on `owner`'s command link before periodic commands
    /// are skipped: `SENTINEL_MAX_PENDING_COMMANDS` times the link's refcount (a peer link is
    /// shared by every master both sentinels monitor).
    pub(crate) fn pending_limit(&self, owner: Owner) -> usize {
        let refcount = match owner {
            Owner::Peer(pid) => self.peers.get(pid).map_or(1, |p| p.masters.len().max(1)),
            Owner::Master(_) | Owner::Replica(..) => 1,
        };
        self.params
            .limits
            .pending_commands_max
            .saturating_mul(refcount)
    }

    /// Commands in flight on `link`.
    pub(crate) fn pending_len(&self, link: Option<LinkId>) -> usize {
        link.and_then(|l| self.links.get(l))
            .map_or(0, |l| l.pending.len())
    }

    /// Whether an INFO is already in flight on `link`.
    pub(crate) fn info_pending(&self, link: Option<LinkId>) -> bool {
        link.and_then(|l| self.links.get(l))
            .is_some_and(|l| l.pending.iter().any(|p| *p == Pending::Info))
    }

    /// Local IP of `link`, for hellos.
    pub(crate) fn link_local_ip(&self, link: Option<LinkId>) -> Option<String> {
        link.and_then(|l| self.links.get(l))
            .and_then(|l| l.local_ip.clone())
    }
}
