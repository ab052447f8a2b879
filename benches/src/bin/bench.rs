//! `bench <scenario.toml> [--sentinel-bin PATH]... [--out DIR] [--faults K] [--idle-s N]
//! [--converge-s N]`:
//! runs the scenario against each sentinel binary in turn (default /usr/bin/redis-sentinel),
//! prints the side-by-side table and writes `report.json` and `cdf.svg` to the output folder.
//! Usually started by `cargo xtask bench`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use sentinel_benches::bench::report::{Report, table};
use sentinel_benches::bench::result::BinaryResult;
use sentinel_benches::bench::run::{Ctx, Target, fleet_bin, run_one};
use sentinel_benches::bench::svg::cdf_plot;
use sentinel_benches::scenario::{BINARIES_MAX, Scenario};

const USAGE: &str = "usage: bench <scenario.toml> [--sentinel-bin PATH]... [--out DIR] [--faults K] [--idle-s N] [--converge-s N]\n       bench --replot report.json   (table and cdf.svg again from a report)";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `redis-sentinel` for the stock binary, `ours` for the project's `sentinel`, else the file
/// name; repeated labels get a suffix.
fn labels(bins: &[PathBuf]) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for b in bins {
        let name = b
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let base = match name.as_str() {
            "sentinel" => "ours".to_string(),
            other => other.to_string(),
        };
        let mut label = base.clone();
        let mut i = 2;
        while out.iter().any(|t| t.label == label) {
            label = format!("{base}-{i}");
            i += 1;
        }
        out.push(Target {
            label,
            bin: b.clone(),
        });
    }
    out
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut path: Option<PathBuf> = None;
    let mut bins: Vec<PathBuf> = Vec::new();
    let mut out: Option<PathBuf> = None;
    let mut faults: Option<usize> = None;
    let mut idle: Option<u64> = None;
    let mut converge: Option<u64> = None;
    let mut replot: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        let mut value = |n: &str| args.next().with_context(|| format!("{n} needs a value"));
        match a.as_str() {
            "--sentinel-bin" => bins.push(PathBuf::from(value("--sentinel-bin")?)),
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--faults" => faults = Some(value("--faults")?.parse().context("--faults")?),
            "--idle-s" => idle = Some(value("--idle-s")?.parse().context("--idle-s")?),
            "--replot" => replot = Some(PathBuf::from(value("--replot")?)),
            "--converge-s" => {
                converge = Some(value("--converge-s")?.parse().context("--converge-s")?)
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ if path.is_none() && !a.starts_with('-') => path = Some(PathBuf::from(a)),
            other => bail!("unexpected argument '{other}'\n{USAGE}"),
        }
    }
    if let Some(json) = replot {
        return replot_report(&json);
    }
    let path = path.context(USAGE)?;
    let mut scenario = Scenario::load(&path)?;
    if let Some(k) = faults {
        if k > scenario.fleet.masters {
            bail!(
                "--faults {k} exceeds the scenario's {} masters",
                scenario.fleet.masters
            );
        }
        scenario.run.faults = k;
    }
    if let Some(i) = idle {
        scenario.run.idle_s = i;
    }
    if let Some(c) = converge {
        scenario.run.converge_timeout_s = c;
    }
    if bins.is_empty() {
        bins.push(PathBuf::from("/usr/bin/redis-sentinel"));
    }
    if bins.len() > BINARIES_MAX {
        bail!("at most {BINARIES_MAX} sentinel binaries per run");
    }
    for b in &bins {
        if !b.is_file() {
            bail!("sentinel binary {} not found", b.display());
        }
    }
    let out = out.unwrap_or_else(|| Path::new("bench-out").join(&scenario.name));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let out = std::fs::canonicalize(&out)?;
    let ctx = Ctx {
        scenario: scenario.clone(),
        scenario_path: std::fs::canonicalize(&path)?,
        fleet_bin: fleet_bin()?,
        out_dir: out.clone(),
    };
    let targets = labels(&bins);
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    let results = local.block_on(&rt, async {
        let mut results = Vec::new();
        for (b, t) in targets.iter().enumerate() {
            match run_one(&ctx, t, b).await {
                Ok(r) => results.push(r),
                Err(e) => {
                    eprintln!("[{}] run failed: {e:#}", t.label);
                    results.push(BinaryResult {
                        label: t.label.clone(),
                        bin: t.bin.display().to_string(),
                        notes: vec![format!("run failed: {e:#}")],
                        ..Default::default()
                    });
                }
            }
            // Keep what is measured so far, in case a later binary hangs the run.
            if let Err(e) = write_outputs(&scenario, &out, started, &results) {
                eprintln!("bench: writing the report: {e:#}");
            }
        }
        results
    });
    let s = &scenario;
    println!(
        "\nscenario {}: {} masters × (1 + {} replicas) = {} instances, {} sentinels per binary, \
         down-after {} ms, {} × {}\n",
        s.name,
        s.fleet.masters,
        s.fleet.replicas,
        s.instances(),
        s.sentinels.count,
        s.sentinels.down_after_ms,
        s.faults(),
        s.run.fault
    );
    print!("{}", table(&results));
    let (json, svg) = write_outputs(s, &out, started, &results)?;
    println!("\nwrote {} and {}", json.display(), svg.display());
    Ok(())
}

/// Writes `report.json` and `cdf.svg`; returns their paths.
fn write_outputs(
    s: &Scenario,
    out: &Path,
    started: u64,
    results: &[BinaryResult],
) -> Result<(PathBuf, PathBuf)> {
    let report = Report {
        scenario: &s.name,
        masters: s.fleet.masters,
        replicas_per_master: s.fleet.replicas,
        sentinels: s.sentinels.count,
        down_after_ms: s.sentinels.down_after_ms,
        fault: &s.run.fault,
        started_unix_s: started,
        results,
    };
    let json = out.join("report.json");
    std::fs::write(&json, serde_json::to_string_pretty(&report)?)?;
    let svg = out.join("cdf.svg");
    let title = format!(
        "{}: {} instances, down-after {} ms, {} faults ({})",
        s.name,
        s.instances(),
        s.sentinels.down_after_ms,
        s.faults(),
        s.run.fault
    );
    std::fs::write(&svg, cdf_plot(&title, results))?;
    Ok((json, svg))
}

#[derive(serde::Deserialize)]
struct SavedReport {
    scenario: String,
    masters: usize,
    replicas_per_master: usize,
    down_after_ms: u64,
    fault: String,
    results: Vec<BinaryResult>,
}

/// Prints the table and rewrites the SVG (next to the JSON) from a saved report.
fn replot_report(json: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(json).with_context(|| format!("reading {}", json.display()))?;
    let r: SavedReport = serde_json::from_str(&text).context("parsing the report")?;
    print!("{}", table(&r.results));
    let faults = r.results.first().map_or(0, |b| b.faults.len());
    let title = format!(
        "{}: {} instances, down-after {} ms, {faults} faults ({})",
        r.scenario,
        r.masters * (1 + r.replicas_per_master),
        r.down_after_ms,
        r.fault
    );
    let svg = json.with_extension("svg");
    std::fs::write(&svg, cdf_plot(&title, &r.results))?;
    println!("\nwrote {}", svg.display());
    Ok(())
}
