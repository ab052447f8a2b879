//! Scripted failover scenarios on the simulator.

mod common;

use std::time::Duration;

use common::*;
use sentinel_core::{Addr, SimulateFailure};
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

#[test]
fn a_priority_zero_replica_is_never_promoted() {
    let mut sim = group(13, 1_000, 2, 3, 2);
    sim.redis_mut(1).priority = 0;
    sim.run_for(Duration::from_secs(12));
    sim.kill_redis(0);
    sim.run_for(Duration::from_secs(5));
    let switches = events_on(&sim, "+switch-master");
    assert_eq!(switches.len(), 3);
    assert!(
        switches
            .iter()
            .all(|s| s.event.message.ends_with("10.0.1.3 6379")),
        "{switches:?}"
    );
    assert_eq!(
        sim.redis(1).role,
        RedisRole::Replica {
            master: Addr::new("10.0.1.3", 6379)
        }
    );
}

#[test]
fn with_only_priority_zero_replicas_the_failover_aborts() {
    let mut sim = group(14, 1_000, 2, 3, 2);
    sim.redis_mut(1).priority = 0;
    sim.redis_mut(2).priority = 0;
    sim.run_for(Duration::from_secs(12));
    sim.kill_redis(0);
    sim.run_for(Duration::from_secs(5));
    assert!(!events_on(&sim, "-failover-abort-no-good-slave").is_empty());
    assert!(events_on(&sim, "+switch-master").is_empty());
}

#[test]
fn a_partitioned_minority_cannot_fail_over() {
    // Quorum 1: the cut-off sentinel reaches O_DOWN on its own, but not a majority of votes.
    let mut sim = group(15, 1_000, 2, 3, 1);
    sim.run_for(Duration::from_secs(12));
    sim.partition(&["10.0.0.11"]);
    sim.run_for(Duration::from_secs(15));
    check_invariants(&sim);
    let lonely: Vec<_> = sim
        .events()
        .iter()
        .filter(|e| e.sentinel == 0)
        .map(|e| e.event.channel)
        .collect();
    assert!(
        lonely.contains(&"+odown") && lonely.contains(&"+try-failover"),
        "{lonely:?}"
    );
    assert!(
        lonely.contains(&"-failover-abort-not-elected"),
        "{lonely:?}"
    );
    assert!(events_on(&sim, "+elected-leader").is_empty());
    assert!(events_on(&sim, "+switch-master").is_empty());
    for i in 0..3 {
        assert_eq!(
            sim.sentinel(i).master_addr("mymaster"),
            Some(Addr::new(MASTER, 6379))
        );
    }
}

#[test]
fn the_leader_crashing_mid_failover_is_recovered_by_the_others() {
    let mut sim = group(16, 1_000, 2, 3, 2);
    sim.run_for(Duration::from_secs(12));
    // Whoever wins the election exits right after `+elected-leader`, as
    // `SENTINEL SIMULATE-FAILURE crash-after-election` makes it.
    let crash = SimulateFailure {
        crash_after_election: true,
        crash_after_promotion: false,
    };
    for i in 0..3 {
        sim.sentinel_mut(i).set_simulate_failure(crash);
    }
    sim.kill_redis(0);
    let mut leader = None;
    for _ in 0..4_000 {
        sim.run_for(Duration::from_micros(500));
        leader = (0..3).find(|&i| !sim.sentinel_alive(i));
        if leader.is_some() {
            break;
        }
    }
    let leader = leader.expect("an election within 2 s");
    let survivors: Vec<usize> = (0..3).filter(|&i| i != leader).collect();
    for &i in &survivors {
        sim.sentinel_mut(i)
            .set_simulate_failure(SimulateFailure::default());
    }
    // The voters wait 2 × failover-timeout (10 s here) from their vote before trying.
    sim.run_for(Duration::from_secs(30));
    check_invariants(&sim);
    assert!(
        events_on(&sim, "+promoted-slave")
            .iter()
            .all(|e| e.sentinel != leader)
    );
    for &i in &survivors {
        let addr = sim.sentinel(i).master_addr("mymaster").unwrap();
        assert_ne!(addr.host, MASTER, "sentinel {i} never failed over");
    }
    let a = sim.sentinel(survivors[0]).master_view("mymaster").unwrap();
    let b = sim.sentinel(survivors[1]).master_view("mymaster").unwrap();
    assert_eq!((a.addr.clone(), a.config_epoch), (b.addr, b.config_epoch));
    assert!(
        a.config_epoch >= 2,
        "the retry ran in a later epoch: {}",
        a.config_epoch
    );
}

