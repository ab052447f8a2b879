//! The instances one worker owns (whole master groups, so every topology change is local) and
//! the operations commands and faults perform on them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sentinel_core::resp::{Frame, Protocol, encode};

use super::instance::{ConnShared, Health, Instance, Role};
use crate::scenario::{Scenario, instance_index, instance_ip, instance_name};

/// A replica of a frozen master keeps its link "up" until `repl-timeout` (60 s) runs out, as a
/// real replica of a SIGSTOPped master does.
const REPL_TIMEOUT: Duration = Duration::from_secs(60);

pub type Inst = Rc<RefCell<Instance>>;

pub struct Fleet {
    pub prefix: u8,
    pub port: u16,
    pub group_size: usize,
    pub info_padding: bool,
    pub requirepass: Option<String>,
    pub started: Instant,
    pub insts: HashMap<usize, Inst>,
    /// Indices in creation order, for stable iteration.
    pub order: Vec<usize>,
}

/// What a replica reports about its link to its master.
pub struct LinkView {
    pub up: bool,
    pub down_since: Option<Instant>,
}

impl Fleet {
    /// The groups `g` with `g % workers == worker`.
    pub fn new(s: &Scenario, prefix: u8, worker: usize, workers: usize) -> Fleet {
        let gs = s.group_size();
        let mut insts = HashMap::new();
        let mut order = Vec::new();
        for g in (0..s.fleet.masters).filter(|g| g % workers.max(1) == worker) {
            let master = g * gs;
            let master_ip = instance_ip(prefix, master);
            for k in master..master + gs {
                let role = if k == master {
                    Role::Master
                } else {
                    Role::Replica {
                        host: master_ip.to_string(),
                        port: s.fleet.port,
                    }
                };
                let ip = instance_ip(prefix, k);
                let inst = Instance::new(
                    k,
                    instance_name(gs, k),
                    ip,
                    s.fleet.port,
                    role,
                    s.fleet.seed,
                );
                insts.insert(k, Rc::new(RefCell::new(inst)));
                order.push(k);
            }
        }
        Fleet {
            prefix,
            port: s.fleet.port,
            group_size: gs,
            info_padding: s.fleet.info_padding,
            requirepass: (!s.fleet.requirepass.is_empty()).then(|| s.fleet.requirepass.clone()),
            started: Instant::now(),
            insts,
            order,
        }
    }

    pub fn get(&self, index: usize) -> Option<&Inst> {
        self.insts.get(&index)
    }

    /// The group members of `index` (itself included), in index order.
    pub fn group_of(&self, index: usize) -> impl Iterator<Item = &Inst> {
        let first = index - index % self.group_size;
        (first..first + self.group_size).filter_map(|k| self.insts.get(&k))
    }

    /// The replication offset every instance reports: it advances with time, as a master
    /// taking writes would.
    pub fn offset(&self) -> u64 {
        1 + self.started.elapsed().as_millis() as u64 * 50
    }

    /// The instance at `host:port` in this worker, if any.
    pub fn find(&self, host: &str, port: u16) -> Option<&Inst> {
        if port != self.port {
            return None;
        }
        let ip: Ipv4Addr = host.parse().ok()?;
        self.insts.get(&instance_index(self.prefix, ip)?)
    }

    /// The link state of a replica, updating when it was first seen down.
    pub fn link_view(&self, index: usize) -> LinkView {
        let Some(inst) = self.get(index) else {
            return LinkView {
                up: false,
                down_since: None,
            };
        };
        let (host, port) = match &inst.borrow().role {
            Role::Master => {
                return LinkView {
                    up: true,
                    down_since: None,
                };
            }
            Role::Replica { host, port } => (host.clone(), *port),
        };
        let up = self.find(&host, port).is_some_and(|m| {
            let m = m.borrow();
            match m.health {
                Health::Up => true,
                Health::Frozen => m.frozen_since.is_some_and(|t| t.elapsed() < REPL_TIMEOUT),
                Health::Killed => false,
            }
        });
        let mut me = inst.borrow_mut();
        if up {
            me.link_down_since = None;
        } else if me.link_down_since.is_none() {
            me.link_down_since = Some(Instant::now());
        }
        LinkView {
            up,
            down_since: me.link_down_since,
        }
    }

