//! `cargo xtask sim [--seeds N] [--start S] [--faults K]`: seeded random-fault runs of the
//! simulator with the safety checks after every step (the `swarm` binary of sentinel-sim).

use anyhow::Result;

use crate::util::{self, root};

/// Seeds `cargo xtask test` runs in CI.
pub const CI_SEEDS: u32 = 150;

pub fn run(args: &[String]) -> Result<()> {
    let mut cmd =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root())
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "sentinel-sim",
            "--bin",
            "swarm",
            "--",
        ])
        .args(args);
    util::run(&mut cmd)
}
