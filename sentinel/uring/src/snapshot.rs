//! What of the core's state the driver can persist today: the current epoch and, per master,
//! its current address (after a failover) and the sentinels it discovered. Everything else
//! comes from the config as loaded.
//!
//! Provisional until the core offers a full config snapshot (config epochs, leader epochs,
//! known replicas, current master addresses after a failover).

use sentinel_core::Sentinel;
use sentinel_core::config::{KnownSentinel, MasterConfig};

/// The masters of `base` with the sentinels the core knows merged in: the core's view wins for
/// a run id it knows; sentinels loaded from the file that the core has not heard of yet are
/// kept, so a restart does not forget them before their first hello.
pub fn masters(core: &Sentinel, base: &[MasterConfig]) -> Vec<MasterConfig> {
    base.iter()
        .map(|m| {
            let mut m = m.clone();
            if let Some(addr) = core.master_addr(&m.name) {
                m.host = addr.host;
                m.port = addr.port;
            }
            let known = core.known_sentinels(&m.name);
            let mut merged: Vec<KnownSentinel> = known
                .iter()
                .map(|(runid, addr)| KnownSentinel {
                    host: addr.host.clone(),
                    port: addr.port,
                    runid: runid.clone(),
                })
                .collect();
            for old in &m.known_sentinels {
                if !merged.iter().any(|s| s.runid == old.runid) {
                    merged.push(old.clone());
                }
            }
            m.known_sentinels = merged;
            m
        })
        .collect()
}
