//! Hello messages: what we announce and what we learn from others' (sentinel.c
//! `sentinelSendHello`, `sentinelProcessHelloMessage`).

use super::Sentinel;
use crate::addr::Addr;
use crate::event::{self, Level};
use crate::hello::Hello;
use crate::instance::{MasterId, Node, Owner, Peer, SentinelEntry};
use crate::time::Instant;

impl Sentinel {
    /// Our hello for master `mid`, sent over a link whose local address is `local_ip`.
    pub(crate) fn hello_payload(&self, mid: MasterId, local_ip: Option<&str>) -> Option<String> {
        let m = self.masters.get(mid)?;
        let ip = self.params.announce_ip.as_deref().or(local_ip)?;
        let hello = Hello {
            sentinel_ip: ip.to_string(),
            sentinel_port: self.params.port,
            sentinel_runid: self.params.myid.clone(),
            current_epoch: self.current_epoch,
            master_name: m.params.name.clone(),
            master_ip: self.current_master_addr(mid)?.host,
            master_port: self.current_master_addr(mid)?.port,
            master_config_epoch: m.config_epoch,
        };
        Some(hello.format())
    }

    /// A hello arrived, through a monitored instance's pub/sub link or a peer's `PUBLISH`.
    /// Malformed payloads, our own hellos and unknown master names are ignored, as Redis does.
    pub(crate) fn process_hello(&mut self, now: Instant, payload: &[u8]) {
        let Ok(hello) = Hello::parse(payload) else {
            return;
        };
        if hello.sentinel_runid == self.params.myid {
            return;
        }
        let Some(&mid) = self.master_by_name.get(&hello.master_name) else {
            return;
        };
        let addr = Addr::new(hello.sentinel_ip.clone(), hello.sentinel_port);
        let known = self
            .masters
            .get(mid)
            .is_some_and(|m| m.sentinels.contains_key(&hello.sentinel_runid));
        if !known {
            self.add_sentinel(now, mid, &hello.sentinel_runid, addr);
        }
        self.adopt_epoch(hello.current_epoch);
        self.adopt_master_config(now, mid, &hello);
        if let Some(entry) = self
            .masters
            .get_mut(mid)
            .and_then(|m| m.sentinels.get_mut(&hello.sentinel_runid))
        {
            entry.last_hello = now;
        }
        self.vip_sentinel_heard(now, &hello.sentinel_runid);
    }

    /// Records a newly heard sentinel for `mid`, sharing the link if another master already
    /// knows that run id (sentinel.c `sentinelTryConnectionSharing`).
    fn add_sentinel(&mut self, now: Instant, mid: MasterId, runid: &str, addr: Addr) {
        let pid = match self.peer_by_runid.get(runid) {
            Some(&pid) => pid,
            None => {
                let peer = Peer {
                    runid: runid.to_string(),
                    node: Node::new(addr.clone(), now),
                    masters: Vec::new(),
                };
                let pid = self.peers.insert(peer);
                self.peer_by_runid.insert(runid.to_string(), pid);
                self.schedule.set(Owner::Peer(pid), now);
                pid
            }
        };
        if let Some(peer) = self.peers.get_mut(pid)
            && !peer.masters.contains(&mid)
        {
            peer.masters.push(mid);
        }
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        m.sentinels.insert(
            runid.to_string(),
            SentinelEntry {
                peer: pid,
                addr: addr.clone(),
                last_hello: now,
                master_down: None,
                voted_leader: None,
                voted_leader_epoch: 0,
                last_ask: None,
            },
        );
        let subject = event::Subject::Sentinel {
            runid,
            addr: &addr,
            master: &m.params.name,
            master_addr: &m.node.addr,
        };
        let ev = event::about(Level::Notice, "+sentinel", &subject, "");
        self.emit(ev);
        self.request_persist();
    }

    /// A hello carrying a newer config epoch for a master tells us where the master is now
    /// (this is how observers learn of a failover).
    fn adopt_master_config(&mut self, now: Instant, mid: MasterId, hello: &Hello) {
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        if m.config_epoch >= hello.master_config_epoch {
            return;
        }
        m.config_epoch = hello.master_config_epoch;
        self.request_persist();
        let new_addr = Addr::new(hello.master_ip.clone(), hello.master_port);
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        if m.node.addr == new_addr {
            return;
        }
        let old = m.node.addr.clone();
        let name = m.params.name.clone();
        self.emit_sentinel(
            mid,
            &hello.sentinel_runid,
            Level::Warning,
            "+config-update-from",
        );
        self.emit(event::plain(
            Level::Warning,
            "+switch-master",
            format!(
                "{name} {} {} {} {}",
                old.host, old.port, new_addr.host, new_addr.port
            ),
        ));
        self.switch_master(now, mid, new_addr);
    }
}
