//! The instance model: masters, their replicas, the other sentinels watching them, and the peer
//! links shared between masters. States are enums carrying their own data.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::addr::Addr;
use crate::link::LinkId;
use crate::slab::{Slab, slab_key};
use crate::time::Instant;

slab_key!(
    /// A monitored master.
    MasterId
);
slab_key!(
    /// A replica of a master.
    ReplicaId
);
slab_key!(
    /// A peer sentinel, identified by its run id and reached over one shared link.
    PeerId
);

/// Who a link belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    Master(MasterId),
    Replica(MasterId, ReplicaId),
    Peer(PeerId),
}

/// What an instance's INFO last said its role was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportedRole {
    Unknown,
    Master,
    Replica,
}

/// Subjective health as this sentinel sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Up,
    /// S_DOWN since this time.
    SubjectivelyDown {
        since: Instant,
    },
}

impl Health {
    pub fn is_sdown(self) -> bool {
        matches!(self, Health::SubjectivelyDown { .. })
    }
}

/// The connection and liveness state every instance kind has (sentinel.c keeps it in
/// `instanceLink` and the instance itself).
#[derive(Debug)]
pub struct Node {
    pub addr: Addr,
    pub runid: Option<String>,
    pub cmd: Option<LinkId>,
    pub pubsub: Option<LinkId>,
    /// When the oldest unanswered PING was sent (or the reconnect attempt that queued it).
    pub ping_pending_since: Option<Instant>,
    /// When the last PING was sent.
    pub last_ping_sent: Option<Instant>,
    /// Last acceptable PING reply (`PONG`, `LOADING`, `MASTERDOWN`).
    pub last_ok_reply: Instant,
    /// Last PING reply of any kind.
    pub last_reply: Option<Instant>,
    /// Last reconnect attempt (reconnects are throttled to one per ping period).
    pub last_reconnect: Option<Instant>,
    pub health: Health,
    /// When the last INFO reply arrived.
    pub info_refreshed: Option<Instant>,
    pub last_hello_sent: Option<Instant>,
    pub role: ReportedRole,
    pub role_since: Instant,
}

impl Node {
    pub fn new(addr: Addr, now: Instant) -> Node {
        Node {
            addr,
            runid: None,
            cmd: None,
            pubsub: None,
            ping_pending_since: None,
            last_ping_sent: None,
            last_ok_reply: now,
            last_reply: None,
            last_reconnect: None,
            health: Health::Up,
            info_refreshed: None,
            last_hello_sent: None,
            role: ReportedRole::Unknown,
            role_since: now,
        }
    }

    /// How long the instance has gone without an acceptable reply, as SDOWN measures it
    /// (sentinel.c `sentinelCheckSubjectivelyDown`).
    pub fn silence(&self, now: Instant, link_up: bool) -> Duration {
        if let Some(since) = self.ping_pending_since {
            now - since
        } else if !link_up {
            now - self.last_ok_reply
        } else {
            Duration::ZERO
        }
    }
}

/// Per-master settings the runtime acts on. (Bridged from the config model.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterParams {
    pub name: String,
    pub addr: Addr,
    pub quorum: u32,
    pub down_after: Duration,
    pub failover_timeout: Duration,
    pub parallel_syncs: u32,
    /// Our `sentinel ping-period`; `None` = a quarter of Redis's cadence.
    pub ping_period: Option<Duration>,
    pub auth_user: Option<String>,
    pub auth_pass: Option<String>,
    /// `rename-command` mappings, by upper-cased original name.
    pub renamed_commands: BTreeMap<String, String>,
}

impl MasterParams {
    /// Settings with Redis's defaults for everything but the name, address and quorum.
    pub fn new(name: impl Into<String>, addr: Addr, quorum: u32) -> MasterParams {
        MasterParams {
            name: name.into(),
            addr,
            quorum,
            down_after: Duration::from_millis(30_000),
            failover_timeout: Duration::from_millis(180_000),
            parallel_syncs: 1,
            ping_period: None,
            auth_user: None,
            auth_pass: None,
            renamed_commands: BTreeMap::new(),
        }
    }
}

/// A replica of a master.
#[derive(Debug)]
pub struct Replica {
    pub node: Node,
}

/// Another sentinel as one master knows it.
#[derive(Debug)]
pub struct SentinelEntry {
    pub peer: PeerId,
    pub addr: Addr,
    pub last_hello: Instant,
    pub voted_leader: Option<String>,
    pub voted_leader_epoch: u64,
}

/// A monitored master and everything known about its group.
#[derive(Debug)]
pub struct Master {
    pub params: MasterParams,
    pub node: Node,
    pub config_epoch: u64,
    pub replicas: Slab<ReplicaId, Replica>,
    pub replica_by_addr: BTreeMap<Addr, ReplicaId>,
    /// Other sentinels, by run id.
    pub sentinels: BTreeMap<String, SentinelEntry>,
    /// This sentinel's last vote for this master: (leader run id, epoch).
    pub leader: Option<(String, u64)>,
}

impl Master {
    pub fn new(params: MasterParams, now: Instant) -> Master {
        let node = Node::new(params.addr.clone(), now);
        Master {
            params,
            node,
            config_epoch: 0,
            replicas: Slab::default(),
            replica_by_addr: BTreeMap::new(),
            sentinels: BTreeMap::new(),
            leader: None,
        }
    }
}

/// A peer sentinel reached over one command link shared by all masters it watches with us.
#[derive(Debug)]
pub struct Peer {
    pub runid: String,
    pub node: Node,
    /// Masters that list this peer; the link is closed when the last one forgets it.
    pub masters: Vec<MasterId>,
}
