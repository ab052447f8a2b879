//! Scripted scenarios that prove the simulator's wiring: sentinels find each other through
//! hellos relayed by the master, and a silent master is seen down by all of them.

use std::time::Duration;

use sentinel_core::Addr;
use sentinel_core::instance::MasterParams;
use sentinel_sim::{NetConfig, RedisRole, Sim};

fn master_params(down_after_ms: u64) -> MasterParams {
    // A quorum above the number of sentinels: these scenarios watch detection, not failover.
    let mut p = MasterParams::new("mymaster", Addr::new("10.0.1.1", 6379), 4);
    p.down_after = Duration::from_millis(down_after_ms);
    p
}

/// A master with two replicas and three sentinels, each on its own host.
fn group(seed: u64, down_after_ms: u64) -> Sim {
    let mut sim = Sim::new(seed, NetConfig::default());
    let master = Addr::new("10.0.1.1", 6379);
    sim.add_redis(master.clone(), RedisRole::Master);
    sim.add_redis(
        Addr::new("10.0.1.2", 6379),
        RedisRole::Replica {
            master: master.clone(),
        },
    );
    sim.add_redis(Addr::new("10.0.1.3", 6379), RedisRole::Replica { master });
    for i in 0..3 {
        sim.add_sentinel(
            Addr::new(format!("10.0.0.{}", 11 + i), 26379),
            vec![master_params(down_after_ms)],
        );
    }
    sim
}

#[test]
fn three_sentinels_discover_each_other_through_hellos() {
    let mut sim = group(1, 5_000);
    sim.run_for(Duration::from_secs(5));
    for i in 0..3 {
        let known = sim.sentinel(i).known_sentinels("mymaster");
        let mut expected: Vec<(String, Addr)> = (0..3)
            .filter(|&j| j != i)
            .map(|j| {
                (
                    sim.sentinel(j).myid().to_string(),
                    Addr::new(format!("10.0.0.{}", 11 + j), 26379),
                )
            })
            .collect();
        expected.sort();
        assert_eq!(known, expected, "sentinel {i}");
    }
    let added = sim
        .events()
        .iter()
        .filter(|e| e.event.channel == "+sentinel")
        .count();
    assert_eq!(
        added, 6,
        "each sentinel announces each of the two others once"
    );
    assert!(
        !sim.events().iter().any(|e| e.event.channel == "+sdown"),
        "a healthy group has no +sdown"
    );
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let run = |seed| {
        let mut sim = group(seed, 1_000);
        sim.run_for(Duration::from_secs(3));
        sim.freeze_redis(0);
        sim.run_for(Duration::from_secs(3));
        sim.events().to_vec()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(
        run(7),
        run(8),
        "different seeds draw different ids and delays"
    );
}

#[test]
fn a_frozen_master_is_sdown_for_every_sentinel_within_1_25_down_after() {
    let mut sim = group(3, 1_000);
    sim.run_for(Duration::from_secs(5));
    let fault = sim.now();
    sim.freeze_redis(0);
    sim.run_for(Duration::from_secs(3));
    for i in 0..3 {
        let sdown = sim
            .events()
            .iter()
            .find(|e| {
                e.sentinel == i
                    && e.event.channel == "+sdown"
                    && e.event.message.starts_with("master ")
            })
            .unwrap_or_else(|| panic!("sentinel {i} never saw the master down"));
        let after = sdown.at - fault;
        // PINGs go out every quarter of min(down-after, 1 s), so detection is bounded by
        // down-after plus one ping interval plus network delay.
        assert!(after > Duration::from_millis(1_000), "too early: {after:?}");
        assert!(after <= Duration::from_millis(1_260), "too late: {after:?}");
        assert!(sim.sentinel(i).is_sdown("mymaster"));
    }
    sim.resume_redis(0);
    sim.run_for(Duration::from_secs(1));
    for i in 0..3 {
        assert!(
            !sim.sentinel(i).is_sdown("mymaster"),
            "sentinel {i} still holds the master down"
        );
    }
}

#[test]
fn a_killed_master_is_sdown_and_reconnects_are_throttled() {
    let mut sim = group(4, 1_000);
    sim.run_for(Duration::from_secs(5));
    let fault = sim.now();
    sim.kill_redis(0);
    sim.run_for(Duration::from_secs(3));
    for i in 0..3 {
        assert!(sim.sentinel(i).is_sdown("mymaster"), "sentinel {i}");
    }
    let first = sim
        .events()
        .iter()
        .find(|e| e.event.channel == "+sdown")
        .map(|e| e.at - fault);
    assert!(
        first.is_some_and(|d| d > Duration::from_millis(1_000) && d < Duration::from_millis(1_300)),
        "{first:?}"
    );
    // Reconnect attempts go out at most once per ping period (1 s) per link.
    let reconnections = sim
        .events()
        .iter()
        .filter(|e| {
            e.sentinel == 0
                && e.event.channel == "-cmd-link-reconnection"
                && e.event.message.starts_with("master ")
        })
        .count();
    assert!(
        (2..=4).contains(&reconnections),
        "{reconnections} failed reconnects in 3 s"
    );
}

#[test]
fn a_partitioned_sentinel_sees_the_master_down_and_the_others_do_not() {
    let mut sim = group(5, 1_000);
    sim.run_for(Duration::from_secs(5));
    sim.partition(&["10.0.0.11"]);
    sim.run_for(Duration::from_secs(3));
    assert!(sim.sentinel(0).is_sdown("mymaster"));
    assert!(!sim.sentinel(1).is_sdown("mymaster"));
    assert!(!sim.sentinel(2).is_sdown("mymaster"));
    sim.heal();
    sim.run_for(Duration::from_secs(2));
    assert!(!sim.sentinel(0).is_sdown("mymaster"));
}