#[test]
fn a_healthy_promoted_master_is_not_failed_over_again_at_small_down_after() {
    for seed in 0..20 {
        let mut sim = group(100 + seed, 200, 2, 3, 2);
        sim.run_for(Duration::from_secs(12));
        sim.kill_redis(0);
        sim.run_for(Duration::from_secs(10));
        check_invariants(&sim);
        let per_sentinel = |i| {
            events_on(&sim, "+switch-master")
                .iter()
                .filter(|e| e.sentinel == i)
                .count()
        };
        for i in 0..3 {
            assert_eq!(
                per_sentinel(i),
                1,
                "seed {seed}: sentinel {i} switched {} times",
                per_sentinel(i)
            );
        }
    }
}

#[test]
fn a_clock_jump_enters_tilt_and_suspends_detection() {
    let mut sim = group(17, 1_000, 2, 3, 2);
    sim.run_for(Duration::from_secs(12));
    sim.jump_wall_clock(0, 10_000);
    sim.run_for(Duration::from_millis(300));
    assert!(sim.sentinel(0).in_tilt());
    assert!(events_on(&sim, "+tilt").iter().any(|e| e.sentinel == 0));
    // While in TILT, the master's death is not acted on by sentinel 0.
    sim.kill_redis(0);
    sim.run_for(Duration::from_secs(5));
    assert!(!sim.events().iter().any(|e| e.sentinel == 0
        && e.event.channel == "+sdown"
        && e.event.message.starts_with("master")));
    // TILT ends 30 s after the last trigger.
    sim.run_for(Duration::from_secs(30));
    assert!(!sim.sentinel(0).in_tilt());
    assert!(events_on(&sim, "-tilt").iter().any(|e| e.sentinel == 0));
}

#[test]
fn a_split_vote_is_retried_and_the_retry_succeeds() {
    // Slow links (20-40 ms) and four sentinels make simultaneous candidacies, and so split
    // votes, likely; find a seed where one happens and check that the group recovers.
    let net = sentinel_sim::NetConfig {
        delay_min: Duration::from_millis(20),
        delay_max: Duration::from_millis(40),
        connect_timeout: Duration::from_millis(1_000),
    };
    let mut found = false;
    for seed in 0..60 {
        let mut sim = sentinel_sim::Sim::new(seed, net.clone());
        let master = Addr::new(MASTER, 6379);
        sim.add_redis(master.clone(), RedisRole::Master);
        sim.add_redis(
            Addr::new("10.0.1.2", 6379),
            RedisRole::Replica {
                master: master.clone(),
            },
        );
        for i in 0..4 {
            let mut p = master_params(1_000, 2);
            p.failover_timeout = Duration::from_millis(3_000);
            sim.add_sentinel(Addr::new(format!("10.0.0.{}", 11 + i), 26379), vec![p]);
        }
        sim.run_for(Duration::from_secs(12));
        sim.kill_redis(0);
        sim.run_for(Duration::from_secs(20));
        check_invariants(&sim);
        let aborted = !events_on(&sim, "-failover-abort-not-elected").is_empty();
        let first_elected = events_on(&sim, "+elected-leader").first().map(|e| e.at);
        let first_abort = events_on(&sim, "-failover-abort-not-elected")
            .first()
            .map(|e| e.at);
        if aborted && first_abort < first_elected {
            found = true;
            assert!(
                first_elected.is_some(),
                "seed {seed}: no leader after the split"
            );
            assert_eq!(events_on(&sim, "+switch-master").len(), 4, "seed {seed}");
            break;
        }
    }
    assert!(
        found,
        "no seed produced a split vote; the scenario no longer tests the retry"
    );
}

#[test]
fn a_crash_long_after_the_last_replica_info_still_fails_over() {
    // Replica INFO is polled every 10 s; at 18 s the last one is ~8 s old, past the 5 s that
    // replica selection accepts while the master is down. The failover must refresh it first.
    let mut sim = group(18, 1_000, 2, 3, 2);
    sim.run_for(Duration::from_secs(18));
    sim.kill_redis(0);
    sim.run_for(Duration::from_secs(5));
    check_invariants(&sim);
    assert!(events_on(&sim, "-failover-abort-no-good-slave").is_empty());
    assert_eq!(events_on(&sim, "+switch-master").len(), 3);
}

