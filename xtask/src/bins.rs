//! Which sentinel binary a harness task runs: ours (built in release), the stock
//! /usr/bin/redis-sentinel (`--reference`), or any path (`--sentinel-bin PATH`).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::util::{cargo, root, run};

pub const REFERENCE: &str = "/usr/bin/redis-sentinel";
pub const REDIS_SERVER: &str = "/usr/bin/redis-server";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bin {
    /// Ours, from `cargo build --release -p sentinel-cli`.
    Ours,
    Reference,
    Path(PathBuf),
}

impl Bin {
    /// Parses `--reference` or `--sentinel-bin PATH` at `args[*i]`, advancing `i` past a value.
    /// `None` when the argument is neither.
    pub fn parse(args: &[String], i: &mut usize) -> Result<Option<Bin>> {
        Ok(match args[*i].as_str() {
            "--reference" => Some(Bin::Reference),
            "--sentinel-bin" => {
                *i += 1;
                let Some(p) = args.get(*i) else {
                    bail!("--sentinel-bin needs a path");
                };
                Some(Bin::Path(PathBuf::from(p)))
            }
            _ => None,
        })
    }

    /// A short label for tables and file names.
    pub fn label(&self) -> String {
        match self {
            Bin::Ours => "ours".into(),
            Bin::Reference => "redis-sentinel".into(),
            Bin::Path(p) => p.display().to_string(),
        }
    }

    /// The executable's absolute path, building ours first when needed.
    pub fn resolve(&self) -> Result<PathBuf> {
        let path = match self {
            Bin::Ours => build_ours()?,
            Bin::Reference => PathBuf::from(REFERENCE),
            Bin::Path(p) => std::path::absolute(p)?,
        };
        if !path.is_file() {
            bail!("sentinel binary {} does not exist", path.display());
        }
        Ok(path)
    }
}

/// Where cargo puts build output for this workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_relative() { root().join(p) } else { p })
        .unwrap_or_else(|| root().join("target"))
}

fn build_ours() -> Result<PathBuf> {
    build_ours_release(false)
}

/// Builds ours in release; `require_ebpf`: fail rather than build without the XDP program
/// (the VIP tasks).
pub fn build_ours_release(require_ebpf: bool) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "-p",
        "sentinel-cli",
        "--bin",
        "sentinel",
    ]);
    if require_ebpf {
        cmd.env("SENTINEL_EBPF_REQUIRED", "1");
    }
    run(&mut cmd).map_err(|e| {
        e.context("building our sentinel failed (use --reference to run the stock one)")
    })?;
    Ok(target_dir().join("release/sentinel"))
}

/// Fails with a hint when the stock redis binaries are missing.
pub fn require_redis() -> Result<()> {
    for p in [REDIS_SERVER, REFERENCE] {
        if !Path::new(p).is_file() {
            bail!(
                "{p} is missing: run `cargo xtask setup` (or apt-get install redis-server redis-sentinel)"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_binary_choices() {
        let a = args(&["--sentinel-bin", "/x/s", "--reference", "--other"]);
        let mut i = 0;
        assert_eq!(
            Bin::parse(&a, &mut i).unwrap(),
            Some(Bin::Path("/x/s".into()))
        );
        assert_eq!(i, 1);
        i = 2;
        assert_eq!(Bin::parse(&a, &mut i).unwrap(), Some(Bin::Reference));
        i = 3;
        assert_eq!(Bin::parse(&a, &mut i).unwrap(), None);
        assert!(Bin::parse(&args(&["--sentinel-bin"]), &mut 0).is_err());
    }
}
