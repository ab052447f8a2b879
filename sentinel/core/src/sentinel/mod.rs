//! The sentinel state machine of one shard: the masters hashed to it, their replicas, the peer
//! sentinels, and the links to all of them.
//!
//! Inputs are `handle_*` calls carrying `now`; outputs are drained with [`Sentinel::poll_action`];
//! [`Sentinel::poll_timeout`] says when to call [`Sentinel::handle_timeout`] next.

pub(crate) mod clients;
mod commands;
mod config_bridge;
mod detect;
mod election;
mod failover;
mod hellos;
mod info_refresh;
mod links;
mod periodic;
mod schedule;
mod scripts;
mod tilt;
mod vip;

use std::collections::{BTreeMap, VecDeque};

use thiserror::Error;

use crate::action::{Action, ClientId};
use crate::addr::Addr;
use crate::epoch::EpochCounter;
use crate::event::{self, Event, Level, Subject};
use crate::instance::{Master, MasterId, MasterParams, Owner, Peer, PeerId};
use crate::limits::Limits;
use crate::link::{Link, LinkId};
use crate::resp::Frame;
use crate::rng::Prng;
use crate::slab::Slab;
use crate::time::Instant;
use crate::timing::Timing;
pub use clients::ClientOrigin;
pub use commands::{ProcessInfo, SentinelOptions, unknown_command_error};
use schedule::Schedule;
pub use vip::VipView;

/// Who this sentinel is and how it announces itself.
#[derive(Clone, Debug)]
pub struct SentinelParams {
    /// 40 hex characters (`sentinel myid`).
    pub myid: String,
    /// The port peers should use to reach us (`announce-port`, else `port`).
    pub port: u16,
    /// `announce-ip`; when unset, hellos carry the local address of each link.
    pub announce_ip: Option<String>,
    pub current_epoch: u64,
    pub timing: Timing,
    pub limits: Limits,
    /// Seed of the PRNG (logged by the driver so a run can be replayed).
    pub seed: u64,
}

/// What [`Sentinel::master_view`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterView {
    pub addr: Addr,
    pub config_epoch: u64,
    pub failover_state: &'static str,
    pub failover_epoch: u64,
    pub leader: Option<String>,
    pub leader_epoch: u64,
    pub sdown: bool,
    pub odown: bool,
    pub replicas: usize,
    pub sentinels: usize,
}

/// Errors of operations that change what is monitored.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MonitorError {
    #[error("ERR Duplicate master name.")]
    DuplicateName,
    #[error("ERR Quorum must be 1 or greater.")]
    BadQuorum,
}

/// The state machine.
#[derive(Debug)]
pub struct Sentinel {
    params: SentinelParams,
    /// The current epoch, shared with the other shards of the process (see `set_epoch_counter`).
    epoch: EpochCounter,
    rng: Prng,
    masters: Slab<MasterId, Master>,
    master_by_name: BTreeMap<String, MasterId>,
    /// Masters by their current address (`is-master-down-by-addr` looks them up per request).
    /// Two names may monitor one address; the first monitored wins, as in a name-order scan.
    master_by_addr: BTreeMap<Addr, Vec<MasterId>>,
    /// The IP a master's hostname resolved to when its address was set (sentinel.c keeps it in
    /// `addr->ip`): peers name such a master by it in `is-master-down-by-addr`, so the master
    /// is indexed under it too. Absent for IP addresses and names that did not resolve.
    master_ip: BTreeMap<MasterId, String>,
    peers: Slab<PeerId, Peer>,
    peer_by_runid: BTreeMap<String, PeerId>,
    links: Slab<LinkId, Link>,
    schedule: Schedule,
    actions: VecDeque<Action>,
    persist_wanted: bool,
    persist_token: u64,
    /// Replies that may only go out once a config write issued after they were queued is done
    /// (persist before reply: votes, epoch bumps, FLUSHCONFIG, MONITOR, ...).
    held: Vec<HeldReply>,
    /// Client sessions, ACL users, global options and process facts (commands/).
    front: commands::state::Front,
    tilt: tilt::Tilt,
    /// Notification and client-reconfig scripts waiting or running.
    scripts: scripts::ScriptQueue,
    /// `SENTINEL SIMULATE-FAILURE` flags.
    pub(crate) simulate_failure: SimulateFailure,
    /// An `Exit` was issued: the process is going away, nothing more is done.
    exiting: bool,
    /// VIP ownership (vip.rs).
    vip: vip::Vips,
    /// This core's shard and the requests it forwarded to other shards (commands/shards.rs).
    shards: commands::shards::Shards,
}

