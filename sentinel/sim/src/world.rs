//! The simulated world: sentinels, modelled redis instances, the connections between them and
//! one queue of timed deliveries. Everything runs on virtual time from one seeded PRNG.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use sentinel_core::config::{SentinelConfig, VipConfig};
use sentinel_core::event::Event;
use sentinel_core::instance::MasterParams;
use sentinel_core::link::LinkId;
use sentinel_core::resp::Frame;
use sentinel_core::{
    Action, Addr, ClientId, Instant, Limits, Prng, Sentinel, SentinelParams, Timing, WallMillis,
};

use crate::net::{Net, NetConfig};
use crate::redis::{ConnState, Effects, ModelRedis, Process, RedisRole};

/// Index of a sentinel in the simulation.
pub type SentinelIdx = usize;
/// Index of a modelled redis in the simulation.
pub type RedisIdx = usize;

/// What a connection leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Redis(RedisIdx),
    Sentinel(SentinelIdx, ClientId),
}

/// An event a sentinel published, with when and who.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedEvent {
    pub at: Instant,
    pub sentinel: SentinelIdx,
    pub event: Event,
    /// For events about a master (`master <name> ...`): the epoch of that master's current or
    /// last failover on this sentinel when the event was published.
    pub failover_epoch: Option<u64>,
}

struct SimSentinel {
    core: Sentinel,
    addr: Addr,
    alive: bool,
    /// Added to virtual time to make this sentinel's wall clock (a jump is a change of it).
    wall_offset_ms: i64,
    /// The host kernel's VIP map as the XDP program sees it: VIP -> end of the claimed lease.
    /// It outlives the sentinel process, as the pinned map does.
    vip_kernel: BTreeMap<std::net::Ipv4Addr, Instant>,
    /// What the last config write asked for saved (a snapshot taken when the core asked).
    disk: Option<SentinelConfig>,
}

struct Conn {
    from: SentinelIdx,
    link: LinkId,
    to: Endpoint,
    open: bool,
    state: ConnState,
    channels: Vec<Bytes>,
    /// Last scheduled delivery each way, to keep each direction in order (TCP).
    last_request: Instant,
    last_reply: Instant,
}

#[derive(Debug)]
enum Delivery {
    Connected { conn: u64, ok: bool },
    Request { conn: u64, args: Vec<Bytes> },
    Reply { conn: u64, frame: Frame },
    Reset { conn: u64 },
    Persisted { sentinel: SentinelIdx, token: u64 },
}

/// How often a delivery blocked by a partition or a frozen process is retried. Retrying with a
/// fixed step keeps each connection's deliveries in order.
const STALL_RETRY: Duration = Duration::from_millis(10);

/// The simulation.
pub struct Sim {
    now: Instant,
    rng: Prng,
    net: Net,
    sentinels: Vec<SimSentinel>,
    redis: Vec<ModelRedis>,
    conns: BTreeMap<u64, Conn>,
    conn_by_link: BTreeMap<(SentinelIdx, LinkId), u64>,
    conn_by_client: BTreeMap<(SentinelIdx, ClientId), u64>,
    next_conn: u64,
    queue: BTreeMap<(Instant, u64), Delivery>,
    seq: u64,
    events: Vec<LoggedEvent>,
    /// Timing given to every sentinel created from now on.
    pub timing: Timing,
}

