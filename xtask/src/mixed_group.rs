//! `cargo xtask mixed-group [--ours PATH | --reference]`: 2 of our sentinels and 1 stock
//! redis-sentinel watch one master with 2 replicas; three real failovers (SIGSTOP of the
//! current master): one led by the stock sentinel, one by ours, one unsteered. After each,
//! all three must report the same master and config-epoch, and the group must heal (the old
//! master comes back as a replica) before the next round.
//!
//! Steering a leader without faking agreement: `quorum` and `down-after-milliseconds` are
//! per-sentinel settings. The chosen sentinel gets quorum 1 (its own SDOWN is ODOWN) and
//! down-after 1000; the others quorum 3 and down-after 4000, so they are still waiting for
//! SDOWN when its vote requests arrive. Votes do not depend on the voter's own view of the
//! master (sentinel.c `sentinelVoteLeader`), so the election, epochs, hello propagation and
//! replica reconfiguration run between the two implementations exactly as in production;
//! the leader still needs a majority (2 of 3) of votes.

use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::bins::{Bin, REFERENCE, require_redis};
use crate::events::{Events, all_reported};
use crate::procs::{interrupted, poll, signal, trap_interrupts};
use crate::redis_group::{Group, GroupSpec, MASTER_NAME, call, info, master_addr, sentinel_master};

const USAGE: &str =
    "usage: cargo xtask mixed-group [--ours PATH | --sentinel-bin PATH | --reference] [--keep]";
const FAILOVER_TIMEOUT_MS: u64 = 6000;

pub fn run(args: &[String]) -> Result<()> {
    let mut ours = Bin::Ours;
    let mut keep = false;
    let mut i = 0;
    while i < args.len() {
        if let Some(b) = Bin::parse(args, &mut i)? {
            ours = b;
        } else if args[i] == "--ours" {
            i += 1;
            let p = args.get(i).context("--ours needs a path")?;
            ours = Bin::Path(p.into());
        } else if args[i] == "--keep" {
            keep = true;
        } else {
            bail!("unexpected '{}'\n{USAGE}", args[i]);
        }
        i += 1;
    }
    require_redis()?;
    trap_interrupts();
    let ours_path = ours.resolve()?;
    let spec = GroupSpec {
        sentinels: vec![ours_path.clone(), ours_path.clone(), REFERENCE.into()],
        replicas: 2,
        quorum: 2,
        down_after_ms: 1000,
        failover_timeout_ms: FAILOVER_TIMEOUT_MS,
    };
    let names = [
        format!("sentinel-0 ({})", ours.label()),
        format!("sentinel-1 ({})", ours.label()),
        "sentinel-2 (redis-sentinel)".to_string(),
    ];
    println!("mixed group: {}, {}, {}", names[0], names[1], names[2]);
    let mut group = Group::start(&spec, "mixed")?;
    group.keep_dir = keep;
    let result = rounds(&group, &names);
    if result.is_err() && !interrupted() {
        group.keep_dir = true;
    }
    result
}

fn rounds(group: &Group, names: &[String; 3]) -> Result<()> {
    let plan = [
        ("the stock side (sentinel-2) leads", Some(2)),
        ("our side (sentinel-0) leads", Some(0)),
        ("unsteered", None),
    ];
    let mut last_epoch = 0u64;
    for (k, (what, leader)) in plan.iter().enumerate() {
        println!("\nround {}: {what}", k + 1);
        steer(group, *leader)?;
        let (led_by, epoch) = failover(group)?;
        if let Some(want) = leader
            && led_by != *want
        {
            bail!(
                "round {}: {} led instead of {}",
                k + 1,
                names[led_by],
                names[*want]
            );
        }
        if epoch <= last_epoch {
            bail!(
                "round {}: config-epoch {epoch} did not grow past {last_epoch}",
                k + 1
            );
        }
        last_epoch = epoch;
        println!(
            "round {}: led by {}; config-epoch {epoch}",
            k + 1,
            names[led_by]
        );
    }
    steer(group, None)?;
    println!("\nmixed group: every round agreed on master and config-epoch");
    Ok(())
}

