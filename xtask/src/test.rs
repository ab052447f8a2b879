//! `cargo xtask test [--fuzz|--no-fuzz]`: everything CI checks, in order, failing fast with the
//! failing step named. The fuzz smoke runs with `--fuzz` or when `CI` is set.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::util::{self, Step, cargo, root, show};
use crate::{deps, fuzz, itest, setup};

/// Seconds each fuzz target runs in the smoke.
const FUZZ_SMOKE_SECONDS: u64 = 12;

pub fn run(args: &[String]) -> Result<()> {
    // CI runs everything; a developer opts in to the slow parts.
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    let (mut fuzz, mut full) = (ci, ci);
    for a in args {
        match a.as_str() {
            "--fuzz" => fuzz = true,
            "--no-fuzz" => fuzz = false,
            "--full" => full = true,
            "--quick" => full = false,
            other => bail!(
                "unexpected '{other}'\nusage: cargo xtask test [--fuzz|--no-fuzz] [--full|--quick]"
            ),
        }
    }

    setup::ensure().context("step `setup` failed")?;
    step("fmt", || {
        util::run(cargo().args(["fmt", "--all", "--", "--check"]))?;
        // The fuzz crate is its own workspace: check its sources directly.
        let targets = root().join("sentinel/core/fuzz/fuzz_targets");
        let mut rustfmt = Command::new("rustfmt");
        rustfmt
            .current_dir(root())
            .args(["--check", "--edition", "2024"]);
        for t in fuzz::TARGETS {
            rustfmt.arg(targets.join(format!("{t}.rs")));
        }
        util::run(&mut rustfmt)
    })?;
    step("dependency guard", deps::check_core)?;
    step("clippy", || {
        util::run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    let mut counts = Counts::default();
    step("test", || {
        cargo_test(&["--workspace", "--all-targets"], &mut counts)?;
        cargo_test(&["--workspace", "--doc"], &mut counts)
    })?;
    if fuzz {
        step("fuzz smoke", || fuzz::smoke(FUZZ_SMOKE_SECONDS))?;
    } else {
        eprintln!("\n(fuzz smoke skipped: pass --fuzz, or set CI, to run it)");
    }
    if full {
        let seeds = crate::sim::CI_SEEDS.to_string();
        step("simulator swarm", || {
            crate::sim::run(&["--seeds".into(), seeds])
        })?;
        step("official Sentinel suite (compat)", crate::compat::ci)?;
        step(
            "official Sentinel suite over TLS (compat --tls)",
            crate::compat::ci_tls,
        )?;
    } else {
        eprintln!("\n(swarm and official suite skipped: pass --full, or set CI, to run them)");
    }
    step("itest", || itest::run(&[]))?;
    // One plain closing line for whoever reads the log.
    println!(
        "\ntests: {} passed, {} failed, {} skipped",
        counts.passed, counts.failed, counts.ignored
    );
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    let s = Step::new(name);
    f().with_context(|| format!("step `{name}` failed"))?;
    s.done();
    Ok(())
}

/// Runs `cargo test <args>`, passing its output through and adding up its `test result:` lines.
fn cargo_test(args: &[&str], counts: &mut Counts) -> Result<()> {
    let mut cmd = cargo();
    cmd.arg("test").args(args).stdout(Stdio::piped());
    eprintln!("+ {}", show(&cmd));
    let mut child = cmd
        .spawn()
        .with_context(|| format!("could not start {}", show(&cmd)))?;
    let stdout = child.stdout.take().context("no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        counts.add(&line);
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{}` failed: {status}", show(&cmd));
    }
    Ok(())
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Counts {
    /// Adds `test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; ...`.
    fn add(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split([';', '.']) {
            let mut words = part.split_whitespace();
            let (Some(n), Some(what)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_test_result_lines() {
        let mut c = Counts::default();
        c.add("test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        c.add("test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out");
        c.add("running 5 tests");
        assert_eq!(
            c,
            Counts {
                passed: 7,
                failed: 3,
                ignored: 1
            }
        );
    }
}