impl Sim {
    /// An empty world whose whole run is determined by `seed`.
    pub fn new(seed: u64, net: NetConfig) -> Sim {
        Sim {
            now: Instant::ZERO,
            rng: Prng::new(seed),
            net: Net::new(net),
            sentinels: Vec::new(),
            redis: Vec::new(),
            conns: BTreeMap::new(),
            conn_by_link: BTreeMap::new(),
            conn_by_client: BTreeMap::new(),
            next_conn: 0,
            queue: BTreeMap::new(),
            seq: 0,
            events: Vec::new(),
            timing: Timing::default(),
        }
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    /// Adds a modelled redis-server.
    pub fn add_redis(&mut self, addr: Addr, role: RedisRole) -> RedisIdx {
        let run_id = self.rng.hex_id(40);
        self.redis.push(ModelRedis::new(addr, run_id, role));
        self.redis.len() - 1
    }

    /// Adds a sentinel listening on `addr` and monitoring `masters`.
    pub fn add_sentinel(&mut self, addr: Addr, masters: Vec<MasterParams>) -> SentinelIdx {
        let params = SentinelParams {
            myid: self.rng.hex_id(40),
            port: addr.port,
            announce_ip: None,
            current_epoch: 0,
            timing: self.timing.clone(),
            limits: Limits::default(),
            seed: self.rng.next_u64(),
        };
        let mut core = Sentinel::new(params);
        for m in masters {
            // Scenario set-up errors are programming errors in the test itself.
            core.monitor(self.now, m)
                .unwrap_or_else(|e| panic!("scenario: {e}"));
        }
        core.observe_wall_clock(self.now, WallMillis(wall_ms(self.now)));
        // The sentinel's host is its address's host: a redis with the same host is local.
        core.set_local_addresses(self.now, [addr.host.clone()]);
        self.sentinels.push(SimSentinel {
            core,
            addr,
            alive: true,
            wall_offset_ms: 0,
            vip_kernel: BTreeMap::new(),
            disk: None,
        });
        let idx = self.sentinels.len() - 1;
        self.drain(idx);
        idx
    }

    /// Configures `sentinel vip` for `master` on sentinel `idx`.
    pub fn set_vip(&mut self, idx: SentinelIdx, master: &str, vip: &VipConfig) {
        let now = self.now;
        self.sentinels[idx].core.set_vip(now, master, Some(vip));
        self.drain(idx);
    }

    /// The sentinels whose host kernel answers for `vip` now (owned, lease not run out).
    pub fn vip_holders(&self, vip: std::net::Ipv4Addr) -> Vec<SentinelIdx> {
        (0..self.sentinels.len())
            .filter(|&i| {
                self.sentinels[i]
                    .vip_kernel
                    .get(&vip)
                    .is_some_and(|until| *until > self.now)
            })
            .collect()
    }

    pub fn sentinel(&self, idx: SentinelIdx) -> &Sentinel {
        &self.sentinels[idx].core
    }

    /// The sentinel state of sentinel `idx`'s config file as last written (it outlives a
    /// crash).
    pub fn persisted_config(&self, idx: SentinelIdx) -> Option<&SentinelConfig> {
        self.sentinels[idx].disk.as_ref()
    }

    /// Mutable access to a sentinel's core (to set `SIMULATE-FAILURE` flags and the like).
    pub fn sentinel_mut(&mut self, idx: SentinelIdx) -> &mut Sentinel {
        &mut self.sentinels[idx].core
    }

    pub fn redis(&self, idx: RedisIdx) -> &ModelRedis {
        &self.redis[idx]
    }

    /// Every event published so far, in order.
    pub fn events(&self) -> &[LoggedEvent] {
        &self.events
    }

    /// SIGSTOP: the process keeps its connections but answers nothing.
    pub fn freeze_redis(&mut self, idx: RedisIdx) {
        self.redis[idx].process = Process::Frozen;
    }

    /// SIGCONT.
    pub fn resume_redis(&mut self, idx: RedisIdx) {
        self.redis[idx].process = Process::Running;
    }

    /// kill -9: connections are reset, new ones refused.
    pub fn kill_redis(&mut self, idx: RedisIdx) {
        self.redis[idx].process = Process::Killed;
        let doomed: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| c.open && c.to == Endpoint::Redis(idx))
            .map(|(id, _)| *id)
            .collect();
        for conn in doomed {
            let at = self.now + self.net.delay(&mut self.rng);
            self.push(at, Delivery::Reset { conn });
        }
    }

