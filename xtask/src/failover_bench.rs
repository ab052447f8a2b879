//! `cargo xtask failover-bench`: spec §4.4's measurement. Per binary and fault mode, N trials
//! of a fresh group (1 master, 2 replicas, 3 sentinels, quorum 2, down-after 1000 ms); after a
//! random 3-5 s settle the master gets SIGSTOP or SIGKILL, and every sentinel's events
//! (PSUBSCRIBE *) give the milestones in ms after the signal.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench_stats::{MILESTONES, Run, Trial, json, milestones, table};
use crate::bins::{Bin, require_redis, target_dir};
use crate::events::{Events, all_reported};
use crate::procs::{check_interrupt, random_u64, signal, trap_interrupts};
use crate::redis_group::{Group, GroupSpec};

const USAGE: &str = "usage: cargo xtask failover-bench [--trials N] [--mode sigstop|kill|both] \
                     [--sentinel-bin PATH]... [--reference] [--down-after MS] [--keep-failed]";
/// How long every sentinel gets to report `+switch-master` after the fault.
const SWITCH_LIMIT: Duration = Duration::from_secs(30);

struct Opts {
    bins: Vec<Bin>,
    trials: usize,
    modes: Vec<&'static str>,
    down_after_ms: u64,
    keep_failed: bool,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut o = Opts {
        bins: Vec::new(),
        trials: 20,
        modes: vec!["sigstop", "kill"],
        down_after_ms: 1000,
        keep_failed: false,
    };
    let mut i = 0;
    while i < args.len() {
        if let Some(b) = Bin::parse(args, &mut i)? {
            o.bins.push(b);
            i += 1;
            continue;
        }
        let value = args.get(i + 1).map(String::as_str);
        match (args[i].as_str(), value) {
            ("--trials", Some(v)) => o.trials = v.parse().context("--trials N")?,
            ("--down-after", Some(v)) => o.down_after_ms = v.parse().context("--down-after MS")?,
            ("--mode", Some("sigstop")) => o.modes = vec!["sigstop"],
            ("--mode", Some("kill")) => o.modes = vec!["kill"],
            ("--mode", Some("both")) => o.modes = vec!["sigstop", "kill"],
            ("--keep-failed", _) => {
                o.keep_failed = true;
                i += 1;
                continue;
            }
            (other, _) => bail!("unexpected or incomplete '{other}'\n{USAGE}"),
        }
        i += 2;
    }
    if o.bins.is_empty() {
        o.bins.push(Bin::Ours);
    }
    require_redis()?;
    trap_interrupts();
    bench(&o)
}

fn bench(o: &Opts) -> Result<()> {
    let mut runs = Vec::new();
    for bin in &o.bins {
        let path = bin.resolve()?;
        for &mode in &o.modes {
            let mut run = Run {
                binary: bin.label(),
                path: path.display().to_string(),
                mode,
                trials: Vec::new(),
            };
            eprintln!(
                "\n{} ({}), {mode}: {} trials",
                run.binary, run.path, o.trials
            );
            for n in 1..=o.trials {
                let spec = GroupSpec {
                    sentinels: vec![path.clone(); 3],
                    replicas: 2,
                    quorum: 2,
                    down_after_ms: o.down_after_ms,
                    failover_timeout_ms: 180_000,
                };
                let t = trial(&spec, mode, o.keep_failed)
                    .with_context(|| format!("trial {n} of {} {mode}", run.binary))?;
                eprintln!("  trial {n:>2}: {}", show(&t));
                run.trials.push(t);
            }
            runs.push(run);
        }
    }
    let report = table(&runs);
    println!("{report}");
    let dir = target_dir().join("failover-bench");
    std::fs::create_dir_all(&dir)?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let file = dir.join(format!("failover-bench-{stamp}.json"));
    std::fs::write(&file, json(&runs, o.down_after_ms))?;
    std::fs::write(dir.join("latest.json"), json(&runs, o.down_after_ms))?;
    println!("wrote {}", file.display());
    Ok(())
}

/// One fresh group, one fault, the milestones. A failover that does not complete in time is
/// a trial with missing milestones, not an error.
fn trial(spec: &GroupSpec, mode: &str, keep_failed: bool) -> Result<Trial> {
    let mut group = Group::start(spec, "bench")?;
    let events = Events::subscribe(&group.sentinels.iter().map(|s| s.port).collect::<Vec<_>>())?;
    // The settle is part of the measured protocol (spec §4.4): it spreads the fault over the
    // sentinels' PING phases. Events meanwhile are drained and ignored.
    let settle = Duration::from_millis(3000 + random_u64() % 2000);
    let until = Instant::now() + settle;
    while Instant::now() < until {
        check_interrupt()?;
        events.next(until.saturating_duration_since(Instant::now()))?;
    }
    let sig = if mode == "kill" {
        libc::SIGKILL
    } else {
        libc::SIGSTOP
    };
    let fault = Instant::now();
    signal(group.servers[0].child.id(), sig)?;
    let n = group.sentinels.len();
    let (evs, _) = events.collect_until(
        SWITCH_LIMIT,
        |evs| all_reported(evs, n, "+switch-master"),
        |_| {},
    )?;
    let t = milestones(fault, &evs);
    if !t.complete() && keep_failed {
        group.keep_dir = true;
    }
    Ok(t)
}

fn show(t: &Trial) -> String {
    let parts: Vec<String> = MILESTONES
        .iter()
        .zip(t.ms)
        .map(|(m, v)| format!("{m} {}", v.map_or("-".into(), |v| v.to_string())))
        .collect();
    format!(
        "{}; leader sentinel-{}",
        parts.join(", "),
        t.leader.map_or("?".into(), |l| l.to_string())
    )
}
