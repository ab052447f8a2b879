//! `cargo xtask itest [name]`: privileged integration tests (network namespaces, XDP). They need
//! root; without it they are skipped with a message saying so.
//!
//! Suites:
//! - `vip`: the XDP programs on synthetic frames through BPF_PROG_TEST_RUN
//!   (sentinel/vip/tests/{arp_responder,garp_writer}.rs) and the two-namespace veth test with
//!   arping (sentinel/vip/tests/veth_arping.rs), and re-adoption of pinned program and maps
//!   (sentinel/vip/tests/pinning.rs), and host setup: VIP on lo, ARP sysctls
//!   (sentinel/vip/tests/host_setup.rs), and the generic-mode fallback
//!   (sentinel/vip/tests/generic_fallback.rs).
//!
//! With no name, every suite runs (this is what `cargo xtask test` calls).

use std::process::Command;

use anyhow::{Result, bail};

use crate::util;

const SUITES: &[&str] = &["vip"];

pub fn run(args: &[String]) -> Result<()> {
    let selected: Vec<&str> = match args {
        [] => SUITES.to_vec(),
        names => {
            for name in names {
                if !SUITES.contains(&name.as_str()) {
                    bail!("unknown itest '{name}'; known: {}", SUITES.join(", "));
                }
            }
            names.iter().map(String::as_str).collect()
        }
    };
    if !is_root() {
        eprintln!(
            "itest: SKIPPED {} (needs root: CAP_BPF and CAP_NET_ADMIN for XDP and network \
             namespaces; rerun as root)",
            selected.join(", ")
        );
        return Ok(());
    }
    for suite in selected {
        match suite {
            "vip" => vip()?,
            other => bail!("itest '{other}' has no runner"),
        }
    }
    Ok(())
}

/// The privileged test binaries of sentinel/vip/tests/.
const VIP_TESTS: &[&str] = &[
    "arp_responder",
    "garp_writer",
    "veth_arping",
    "pinning",
    "host_setup",
    "generic_fallback",
];

fn vip() -> Result<()> {
    eprintln!("itest vip: {}", VIP_TESTS.join(", "));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(util::root())
        .args(["test", "-p", "sentinel-vip"])
        // Here the program must have been built (setup ran): a missing one is a failure, not
        // a skip.
        .env("SENTINEL_EBPF_REQUIRED", "1");
    for test in VIP_TESTS {
        cmd.args(["--test", test]);
    }
    util::run(&mut cmd)
}

/// Effective uid 0, from /proc/self/status (xtask has no libc dependency).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}