    /// The sentinel process dies: its connections are reset and it never runs again.
    pub fn crash_sentinel(&mut self, idx: SentinelIdx) {
        self.sentinels[idx].alive = false;
        let doomed: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.open && (c.from == idx || matches!(c.to, Endpoint::Sentinel(s, _) if s == idx))
            })
            .map(|(id, _)| *id)
            .collect();
        for conn in doomed {
            let at = self.now + self.net.delay(&mut self.rng);
            self.push(at, Delivery::Reset { conn });
        }
    }

    /// Steps sentinel `idx`'s wall clock by `delta_ms` (an NTP step, a VM pause).
    pub fn jump_wall_clock(&mut self, idx: SentinelIdx, delta_ms: i64) {
        self.sentinels[idx].wall_offset_ms += delta_ms;
    }

    /// Mutable access to a modelled redis (priorities, offsets).
    pub fn redis_mut(&mut self, idx: RedisIdx) -> &mut ModelRedis {
        &mut self.redis[idx]
    }

    /// How many sentinels the simulation has (dead ones included).
    pub fn sentinel_count(&self) -> usize {
        self.sentinels.len()
    }

    /// Whether sentinel `idx` runs a failover of `master` that `SENTINEL FAILOVER` forced.
    pub fn forced_failover(&self, _idx: SentinelIdx, _master: &str) -> bool {
        // Scenarios do not force failovers yet.
        false
    }

    /// Whether modelled redis `idx` was not killed.
    pub fn redis_alive(&self, idx: RedisIdx) -> bool {
        self.redis[idx].process != Process::Killed
    }

    /// Every modelled redis, in creation order.
    pub fn redis_count(&self) -> usize {
        self.redis.len()
    }

    /// Whether sentinel `idx` is still running.
    pub fn sentinel_alive(&self, idx: SentinelIdx) -> bool {
        self.sentinels[idx].alive
    }

    /// Cuts the hosts in `side` off from all others until [`Sim::heal`].
    pub fn partition(&mut self, side: &[&str]) {
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|s| s.addr.host.clone())
            .chain(self.redis.iter().map(|r| r.addr.host.clone()))
            .collect();
        self.net.isolate(side, &hosts);
    }

    pub fn heal(&mut self) {
        self.net.heal();
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Runs until virtual time `until`.
    pub fn run_until(&mut self, until: Instant) {
        loop {
            let next_delivery = self.queue.keys().next().map(|(t, _)| *t);
            let next_timer = self
                .sentinels
                .iter()
                .filter(|s| s.alive)
                .filter_map(|s| s.core.poll_timeout())
                .min();
            let next = match (next_delivery, next_timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break,
                },
            };
            if next > until {
                break;
            }
            self.now = self.now.max(next);
            if next_delivery == Some(next) {
                if let Some((_, delivery)) = self.queue.pop_first() {
                    self.deliver(delivery);
                }
            } else {
                for idx in 0..self.sentinels.len() {
                    let due = self.sentinels[idx]
                        .core
                        .poll_timeout()
                        .is_some_and(|t| t <= self.now);
                    if self.sentinels[idx].alive && due {
                        let wall =
                            WallMillis(wall_ms(self.now) + self.sentinels[idx].wall_offset_ms);
                        self.sentinels[idx].core.observe_wall_clock(self.now, wall);
                        self.sentinels[idx].core.handle_timeout(self.now);
                        self.drain(idx);
                    }
                }
            }
        }
        self.now = self.now.max(until);
    }

    fn push(&mut self, at: Instant, delivery: Delivery) {
        self.seq += 1;
        self.queue.insert((at, self.seq), delivery);
    }

    fn source_host(&self, conn: &Conn) -> &str {
        &self.sentinels[conn.from].addr.host
    }

    fn to_host(&self, conn: &Conn) -> &str {
        match conn.to {
            Endpoint::Redis(r) => &self.redis[r].addr.host,
            Endpoint::Sentinel(s, _) => &self.sentinels[s].addr.host,
        }
    }

    /// Whether a delivery on `conn` must wait (partition, frozen receiver).
    fn stalled(&self, conn: &Conn, to_endpoint: bool) -> bool {
        if !self
            .net
            .reachable(self.source_host(conn), self.to_host(conn))
        {
            return true;
        }
        match conn.to {
            Endpoint::Redis(r) => to_endpoint && self.redis[r].process == Process::Frozen,
            Endpoint::Sentinel(..) => false,
        }
    }

    fn deliver(&mut self, delivery: Delivery) {
        match delivery {
            Delivery::Connected { conn, ok } => {
                let Some(c) = self.conns.get(&conn) else {
                    return;
                };
                let (from, link) = (c.from, c.link);
                if !self.sentinels[from].alive {
                    self.forget(conn);
                    return;
                }
                let local_ip = self.sentinels[from].addr.host.clone();
                if ok {
                    self.sentinels[from]
                        .core
                        .handle_link_up(self.now, link, Some(local_ip));
                } else {
                    self.forget(conn);
                    self.sentinels[from].core.handle_link_down(self.now, link);
                }
                self.drain(from);
            }
            Delivery::Reset { conn } => {
                let Some(c) = self.conns.get(&conn) else {
                    return;
                };
                let (from, link) = (c.from, c.link);
                self.forget(conn);
                if !self.sentinels[from].alive {
                    return;
                }
                self.sentinels[from].core.handle_link_down(self.now, link);
                self.drain(from);
            }
            Delivery::Request { conn, args } => self.deliver_request(conn, args),
            Delivery::Reply { conn, frame } => {
                let Some(c) = self.conns.get(&conn) else {
                    return;
                };
                if !c.open {
                    return;
                }
                if self.stalled(c, false) {
                    let at = self.now + STALL_RETRY;
                    // Keep the stream in order: later replies queue behind this one.
                    if let Some(c) = self.conns.get_mut(&conn) {
                        c.last_reply = c.last_reply.max(at);
                    }
                    self.push(at, Delivery::Reply { conn, frame });
                    return;
                }
                let (from, link) = (c.from, c.link);
                if !self.sentinels[from].alive {
                    return;
                }
                self.sentinels[from]
                    .core
                    .handle_reply(self.now, link, frame);
                self.drain(from);
            }
            Delivery::Persisted { sentinel, token } => {
                if !self.sentinels[sentinel].alive {
                    return;
                }
                self.sentinels[sentinel]
                    .core
                    .handle_persisted(self.now, token, true);
                self.drain(sentinel);
            }
        }
    }

    fn deliver_request(&mut self, conn: u64, args: Vec<Bytes>) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        if !c.open {
            return;
        }
        if self.stalled(c, true) {
            let at = self.now + STALL_RETRY;
            // Keep the stream in order: later requests queue behind this one.
            if let Some(c) = self.conns.get_mut(&conn) {
                c.last_request = c.last_request.max(at);
            }
            self.push(at, Delivery::Request { conn, args });
            return;
        }
        match c.to {
            Endpoint::Redis(r) => {
                if self.redis[r].process == Process::Killed {
                    return;
                }
                let addr = self.redis[r].addr.clone();
                let replicas: Vec<(Addr, u64)> = self
                    .redis
                    .iter()
                    .filter(|o| o.process != Process::Killed)
                    .filter(|o| {
                        o.role
                            == RedisRole::Replica {
                                master: addr.clone(),
                            }
                    })
                    .map(|o| (o.addr.clone(), o.repl_offset))
                    .collect();
                let subscribers = |ch: &Bytes, conns: &BTreeMap<u64, Conn>| -> Vec<u64> {
                    conns
                        .iter()
                        .filter(|(_, o)| {
                            o.open && o.to == Endpoint::Redis(r) && o.channels.contains(ch)
                        })
                        .map(|(id, _)| *id)
                        .collect()
                };
                let mut effects = Effects::default();
                let count = args
                    .get(1)
                    .map_or(0, |ch| subscribers(ch, &self.conns).len());
                let Some(c) = self.conns.get_mut(&conn) else {
                    return;
                };
                let reply =
                    self.redis[r].handle(&mut c.state, &args, &replicas, count, &mut effects);
                c.channels.extend(effects.subscribe);
                self.reply(conn, reply);
                if let Some((channel, message)) = effects.publish {
                    for sub in subscribers(&channel, &self.conns) {
                        let frame = Frame::Array(vec![
                            Frame::bulk("message"),
                            Frame::Bulk(channel.clone()),
                            Frame::Bulk(message.clone()),
                        ]);
                        self.reply(sub, frame);
                    }
                }
            }
            Endpoint::Sentinel(s, client) => {
                if !self.sentinels[s].alive {
                    return;
                }
                self.sentinels[s]
                    .core
                    .handle_client_command(self.now, client, args);
                self.drain(s);
            }
        }
    }

    /// Schedules `frame` back to the sentinel that owns `conn`, after the previous reply.
    fn reply(&mut self, conn: u64, frame: Frame) {
        let delay = self.net.delay(&mut self.rng);
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let at = (self.now + delay).max(c.last_reply + Duration::from_nanos(1));
        c.last_reply = at;
        self.push(at, Delivery::Reply { conn, frame });
    }

    fn forget(&mut self, conn: u64) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.open = false;
            let (from, link, to) = (c.from, c.link, c.to);
            self.conn_by_link.remove(&(from, link));
            if let Endpoint::Sentinel(s, client) = to {
                self.conn_by_client.remove(&(s, client));
            }
        }
        self.conns.remove(&conn);
    }

    fn endpoint_for(&mut self, addr: &Addr) -> Option<Endpoint> {
        if let Some(r) = self.redis.iter().position(|r| r.addr == *addr) {
            return Some(Endpoint::Redis(r));
        }
        let s = self.sentinels.iter().position(|s| s.addr == *addr)?;
        self.next_conn += 1;
        Some(Endpoint::Sentinel(s, ClientId(self.next_conn)))
    }

    /// Carries out everything sentinel `idx` asked for.
    fn drain(&mut self, idx: SentinelIdx) {
        while let Some(action) = self.sentinels[idx].core.poll_action() {
            match action {
                Action::Connect { link, addr } => self.connect(idx, link, &addr),
                Action::Send { link, args } => {
                    let Some(&conn) = self.conn_by_link.get(&(idx, link)) else {
                        continue;
                    };
                    let delay = self.net.delay(&mut self.rng);
                    let Some(c) = self.conns.get_mut(&conn) else {
                        continue;
                    };
                    let at = (self.now + delay).max(c.last_request + Duration::from_nanos(1));
                    c.last_request = at;
                    self.push(at, Delivery::Request { conn, args });
                }
                Action::Close { link } => {
                    if let Some(&conn) = self.conn_by_link.get(&(idx, link)) {
                        self.forget(conn);
                    }
                }
                Action::Publish(event) => {
                    let failover_epoch = event
                        .message
                        .strip_prefix("master ")
                        .and_then(|rest| rest.split(' ').next())
                        .and_then(|name| self.sentinels[idx].core.master_view(name))
                        .map(|v| v.failover_epoch);
                    self.events.push(LoggedEvent {
                        at: self.now,
                        sentinel: idx,
                        event,
                        failover_epoch,
                    })
                }
                Action::Reply { client, frame } => {
                    if let Some(&conn) = self.conn_by_client.get(&(idx, client)) {
                        self.reply(conn, frame);
                    }
                }
                Action::CloseClient { client } => {
                    if let Some(&conn) = self.conn_by_client.get(&(idx, client)) {
                        let at = self.now + self.net.delay(&mut self.rng);
                        self.push(at, Delivery::Reset { conn });
                    }
                }
                Action::Shutdown | Action::Exit { .. } => {
                    self.crash_sentinel(idx);
                    return;
                }
                // The simulated hosts have no scripts: each one succeeds at once.
                Action::RunScript { id, .. } => {
                    let now = self.now;
                    self.sentinels[idx].core.handle_script_exited(
                        now,
                        id,
                        sentinel_core::ScriptExit::Code(0),
                    );
                }
                Action::KillScript { .. } => {}
                Action::VipOwn { vip, lease, .. } => {
                    let until = self.now + lease;
                    self.sentinels[idx].vip_kernel.insert(vip, until);
                }
                Action::VipRelease { vip, .. } | Action::VipForget { vip, .. } => {
                    self.sentinels[idx].vip_kernel.remove(&vip);
                }
                // Simulated sentinels run one shard each: nothing is forwarded.
                Action::Forward { .. } | Action::ForwardReply { .. } => {}
                // The simulated hosts have no files: no ACL file is ever there.
                Action::ReadAclFile { token, .. } => {
                    let now = self.now;
                    self.sentinels[idx].core.handle_acl_file_read(
                        now,
                        token,
                        Err("No such file or directory"),
                    );
                }
                Action::WriteAclFile { token, .. } => {
                    let now = self.now;
                    self.sentinels[idx]
                        .core
                        .handle_acl_file_written(now, token, false);
                }
                Action::Persist { token } => {
                    let sentinel = &mut self.sentinels[idx];
                    sentinel.disk = Some(sentinel.core.config_snapshot(&SentinelConfig::default()));
                    let at = self.now + Duration::from_millis(1);
                    self.push(
                        at,
                        Delivery::Persisted {
                            sentinel: idx,
                            token,
                        },
                    );
                }
            }
        }
    }

    fn connect(&mut self, from: SentinelIdx, link: LinkId, addr: &Addr) {
        let endpoint = self.endpoint_for(addr);
        self.next_conn += 1;
        let id = self.next_conn;
        let to = endpoint.unwrap_or(Endpoint::Redis(usize::MAX));
        let conn = Conn {
            from,
            link,
            to,
            open: true,
            state: ConnState::default(),
            channels: Vec::new(),
            last_request: self.now,
            last_reply: self.now,
        };
        let delay = self.net.delay(&mut self.rng);
        let (at, ok) = match endpoint {
            None => (self.now + delay, false),
            Some(Endpoint::Redis(r)) if self.redis[r].process == Process::Killed => {
                (self.now + delay, false)
            }
            Some(Endpoint::Sentinel(s, _)) if !self.sentinels[s].alive => (self.now + delay, false),
            Some(_)
                if !self
                    .net
                    .reachable(&self.sentinels[from].addr.host, &addr.host) =>
            {
                (self.now + self.net.config.connect_timeout, false)
            }
            Some(_) => (self.now + delay, true),
        };
        self.conn_by_link.insert((from, link), id);
        if let Endpoint::Sentinel(s, client) = to {
            self.conn_by_client.insert((s, client), id);
        }
        self.conns.insert(id, conn);
        self.push(at, Delivery::Connected { conn: id, ok });
    }
}

/// Virtual time as wall-clock milliseconds (an arbitrary epoch well after 1970).
fn wall_ms(now: Instant) -> i64 {
    1_700_000_000_000 + i64::try_from(now.as_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