#[test]
fn a_hung_replica_does_not_stall_replica_selection() {
    // Replica 1 may not be promoted (priority 0); replica 2 is frozen (SIGSTOP: its links stay
    // up, its INFO is never answered) and its last INFO is too old for the selection. No
    // replica qualifies: the failover must give up soon rather than wait for that INFO.
    let mut sim = group(19, 2_000, 2, 3, 2);
    sim.redis_mut(1).priority = 0;
    sim.run_for(Duration::from_secs(18));
    sim.kill_redis(0);
    // The master is S_DOWN 2 s after the kill; replica 2 freezes 1 s before, so it is not yet
    // S_DOWN itself when the replica is selected.
    sim.run_for(Duration::from_secs(1));
    sim.freeze_redis(2);
    sim.run_for(Duration::from_secs(4));
    check_invariants(&sim);
    let selecting = events_on(&sim, "+failover-state-select-slave");
    let first = selecting.first().expect("a failover reached select_slave");
    let aborted = events_on(&sim, "-failover-abort-no-good-slave");
    let abort = aborted
        .iter()
        .find(|e| e.sentinel == first.sentinel && e.at >= first.at)
        .expect("the failover gives up");
    let waited = abort.at - first.at;
    assert!(
        waited < Duration::from_millis(500),
        "select_slave waited {waited:?}"
    );
    assert!(events_on(&sim, "+switch-master").is_empty());
}

#[test]
fn best_effort_reconfiguration_goes_to_syncing_replicas_and_only_when_sent() {
    // Replica 1 is promoted (lowest priority); replica 2 accepts the new master but never
    // finishes syncing (`reconf_inprog` to the end); replica 3 is dead. At failover-timeout
    // the leader sends a best-effort SLAVEOF to replica 2, and none to the unreachable 3.
    let mut sim = group(20, 1_000, 3, 3, 2);
    sim.redis_mut(1).priority = 1;
    sim.run_for(Duration::from_secs(12));
    sim.kill_redis(3);
    sim.run_for(Duration::from_secs(3));
    sim.redis_mut(2).sync_stuck = true;
    sim.kill_redis(0);
    sim.run_for(Duration::from_secs(15));
    check_invariants(&sim);
    assert_eq!(events_on(&sim, "+promoted-slave").len(), 1);
    let inprog = events_on(&sim, "+slave-reconf-inprog");
    assert!(
        inprog
            .iter()
            .any(|e| e.event.message.starts_with("slave 10.0.1.3:6379 ")),
        "{inprog:?}"
    );
    assert_eq!(events_on(&sim, "+failover-end-for-timeout").len(), 1);
    let be: Vec<&str> = events_on(&sim, "+slave-reconf-sent-be")
        .iter()
        .map(|e| e.event.message.as_str())
        .collect();
    assert_eq!(be.len(), 1, "{be:?}");
    assert!(be[0].starts_with("slave 10.0.1.3:6379 "), "{be:?}");
    assert_eq!(events_on(&sim, "+switch-master").len(), 3);
}

#[test]
fn a_simulated_crash_leaves_the_vote_or_the_promotion_on_disk() {
    let after_election = SimulateFailure {
        crash_after_election: true,
        crash_after_promotion: false,
    };
    let after_promotion = SimulateFailure {
        crash_after_election: false,
        crash_after_promotion: true,
    };
    for (seed, crash) in [(21, after_election), (22, after_promotion)] {
        let mut sim = group(seed, 1_000, 2, 3, 2);
        sim.run_for(Duration::from_secs(12));
        for i in 0..3 {
            sim.sentinel_mut(i).set_simulate_failure(crash);
        }
        sim.kill_redis(0);
        let mut leader = None;
        for _ in 0..4_000 {
            sim.run_for(Duration::from_micros(500));
            leader = (0..3).find(|&i| !sim.sentinel_alive(i));
            if leader.is_some() {
                break;
            }
        }
        let leader = leader.expect("a crash within 2 s");
        let epoch = sim.sentinel(leader).current_epoch();
        assert!(epoch >= 1);
        let disk = sim
            .persisted_config(leader)
            .expect("a config was written")
            .clone();
        assert_eq!(disk.current_epoch, epoch, "{crash:?}");
        let m = &disk.masters[0];
        if crash.crash_after_election {
            // Its vote for itself in the failover epoch is durable.
            assert_eq!(m.leader_epoch, epoch, "{crash:?}");
        } else {
            // The promoted replica is the master on disk, at the failover's config epoch.
            let promoted = (1..3)
                .find(|&i| sim.redis(i).role == RedisRole::Master)
                .expect("a replica was promoted");
            assert_eq!(m.config_epoch, epoch, "{crash:?}");
            assert_eq!(
                Addr::new(m.host.clone(), m.port),
                sim.redis(promoted).addr,
                "{crash:?}"
            );
        }
    }
}

