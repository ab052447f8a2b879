//! Between the config model (`sentinel.conf`) and the runtime: settings in, persisted state
//! restored at start-up, and a snapshot of everything Redis persists for the rewrite
//! (sentinel.c `rewriteConfigSentinelOption` decides what that is).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::{MonitorError, Sentinel};
use crate::addr::Addr;
use crate::config::{KnownReplica, KnownSentinel, MasterConfig, SentinelConfig};
use crate::event::Level;
use crate::instance::{Failover, MasterId, MasterParams, Owner, Replica};
use crate::time::Instant;

impl MasterParams {
    /// The runtime settings of a configured master.
    pub fn from_config(m: &MasterConfig) -> MasterParams {
        let mut p = MasterParams::new(m.name.clone(), Addr::new(m.host.clone(), m.port), m.quorum);
        p.down_after = Duration::from_millis(m.down_after_ms);
        p.failover_timeout = Duration::from_millis(m.failover_timeout_ms);
        p.parallel_syncs = m.parallel_syncs;
        p.ping_period = m.ping_period_ms.map(Duration::from_millis);
        p.auth_user = m.auth_user.clone();
        p.auth_pass = m.auth_pass.clone();
        p.notification_script = m.notification_script.clone();
        p.client_reconfig_script = m.client_reconfig_script.clone();
        p.master_reboot_down_after_period =
            Duration::from_millis(m.master_reboot_down_after_period_ms);
        p.renamed_commands = m
            .rename_commands
            .iter()
            .map(|(from, to)| (from.to_ascii_uppercase(), to.clone()))
            .collect();
        p
    }
}

impl Sentinel {
    /// Monitors every master of `cfg` and restores the state the file carries: epochs, votes,
    /// known replicas and known sentinels (created silently, as Redis does at load).
    pub fn load_config(&mut self, now: Instant, cfg: &SentinelConfig) -> Result<(), MonitorError> {
        self.epoch.raise_to(cfg.current_epoch);
        for m in &cfg.masters {
            let mid = self.monitor(now, MasterParams::from_config(m))?;
            self.epoch.raise_to(m.config_epoch);
            if let Some(master) = self.masters.get_mut(mid) {
                master.config_epoch = m.config_epoch;
                master.leader_epoch = m.leader_epoch;
            }
            for r in &m.known_replicas {
                self.restore_replica(now, mid, Addr::new(r.host.clone(), r.port));
            }
            for s in &m.known_sentinels {
                if s.runid != self.params.myid {
                    self.attach_sentinel(now, mid, &s.runid, Addr::new(s.host.clone(), s.port));
                }
            }
            self.set_vip(now, &m.name, m.vip.as_ref());
        }
        Ok(())
    }

    /// Start-up: `+monitor` for every master loaded from the file, as Redis does once the
    /// config is read. Like any WARNING event it is logged, published and handed to the
    /// master's notification script.
    pub fn announce_monitored(&mut self) {
        let masters: Vec<(MasterId, u32)> = self
            .masters
            .iter()
            .map(|(id, m)| (id, m.params.quorum))
            .collect();
        for (mid, quorum) in masters {
            self.emit_about(
                Owner::Master(mid),
                Level::Warning,
                "+monitor",
                &format!("quorum {quorum}"),
            );
        }
    }

    fn restore_replica(&mut self, now: Instant, mid: MasterId, addr: Addr) {
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        if m.replica_by_addr.contains_key(&addr) || addr == m.node.addr {
            return;
        }
        let rid = m.replicas.insert(Replica::new(addr.clone(), now));
        m.replica_by_addr.insert(addr, rid);
        self.schedule.set(Owner::Replica(mid, rid), now);
    }

    /// What the config file should say now: `base` (the loaded file's sentinel section, for
    /// what the runtime does not own, such as VIPs) updated with the runtime state. Masters keep
    /// the file's order; new ones follow in the order they were added; removed ones are gone.
    pub fn config_snapshot(&self, base: &SentinelConfig) -> SentinelConfig {
        let mut out = base.clone();
        out.myid = Some(self.params.myid.clone());
        out.current_epoch = self.epoch.get();
        // Linear in the masters: this runs on every config write, with thousands of them.
        let previous: HashMap<&str, &MasterConfig> =
            base.masters.iter().map(|m| (m.name.as_str(), m)).collect();
        let mut ids: Vec<MasterId> = Vec::with_capacity(self.masters.len());
        let mut taken: HashSet<MasterId> = HashSet::with_capacity(self.masters.len());
        for m in &base.masters {
            if let Some(&mid) = self.master_by_name.get(&m.name)
                && taken.insert(mid)
            {
                ids.push(mid);
            }
        }
        for (mid, _) in self.masters.iter() {
            if taken.insert(mid) {
                ids.push(mid);
            }
        }
        out.masters = ids
            .into_iter()
            .filter_map(|mid| {
                let m = self.masters.get(mid)?;
                let before = previous.get(m.params.name.as_str()).copied();
                Some(self.master_snapshot(mid, before))
            })
            .collect();
        out
    }

    fn master_snapshot(&self, mid: MasterId, previous: Option<&MasterConfig>) -> MasterConfig {
        let Some(m) = self.masters.get(mid) else {
            return previous
                .cloned()
                .unwrap_or_else(|| MasterConfig::new("", "", 0, 1));
        };
        let p = &m.params;
        // The address written is the current master's: the promoted replica once the failover
        // reached `reconf_slaves`, and that replica's place in the replica list is taken by the
        // old master (sentinel.c does the same).
        let current = self
            .current_master_addr(mid)
            .unwrap_or_else(|| m.node.addr.clone());
        let promoted = match m.failover.state {
            Failover::ReconfSlaves { promoted } | Failover::UpdateConfig { promoted } => {
                Some(promoted)
            }
            _ => None,
        };
        let mut c = MasterConfig::new(&p.name, &current.host, current.port, p.quorum);
        c.down_after_ms = millis(p.down_after);
        c.failover_timeout_ms = millis(p.failover_timeout);
        c.parallel_syncs = p.parallel_syncs;
        c.notification_script = p.notification_script.clone();
        c.client_reconfig_script = p.client_reconfig_script.clone();
        c.auth_pass = p.auth_pass.clone();
        c.auth_user = p.auth_user.clone();
        c.rename_commands = p
            .renamed_commands
            .iter()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        c.master_reboot_down_after_period_ms = millis(p.master_reboot_down_after_period);
        c.config_epoch = m.config_epoch;
        c.leader_epoch = m.leader_epoch;
        c.ping_period_ms = p.ping_period.map(millis);
        c.vip = previous
            .and_then(|b| b.vip.clone())
            .filter(|_| self.vip_configured(&p.name));
        c.known_replicas = m
            .replicas
            .iter()
            .map(|(rid, r)| {
                let addr = if Some(rid) == promoted {
                    &m.node.addr
                } else {
                    &r.node.addr
                };
                KnownReplica {
                    host: addr.host.clone(),
                    port: addr.port,
                }
            })
            .collect();
        c.known_sentinels = m
            .sentinels
            .iter()
            .map(|(runid, e)| KnownSentinel {
                host: e.addr.host.clone(),
                port: e.addr.port,
                runid: runid.clone(),
            })
            .collect();
        c
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