    /// The replicas `index` would list in INFO: group members replicating from it that are
    /// not killed.
    pub fn replicas_of(&self, index: usize) -> Vec<(Ipv4Addr, u16)> {
        let Some(me) = self.get(index) else {
            return Vec::new();
        };
        let (ip, port) = {
            let me = me.borrow();
            (me.ip, me.port)
        };
        let ip_text = ip.to_string();
        self.group_of(index)
            .filter_map(|r| {
                let r = r.borrow();
                match &r.role {
                    Role::Replica { host, port: p }
                        if *host == ip_text && *p == port && r.health != Health::Killed =>
                    {
                        Some((r.ip, r.port))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// `SLAVEOF NO ONE` (`None`) or `SLAVEOF host port`.
    pub fn slaveof(&self, index: usize, target: Option<(String, u16)>) {
        let Some(inst) = self.get(index) else { return };
        let mut me = inst.borrow_mut();
        match target {
            None => {
                if me.role != Role::Master {
                    me.role = Role::Master;
                    me.new_replid();
                    me.link_down_since = None;
                }
            }
            Some((host, port)) => {
                let role = Role::Replica { host, port };
                if me.role != role {
                    me.role = role;
                    me.link_down_since = None;
                }
            }
        }
    }

    /// Delivers a `message` to the subscribers of `channel` on `index`, and, as Redis
    /// propagates PUBLISH through replication, on its live replicas. Returns the count of
    /// receivers on `index` itself (what PUBLISH replies).
    pub fn publish(&self, index: usize, channel: &[u8], payload: &[u8]) -> i64 {
        let mut msg = bytes::BytesMut::new();
        let frame = Frame::Array(vec![
            Frame::Bulk(Bytes::from_static(b"message")),
            Frame::bulk(channel),
            Frame::bulk(payload),
        ]);
        encode(&frame, Protocol::Resp2, &mut msg);
        let msg = msg.freeze();
        let count = self.deliver(index, &msg);
        for (ip, port) in self.replicas_of(index) {
            if let Some(r) = self.find(&ip.to_string(), port) {
                let r = r.borrow().index;
                self.deliver(r, &msg);
            }
        }
        count
    }

    fn deliver(&self, index: usize, msg: &Bytes) -> i64 {
        let Some(inst) = self.get(index) else {
            return 0;
        };
        let inst = inst.borrow();
        if inst.health == Health::Killed {
            return 0;
        }
        let mut n = 0;
        for c in inst.conns.iter().filter(|c| c.subscribed.get()) {
            c.push(msg.clone());
            n += 1;
        }
        n
    }

    /// `CLIENT KILL TYPE normal|pubsub`: closes the matching clients except the caller.
    pub fn kill_clients(&self, index: usize, pubsub: bool, except: u64) -> i64 {
        let Some(inst) = self.get(index) else {
            return 0;
        };
        let inst = inst.borrow();
        let mut n = 0;
        for c in &inst.conns {
            if c.id != except && c.subscribed.get() == pubsub && !c.closed.get() {
                c.close();
                n += 1;
            }
        }
        n
    }

    pub fn register(&self, index: usize, conn: Rc<ConnShared>) {
        if let Some(inst) = self.get(index) {
            inst.borrow_mut().conns.push(conn);
        }
    }

    pub fn unregister(&self, index: usize, id: u64) {
        if let Some(inst) = self.get(index) {
            inst.borrow_mut().conns.retain(|c| c.id != id);
        }
    }

    /// The index of the instance currently reporting `role:master` in group `g` (the
    /// configured master first).
    pub fn current_master(&self, g: usize) -> Option<usize> {
        let first = g * self.group_size;
        (first..first + self.group_size).find(|k| {
            self.insts
                .get(k)
                .is_some_and(|i| i.borrow().role == Role::Master)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet() -> Fleet {
        let s = Scenario::parse("name='t'\n[fleet]\nmasters=2\nreplicas=2\n").unwrap();
        Fleet::new(&s, 9, 0, 1)
    }

    #[test]
    fn groups_start_as_master_with_replicas() {
        let f = fleet();
        assert_eq!(f.replicas_of(0).len(), 2);
        assert_eq!(f.replicas_of(3).len(), 2);
        assert!(f.replicas_of(1).is_empty());
        assert!(f.link_view(1).up);
        assert_eq!(f.current_master(1), Some(3));
    }

    #[test]
    fn promotion_and_reconfiguration_move_the_replicas() {
        let f = fleet();
        f.get(0).unwrap().borrow_mut().set_health(Health::Killed);
        assert!(!f.link_view(1).up);
        assert!(f.link_view(1).down_since.is_some());
        f.slaveof(1, None);
        let ip1 = instance_ip(9, 1).to_string();
        f.slaveof(2, Some((ip1, 6379)));
        assert_eq!(f.get(1).unwrap().borrow().role, Role::Master);
        assert_eq!(f.replicas_of(1), vec![(instance_ip(9, 2), 6379)]);
        assert!(f.link_view(2).up);
        assert!(f.replicas_of(0).is_empty());
    }

    #[test]
    fn a_frozen_master_keeps_its_replicas_link_up() {
        let f = fleet();
        f.get(0).unwrap().borrow_mut().set_health(Health::Frozen);
        assert!(f.link_view(1).up);
        assert_eq!(f.replicas_of(0).len(), 2);
    }

    #[test]
    fn publish_reaches_subscribers_and_replicas() {
        let f = fleet();
        let a = Rc::new(ConnShared::new(1));
        let b = Rc::new(ConnShared::new(2));
        let plain = Rc::new(ConnShared::new(3));
        a.subscribed.set(true);
        b.subscribed.set(true);
        f.register(0, a.clone());
        f.register(1, b.clone());
        f.register(0, plain.clone());
        assert_eq!(f.publish(0, b"__sentinel__:hello", b"x"), 1);
        assert_eq!(a.queue.borrow().len(), 1);
        assert_eq!(b.queue.borrow().len(), 1);
        assert!(plain.queue.borrow().is_empty());
        assert_eq!(f.kill_clients(0, false, 99), 1);
        assert!(plain.closed.get());
        assert!(!a.closed.get());
    }
}
