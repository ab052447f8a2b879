//! Failure-detection details across a whole group: reported-role events (spec §3.3, §3.11).

mod common;

use std::time::Duration;

use common::*;

/// Role-change events of one sentinel, in order: (channel, message).
fn role_changes(sim: &sentinel_sim::Sim, sentinel: usize) -> Vec<(&'static str, String)> {
    sim.events()
        .iter()
        .filter(|e| e.sentinel == sentinel && e.event.channel.ends_with("role-change"))
        .map(|e| (e.event.channel, e.event.message.clone()))
        .collect()
}

fn first_at(
    sim: &sentinel_sim::Sim,
    sentinel: usize,
    channel: &str,
) -> Option<sentinel_core::Instant> {
    sim.events()
        .iter()
        .find(|e| e.sentinel == sentinel && e.event.channel == channel)
        .map(|e| e.at)
}

#[test]
fn role_changes_are_reported_only_when_a_role_really_changes() {
    let mut sim = group(12, 1_000, 2, 3, 2);
    sim.run_for(Duration::from_secs(12));
    // Every instance reports the role it was expected to have: nothing to report.
    for s in 0..3 {
        assert_eq!(role_changes(&sim, s), vec![], "sentinel {s} at start-up");
    }
    sim.freeze_redis(0);
    sim.run_for(Duration::from_secs(5));
    check_invariants(&sim);
    let switches = events_on(&sim, "+switch-master");
    assert_eq!(switches.len(), 3);
    let new_master = switches[0]
        .event
        .message
        .split(' ')
        .nth(3)
        .unwrap()
        .to_string();
    let promoted = format!(
        "slave {new_master}:6379 {new_master} 6379 @ mymaster {MASTER} 6379 new reported role is master"
    );
    // A sentinel that polls the promoted replica before it learns of the switch sees it
    // report master (inconsistent with its config: `-role-change`); the leader always does,
    // between wait-promotion and +promoted-slave. Nothing else changed role.
    let leader = events_on(&sim, "+elected-leader")[0].sentinel;
    let mut before_resume = Vec::new();
    for s in 0..3 {
        let changes = role_changes(&sim, s);
        let expected = vec![("-role-change", promoted.clone())];
        assert!(
            changes == expected || (s != leader && changes.is_empty()),
            "sentinel {s}: {changes:?}"
        );
        before_resume.push(changes.len());
        let Some(change) = first_at(&sim, s, "-role-change") else {
            continue;
        };
        assert!(change <= first_at(&sim, s, "+switch-master").unwrap());
        if s == leader {
            assert!(first_at(&sim, s, "+failover-state-wait-promotion").unwrap() <= change);
            assert!(change <= first_at(&sim, s, "+promoted-slave").unwrap());
        }
    }
    // The old master returns as a master, which for a sentinel that re-added it as a replica
    // is `-role-change`; once pointed back it reports slave again (`+role-change`). A
    // sentinel whose first poll comes after that sees no change at all.
    sim.resume_redis(0);
    sim.run_for(Duration::from_secs(5));
    let converts = events_on(&sim, "+convert-to-slave");
    assert!(!converts.is_empty());
    let old = format!("slave {MASTER}:6379 {MASTER} 6379 @ mymaster {new_master} 6379");
    let both = vec![
        ("-role-change", format!("{old} new reported role is master")),
        ("+role-change", format!("{old} new reported role is slave")),
    ];
    for (s, seen) in before_resume.into_iter().enumerate() {
        let after: Vec<_> = role_changes(&sim, s).into_iter().skip(seen).collect();
        let converted = converts.iter().any(|e| e.sentinel == s);
        assert!(
            after == both || (!converted && after.is_empty()),
            "sentinel {s}: {after:?}"
        );
    }
}
