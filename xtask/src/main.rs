//! `cargo xtask <task>`: the project's own tasks. Each task lives in its own module.

use std::process::ExitCode;

use anyhow::{Result, bail};

mod apt;
mod bench;
mod bench_stats;
mod bins;
mod compat;
mod compat_fetch;
mod demo;
mod deps;
mod ebpf;
mod events;
mod failover_bench;
mod fuzz;
mod itest;
mod mixed_group;
mod procs;
mod redis_group;
mod resp;
mod setup;
mod sim;
mod test;
mod test_certs;
mod toolchain;
mod util;
mod vip_bench;
mod vip_failover;
mod vip_net;

const USAGE: &str = "usage: cargo xtask <task> [args]

tasks:
  setup                      install what the project needs (apt, rustup toolchains, tools); idempotent
  test [--fuzz|--no-fuzz]    setup if needed, fmt check, dependency guard, clippy -D warnings,
  sim [--seeds N] [--start S] [--faults K]  seeded random-fault simulator runs with safety checks
                             all tests, a fuzz smoke (with --fuzz or CI set), itest
  fuzz <target> --seconds N  run a cargo-fuzz target (resp, request, info, hello, config);
                             N defaults to 60
  itest [name]               privileged netns/XDP tests (root; skipped with a message otherwise)
  bench <scenario> [--sentinel-bin PATH]... [--faults K] [--idle-s N] [--converge-s N] [--out DIR]
                             fleet + side-by-side detection/failover benchmark (benches/README.md)
  compat [--reference | --sentinel-bin PATH] [--single PATTERN]... [--tls] [--timeout SECS]
         [--dont-clean] [--ci]
                             the official Sentinel suite (Debian's redis 7.0.15 source package)
                             against a sentinel binary (default: ours, release build); --tls
                             runs it with every instance and client on TLS
  failover-bench [--trials N] [--mode sigstop|kill|both] [--sentinel-bin PATH]... [--reference]
                 [--down-after MS] [--keep-failed]
                             failover milestones (spec 4.4) per binary, side by side; JSON in
                             target/failover-bench/
  mixed-group [--ours PATH | --reference] [--keep]
                             2 of our sentinels + 1 redis-sentinel (--reference: 3 stock):
                             failovers led by each side and one unsteered; all must agree on
                             master and config-epoch
  vip-bench [--failovers N] [--mode xdp|script] [--reference | --sentinel-bin PATH]
                             (root) N failovers on the 3-host netns VIP setup, measured on the
                             wire: write gap, +switch-master to first ARP from the new host;
                             xdp: our VIP takeover; script: client-reconfig-script moving a
                             plain address; table in benches/results/vip-*.txt
  demo [--reference | --sentinel-bin PATH] [--keep]
                             a local group (1 master, 2 replicas, 3 sentinels) fails over after
                             SIGSTOP of its master: the event timeline and the new master
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
        "demo" => demo::run(&rest),
        "compat" => compat::run(&rest),
        "sim" => sim::run(&rest),
        "failover-bench" => failover_bench::run(&rest),
        "mixed-group" => mixed_group::run(&rest),
        "vip-bench" => vip_bench::run(&rest),
        "" | "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task '{other}'\n\n{USAGE}"),
    }
}
