//! Scripted failover scenarios on the simulator.

mod common;

use std::time::Duration;

use common::*;
use sentinel_core::Addr;
use sentinel_sim::RedisRole;

#[test]
fn a_crashed_master_is_failed_over_by_three_sentinels() {
    let mut sim = group(11, 1_000, 2, 3, 2);
    sim.run_for(Duration::from_secs(12));
    assert!(
        events_on(&sim, "+slave").len() >= 6,
        "every sentinel discovers both replicas"
    );
    let fault = sim.now();
    sim.kill_redis(0);
    sim.run_for(Duration::from_secs(6));
    check_invariants(&sim);

    let elected = events_on(&sim, "+elected-leader");
    assert_eq!(elected.len(), 1, "one leader: {elected:?}");
    let promoted = events_on(&sim, "+promoted-slave");
    assert_eq!(promoted.len(), 1);
    let switches = events_on(&sim, "+switch-master");
    assert_eq!(switches.len(), 3, "every sentinel switches: {switches:?}");
    let new_master = switches[0]
        .event
        .message
        .split(' ')
        .nth(3)
        .unwrap()
        .to_string();
    for s in &switches {
        assert!(
            s.event
                .message
                .starts_with(&format!("mymaster {MASTER} 6379 {new_master} 6379")),
            "{}",
            s.event.message
        );
    }
    // The promoted redis is a master now and the other replica follows it.
    let promoted_idx = (1..3)
        .find(|&i| sim.redis(i).addr.host == new_master)
        .unwrap();
    let other_idx = 3 - promoted_idx;
    assert_eq!(sim.redis(promoted_idx).role, RedisRole::Master);
    assert_eq!(
        sim.redis(other_idx).role,
        RedisRole::Replica {
            master: Addr::new(new_master.clone(), 6379)
        }
    );
    // Event-driven: the first switch lands well within down-after + 100 ms of the crash.
    let first = switches[0].at - fault;
    assert!(
        first < Duration::from_millis(1_100),
        "first +switch-master after {first:?}"
    );
    for s in 0..3 {
        assert_eq!(
            sim.sentinel(s).master_addr("mymaster"),
            Some(Addr::new(new_master.clone(), 6379))
        );
    }
}

#[test]
fn a_frozen_master_is_failed_over_and_its_return_is_converted() {
    let mut sim = group(12, 1_000, 2, 3, 2);
    sim.run_for(Duration::from_secs(12));
    sim.freeze_redis(0);
    sim.run_for(Duration::from_secs(5));
    check_invariants(&sim);
    assert_eq!(events_on(&sim, "+switch-master").len(), 3);
    sim.resume_redis(0);
    sim.run_for(Duration::from_secs(5));
    assert!(
        !events_on(&sim, "+convert-to-slave").is_empty(),
        "the old master is pointed at the new one"
    );
    assert!(matches!(sim.redis(0).role, RedisRole::Replica { .. }));
}
