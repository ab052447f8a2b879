//! Connections the core asks for: per monitored instance a command link and a pub/sub link, per
//! peer sentinel one command link shared by every master both monitor (sentinel.c
//! `instanceLink`, `sentinelTryConnectionSharing`).

use std::collections::VecDeque;

use crate::instance::Owner;
use crate::slab::slab_key;
use crate::time::Instant;

slab_key!(
    /// A connection the core asked the driver to open.
    LinkId
);

/// What a link carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// Commands and their replies, in order.
    Command,
    /// `SUBSCRIBE __sentinel__:hello` and the messages it delivers.
    PubSub,
}

/// Where a link is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// `Connect` was asked for at this time; no answer yet.
    Connecting { since: Instant },
    /// Connected at this time.
    Up { since: Instant },
}

/// A command whose reply is still due, so the reply can be interpreted when it arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// `PING`, sent at this time.
    Ping { sent: Instant },
    /// `INFO`.
    Info,
    /// `PUBLISH __sentinel__:hello ...`.
    Hello,
    /// `SENTINEL is-master-down-by-addr` about `master`, asked of the peer with this run id.
    IsMasterDown {
        master: crate::instance::MasterId,
        peer: String,
    },
    /// A reply we do not look at (AUTH, CLIENT SETNAME, ...).
    Ignored,
    /// `SUBSCRIBE __sentinel__:hello` on a pub/sub link.
    Subscribe,
}

/// One connection.
#[derive(Debug)]
pub struct Link {
    pub kind: LinkKind,
    pub owner: Owner,
    pub state: LinkState,
    pub pending: VecDeque<Pending>,
    /// Local IP of the connection as the driver reports it (used in hellos).
    pub local_ip: Option<String>,
    /// Last time anything arrived on the link.
    pub last_activity: Instant,
    /// When the connect was asked for (sentinel.c `cc_conn_time` / `pc_conn_time`): links
    /// younger than `min-link-reconnect-period` are never recycled for inactivity.
    pub opened: Instant,
}

impl Link {
    pub fn new(kind: LinkKind, owner: Owner, now: Instant) -> Link {
        Link {
            kind,
            owner,
            state: LinkState::Connecting { since: now },
            pending: VecDeque::new(),
            local_ip: None,
            last_activity: now,
            opened: now,
        }
    }

    pub fn is_up(&self) -> bool {
        matches!(self.state, LinkState::Up { .. })
    }
}