/// Per-sentinel quorum and down-after: `Some(i)` makes sentinel i the only one that can
/// start a failover; `None` restores the shared settings.
fn steer(group: &Group, leader: Option<usize>) -> Result<()> {
    for (i, s) in group.sentinels.iter().enumerate() {
        let (q, da) = match leader {
            None => ("2", "1000"),
            Some(l) if l == i => ("1", "1000"),
            Some(_) => ("3", "4000"),
        };
        call(
            s.port,
            &[
                "SENTINEL",
                "SET",
                MASTER_NAME,
                "quorum",
                q,
                "down-after-milliseconds",
                da,
            ],
        )
        .with_context(|| format!("steering sentinel-{i}"))?;
    }
    Ok(())
}

/// SIGSTOPs the current master, waits for every sentinel's `+switch-master`, checks that all
/// agree, brings the old master back and waits until it is a healthy replica of the new one.
/// Returns the leader's index and the agreed config-epoch.
fn failover(group: &Group) -> Result<(usize, u64)> {
    let old = master_addr(group.sentinels[0].port)?;
    let old_port: u16 = old.rsplit(':').next().unwrap_or_default().parse()?;
    let old_master = group
        .server_by_port(old_port)
        .context("master is not ours")?;
    let events = Events::subscribe(&group.sentinels.iter().map(|s| s.port).collect::<Vec<_>>())?;
    let n = group.sentinels.len();
    signal(old_master.child.id(), libc::SIGSTOP)?;
    println!("SIGSTOP master {old}");
    // A sentinel that voted recently may start a failover only 2 x failover-timeout later.
    let limit = Duration::from_millis(2 * FAILOVER_TIMEOUT_MS) + Duration::from_secs(30);
    let got = events.collect_until(limit, |e| all_reported(e, n, "+switch-master"), |_| {});
    // Whatever happened, the old master must run again (or the group cannot heal).
    let cont = signal(old_master.child.id(), libc::SIGCONT);
    let (evs, done) = got?;
    cont?;
    if !done {
        bail!("not every sentinel reported +switch-master within {limit:?}");
    }
    let leader = evs
        .iter()
        .find(|e| e.channel == "+promoted-slave")
        .map(|e| e.sentinel)
        .context("no +promoted-slave event")?;
    let (addr, epoch) = agreement(group)?;
    if addr == old {
        bail!("the sentinels agree on the old master {old}");
    }
    println!(
        "all three report master {addr}, config-epoch {epoch}; waiting for {old} to rejoin as a replica"
    );
    heal(group, old_port, &addr)?;
    Ok((leader, epoch))
}

/// Polls until all sentinels report the same master address and config-epoch.
fn agreement(group: &Group) -> Result<(String, u64)> {
    poll(
        "the sentinels to agree on master and config-epoch",
        Duration::from_secs(30),
        Duration::from_millis(100),
        || {
            let mut seen = Vec::new();
            for s in &group.sentinels {
                let epoch = sentinel_master(s.port)?
                    .field("config-epoch")
                    .context("no config-epoch")?;
                seen.push((master_addr(s.port)?, epoch.parse::<u64>()?));
            }
            Ok(seen.iter().all(|x| x == &seen[0]).then(|| seen[0].clone()))
        },
    )
}

/// Waits until the old master replicates from the new one and every sentinel sees the new
/// master with two healthy replicas and no failover in progress.
fn heal(group: &Group, old_port: u16, new: &str) -> Result<()> {
    let new_port = new.rsplit(':').next().unwrap_or_default();
    poll(
        &format!("old master :{old_port} to replicate from {new}"),
        Duration::from_secs(60),
        Duration::from_millis(100),
        || {
            let i = info(old_port, "replication")?;
            Ok((i.contains(&format!("master_port:{new_port}\r\n"))
                && i.contains("master_link_status:up"))
            .then_some(()))
        },
    )?;
    for (k, s) in group.sentinels.iter().enumerate() {
        poll(
            &format!("sentinel-{k} to see a healthy group"),
            Duration::from_secs(60),
            Duration::from_millis(100),
            || {
                let m = sentinel_master(s.port)?;
                let replicas = call(s.port, &["SENTINEL", "REPLICAS", MASTER_NAME])?;
                let healthy = replicas.items().len() == 2
                    && replicas.items().iter().all(|r| {
                        r.field("flags").as_deref() == Some("slave")
                            && r.field("master-link-status").as_deref() == Some("ok")
                    });
                Ok((m.field("flags").as_deref() == Some("master") && healthy).then_some(()))
            },
        )?;
    }
    Ok(())
}
