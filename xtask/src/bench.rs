//! `cargo xtask bench <scenario> [--sentinel-bin PATH]... [--faults K] [--idle-s N]
//! [--converge-s N] [--out DIR]`:
//! builds the fleet and the benchmark (release), then runs the scenario against every sentinel
//! binary in turn: the given ones, or /usr/bin/redis-sentinel plus our `sentinel` when a build
//! of it exists (target/release, else target/debug). `<scenario>` is a TOML path or a name
//! from benches/scenarios/ (`m10`, `m100`, `m1000`, `m10000`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};

use crate::util::{cargo, root, run as run_cmd};

const STOCK: &str = "/usr/bin/redis-sentinel";

pub fn run(args: &[String]) -> Result<()> {
    let mut scenario: Option<String> = None;
    let mut bins: Vec<PathBuf> = Vec::new();
    let mut pass: Vec<String> = Vec::new();
    let mut out: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sentinel-bin" | "--faults" | "--idle-s" | "--converge-s" | "--out" => {
                let Some(v) = it.next() else {
                    bail!("{a} needs a value");
                };
                match a.as_str() {
                    "--sentinel-bin" => bins.push(PathBuf::from(v)),
                    "--out" => out = Some(PathBuf::from(v)),
                    _ => pass.extend([a.clone(), v.clone()]),
                }
            }
            _ if scenario.is_none() && !a.starts_with('-') => scenario = Some(a.clone()),
            other => bail!("unexpected argument '{other}' (see `cargo xtask help`)"),
        }
    }
    let Some(scenario) = scenario else {
        bail!(
            "usage: cargo xtask bench <scenario> [--sentinel-bin PATH]... [--faults K] [--idle-s N] [--converge-s N] [--out DIR]"
        );
    };
    let path = scenario_path(&scenario)?;
    let target = target_dir();
    if bins.is_empty() {
        bins = default_bins(&target);
        if bins.is_empty() {
            bail!(
                "no sentinel binary: {STOCK} is missing (run `cargo xtask setup`) and no target/*/sentinel was built"
            );
        }
    }
    run_cmd(cargo().args([
        "build",
        "--release",
        "-p",
        "sentinel-benches",
        "--bin",
        "fleet",
        "--bin",
        "bench",
    ]))?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let out = out.unwrap_or_else(|| target.join("bench").join(name));
    let mut cmd = Command::new(target.join("release").join("bench"));
    cmd.arg(&path).arg("--out").arg(&out).args(&pass);
    for b in &bins {
        cmd.arg("--sentinel-bin").arg(b);
    }
    run_cmd(&mut cmd)
}

/// A path as given, or `benches/scenarios/<name>.toml`.
fn scenario_path(s: &str) -> Result<PathBuf> {
    let p = PathBuf::from(s);
    if p.is_file() {
        return Ok(p);
    }
    let named = root().join("benches/scenarios").join(format!("{s}.toml"));
    if named.is_file() {
        return Ok(named);
    }
    bail!("no scenario '{s}' (neither a file nor benches/scenarios/{s}.toml)")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// redis-sentinel when installed, and our `sentinel` when built (release preferred).
fn default_bins(target: &Path) -> Vec<PathBuf> {
    let mut bins = Vec::new();
    if Path::new(STOCK).is_file() {
        bins.push(PathBuf::from(STOCK));
    }
    let mut dirs = vec![target.to_path_buf()];
    if root().join("target") != target {
        dirs.push(root().join("target"));
    }
    let ours = dirs
        .iter()
        .flat_map(|d| ["release", "debug"].map(|p| d.join(p).join("sentinel")))
        .find(|p| p.is_file());
    if let Some(o) = ours {
        eprintln!("including our sentinel: {}", o.display());
        bins.push(o);
    }
    bins
}
