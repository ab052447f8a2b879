//! VIP ownership across a group: three hosts, each with a redis-server and a sentinel, and
//! one VIP that must follow the master and be fenced on a partitioned old master.

mod common;

use std::net::Ipv4Addr;
use std::time::Duration;

use common::*;
use sentinel_core::Addr;
use sentinel_core::config::VipConfig;
use sentinel_sim::{NetConfig, RedisRole, Sim};

const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 9, 100);
const LEASE_MS: u64 = 500;

fn host(i: usize) -> String {
    format!("10.0.1.{}", i + 1)
}

/// Host i runs redis i (0 is the master) and sentinel i; down-after 1000 ms, quorum 2, the VIP
/// with the default lease (half of down-after).
fn hosts(seed: u64) -> Sim {
    let mut sim = Sim::new(seed, NetConfig::default());
    let master = Addr::new(host(0), 6379);
    sim.add_redis(master.clone(), RedisRole::Master);
    for i in 1..3 {
        sim.add_redis(
            Addr::new(host(i), 6379),
            RedisRole::Replica {
                master: master.clone(),
            },
        );
    }
    let vip = VipConfig {
        addr: VIP,
        interface: "eth0".into(),
        lease_ms: None,
        garp_count: None,
    };
    for i in 0..3 {
        let s = sim.add_sentinel(
            Addr::new(host(i), 26379),
            vec![master_params(1_000, 2).with_addr(Addr::new(host(0), 6379))],
        );
        sim.set_vip(s, "mymaster", &vip);
    }
    sim
}

trait WithAddr {
    fn with_addr(self, addr: Addr) -> Self;
}

impl WithAddr for sentinel_core::instance::MasterParams {
    fn with_addr(mut self, addr: Addr) -> Self {
        self.addr = addr;
        self
    }
}

/// Runs in 1 ms steps, checking after each that at most `max_holders` hosts answer for the VIP.
fn run_checked(sim: &mut Sim, d: Duration, max_holders: usize) {
    let steps = d.as_millis();
    for _ in 0..steps {
        sim.run_for(Duration::from_millis(1));
        let holders = sim.vip_holders(VIP);
        assert!(
            holders.len() <= max_holders,
            "at {:?}: {holders:?} answer for the VIP",
            sim.now()
        );
    }
}

fn new_master_host(sim: &Sim) -> String {
    let switches = events_on(sim, "+switch-master");
    switches[0]
        .event
        .message
        .split(' ')
        .nth(3)
        .unwrap()
        .to_string()
}

#[test]
fn the_vip_lives_on_the_masters_host() {
    let mut sim = hosts(41);
    run_checked(&mut sim, Duration::from_secs(10), 1);
    assert_eq!(sim.vip_holders(VIP), vec![0]);
    let acquired = events_on(&sim, "+vip-acquired");
    assert_eq!(acquired.len(), 1, "{acquired:?}");
    assert_eq!(acquired[0].sentinel, 0);
    assert_eq!(acquired[0].event.message, "mymaster 10.0.9.100 eth0");
    assert!(events_on(&sim, "+vip-fenced").is_empty());
}

#[test]
fn after_a_failover_the_new_masters_host_owns_and_the_old_releases() {
    let mut sim = hosts(42);
    run_checked(&mut sim, Duration::from_secs(10), 1);
    sim.kill_redis(0);
    // The old master's redis is dead, so a short overlap while the news travels is harmless;
    // what matters is where the VIP ends up.
    sim.run_for(Duration::from_secs(6));
    let new_host = new_master_host(&sim);
    let new_idx = (0..3).find(|&i| host(i) == new_host).unwrap();
    assert_ne!(new_idx, 0);
    assert_eq!(sim.vip_holders(VIP), vec![new_idx]);
    let released = events_on(&sim, "-vip-released");
    assert_eq!(released.len(), 1, "{released:?}");
    assert_eq!(released[0].sentinel, 0, "the old host released it");
    let acquired = events_on(&sim, "+vip-acquired");
    assert_eq!(acquired.last().unwrap().sentinel, new_idx);
    // The new host took it when it learnt of the switch (or, as the leader, when it promoted
    // the replica: a moment before its own +switch-master), not later.
    let switch_on_new = events_on(&sim, "+switch-master")
        .into_iter()
        .find(|e| e.sentinel == new_idx)
        .unwrap()
        .at;
    let took = acquired.last().unwrap().at;
    let promoted = events_on(&sim, "+promoted-slave")[0].at;
    assert!(took >= promoted && took <= switch_on_new, "{took:?}");
    assert!(events_on(&sim, "+vip-fenced").is_empty());
    run_checked(&mut sim, Duration::from_secs(5), 1);
}

/// The old master's host is cut off from the other two (its redis keeps running). Its kernel
/// stops answering for the VIP one lease after the last contact, before the majority even
/// declares the master down, whether its sentinel keeps running or has crashed.
fn partitioned_old_master(seed: u64, crash_sentinel_too: bool) {
    let mut sim = hosts(seed);
    run_checked(&mut sim, Duration::from_secs(10), 1);
    assert_eq!(sim.vip_holders(VIP), vec![0]);
    let cut = sim.now();
    sim.partition(&[&host(0)]);
    if crash_sentinel_too {
        sim.crash_sentinel(0);
    }
    let mut fenced_at = None;
    for _ in 0..5_000 {
        sim.run_for(Duration::from_millis(1));
        let holders = sim.vip_holders(VIP);
        assert!(holders.len() <= 1, "at {:?}: {holders:?}", sim.now());
        if fenced_at.is_none() && !holders.contains(&0) {
            fenced_at = Some(sim.now());
        }
    }
    let fenced_at = fenced_at.expect("the old host was fenced");
    assert!(
        fenced_at <= cut + Duration::from_millis(LEASE_MS),
        "fenced {:?} after the cut",
        fenced_at - cut
    );
    let odown = events_on(&sim, "+odown");
    assert!(!odown.is_empty(), "the majority saw the master down");
    assert!(
        odown.iter().all(|e| e.at > fenced_at),
        "fenced before +odown"
    );
    // The majority promoted a replica and its host owns the VIP now.
    let new_host = new_master_host(&sim);
    let new_idx = (0..3).find(|&i| host(i) == new_host).unwrap();
    assert_eq!(sim.vip_holders(VIP), vec![new_idx]);
    if !crash_sentinel_too {
        let fenced = events_on(&sim, "+vip-fenced");
        assert_eq!(fenced.len(), 1, "{fenced:?}");
        assert_eq!(fenced[0].sentinel, 0);
    }
}

#[test]
fn a_partitioned_old_master_is_fenced_after_the_lease() {
    partitioned_old_master(43, false);
}

#[test]
fn a_partitioned_old_master_is_fenced_even_if_its_sentinel_died() {
    partitioned_old_master(44, true);
}
