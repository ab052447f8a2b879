//! Debian packages the project uses: checked with dpkg-query, installed with apt-get.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::util::{probe, run};

/// redis-server/redis-sentinel 7.0 and tcl8.6 (with tcl-tls and openssl for the TLS run) for
/// the compatibility runs; iproute2, arping,
/// tcpdump, ethtool and bpftool for the VIP tests in network namespaces.
pub const PACKAGES: &[&str] = &[
    "redis-server",
    "redis-sentinel",
    "redis-tools",
    "tcl8.6",
    "tcl-tls",
    "openssl",
    "iproute2",
    "arping",
    "tcpdump",
    "ethtool",
    "bpftool",
];

/// The packages of `PACKAGES` that dpkg does not list as installed.
pub fn missing() -> Vec<&'static str> {
    // dpkg-query exits 1 when some name is unknown, yet lists the others: read stdout anyway.
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${Package} ${db:Status-Abbrev}\n"])
        .args(PACKAGES)
        .stderr(std::process::Stdio::null())
        .output();
    let listed = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    not_installed(&listed, PACKAGES)
}

fn not_installed(listed: &str, wanted: &[&'static str]) -> Vec<&'static str> {
    let installed: Vec<&str> = listed
        .lines()
        .filter_map(|l| {
            let (name, status) = l.split_once(' ')?;
            status.starts_with("ii").then_some(name)
        })
        .collect();
    wanted
        .iter()
        .copied()
        .filter(|p| !installed.contains(p))
        .collect()
}

/// Installs `pkgs` (root only): `apt-get update` once, install, and on failure
/// `apt-get install -f` and one retry (the image deletes downloaded .debs after each dpkg run,
/// which can break an install half way). Leaves no redis service running.
pub fn install(pkgs: &[&str]) -> Result<()> {
    let _no_autostart = PolicyRcD::install()?;
    if let Err(e) = run(apt().arg("update")) {
        eprintln!("warning: apt-get update failed ({e:#}); trying the install anyway");
    }
    let try_install = || {
        run(apt()
            .args(["install", "-y", "--no-install-recommends"])
            .args(pkgs))
    };
    if let Err(e) = try_install() {
        eprintln!(
            "apt-get install failed ({e:#}); repairing with `apt-get install -f` and retrying"
        );
        run(apt().args(["install", "-f", "-y"]))?;
        try_install().context("apt-get install failed twice")?;
    }
    stop_services();
    Ok(())
}

fn apt() -> Command {
    let mut cmd = Command::new("apt-get");
    // Other sessions on the same machine may hold the dpkg lock for a while: wait for it.
    cmd.args(["-o", "DPkg::Lock::Timeout=600", "-q"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(std::process::Stdio::null());
    cmd
}

/// The packages' services must not stay up: a stock sentinel on 26379 (or a server on 6379)
/// would answer the tests in place of the instances they start themselves.
fn stop_services() {
    let systemd = Path::new("/run/systemd/system").exists();
    for svc in ["redis-sentinel", "redis-server"] {
        if systemd {
            let _ = probe(Command::new("systemctl").args(["disable", "--now", svc]));
            continue;
        }
        let script = format!("/etc/init.d/{svc}");
        let running =
            Path::new(&script).exists() && probe(Command::new(&script).arg("status")).is_some();
        if running {
            eprintln!("stopping the {svc} service the package started");
            let _ = probe(Command::new(&script).arg("stop"));
        }
    }
}

/// Debian's way to keep maintainer scripts from starting services: a policy-rc.d that exits
/// 101. Container images usually ship one; where it is absent we add it for the install only.
struct PolicyRcD(Option<&'static str>);

impl PolicyRcD {
    const PATH: &'static str = "/usr/sbin/policy-rc.d";

    fn install() -> Result<PolicyRcD> {
        if Path::new(Self::PATH).exists() {
            return Ok(PolicyRcD(None));
        }
        std::fs::write(
            Self::PATH,
            "#!/bin/sh\n# added by cargo xtask setup for one install\nexit 101\n",
        )
        .with_context(|| format!("writing {}", Self::PATH))?;
        std::fs::set_permissions(Self::PATH, std::fs::Permissions::from_mode(0o755))?;
        Ok(PolicyRcD(Some(Self::PATH)))
    }
}

impl Drop for PolicyRcD {
    fn drop(&mut self) {
        if let Some(path) = self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ii_counts_as_installed() {
        let listed = "redis-server ii \ntcl8.6 rc \narping un \n";
        let wanted = &["redis-server", "tcl8.6", "arping", "bpftool"];
        assert_eq!(
            not_installed(listed, wanted),
            ["tcl8.6", "arping", "bpftool"]
        );
    }
}
