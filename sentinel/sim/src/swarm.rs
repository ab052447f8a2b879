//! Seeded random runs: a random group, a random sequence of faults, and the safety checker after
//! every 50 ms of virtual time. A seed that ever fails becomes a regression test.

use std::time::Duration;

use sentinel_core::instance::MasterParams;
use sentinel_core::{Addr, Prng};

use crate::invariants::Checker;
use crate::net::NetConfig;
use crate::redis::RedisRole;
use crate::world::Sim;

/// What one seed did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedSummary {
    pub seed: u64,
    pub sentinels: usize,
    pub faults: Vec<String>,
    pub elections: usize,
    pub switches: usize,
    pub aborts: usize,
}

const STEP: Duration = Duration::from_millis(50);

/// Runs one seed; `Err` carries the violated property and the fault history.
pub fn run_seed(seed: u64, fault_count: usize) -> Result<SeedSummary, String> {
    let mut rng = Prng::new(seed);
    let sentinels = if rng.below(2) == 0 { 3 } else { 5 };
    let replicas = 1 + rng.below(3) as usize;
    let down_after = [200, 500, 1000][rng.below(3) as usize];
    let majority = sentinels / 2 + 1;
    let quorum = 1 + rng.below(majority as u64) as u32;
    let net = NetConfig {
        delay_min: Duration::from_micros(50),
        delay_max: Duration::from_micros(50 + rng.below(5_000)),
        connect_timeout: Duration::from_millis(1_000),
    };
    let mut sim = Sim::new(seed, net);
    let master = Addr::new("10.0.1.1", 6379);
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
        let mut p = MasterParams::new("mymaster", master.clone(), quorum);
        p.down_after = Duration::from_millis(down_after);
        p.failover_timeout = Duration::from_millis(3_000 + rng.below(5_000));
        sim.add_sentinel(Addr::new(format!("10.0.0.{}", 11 + i), 26379), vec![p]);
    }
    let mut summary = SeedSummary {
        seed,
        sentinels,
        ..SeedSummary::default()
    };
    let mut checker = Checker::new();
    let run = |sim: &mut Sim,
               d: Duration,
               checker: &mut Checker,
               faults: &[String]|
     -> Result<(), String> {
        let until = sim.now() + d;
        while sim.now() < until {
            sim.run_for(STEP);
            checker.check(sim, &["mymaster"], sentinels).map_err(|e| {
                format!(
                    "seed {seed}: {e} at {:?} after faults {faults:?}",
                    sim.now()
                )
            })?;
        }
        Ok(())
    };
    run(
        &mut sim,
        Duration::from_secs(10),
        &mut checker,
        &summary.faults,
    )?;
    let hosts: Vec<String> = (0..sentinels)
        .map(|i| format!("10.0.0.{}", 11 + i))
        .chain((0..=replicas).map(|i| format!("10.0.1.{}", 1 + i)))
        .collect();
    for _ in 0..fault_count {
        let fault = match rng.below(8) {
            0 | 1 => {
                let r = current_master(&sim).unwrap_or(0);
                sim.kill_redis(r);
                format!("kill redis {r}")
            }
            2 => {
                let r = rng.below(sim.redis_count() as u64) as usize;
                sim.freeze_redis(r);
                format!("freeze redis {r}")
            }
            3 => {
                for r in 0..sim.redis_count() {
                    sim.resume_redis(r);
                }
                "resume all".to_string()
            }
            4 => {
                let side: Vec<&str> = hosts
                    .iter()
                    .filter(|_| rng.below(3) == 0)
                    .map(String::as_str)
                    .collect();
                sim.partition(&side);
                format!("partition {side:?}")
            }
            5 => {
                sim.heal();
                "heal".to_string()
            }
            6 => {
                let s = rng.below(sentinels as u64) as usize;
                sim.crash_sentinel(s);
                format!("crash sentinel {s}")
            }
            _ => {
                let s = rng.below(sentinels as u64) as usize;
                let jump = i64::try_from(rng.below(10_000)).unwrap_or(0) - 5_000;
                sim.jump_wall_clock(s, jump);
                format!("clock jump {jump} ms on sentinel {s}")
            }
        };
        summary.faults.push(fault);
        let wait = Duration::from_millis(200 + rng.below(6_000));
        run(&mut sim, wait, &mut checker, &summary.faults)?;
    }
    sim.heal();
    for r in 0..sim.redis_count() {
        sim.resume_redis(r);
    }
    run(
        &mut sim,
        Duration::from_secs(20),
        &mut checker,
        &summary.faults,
    )?;
    summary.elections = checker.elections;
    summary.switches = sim
        .events()
        .iter()
        .filter(|e| e.event.channel == "+switch-master")
        .count();
    summary.aborts = sim
        .events()
        .iter()
        .filter(|e| e.event.channel.starts_with("-failover-abort"))
        .count();
    Ok(summary)
}

/// The modelled redis that currently reports itself master and is alive, if any.
fn current_master(sim: &Sim) -> Option<usize> {
    (0..sim.redis_count()).find(|&r| sim.redis(r).role == RedisRole::Master && sim.redis_alive(r))
}
