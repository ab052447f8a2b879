//! `swarm --seeds N [--start S] [--faults K]`: seeded random fault runs with safety checks
//! (`cargo xtask sim` runs it). Exits 1 on the first violation, naming the seed.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: u64| -> Result<u64, String> {
        match args.iter().position(|a| a == name) {
            None => Ok(default),
            Some(i) => args
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a whole number")),
        }
    };
    let parsed = (
        flag("--seeds", 100),
        flag("--start", 1),
        flag("--faults", 12),
    );
    let (seeds, start, faults) = match parsed {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c as usize),
        (a, b, c) => {
            for e in [a.err(), b.err(), c.err()].into_iter().flatten() {
                eprintln!("swarm: {e}");
            }
            eprintln!("usage: swarm [--seeds N] [--start S] [--faults K]");
            return ExitCode::from(2);
        }
    };
    let (mut elections, mut switches, mut aborts) = (0, 0, 0);
    for seed in start..start + seeds {
        match sentinel_sim::swarm::run_seed(seed, faults) {
            Ok(s) => {
                elections += s.elections;
                switches += s.switches;
                aborts += s.aborts;
            }
            Err(e) => {
                eprintln!("swarm: VIOLATION {e}");
                eprintln!("swarm: reproduce with --seeds 1 --start {seed} --faults {faults}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "swarm: {seeds} seeds from {start}, {faults} faults each: no violation; \
         {elections} elections, {switches} +switch-master events, {aborts} aborted failovers"
    );
    ExitCode::SUCCESS
}
