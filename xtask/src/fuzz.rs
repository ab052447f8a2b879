//! `cargo xtask fuzz <target> [--seconds N]`: runs one cargo-fuzz target of sentinel-core on the
//! pinned nightly, starting from the committed seeds. Also the short smoke `cargo xtask test`
//! runs in CI.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::toolchain::{self, NIGHTLY};
use crate::util::{self, Step, cargo, cargo_on, on_path, root};

/// The fuzz targets, one per parser; each calls the `fuzz*` entry of its sentinel-core module.
pub const TARGETS: &[&str] = &["resp", "request", "info", "hello", "config", "aclfile"];

const USAGE: &str =
    "usage: cargo xtask fuzz <resp|request|info|hello|config|aclfile> [--seconds N]";

pub fn run(args: &[String]) -> Result<()> {
    let (target, seconds) = parse(args)?;
    ensure_tools()?;
    run_target(&target, seconds)
}

fn parse(args: &[String]) -> Result<(String, u64)> {
    let mut target = None;
    let mut seconds = 60;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = match a.as_str() {
            "--seconds" => Some(it.next().context(USAGE)?.as_str()),
            s => s.strip_prefix("--seconds="),
        };
        match value {
            Some(v) => seconds = v.parse().with_context(|| format!("bad --seconds '{v}'"))?,
            None if a.starts_with('-') || target.is_some() => bail!("unexpected '{a}'\n{USAGE}"),
            None => target = Some(a.clone()),
        }
    }
    let target = target.context(USAGE)?;
    if !TARGETS.contains(&target.as_str()) {
        bail!("unknown fuzz target '{target}'\n{USAGE}");
    }
    Ok((target, seconds))
}

/// The pinned nightly and cargo-fuzz, installed if missing.
pub fn ensure_tools() -> Result<()> {
    let tc = toolchain::missing();
    if tc.nightly || tc.nightly_rust_src {
        toolchain::install(&tc)?;
    }
    if !on_path("cargo-fuzz") {
        eprintln!("cargo-fuzz is missing: installing it from crates.io (about a minute)");
        util::run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}

/// Every target for `seconds` each: one build of all targets, then one run per target.
pub fn smoke(seconds: u64) -> Result<()> {
    ensure_tools()?;
    let step = Step::new("fuzz build (nightly, ASan)");
    util::run(fuzz_cmd().args(["fuzz", "build", "--debug-assertions"]))?;
    step.done();
    for target in TARGETS {
        run_target(target, seconds).with_context(|| format!("fuzz target '{target}' failed"))?;
    }
    Ok(())
}

fn run_target(target: &str, seconds: u64) -> Result<()> {
    let step = Step::new(&format!("fuzz {target} for {seconds} s"));
    let corpus = seed_corpus(target)?;
    util::run(
        fuzz_cmd()
            .args(["fuzz", "run", "--debug-assertions", target])
            .arg(&corpus)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1"),
    )
    .with_context(|| {
        format!(
            "crash inputs, if any, are in {}",
            fuzz_dir().join("artifacts").join(target).display()
        )
    })?;
    step.done();
    Ok(())
}

fn fuzz_dir() -> PathBuf {
    root().join("sentinel/core/fuzz")
}

/// `cargo +nightly fuzz` from sentinel/core (cargo-fuzz looks for `fuzz/` under the crate), with
/// the fuzz crate's own target directory so that a CARGO_TARGET_DIR set for the workspace does
/// not mix ASan builds into it.
fn fuzz_cmd() -> std::process::Command {
    let mut cmd = cargo_on(NIGHTLY, &root().join("sentinel/core"));
    cmd.env("CARGO_TARGET_DIR", fuzz_dir().join("target"));
    cmd
}

/// Copies the committed seeds of `target` into its (ignored) corpus directory.
fn seed_corpus(target: &str) -> Result<PathBuf> {
    let seeds = fuzz_dir().join("seeds").join(target);
    let corpus = fuzz_dir().join("corpus").join(target);
    std::fs::create_dir_all(&corpus).with_context(|| format!("creating {}", corpus.display()))?;
    for entry in
        std::fs::read_dir(&seeds).with_context(|| format!("reading {}", seeds.display()))?
    {
        let entry = entry?;
        std::fs::copy(entry.path(), corpus.join(entry.file_name()))
            .with_context(|| format!("copying {}", entry.path().display()))?;
    }
    Ok(corpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_target_and_seconds() {
        assert_eq!(parse(&args("resp")).unwrap(), ("resp".into(), 60));
        assert_eq!(
            parse(&args("info --seconds 10")).unwrap(),
            ("info".into(), 10)
        );
        assert_eq!(
            parse(&args("--seconds=5 hello")).unwrap(),
            ("hello".into(), 5)
        );
        assert!(parse(&args("nope")).is_err());
        assert!(parse(&args("resp config")).is_err());
        assert!(parse(&args("resp --seconds")).is_err());
        assert!(parse(&args("")).is_err());
    }

    #[test]
    fn every_target_has_seeds_and_a_source() {
        for t in TARGETS {
            let seeds = fuzz_dir().join("seeds").join(t);
            assert!(std::fs::read_dir(&seeds).unwrap().count() > 0, "{t}");
            assert!(
                fuzz_dir().join(format!("fuzz_targets/{t}.rs")).is_file(),
                "{t}"
            );
        }
    }
}
