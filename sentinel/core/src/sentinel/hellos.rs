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
            current_epoch: self.epoch.get(),
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
        // Like sentinel.c, a frame carrying our run id anywhere is taken for our own hello.
        let myid = self.params.myid.as_bytes();
        if !myid.is_empty() && payload.windows(myid.len()).any(|w| w == myid) {
            return;
        }
        let Ok(hello) = Hello::parse(payload) else {
            return;
        };
        let Some(&mid) = self.master_by_name.get(&hello.master_name) else {
            return;
        };
        let addr = Addr::new(hello.sentinel_ip.clone(), hello.sentinel_port);
        let known = self
            .masters
            .get(mid)
            .and_then(|m| m.sentinels.get(&hello.sentinel_runid))
            .is_some_and(|e| e.addr == addr);
        if !known {
            let moved = self.retire_stale_sentinels(now, mid, &hello.sentinel_runid, &addr);
            self.attach_sentinel(now, mid, &hello.sentinel_runid, addr.clone());
            if moved {
                self.sentinel_moved(now, mid, &hello.sentinel_runid, &addr);
            } else {
                self.emit_sentinel(mid, &hello.sentinel_runid, Level::Notice, "+sentinel");
            }
            self.request_persist();
        }
        self.adopt_epoch(mid, hello.current_epoch);
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

    /// Sentinel `runid`, known to master `mid` at `addr` now, moved there (sentinel.c
    /// `sentinelUpdateSentinelAddressInAllMasters`): every other master that knows that run id
    /// gets the new address (`+sentinel-address-update ... <n> additional matching
    /// instances`), and the link they share is closed so it reconnects to the new address.
    fn sentinel_moved(&mut self, now: Instant, mid: MasterId, runid: &str, addr: &Addr) {
        let mut others = 0usize;
        for (id, m) in self.masters.iter_mut() {
            if id == mid {
                continue;
            }
            if let Some(e) = m.sentinels.get_mut(runid) {
                e.addr = addr.clone();
                others += 1;
            }
        }
        let peer = self
            .peer_by_runid
            .get(runid)
            .and_then(|pid| self.peers.get_mut(*pid));
        if let Some(p) = peer
            && p.node.addr != *addr
        {
            p.node.addr = addr.clone();
            let links = [p.node.cmd, p.node.pubsub];
            for link in links.into_iter().flatten() {
                self.close_link(now, link);
            }
        }
        if others > 0 {
            let extra = format!("{others} additional matching instances");
            self.emit_sentinel_with(
                mid,
                runid,
                Level::Notice,
                "+sentinel-address-update",
                &extra,
            );
        }
    }

    /// Adds sentinel `runid` at `addr` to master `mid`, sharing the peer link if another master
    /// already knows that run id (sentinel.c `sentinelTryConnectionSharing`). Silent: used for
    /// discovery and for state loaded from the config.
    pub(crate) fn attach_sentinel(&mut self, now: Instant, mid: MasterId, runid: &str, addr: Addr) {
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
        if let Some(m) = self.masters.get_mut(mid) {
            let entry = SentinelEntry {
                peer: pid,
                addr,
                last_hello: now,
                master_down: None,
                voted_leader: None,
                voted_leader_epoch: 0,
                last_ask: None,
                health: crate::instance::Health::Up,
            };
            m.sentinels.insert(runid.to_string(), entry);
        }
    }

    /// `+switch-master <name> <old ip> <old port> <new ip> <new port>`, then the switch itself.
    pub(crate) fn announce_and_switch(&mut self, now: Instant, mid: MasterId, new_addr: Addr) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let old = Addr::new(self.shown_host(&m.node.addr.host), m.node.addr.port);
        let new = Addr::new(self.shown_host(&new_addr.host), new_addr.port);
        let message = format!(
            "{} {} {} {} {}",
            m.params.name, old.host, old.port, new.host, new.port
        );
        let ev = event::plain(Level::Warning, "+switch-master", message);
        self.notify_master_script(mid, &ev);
        self.emit(ev);
        self.switch_master(now, mid, new_addr);
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
        let old_addr = m.node.addr.clone();
        self.emit_sentinel(
            mid,
            &hello.sentinel_runid,
            Level::Warning,
            "+config-update-from",
        );
        self.announce_and_switch(now, mid, new_addr.clone());
        self.client_reconfig_script(mid, false, &old_addr, &new_addr);
    }

    /// Before adding an unknown (run id, address) pair (sentinel.c, in
    /// `sentinelProcessHelloMessage`): the same run id at another address moved
    /// (`+sentinel-address-switch`, the old entry goes; true), and another run id at this
    /// address is a restarted sentinel with a new id (`+sentinel-invalid-addr`, it goes from
    /// every master), so a restart never inflates the number of voters.
    fn retire_stale_sentinels(
        &mut self,
        now: Instant,
        mid: MasterId,
        runid: &str,
        addr: &Addr,
    ) -> bool {
        if self.forget_sentinel_entry(now, mid, runid) {
            let extra = format!("ip {} port {} for {runid}", addr.host, addr.port);
            self.emit_master(mid, Level::Notice, "+sentinel-address-switch", &extra);
            return true;
        }
        let other = self
            .masters
            .get(mid)
            .and_then(|m| m.sentinels.iter().find(|(_, e)| e.addr == *addr))
            .map(|(id, _)| id.clone());
        if let Some(old) = other {
            self.emit_sentinel(mid, &old, Level::Notice, "+sentinel-invalid-addr");
            for m in self.masters.keys() {
                self.forget_sentinel_entry(now, m, &old);
            }
        }
        false
    }

    /// Removes `runid` from master `mid`; returns whether it was there.
    fn forget_sentinel_entry(&mut self, now: Instant, mid: MasterId, runid: &str) -> bool {
        let Some(entry) = self
            .masters
            .get_mut(mid)
            .and_then(|m| m.sentinels.remove(runid))
        else {
            return false;
        };
        self.release_peer(now, entry.peer, mid);
        self.request_persist();
        true
    }
}
