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
    /// Not produced by the core (nodes start from the role they are expected to have).
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
    /// A hello got an error reply (`-NOPERM`, `-READONLY`...): it is sent again at this time
    /// instead of a publish period later (sentinel.c only counts a hello as published once it
    /// got a non-error reply, and retries on its next tick).
    pub hello_retry_at: Option<Instant>,
    pub role: ReportedRole,
    pub role_since: Instant,
    /// Set on a master just switched to: its silence is not counted until the first link to it
    /// is up (or one down-after has passed), so a healthy promoted master is not failed over
    /// again because connecting to it took a moment (Redis starts the clock at the switch).
    pub awaiting_first_link: Option<Instant>,
    /// When `health` last changed (Redis's "no down state for N ms" checks).
    pub health_changed: Instant,
    /// The raw text of the last INFO reply (`SENTINEL INFO-CACHE`).
    pub info_text: Option<bytes::Bytes>,
    /// `SCRIPT KILL` was sent for a `-BUSY` PING reply while S_DOWN (cleared on `-sdown`).
    pub script_kill_sent: bool,
}

impl Node {
    /// A node expected to be a master: its reported role starts as `Master`, as sentinel.c
    /// starts `role_reported` from the configured role, so a first INFO that agrees reports no
    /// change. Replicas override it; peers never get INFO, so theirs is unused.
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
            hello_retry_at: None,
            role: ReportedRole::Master,
            role_since: now,
            awaiting_first_link: None,
            health_changed: now,
            info_text: None,
            script_kill_sent: false,
        }
    }

    /// The last PING reply of any kind (sentinel.c `last_pong_time`, which starts when the
    /// instance is created).
    pub fn last_ping_reply(&self) -> Instant {
        self.last_reply.unwrap_or(self.last_ok_reply)
    }

    /// When [`Node::silence`] will exceed `down_after` if nothing arrives (`None`: it cannot,
    /// the link being up with no PING pending).
    pub fn silence_deadline(&self, link_up: bool, down_after: Duration) -> Option<Instant> {
        let start = if let Some(switched) = self.awaiting_first_link {
            switched + down_after
        } else if let Some(since) = self.ping_pending_since {
            since
        } else if !link_up {
            self.last_ok_reply
        } else {
            return None;
        };
        Some(start + down_after + Duration::from_nanos(1))
    }

    /// How long the instance has gone without an acceptable reply, as SDOWN measures it
    /// (sentinel.c `sentinelCheckSubjectivelyDown`).
    pub fn silence(&self, now: Instant, link_up: bool, down_after: Duration) -> Duration {
        if let Some(switched) = self.awaiting_first_link {
            // Count from one down-after after the switch at the latest.
            return (now - switched).saturating_sub(down_after);
        }
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
    pub notification_script: Option<String>,
    pub client_reconfig_script: Option<String>,
    /// `master-reboot-down-after-period`; zero disables.
    pub master_reboot_down_after_period: Duration,
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
            notification_script: None,
            client_reconfig_script: None,
            master_reboot_down_after_period: Duration::ZERO,
        }
    }
}

/// What a replica's INFO last said about its replication (spec §3.3). Defaults mirror what
/// sentinel.c shows before the first INFO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaInfo {
    /// `master_host` / `master_port`, `None` until reported (shown as `?` / `0`).
    pub master_host: Option<String>,
    pub master_port: u16,
    /// `master_link_status:up`.
    pub master_link_up: bool,
    /// `master_link_down_since_seconds`, in ms (0 when absent).
    pub master_link_down_ms: u64,
    pub priority: u32,
    pub repl_offset: u64,
    pub announced: bool,
}

impl Default for ReplicaInfo {
    fn default() -> ReplicaInfo {
        ReplicaInfo {
            master_host: None,
            master_port: 0,
            master_link_up: false,
            master_link_down_ms: 0,
            priority: 100,
            repl_offset: 0,
            announced: true,
        }
    }
}

/// Where a replica is in being pointed at a promoted master during a failover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reconf {
    None,
    /// `SLAVEOF <promoted>` sent at this time (`reconf_sent`).
    Sent {
        since: Instant,
    },
    /// INFO shows it replicating from the promoted replica (`reconf_inprog`).
    InProgress,
    /// INFO shows the link up (`reconf_done`).
    Done,
}

/// A replica of a master.
#[derive(Debug)]
pub struct Replica {
    pub node: Node,
    pub info: ReplicaInfo,
    pub reconf: Reconf,
    /// The `-slave-reconf-sent-timeout` mark (sentinel.c sets `SRI_RECONF_DONE` and keeps
    /// going): the replica counts as reconfigured for the end of the failover and gets no
    /// further timeout, while the SLAVEOF sent again keeps its parallel-syncs slot until INFO
    /// moves it on. Cleared when `reconf` is reset or reaches `Done`.
    pub reconf_timed_out: bool,
    /// When INFO first reported a changed `master_host`/`master_port` (for `+fix-slave-config`).
    pub master_addr_change_time: Option<Instant>,
}

