//! Client sessions (networking.c `client`): who is connected, as which user, speaking which
//! protocol, subscribed to what, plus the counters INFO shows.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use bytes::Bytes;

use crate::action::ClientId;
use crate::resp::Protocol;
use crate::time::Instant;

/// `CLIENT REPLY` mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    Skip,
}

/// Where a client connected, as the driver accepted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientOrigin {
    Tcp {
        peer: std::net::SocketAddr,
        local: std::net::SocketAddr,
    },
    /// On the `unixsocket`, as configured (CLIENT LIST shows `path:0` for both ends).
    Unix { path: String },
    /// Not known (tests, or a socket whose addresses could not be read).
    Unknown,
}

impl ClientOrigin {
    /// `addr` and `laddr` as CLIENT LIST shows them (`ip:port`, `[ip6]:port`, `path:0`).
    pub(crate) fn addrs(&self) -> (String, String) {
        match self {
            ClientOrigin::Tcp { peer, local } => (peer.to_string(), local.to_string()),
            ClientOrigin::Unix { path } => (format!("{path}:0"), format!("{path}:0")),
            ClientOrigin::Unknown => (String::new(), String::new()),
        }
    }

    /// Whether protected mode lets it in without a password: a Unix socket client, or one
    /// from exactly 127.0.0.1 or ::1 (other 127/8 addresses are not, as in Redis).
    pub(crate) fn is_local(&self) -> bool {
        match self {
            ClientOrigin::Tcp { peer, .. } => match peer.ip() {
                std::net::IpAddr::V4(ip) => ip == std::net::Ipv4Addr::LOCALHOST,
                std::net::IpAddr::V6(ip) => ip == std::net::Ipv6Addr::LOCALHOST,
            },
            ClientOrigin::Unix { .. } | ClientOrigin::Unknown => true,
        }
    }
}

/// One client connection.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) peer_addr: String,
    pub(crate) local_addr: String,
    /// Connected on the Unix socket (flag `U`).
    pub(crate) unix: bool,
    pub(crate) user: String,
    pub(crate) authenticated: bool,
    pub(crate) protocol: Protocol,
    pub(crate) name: Option<Bytes>,
    pub(crate) channels: BTreeSet<Bytes>,
    pub(crate) patterns: BTreeSet<Bytes>,
    pub(crate) created: Instant,
    pub(crate) last_interaction: Instant,
    pub(crate) last_command: String,
    pub(crate) reply_mode: ReplyMode,
    /// Replies of the command being run are dropped (`CLIENT REPLY OFF/SKIP`).
    pub(crate) suppress: bool,
    pub(crate) no_evict: bool,
    pub(crate) tracking: bool,
    /// `CLIENT KILL` asked the driver to close it: later commands are ignored.
    pub(crate) killed: bool,
    /// Its `ACL LOAD` / `ACL SAVE` waits for the driver's file IO. Commands that arrive
    /// meanwhile wait in `deferred` and run once it is answered, as they would after a
    /// synchronous command in Redis.
    pub(crate) waits_for_acl_file: bool,
    pub(crate) deferred: VecDeque<Vec<Bytes>>,
}

impl Session {
    pub(crate) fn new(now: Instant, origin: &ClientOrigin, open: bool) -> Session {
        let (peer_addr, local_addr) = origin.addrs();
        Session {
            peer_addr,
            local_addr,
            unix: matches!(origin, ClientOrigin::Unix { .. }),
            user: "default".into(),
            authenticated: open,
            protocol: Protocol::Resp2,
            name: None,
            channels: BTreeSet::new(),
            patterns: BTreeSet::new(),
            created: now,
            last_interaction: now,
            last_command: "NULL".into(),
            reply_mode: ReplyMode::On,
            suppress: false,
            no_evict: false,
            tracking: false,
            killed: false,
            waits_for_acl_file: false,
            deferred: VecDeque::new(),
        }
    }

    /// Channels plus patterns: the count subscribe replies carry.
    pub(crate) fn subscription_count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// In RESP2 a client with subscriptions may only run the pub/sub commands and PING.
    pub(crate) fn in_pubsub_context(&self) -> bool {
        self.protocol == Protocol::Resp2 && self.subscription_count() > 0
    }
}

/// Every session plus the counters INFO's clients and stats sections show.
#[derive(Debug, Default)]
pub(crate) struct Clients {
    pub(crate) sessions: BTreeMap<ClientId, Session>,
    pub(crate) total_connections: u64,
    pub(crate) rejected_connections: u64,
    pub(crate) total_commands: u64,
    pub(crate) total_error_replies: u64,
}

impl Clients {
    pub(crate) fn get(&self, id: ClientId) -> Option<&Session> {
        self.sessions.get(&id)
    }

    pub(crate) fn get_mut(&mut self, id: ClientId) -> Option<&mut Session> {
        self.sessions.get_mut(&id)
    }

    /// Distinct channels with at least one subscriber.
    pub(crate) fn pubsub_channels(&self) -> usize {
        self.sessions
            .values()
            .flat_map(|s| s.channels.iter())
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Distinct patterns with at least one subscriber.
    pub(crate) fn pubsub_patterns(&self) -> usize {
        self.sessions
            .values()
            .flat_map(|s| s.patterns.iter())
            .collect::<BTreeSet<_>>()
            .len()
    }
}
