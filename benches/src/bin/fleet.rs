//! `fleet <scenario.toml> [--prefix P]`: emulate the scenario's redis instances on
//! 127.P.x.y (P defaults to 1) until stdin closes. Control commands on stdin: see
//! `sentinel_benches::fleet::control`. Workers are the same binary with `--worker i --workers n`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use sentinel_benches::fleet::{supervisor, worker};
use sentinel_benches::scenario::Scenario;

const USAGE: &str = "usage: fleet <scenario.toml> [--prefix P]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleet: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut path: Option<PathBuf> = None;
    let mut prefix: u8 = 1;
    let mut worker: Option<(usize, usize)> = None;
    let mut workers = 1;
    let mut index = None;
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match a.as_str() {
            "--prefix" => prefix = value("--prefix")?.parse().context("--prefix")?,
            "--worker" => index = Some(value("--worker")?.parse().context("--worker")?),
            "--workers" => workers = value("--workers")?.parse().context("--workers")?,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ if path.is_none() && !a.starts_with('-') => path = Some(PathBuf::from(a)),
            other => bail!("unexpected argument '{other}'\n{USAGE}"),
        }
    }
    if let Some(i) = index {
        worker = Some((i, workers));
    }
    let path = path.context(USAGE)?;
    if prefix == 0 || prefix == 255 {
        bail!("--prefix must be 1..=254");
    }
    let s = Scenario::load(&path)?;
    match worker {
        Some((i, n)) if i < n => worker::run(&s, prefix, i, n),
        Some(_) => bail!("--worker must be below --workers"),
        None => supervisor::run(&path, &s, prefix),
    }
}