#[test]
fn a_reconf_sent_timeout_sends_slaveof_again() {
    // Replica 1 is promoted; replica 2 drops the first SLAVEOF. With a free parallel-syncs
    // slot (replica 3 done), its reconfiguration times out after 10 s: it is taken as done
    // and sent SLAVEOF again (`+slave-reconf-sent` a second time), as sentinel.c does.
    let mut sim = sentinel_sim::Sim::new(21, sentinel_sim::NetConfig::default());
    let master = Addr::new(MASTER, 6379);
    sim.add_redis(master.clone(), RedisRole::Master);
    for i in 0..3 {
        sim.add_redis(
            Addr::new(format!("10.0.1.{}", 2 + i), 6379),
            RedisRole::Replica {
                master: master.clone(),
            },
        );
    }
    let mut p = master_params(1_000, 2);
    p.failover_timeout = Duration::from_secs(60);
    p.parallel_syncs = 2;
    for i in 0..3 {
        sim.add_sentinel(
            Addr::new(format!("10.0.0.{}", 11 + i), 26379),
            vec![p.clone()],
        );
    }
    sim.redis_mut(1).priority = 1;
    sim.run_for(Duration::from_secs(12));
    sim.redis_mut(2).ignore_slaveof = 1;
    sim.kill_redis(0);
    sim.run_for(Duration::from_secs(20));
    check_invariants(&sim);
    assert_eq!(events_on(&sim, "+promoted-slave").len(), 1);
    let of_replica_2 = |channel: &str| {
        events_on(&sim, channel)
            .iter()
            .filter(|e| e.event.message.starts_with("slave 10.0.1.3:6379 "))
            .count()
    };
    assert_eq!(of_replica_2("-slave-reconf-sent-timeout"), 1);
    assert_eq!(of_replica_2("+slave-reconf-sent"), 2);
    assert_eq!(events_on(&sim, "+failover-end").len(), 1);
    // The second SLAVEOF goes out 10 s after the first (`SENTINEL_SLAVE_RECONF_TIMEOUT`).
    let sent_at: Vec<_> = events_on(&sim, "+slave-reconf-sent")
        .iter()
        .filter(|e| e.event.message.starts_with("slave 10.0.1.3:6379 "))
        .map(|e| e.at)
        .collect();
    assert!(
        sent_at[1] - sent_at[0] > Duration::from_secs(10),
        "{sent_at:?}"
    );
}

#[test]
fn the_election_window_runs_from_the_randomised_start_time() {
    // sentinel.c measures the election timeout from `failover_start_time`, the start plus a
    // random 0..999 ms: a candidate gives up 10 to 11 s after `+try-failover`.
    let mut gaps = Vec::new();
    for seed in 15..20 {
        let mut sim = group(seed, 1_000, 2, 3, 1);
        sim.run_for(Duration::from_secs(12));
        sim.partition(&["10.0.0.11"]);
        sim.run_for(Duration::from_secs(14));
        let of_0 = |channel: &str| {
            events_on(&sim, channel)
                .iter()
                .find(|e| e.sentinel == 0)
                .map(|e| e.at)
        };
        let (Some(tried), Some(aborted)) =
            (of_0("+try-failover"), of_0("-failover-abort-not-elected"))
        else {
            panic!("seed {seed}: no election and abort on the cut-off sentinel");
        };
        gaps.push(aborted - tried);
    }
    assert!(
        gaps.iter()
            .all(|g| *g > Duration::from_secs(10) && *g <= Duration::from_millis(11_050)),
        "{gaps:?}"
    );
    assert!(
        gaps.iter().any(|g| *g > Duration::from_millis(10_100)),
        "{gaps:?}"
    );
}
