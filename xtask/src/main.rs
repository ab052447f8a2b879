//! `cargo xtask <task>`: the project's own tasks. Each task lives in its own module.

use std::process::ExitCode;

use anyhow::{Result, bail};

mod apt;
mod bench;
mod deps;
mod ebpf;
mod fuzz;
mod itest;
mod setup;
mod test;
mod toolchain;
mod util;

const USAGE: &str = "usage: cargo xtask <task> [args]

tasks:
  setup                      install what the project needs (apt, rustup toolchains, tools); idempotent
  test [--fuzz|--no-fuzz]    setup if needed, fmt check, dependency guard, clippy -D warnings,
                             all tests, a fuzz smoke (with --fuzz or CI set), itest
  fuzz <target> --seconds N  run a cargo-fuzz target (resp, request, info, hello, config);
                             N defaults to 60
  itest [name]               privileged netns/XDP tests (root; skipped with a message otherwise)
  bench <scenario> [--sentinel-bin PATH]... [--faults K] [--idle-s N] [--converge-s N] [--out DIR]
                             fleet + side-by-side detection/failover benchmark (benches/README.md)
  demo                       a local Redis group failing over, with the timeline (not yet: issue 3)
";

fn main() -> ExitCode {
    // Our own report rather than `Result` from main: no backtrace (RUST_BACKTRACE is often set),
    // just the failing step and its causes.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask failed: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match task.as_str() {
        "setup" => setup::run(&rest),
        "test" => test::run(&rest),
        "fuzz" => fuzz::run(&rest),
        "itest" => itest::run(&rest),
        "bench" => bench::run(&rest),
        "demo" => {
            bail!("`cargo xtask demo` arrives with the drop-in Sentinel issue; not implemented yet")
        }
        "" | "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task '{other}'\n\n{USAGE}"),
    }
}
