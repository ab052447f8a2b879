//! One emulated redis-server: its identity, its modelled replication role and its fault state.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::rc::Rc;
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::{Notify, watch};

/// What a fault made of the instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Up,
    /// Reads nothing and answers nothing, connections stay open (like SIGSTOP).
    Frozen,
    /// Connections closed, the port refuses (like a crashed process).
    Killed,
}

/// The modelled replication role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Master,
    Replica { host: String, port: u16 },
}

/// Messages queued to one connection beyond what it is answering itself (pub/sub).
pub const CONN_QUEUE_MAX: usize = 1024;

/// What other parts of the fleet may do to one client connection: queue a pub/sub message or
/// close it (`CLIENT KILL`, a kill fault, an overflowing queue).
#[derive(Debug)]
pub struct ConnShared {
    pub id: u64,
    pub subscribed: Cell<bool>,
    pub closed: Cell<bool>,
    pub queue: RefCell<VecDeque<Bytes>>,
    pub notify: Notify,
}

impl ConnShared {
    pub fn new(id: u64) -> ConnShared {
        ConnShared {
            id,
            subscribed: Cell::new(false),
            closed: Cell::new(false),
            queue: RefCell::new(VecDeque::new()),
            notify: Notify::new(),
        }
    }

    /// Queues a message; a client that does not keep up is disconnected, as Redis does with
    /// `client-output-buffer-limit pubsub`.
    pub fn push(&self, msg: Bytes) {
        let mut q = self.queue.borrow_mut();
        if q.len() >= CONN_QUEUE_MAX {
            self.close();
            return;
        }
        q.push_back(msg);
        drop(q);
        self.notify.notify_one();
    }

    pub fn close(&self) {
        self.closed.set(true);
        self.notify.notify_one();
    }
}

pub struct Instance {
    pub index: usize,
    pub name: String,
    pub ip: Ipv4Addr,
    pub port: u16,
    pub run_id: String,
    pub replid: String,
    pub role: Role,
    pub health: Health,
    pub frozen_since: Option<Instant>,
    /// Added before every reply.
    pub slow_ms: u64,
    /// When this replica's link to its master was first seen down.
    pub link_down_since: Option<Instant>,
    pub started: Instant,
    pub conns: Vec<Rc<ConnShared>>,
    pub health_tx: watch::Sender<Health>,
    /// Incarnations, for fresh run ids after a revive.
    pub incarnation: u64,
    seed: u64,
}

impl Instance {
    pub fn new(index: usize, name: String, ip: Ipv4Addr, port: u16, role: Role, seed: u64) -> Self {
        let (health_tx, _) = watch::channel(Health::Up);
        Instance {
            index,
            name,
            ip,
            port,
            run_id: hex40(seed, index as u64, 0),
            replid: hex40(seed ^ 0x5eed, index as u64, 0),
            role,
            health: Health::Up,
            frozen_since: None,
            slow_ms: 0,
            link_down_since: None,
            started: Instant::now(),
            conns: Vec::new(),
            health_tx,
            incarnation: 0,
            seed,
        }
    }

    pub fn set_health(&mut self, health: Health) {
        if health == self.health {
            return;
        }
        if self.health == Health::Killed && health != Health::Killed {
            // A restarted process: new run id, new uptime.
            self.incarnation += 1;
            self.run_id = hex40(self.seed, self.index as u64, self.incarnation);
            self.started = Instant::now();
        }
        self.frozen_since = (health == Health::Frozen).then(Instant::now);
        self.health = health;
        if health == Health::Killed {
            for c in self.conns.drain(..) {
                c.close();
            }
        }
        self.health_tx.send_replace(health);
    }

    /// A new replication id, as after `SLAVEOF NO ONE`.
    pub fn new_replid(&mut self) {
        self.incarnation += 1;
        self.replid = hex40(self.seed ^ 0x5eed, self.index as u64, self.incarnation);
    }

    pub fn addr_is(&self, host: &str, port: u16) -> bool {
        port == self.port && host.parse::<Ipv4Addr>().is_ok_and(|ip| ip == self.ip)
    }
}

/// 40 hex characters derived from the inputs (splitmix64), stable across runs.
pub fn hex40(seed: u64, a: u64, b: u64) -> String {
    let mut x = seed ^ a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b.rotate_left(32);
    let mut out = String::with_capacity(48);
    while out.len() < 40 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        out.push_str(&format!("{z:016x}"));
    }
    out.truncate(40);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_stable_and_distinct() {
        assert_eq!(hex40(1, 2, 0), hex40(1, 2, 0));
        assert_ne!(hex40(1, 2, 0), hex40(1, 3, 0));
        assert_eq!(hex40(1, 2, 0).len(), 40);
        assert!(hex40(9, 9, 9).bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn revive_changes_run_id_and_kill_closes_connections() {
        let mut i = Instance::new(0, "m0".into(), Ipv4Addr::LOCALHOST, 1, Role::Master, 1);
        let c = Rc::new(ConnShared::new(1));
        i.conns.push(c.clone());
        let before = i.run_id.clone();
        i.set_health(Health::Frozen);
        assert_eq!(i.run_id, before);
        i.set_health(Health::Killed);
        assert!(c.closed.get());
        assert!(i.conns.is_empty());
        i.set_health(Health::Up);
        assert_ne!(i.run_id, before);
    }

    #[test]
    fn overflowing_subscriber_is_closed() {
        let c = ConnShared::new(1);
        for _ in 0..CONN_QUEUE_MAX {
            c.push(Bytes::from_static(b"x"));
        }
        assert!(!c.closed.get());
        c.push(Bytes::from_static(b"x"));
        assert!(c.closed.get());
    }
}
