//! One binary's run: fleet up, sentinels up, convergence, an idle window, K faults, results.
//!
//! Each binary gets its own fleet (address prefix 127.(10+b)) and its own sentinel ports
//! (`sentinels.port + 100·b + s`), and the binaries run one after the other in the same
//! invocation, so neither competes with the other for the two cores while it is measured.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::conf::sentinel_conf;
use super::events::{self, SharedLog};
use super::procs::{FleetProc, SentinelProc};
use super::procstat::{self, Sample};
use super::result::{BinaryResult, FaultResult};
use super::stats::summarize;
use crate::client::{Client, items, pairs};
use crate::scenario::Scenario;

/// A sentinel binary under test.
#[derive(Clone, Debug)]
pub struct Target {
    pub label: String,
    pub bin: PathBuf,
}

pub struct Ctx {
    pub scenario: Scenario,
    pub scenario_path: PathBuf,
    pub fleet_bin: PathBuf,
    pub out_dir: PathBuf,
}

const STARTUP: Duration = Duration::from_secs(20);
const CALL_LIMIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(1000);
const IDLE_PING_EVERY: Duration = Duration::from_millis(100);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub async fn run_one(ctx: &Ctx, t: &Target, b: usize) -> Result<BinaryResult> {
    let s = &ctx.scenario;
    let prefix = 10 + b as u8;
    let mut r = BinaryResult {
        label: t.label.clone(),
        bin: t.bin.display().to_string(),
        masters: s.fleet.masters,
        instances: s.instances(),
        sentinels: s.sentinels.count,
        ..Default::default()
    };
    eprintln!(
        "[{}] fleet: {} instances on 127.{prefix}.x.y in {} worker(s)",
        t.label,
        s.instances(),
        s.workers()
    );
    let mut fleet = FleetProc::start(
        &ctx.fleet_bin,
        &ctx.scenario_path,
        prefix,
        Duration::from_secs(120),
    )
    .await?;
    let dir = ctx.out_dir.join(&t.label);
    let mut sents = Vec::new();
    let mut addrs = Vec::new();
    for k in 0..s.sentinels.count {
        let port = s.sentinels.port + 100 * b as u16 + k as u16;
        let sdir = dir.join(format!("s{k}"));
        let _ = std::fs::remove_dir_all(&sdir);
        let conf = sentinel_conf(s, prefix, port, &sdir);
        sents.push(SentinelProc::start(&t.bin, &conf, &sdir, port)?);
        addrs.push(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    let started = Instant::now();
    let log = SharedLog::default();
    let mut clients = Vec::new();
    for (k, a) in addrs.iter().enumerate() {
        events::collect(k, *a, started + STARTUP, log.clone())
            .await
            .with_context(|| format!("sentinel {k} of {} did not accept connections", t.label))?;
        clients.push(Client::connect_until(*a, started + STARTUP).await?);
    }
    eprintln!(
        "[{}] {} sentinels up; waiting for convergence",
        t.label,
        sents.len()
    );
    let deadline = started + Duration::from_secs(s.run.converge_timeout_s);
    let (done, progress) = converge(s, &mut clients, &mut sents, &log, deadline).await;
    r.converged = done;
    r.converge_ms = done.then(|| ms(started.elapsed()));
    r.converge_progress = progress;
    eprintln!(
        "[{}] converged: {} ({}) after {:.1} s",
        t.label,
        r.converged,
        r.converge_progress,
        started.elapsed().as_secs_f64()
    );
    settle(&t.label, &log).await;
    idle(s, &mut r, &mut clients, &sents, &fleet.pids).await;
    eprintln!(
        "[{}] idle: sentinel CPU {:?} %, fleet CPU {:.1} %",
        t.label, r.sentinel_cpu_pct, r.fleet_cpu_pct
    );
    faults(s, &mut r, &mut fleet, &sents, &log).await?;
    r.summarize_faults();
    let l = log.borrow();
    r.tilts = l.count("+tilt");
    r.events = l.events.len() + l.dropped;
    if r.tilts > 0 {
        r.notes.push(format!("{} +tilt events", r.tilts));
    }
    for k in &l.closed {
        r.notes
            .push(format!("sentinel {k}: event connection closed"));
    }
    drop(l);
    for (k, sp) in sents.iter_mut().enumerate() {
        if let Some(st) = sp.exited() {
            r.notes.push(format!(
                "sentinel {k} exited ({st}); log tail:\n{}",
                sp.log_tail(5)
            ));
        }
    }
    if !r.converged {
        r.notes.push(format!(
            "did not converge within {} s: {}",
            s.run.converge_timeout_s, r.converge_progress
        ));
    }
    Ok(r)
}

/// Polls `SENTINEL MASTERS` until every sentinel knows every replica and every other sentinel
/// for every master. Returns whether it did and the slowest sentinel's progress.
async fn converge(
    s: &Scenario,
    clients: &mut [Client],
    sents: &mut [SentinelProc],
    log: &SharedLog,
    deadline: Instant,
) -> (bool, String) {
    let want_replicas = s.fleet.replicas;
    let want_peers = s.sentinels.count - 1;
    loop {
        let mut slowest = usize::MAX;
        let mut note = String::new();
        for (k, c) in clients.iter_mut().enumerate() {
            if let Some(st) = sents[k].exited() {
                return (false, format!("sentinel {k} exited: {st}"));
            }
            match c.call_within(&["SENTINEL", "MASTERS"], CALL_LIMIT).await {
                Ok(f) => {
                    let complete = items(&f)
                        .iter()
                        .filter(|m| {
                            let kv = pairs(m);
                            let get = |key: &str| {
                                kv.iter()
                                    .find(|(k, _)| k == key)
                                    .and_then(|(_, v)| v.parse::<usize>().ok())
                                    .unwrap_or(0)
                            };
                            get("num-slaves") >= want_replicas
                                && get("num-other-sentinels") >= want_peers
                        })
                        .count();
                    slowest = slowest.min(complete);
                }
                Err(e) if e.to_string().contains("unknown command") => {
                    // No SENTINEL MASTERS (yet): count discovery events instead.
                    let found = log.borrow().discovered(k, want_replicas, want_peers);
                    slowest = slowest.min(found);
                    note = format!(" (sentinel {k}: from +slave/+sentinel events)");
                }
                Err(e) => {
                    slowest = 0;
                    note = format!(" (sentinel {k}: {e})");
                }
            }
        }
        let progress = format!(
            "{}/{} masters complete on the slowest sentinel{note}",
            slowest.min(s.fleet.masters),
            s.fleet.masters
        );
        if slowest >= s.fleet.masters {
            return (true, progress);
        }
        if Instant::now() >= deadline {
            return (false, progress);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Sentinels in TILT take no action for 30 s: wait (at most a minute) until none is, so that
/// the faults measure failover and not TILT.
async fn settle(label: &str, log: &SharedLog) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let tilted = log.borrow().in_tilt();
        if tilted.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            eprintln!("[{label}] sentinels {tilted:?} still in TILT; measuring anyway");
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn samples(pids: &[u32]) -> Vec<Option<Sample>> {
    pids.iter().map(|p| procstat::sample(*p)).collect()
}

fn pct(a: &[Option<Sample>], b: &[Option<Sample>]) -> Vec<f64> {
    a.iter()
        .zip(b)
        .map(|(a, b)| match (a, b) {
            (Some(a), Some(b)) => procstat::cpu_pct(a, b),
            _ => 0.0,
        })
        .collect()
}

/// The idle window: CPU and RSS of sentinels and fleet, PING round trips to the sentinels.
async fn idle(
    s: &Scenario,
    r: &mut BinaryResult,
    clients: &mut [Client],
    sents: &[SentinelProc],
    fleet_pids: &[u32],
) {
    let spids: Vec<u32> = sents.iter().map(SentinelProc::pid).collect();
    let (s0, f0) = (samples(&spids), samples(fleet_pids));
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(s.run.idle_s);
    let mut rtts = Vec::new();
    let rounds = s.run.idle_s * 1000 / IDLE_PING_EVERY.as_millis() as u64;
    for _ in 0..rounds {
        if Instant::now() >= end {
            break;
        }
        for c in clients.iter_mut() {
            let t = Instant::now();
            let ok = c.call_within(&["PING"], CALL_LIMIT).await.is_ok();
            rtts.push(ok.then(|| ms(t.elapsed())));
        }
        tokio::time::sleep(IDLE_PING_EVERY).await;
    }
    let (s1, f1) = (samples(&spids), samples(fleet_pids));
    r.idle_window_s = t0.elapsed().as_secs_f64();
    r.sentinel_cpu_pct = pct(&s0, &s1);
    let n = r.instances.max(1) as f64;
    r.cpu_us_per_instance_s = r
        .sentinel_cpu_pct
        .iter()
        .map(|p| p / 100.0 * 1e6 / n)
        .collect();
    r.sentinel_rss_kb = s1.iter().map(|x| x.map_or(0, |x| x.rss_kb)).collect();
    r.fleet_cpu_pct = pct(&f0, &f1).iter().sum();
    r.fleet_rss_kb = f1.iter().flatten().map(|x| x.rss_kb).sum();
    r.client_ping = summarize(&rtts);
}

/// Injects the scenario's faults on distinct master groups spread over the fleet and waits for
/// every sentinel's `+switch-master` for each (or the timeout).
async fn faults(
    s: &Scenario,
    r: &mut BinaryResult,
    fleet: &mut FleetProc,
    sents: &[SentinelProc],
    log: &SharedLog,
) -> Result<()> {
    let k = s.faults();
    if k == 0 {
        return Ok(());
    }
    let spids: Vec<u32> = sents.iter().map(SentinelProc::pid).collect();
    let c0 = samples(&spids);
    let mut injected = Vec::new();
    for i in 0..k {
        let g = i * s.fleet.masters / k;
        let name = format!("m{g}");
        fleet.command(&format!("{} {name}", s.run.fault)).await?;
        injected.push((name, Instant::now()));
        eprintln!("[{}] {} {}", r.label, s.run.fault, injected[i].0);
        if i + 1 < k {
            tokio::time::sleep(Duration::from_millis(s.run.fault_gap_ms)).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(s.run.fault_timeout_s);
    let n = s.sentinels.count;
    loop {
        let all = {
            let l = log.borrow();
            injected.iter().all(|(name, at)| {
                l.first_per_sentinel("+switch-master", name, *at, n)
                    .iter()
                    .all(Option::is_some)
            })
        };
        if all || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let c1 = samples(&spids);
    r.fault_phase_cpu_pct = pct(&c0, &c1);
    let l = log.borrow();
    let since = |v: Vec<Option<Instant>>, at: Instant| -> Vec<Option<f64>> {
        v.into_iter()
            .map(|x| x.map(|x| ms(x.duration_since(at))))
            .collect()
    };
    for (name, at) in &injected {
        r.faults.push(FaultResult {
            master: name.clone(),
            kind: s.run.fault.clone(),
            sdown_ms: since(l.first_per_sentinel("+sdown", name, *at, n), *at),
            odown_ms: since(l.first_per_sentinel("+odown", name, *at, n), *at),
            switch_ms: since(l.first_per_sentinel("+switch-master", name, *at, n), *at),
        });
    }
    Ok(())
}

/// The fleet binary next to this one.
pub fn fleet_bin() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(dir.join("fleet"))
}
