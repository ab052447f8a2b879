//! `cargo xtask demo [--reference | --sentinel-bin PATH] [--keep]`: a local group (1 master,
//! 2 replicas, 3 sentinels, down-after 1000 ms) loses its master to SIGSTOP; prints the event
//! timeline in ms since the fault and the new master, then cleans everything up.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::bench_stats::{MILESTONES, milestones};
use crate::bins::{Bin, require_redis};
use crate::events::{Event, Events, all_reported};
use crate::procs::{interrupted, signal, trap_interrupts};
use crate::redis_group::{Group, GroupSpec, master_addr};

const USAGE: &str = "usage: cargo xtask demo [--reference | --sentinel-bin PATH] [--keep]";
/// How long every sentinel gets to report `+switch-master` after the fault.
const SWITCH_LIMIT: Duration = Duration::from_secs(30);

pub fn run(args: &[String]) -> Result<()> {
    let mut bin = Bin::Ours;
    let mut keep = false;
    let mut i = 0;
    while i < args.len() {
        if let Some(b) = Bin::parse(args, &mut i)? {
            bin = b;
        } else if args[i] == "--keep" {
            keep = true;
        } else {
            bail!("unexpected '{}'\n{USAGE}", args[i]);
        }
        i += 1;
    }
    require_redis()?;
    trap_interrupts();
    let path = bin.resolve()?;
    let spec = GroupSpec {
        sentinels: vec![path.clone(); 3],
        replicas: 2,
        quorum: 2,
        down_after_ms: 1000,
        failover_timeout_ms: 10000,
    };
    println!(
        "starting 1 master + 2 replicas + 3 sentinels ({})",
        path.display()
    );
    let mut group = Group::start(&spec, "demo")?;
    group.keep_dir = keep;
    let result = show_failover(&group);
    if result.is_err() && !interrupted() {
        group.keep_dir = true;
    }
    result
}

fn show_failover(group: &Group) -> Result<()> {
    let master = &group.servers[0];
    println!(
        "master  127.0.0.1:{} (pid {})",
        master.port,
        master.child.id()
    );
    for r in &group.servers[1..] {
        println!("replica 127.0.0.1:{}", r.port);
    }
    for (i, s) in group.sentinels.iter().enumerate() {
        println!("sentinel-{i} 127.0.0.1:{}", s.port);
    }
    println!("all sentinels see 2 replicas and 2 peers; subscribing to their events");
    let events = Events::subscribe(&group.sentinels.iter().map(|s| s.port).collect::<Vec<_>>())?;

    let fault = Instant::now();
    signal(master.child.id(), libc::SIGSTOP)?;
    println!("\nSIGSTOP master at t=0; timeline (ms since the fault):");
    let n = group.sentinels.len();
    let (evs, done) = events.collect_until(
        SWITCH_LIMIT,
        |evs| all_reported(evs, n, "+switch-master"),
        |e| println!("{}", line(fault, e, group)),
    )?;
    if !done {
        bail!("not every sentinel reported +switch-master within {SWITCH_LIMIT:?}");
    }
    let t = milestones(fault, &evs);
    println!("\nmilestones (ms after the fault):");
    for (name, ms) in MILESTONES.iter().zip(t.ms) {
        println!("  {name:<24} {}", ms.map_or("-".into(), |v| v.to_string()));
    }
    println!();
    let mut addrs = Vec::new();
    for (i, s) in group.sentinels.iter().enumerate() {
        let a = master_addr(s.port)?;
        println!("sentinel-{i}: GET-MASTER-ADDR-BY-NAME mymaster = {a}");
        addrs.push(a);
    }
    if addrs.iter().any(|a| a != &addrs[0]) {
        bail!("the sentinels disagree on the new master: {addrs:?}");
    }
    println!("new master: {}", addrs[0]);
    Ok(())
}

fn line(fault: Instant, e: &Event, group: &Group) -> String {
    let ms = if e.at >= fault {
        (e.at - fault).as_millis() as i64
    } else {
        -((fault - e.at).as_millis() as i64)
    };
    let port = group.sentinels[e.sentinel].port;
    format!(
        "{ms:>7} ms  sentinel-{} (:{port})  {:<22} {}",
        e.sentinel, e.channel, e.payload
    )
}
