//! `fleet-load <scenario.toml> [--seconds N] [--prefix P]`: starts the scenario's fleet, puts
//! sentinel-shaped load on it (`sentinels.count` emulated sentinels, see
//! `sentinel_benches::load`) from as many processes as the fd limit needs, and reports the
//! fleet's own CPU and RSS over an N-second window (default 30) after a 10 s warm-up.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sentinel_benches::bench::procs::FleetProc;
use sentinel_benches::bench::procstat;
use sentinel_benches::load;
use sentinel_benches::scenario::{Scenario, WORKER_FDS_MAX};

const USAGE: &str = "usage: fleet-load <scenario.toml> [--seconds N] [--prefix P]";
const WARMUP: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleet-load: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut path: Option<PathBuf> = None;
    let mut seconds: u64 = 30;
    let mut prefix: u8 = 20;
    let mut slice: Option<(usize, usize)> = None;
    let mut slices = 1;
    let mut index = None;
    while let Some(a) = args.next() {
        let mut value = |n: &str| args.next().with_context(|| format!("{n} needs a value"));
        match a.as_str() {
            "--seconds" => seconds = value("--seconds")?.parse().context("--seconds")?,
            "--prefix" => prefix = value("--prefix")?.parse().context("--prefix")?,
            "--slice" => index = Some(value("--slice")?.parse().context("--slice")?),
            "--slices" => slices = value("--slices")?.parse().context("--slices")?,
            _ if path.is_none() && !a.starts_with('-') => path = Some(PathBuf::from(a)),
            other => bail!("unexpected argument '{other}'\n{USAGE}"),
        }
    }
    if let Some(i) = index {
        slice = Some((i, slices));
    }
    let path = path.context(USAGE)?;
    if !(1..=3600).contains(&seconds) || prefix == 0 || prefix == 255 {
        bail!("--seconds must be 1..=3600 and --prefix 1..=254");
    }
    let s = Scenario::load(&path)?;
    let sentinels = s.sentinels.count;
    if let Some((i, n)) = slice {
        let c = load::run(&s, prefix, i, n, sentinels, seconds)?;
        println!(
            "counters rounds={} messages={} errors={}",
            c.replies.get(),
            c.messages.get(),
            c.errors.get()
        );
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    tokio::task::LocalSet::new().block_on(&rt, drive(&path, &s, prefix, seconds))
}

async fn drive(path: &Path, s: &Scenario, prefix: u8, seconds: u64) -> Result<()> {
    let dir = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let fleet =
        FleetProc::start(&dir.join("fleet"), path, prefix, Duration::from_secs(120)).await?;
    let links = s.instances() * 2 * s.sentinels.count;
    let n = links.div_ceil(WORKER_FDS_MAX).max(1);
    let total = seconds + WARMUP.as_secs() + 2;
    let mut kids = Vec::new();
    for i in 0..n {
        kids.push(
            Command::new(std::env::current_exe()?)
                .arg(path)
                .args([
                    "--prefix",
                    &prefix.to_string(),
                    "--seconds",
                    &total.to_string(),
                ])
                .args(["--slice", &i.to_string(), "--slices", &n.to_string()])
                .stdout(Stdio::piped())
                .spawn()?,
        );
    }
    let kid_pids: Vec<u32> = kids.iter().map(|k| k.id()).collect();
    eprintln!(
        "fleet: {} instances in {} worker(s); load: {} sentinel(s) = {links} links from {n} process(es); warm-up {WARMUP:?}",
        s.instances(),
        fleet.pids.len(),
        s.sentinels.count
    );
    tokio::time::sleep(WARMUP).await;
    let f0: Vec<_> = fleet
        .pids
        .iter()
        .filter_map(|p| procstat::sample(*p))
        .collect();
    let l0: Vec<_> = kid_pids
        .iter()
        .filter_map(|p| procstat::sample(*p))
        .collect();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let f1: Vec<_> = fleet
        .pids
        .iter()
        .filter_map(|p| procstat::sample(*p))
        .collect();
    let l1: Vec<_> = kid_pids
        .iter()
        .filter_map(|p| procstat::sample(*p))
        .collect();
    let wall = t0.elapsed().as_secs_f64();
    let cpu = |a: &[procstat::Sample], b: &[procstat::Sample]| -> f64 {
        a.iter().zip(b).map(|(a, b)| procstat::cpu_pct(a, b)).sum()
    };
    let fleet_pct = cpu(&f0, &f1);
    let load_pct = cpu(&l0, &l1);
    let rss: u64 = f1.iter().map(|x| x.rss_kb).sum();
    let mut counters = Vec::new();
    for k in kids {
        let out = k.wait_with_output()?;
        counters.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    println!(
        "fleet-load {}: {} instances, {} emulated sentinel(s), {links} links, window {wall:.1} s",
        s.name,
        s.instances(),
        s.sentinels.count
    );
    println!(
        "fleet CPU {fleet_pct:.1} % of one core (all {} workers), {:.2} CPU-µs per instance per s, RSS {:.0} MiB",
        f1.len(),
        fleet_pct / 100.0 * 1e6 / s.instances() as f64,
        rss as f64 / 1024.0
    );
    println!(
        "load generator CPU {load_pct:.1} %; per load process: {}",
        counters.join(" | ")
    );
    Ok(())
}