impl Replica {
    pub fn new(addr: Addr, now: Instant) -> Replica {
        let mut node = Node::new(addr, now);
        node.role = ReportedRole::Replica;
        Replica {
            node,
            info: ReplicaInfo::default(),
            reconf: Reconf::None,
            reconf_timed_out: false,
            master_addr_change_time: None,
        }
    }
}

/// The failover state machine of one master (sentinel.c `failover_state`), each state with the
/// data it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failover {
    /// No failover in progress.
    Idle,
    /// Asking for votes in `epoch`.
    WaitStart,
    /// Elected; choosing a replica.
    SelectSlave,
    /// `SLAVEOF NO ONE` to be sent to `promoted`.
    SendSlaveofNoOne { promoted: ReplicaId },
    /// Waiting for `promoted` to report `role:master`.
    WaitPromotion { promoted: ReplicaId },
    /// Pointing the other replicas at `promoted`.
    ReconfSlaves { promoted: ReplicaId },
    /// Done: switch the master's address to `promoted`.
    UpdateConfig { promoted: ReplicaId },
}

impl Failover {
    /// The state name `SENTINEL MASTER` shows in `failover-state`.
    pub fn name(&self) -> &'static str {
        match self {
            Failover::Idle => "none",
            Failover::WaitStart => "wait_start",
            Failover::SelectSlave => "select_slave",
            Failover::SendSlaveofNoOne { .. } => "send_slaveof_noone",
            Failover::WaitPromotion { .. } => "wait_promotion",
            Failover::ReconfSlaves { .. } => "reconf_slaves",
            Failover::UpdateConfig { .. } => "update_config",
        }
    }

    /// The replica being promoted, from `send_slaveof_noone` on.
    pub fn promoted(&self) -> Option<ReplicaId> {
        match self {
            Failover::SendSlaveofNoOne { promoted }
            | Failover::WaitPromotion { promoted }
            | Failover::ReconfSlaves { promoted }
            | Failover::UpdateConfig { promoted } => Some(*promoted),
            Failover::Idle | Failover::WaitStart | Failover::SelectSlave => None,
        }
    }
}

/// Failover bookkeeping of a master that outlives one state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailoverTrack {
    pub state: Failover,
    /// When the current state was entered.
    pub state_since: Instant,
    /// Epoch of the failover in progress (or the last one).
    pub epoch: u64,
    /// When the last failover attempt started (retries wait 2 × failover-timeout from here).
    pub start_time: Option<Instant>,
    /// Set by `SENTINEL FAILOVER`: skip agreement.
    pub forced: bool,
    /// When our own vote may be cast in `wait_start` (see `failover.rs`).
    pub self_vote_at: Option<Instant>,
    /// After O_DOWN, the failover starts no earlier than this (a small random delay).
    pub start_not_before: Option<Instant>,
    /// When the promoted replica was last polled with INFO.
    pub last_fast_poll: Option<Instant>,
}

impl FailoverTrack {
    pub fn new(now: Instant) -> FailoverTrack {
        FailoverTrack {
            state: Failover::Idle,
            state_since: now,
            epoch: 0,
            start_time: None,
            forced: false,
            self_vote_at: None,
            start_not_before: None,
            last_fast_poll: None,
        }
    }

    pub fn in_progress(&self) -> bool {
        self.state != Failover::Idle
    }
}

/// Another sentinel as one master knows it.
#[derive(Debug)]
pub struct SentinelEntry {
    pub peer: PeerId,
    pub addr: Addr,
    pub last_hello: Instant,
    /// The peer's last answer to `is-master-down-by-addr` for this master: (down, when).
    pub master_down: Option<(bool, Instant)>,
    pub voted_leader: Option<String>,
    pub voted_leader_epoch: u64,
    /// When we last asked this peer about this master.
    pub last_ask: Option<Instant>,
    /// The peer's S_DOWN as this master sees it: sentinel.c keeps one instance of a peer per
    /// master, each judged with its master's down-after over the shared link.
    pub health: Health,
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
    /// The run id this sentinel last voted for as leader of a failover of this master (cleared
    /// by a reset, as sentinel.c does, while `leader_epoch` stays).
    pub leader: Option<String>,
    /// The epoch of that vote.
    pub leader_epoch: u64,
    /// O_DOWN since this time.
    pub odown_since: Option<Instant>,
    pub failover: FailoverTrack,
    /// The run id changed (a reboot) at this time; cleared by a real `PONG`.
    pub reboot_since: Option<Instant>,
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
            leader_epoch: 0,
            odown_since: None,
            failover: FailoverTrack::new(now),
            reboot_since: None,
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