/// `SENTINEL SIMULATE-FAILURE`: crash right after an election or a promotion (tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimulateFailure {
    pub crash_after_election: bool,
    pub crash_after_promotion: bool,
}

/// What a held reply waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gate {
    /// The config write with this persist token (or a later one).
    Persist(u64),
    /// The answer to this forwarded request from the other shards.
    Forward(u64),
    /// Nothing: it only waits for the client's earlier replies.
    Ready,
}

/// A reply waiting for durability, for other shards, or behind the client's earlier replies.
#[derive(Debug)]
struct HeldReply {
    gate: Gate,
    client: ClientId,
    /// Sent when the write succeeded (or the forwarded answer, once it came).
    ok: Frame,
    /// Sent when it failed.
    failed: Frame,
}

impl Sentinel {
    pub fn new(params: SentinelParams) -> Sentinel {
        let front = commands::state::Front::new(params.seed, params.port);
        Sentinel {
            epoch: EpochCounter::new(params.current_epoch),
            rng: Prng::new(params.seed),
            params,
            masters: Slab::default(),
            master_by_name: BTreeMap::new(),
            master_by_addr: BTreeMap::new(),
            master_ip: BTreeMap::new(),
            peers: Slab::default(),
            peer_by_runid: BTreeMap::new(),
            links: Slab::default(),
            schedule: Schedule::default(),
            actions: VecDeque::new(),
            persist_wanted: false,
            persist_token: 0,
            held: Vec::new(),
            front,
            tilt: tilt::Tilt::default(),
            scripts: scripts::ScriptQueue::default(),
            simulate_failure: SimulateFailure::default(),
            exiting: false,
            vip: vip::Vips::default(),
            shards: commands::shards::Shards::default(),
        }
    }

    pub fn myid(&self) -> &str {
        &self.params.myid
    }

    pub fn current_epoch(&self) -> u64 {
        self.epoch.get()
    }

    /// Shares `counter` as the current epoch (all shards of a process get the same one); it is
    /// raised to this core's epoch if lower.
    pub fn set_epoch_counter(&mut self, counter: EpochCounter) {
        counter.raise_to(self.epoch.get());
        self.epoch = counter;
    }

    /// Starts monitoring a master (from the config file or `SENTINEL MONITOR`).
    pub fn monitor(
        &mut self,
        now: Instant,
        params: MasterParams,
    ) -> Result<MasterId, MonitorError> {
        if params.quorum == 0 {
            return Err(MonitorError::BadQuorum);
        }
        if self.master_by_name.contains_key(&params.name) {
            return Err(MonitorError::DuplicateName);
        }
        let name = params.name.clone();
        let addr = params.addr.clone();
        let id = self.masters.insert(Master::new(params, now));
        self.master_by_name.insert(name, id);
        self.index_master_addr(id, addr);
        self.schedule.set(Owner::Master(id), now);
        Ok(id)
    }

    /// The next action for the driver, if any.
    pub fn poll_action(&mut self) -> Option<Action> {
        if let Some(action) = self.actions.pop_front() {
            return Some(action);
        }
        if self.persist_wanted {
            self.persist_wanted = false;
            self.persist_token += 1;
            return Some(Action::Persist {
                token: self.persist_token,
            });
        }
        None
    }

    /// When `handle_timeout` should be called next (and the wall clock reported).
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.schedule.next(),
            self.next_wall_check(),
            self.next_script_deadline(),
            self.vip_next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Sets the `SENTINEL SIMULATE-FAILURE` flags.
    pub fn set_simulate_failure(&mut self, flags: SimulateFailure) {
        self.simulate_failure = flags;
    }

    pub(crate) fn simulate_crash_after_election(&self) -> bool {
        self.simulate_failure.crash_after_election
    }

    pub(crate) fn simulate_crash_after_promotion(&self) -> bool {
        self.simulate_failure.crash_after_promotion
    }

    /// `SENTINEL SIMULATE-FAILURE`'s crash (sentinel.c `exit(99)`). Redis has written its
    /// config by then (the vote, the promotion), so the write asked for goes out first, then
    /// `Exit`: the driver carries it out before exiting. Nothing happens after this.
    pub(crate) fn simulated_crash(&mut self) {
        if self.persist_wanted {
            self.persist_wanted = false;
            self.persist_token += 1;
            self.actions.push_back(Action::Persist {
                token: self.persist_token,
            });
        }
        self.actions.push_back(Action::Exit { code: 99 });
        self.exiting = true;
    }

