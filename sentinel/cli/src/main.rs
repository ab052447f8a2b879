//! `sentinel /path/to/sentinel.conf`: a drop-in replacement for `redis-sentinel`.
//!
//! Start-up follows redis-server in sentinel mode (server.c `main`, sentinel.c
//! `sentinelCheckConfigFile`, `sentinelIsRunning`): load the file, check it is writable, daemonize,
//! `chdir` to `dir`, open the log, write the pid file, make sure there is a `myid`, bind the
//! client port, start the shards, then wait for SIGTERM/SIGINT and shut down cleanly.

mod args;
mod bridge;
mod process;
mod shards;
mod startup;
mod vip;

use std::process::ExitCode;

fn main() -> ExitCode {
    // A panic in any thread (a shard, the persister) must take the process down rather than
    // leave a sentinel that answers nothing; print the report, then abort.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        std::process::abort();
    }));
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--xdp-pass") {
        return match vip::hold_pass(&argv[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    match args::parse(&argv) {
        args::Command::Version => {
            println!(
                "Sentinel v={} (Redis {} compatible) sha=00000000:0 malloc=libc bits=64",
                env!("CARGO_PKG_VERSION"),
                sentinel_core::config::REDIS_VERSION
            );
            ExitCode::SUCCESS
        }
        args::Command::Help => {
            eprintln!("{}", args::USAGE);
            ExitCode::SUCCESS
        }
        args::Command::Run(a) => match startup::run(&a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(startup::Fatal::Reported) => ExitCode::FAILURE,
            Err(startup::Fatal::Other(e)) => {
                eprintln!("{e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