    /// Services every instance whose deadline has come.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.exiting {
            return;
        }
        while let Some(owner) = self.schedule.pop_due(now) {
            self.service(now, owner);
        }
        self.service_scripts(now);
        self.vip_tick(now);
    }

    /// A config write asked for with `Action::Persist` finished. Writes complete in token
    /// order (one writer), so every reply held for this token or an earlier one is released.
    pub fn handle_persisted(&mut self, _now: Instant, token: u64, ok: bool) {
        for h in &mut self.held {
            if let Gate::Persist(t) = h.gate
                && t <= token
            {
                h.gate = Gate::Ready;
                if !ok {
                    std::mem::swap(&mut h.ok, &mut h.failed);
                }
            }
        }
        self.release_held();
    }

    /// Sends every held reply that waits for nothing and has no earlier reply of its client
    /// still waiting before it.
    fn release_held(&mut self) {
        let mut blocked: Vec<ClientId> = Vec::new();
        let mut ready = Vec::new();
        let mut waiting = Vec::new();
        for h in std::mem::take(&mut self.held) {
            if h.gate == Gate::Ready && !blocked.contains(&h.client) {
                ready.push(h);
            } else {
                if !blocked.contains(&h.client) {
                    blocked.push(h.client);
                }
                waiting.push(h);
            }
        }
        self.held = waiting;
        for h in ready {
            self.deliver_reply(h.client, h.ok);
        }
    }

    /// Queues a config write and holds `ok` for `client` until it is durable; `failed` goes
    /// out instead if the write fails.
    pub(crate) fn reply_after_persist(&mut self, client: ClientId, ok: Frame, failed: Frame) {
        self.persist_wanted = true;
        self.held.push(HeldReply {
            gate: Gate::Persist(self.persist_token + 1),
            client,
            ok,
            failed,
        });
    }

    /// Sends a reply to `client`, behind any reply of its still held for durability: replies
    /// leave in the order the commands came, as a pipelining client (or a peer sentinel
    /// matching replies to commands) expects.
    pub(crate) fn send_reply(&mut self, client: ClientId, frame: Frame) {
        if self.held.iter().any(|h| h.client == client) {
            self.held.push(HeldReply {
                gate: Gate::Ready,
                client,
                ok: frame.clone(),
                failed: frame,
            });
        } else {
            self.deliver_reply(client, frame);
        }
    }

    /// Hands a reply to its client now: an `Action::Reply`, or for a request another shard
    /// forwarded (a pseudo-client), the answer that goes back to it.
    fn deliver_reply(&mut self, client: ClientId, frame: Frame) {
        match commands::shards::forwarded_request(client) {
            Some(request) => self.forwarded_answer(request, frame),
            None => self.actions.push_back(Action::Reply { client, frame }),
        }
    }

    /// Names of the monitored masters, in name order.
    pub fn master_names(&self) -> Vec<&str> {
        self.master_by_name.keys().map(String::as_str).collect()
    }

    /// The other sentinels known for `master`: (run id, address), in run id order.
    pub fn known_sentinels(&self, master: &str) -> Vec<(String, Addr)> {
        self.master(master)
            .map(|m| {
                m.sentinels
                    .iter()
                    .map(|(id, e)| (id.clone(), e.addr.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The address this sentinel currently knows for `master` (`SENTINEL MASTER`'s view).
    pub fn master_addr(&self, master: &str) -> Option<Addr> {
        self.master(master).map(|m| m.node.addr.clone())
    }

    /// A summary of this sentinel's view of `master`, for tests, the simulator's invariant
    /// checks and operators' tools.
    pub fn master_view(&self, master: &str) -> Option<MasterView> {
        let m = self.master(master)?;
        Some(MasterView {
            addr: m.node.addr.clone(),
            config_epoch: m.config_epoch,
            failover_state: m.failover.state.name(),
            failover_epoch: m.failover.epoch,
            leader: m.leader.clone(),
            leader_epoch: m.leader_epoch,
            sdown: m.node.health.is_sdown(),
            odown: m.odown_since.is_some(),
            replicas: m.replicas.len(),
            sentinels: m.sentinels.len(),
        })
    }

    /// Whether this sentinel holds `master` subjectively down.
    pub fn is_sdown(&self, master: &str) -> bool {
        self.master(master)
            .is_some_and(|m| m.node.health.is_sdown())
    }

    fn index_master_addr(&mut self, mid: MasterId, addr: Addr) {
        if addr.host.parse::<std::net::IpAddr>().is_err()
            && let Some(ip) = (self.front.resolver)(&addr.host)
        {
            let by_ip = Addr::new(ip.clone(), addr.port);
            self.master_by_addr.entry(by_ip).or_default().push(mid);
            self.master_ip.insert(mid, ip);
        }
        self.master_by_addr.entry(addr).or_default().push(mid);
    }

    fn unindex_master_addr(&mut self, mid: MasterId, addr: &Addr) {
        let by_ip = self
            .master_ip
            .remove(&mid)
            .map(|ip| Addr::new(ip, addr.port));
        for key in std::iter::once(addr).chain(by_ip.as_ref()) {
            if let Some(ids) = self.master_by_addr.get_mut(key) {
                ids.retain(|id| *id != mid);
                if ids.is_empty() {
                    self.master_by_addr.remove(key);
                }
            }
        }
    }

    /// How a master's address is shown to peers and in INFO (sentinel.c
    /// `announceSentinelAddr`): its hostname with `announce-hostnames yes`, else the IP it
    /// resolved to when the address was set.
    pub(crate) fn master_wire_host(&self, mid: MasterId, host: &str) -> String {
        if self.front.options.announce_hostnames {
            return host.to_string();
        }
        self.master_ip
            .get(&mid)
            .cloned()
            .unwrap_or_else(|| host.to_string())
    }

    /// The master whose current address is `addr`.
    pub(crate) fn master_at(&self, addr: &Addr) -> Option<MasterId> {
        self.master_by_addr
            .get(addr)
            .and_then(|ids| ids.first().copied())
    }

    fn master(&self, name: &str) -> Option<&Master> {
        self.master_by_name
            .get(name)
            .and_then(|id| self.masters.get(*id))
    }

    /// Logs and publishes an event: the driver gets `Action::Publish`, and every client
    /// subscribed to its channel (or a matching pattern) gets the message.
    fn emit(&mut self, event: Event) {
        let published = event.is_published();
        self.actions.push_back(Action::Publish(event.clone()));
        if published {
            self.deliver_event(&event);
        }
    }

    /// Emits an event about an instance (`%@` then `extra`); a WARNING-level one also runs the
    /// notification script of the instance's master.
    pub(crate) fn emit_about(
        &mut self,
        owner: Owner,
        level: Level,
        channel: &'static str,
        extra: &str,
    ) {
        if let Some(ev) = self.event_about(owner, level, channel, extra) {
            self.notify_script(owner, &ev);
            self.emit(ev);
        }
    }

    fn request_persist(&mut self) {
        self.persist_wanted = true;
    }

    /// `%@` of an instance, as an owned event.
    fn event_about(
        &self,
        owner: Owner,
        level: Level,
        channel: &'static str,
        extra: &str,
    ) -> Option<Event> {
        // Addresses as clients see them (`announce-hostnames`).
        let shown = |a: &Addr| Addr::new(self.shown_host(&a.host), a.port);
        match owner {
            Owner::Master(mid) => {
                let m = self.masters.get(mid)?;
                let addr = shown(&m.node.addr);
                let subject = Subject::Master {
                    name: &m.params.name,
                    addr: &addr,
                };
                Some(event::about(level, channel, &subject, extra))
            }
            Owner::Replica(mid, rid) => {
                let m = self.masters.get(mid)?;
                let r = m.replicas.get(rid)?;
                let (addr, master_addr) = (shown(&r.node.addr), shown(&m.node.addr));
                let subject = Subject::Replica {
                    addr: &addr,
                    master: &m.params.name,
                    master_addr: &master_addr,
                };
                Some(event::about(level, channel, &subject, extra))
            }
            Owner::Peer(pid) => {
                let p = self.peers.get(pid)?;
                let m = p.masters.first().and_then(|mid| self.masters.get(*mid))?;
                let (addr, master_addr) = (shown(&p.node.addr), shown(&m.node.addr));
                let subject = Subject::Sentinel {
                    runid: &p.runid,
                    addr: &addr,
                    master: &m.params.name,
                    master_addr: &master_addr,
                };
                Some(event::about(level, channel, &subject, extra))
            }
        }
    }
}

#[cfg(test)]
mod tests;
