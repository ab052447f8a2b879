//! Scenario files (TOML): the fleet's shape, the sentinels' settings and the benchmark's plan.
//!
//! Addressing: instance `k` of a fleet with prefix `p` listens on `127.p.(k / 250).(k % 250 + 1)`
//! at `fleet.port`. Master group `g` is instances `g·(R+1)` (the master as configured) and the
//! `R` after it (its replicas). One address per instance keeps every instance on the same port
//! and spreads the sentinels' connections over many 4-tuples.

use std::net::Ipv4Addr;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// Instances one address prefix can hold (`250 × 256`).
pub const INSTANCES_MAX: usize = 250 * 256;
/// Sentinels per binary (their ports are `port + 100·b + s`).
pub const SENTINELS_MAX: usize = 99;
/// Binaries one benchmark run compares (fleet prefixes 127.10 ... and sentinel port blocks).
pub const BINARIES_MAX: usize = 8;
/// File descriptors a worker may use; the hard limit here is 20,000 per process.
pub const WORKER_FDS_MAX: usize = 18_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub fleet: FleetSpec,
    #[serde(default)]
    pub sentinels: SentinelSpec,
    #[serde(default)]
    pub run: RunSpec,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetSpec {
    /// Master groups.
    pub masters: usize,
    /// Replicas per master.
    #[serde(default = "one")]
    pub replicas: usize,
    /// The port every instance listens on (each at its own address).
    #[serde(default = "default_fleet_port")]
    pub port: u16,
    /// Worker processes; 0 = as many as the fd limit needs for `sentinels.count` sentinels.
    #[serde(default)]
    pub workers: usize,
    /// Pad INFO with the other sections a real redis-server sends (~3 KB), so sentinels parse
    /// replies of a realistic size.
    #[serde(default = "yes")]
    pub info_padding: bool,
    /// `requirepass` of every instance; empty = none.
    #[serde(default)]
    pub requirepass: String,
    /// Seed of run ids and replication ids.
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// Faults the fleet applies by itself (standalone runs).
    #[serde(default)]
    pub schedule: Vec<ScheduledFault>,
}

/// A fault applied `at_ms` after the fleet is ready: a control command line such as
/// `freeze m3` or `slow m2r0 200`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledFault {
    pub at_ms: u64,
    pub command: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentinelSpec {
    #[serde(default = "three")]
    pub count: usize,
    #[serde(default = "two")]
    pub quorum: usize,
    #[serde(default = "default_down_after")]
    pub down_after_ms: u64,
    #[serde(default = "default_failover_timeout")]
    pub failover_timeout_ms: u64,
    #[serde(default = "one")]
    pub parallel_syncs: usize,
    /// First sentinel port; binary `b`'s sentinel `s` listens on `port + 100·b + s`.
    #[serde(default = "default_sentinel_port")]
    pub port: u16,
}

impl Default for SentinelSpec {
    fn default() -> SentinelSpec {
        SentinelSpec {
            count: 3,
            quorum: 2,
            down_after_ms: default_down_after(),
            failover_timeout_ms: default_failover_timeout(),
            parallel_syncs: 1,
            port: default_sentinel_port(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Give up waiting for convergence after this long.
    #[serde(default = "default_converge_timeout")]
    pub converge_timeout_s: u64,
    /// Idle measurement window after convergence (CPU, RSS, client latency).
    #[serde(default = "default_idle")]
    pub idle_s: u64,
    /// Faults injected (each on a different master group; at most `fleet.masters`).
    #[serde(default = "default_faults")]
    pub faults: usize,
    /// `freeze` (like SIGSTOP) or `kill` (close and refuse).
    #[serde(default = "default_fault_kind")]
    pub fault: String,
    /// Gap between two fault injections.
    #[serde(default = "default_fault_gap")]
    pub fault_gap_ms: u64,
    /// After the last injection, wait at most this long for every `+switch-master`.
    #[serde(default = "default_fault_timeout")]
    pub fault_timeout_s: u64,
}

impl Default for RunSpec {
    fn default() -> RunSpec {
        RunSpec {
            converge_timeout_s: default_converge_timeout(),
            idle_s: default_idle(),
            faults: default_faults(),
            fault: default_fault_kind(),
            fault_gap_ms: default_fault_gap(),
            fault_timeout_s: default_fault_timeout(),
        }
    }
}

fn one() -> usize {
    1
}
fn two() -> usize {
    2
}
fn three() -> usize {
    3
}
fn one_u64() -> u64 {
    1
}
fn yes() -> bool {
    true
}
fn default_fleet_port() -> u16 {
    6379
}
fn default_sentinel_port() -> u16 {
    26379
}
fn default_down_after() -> u64 {
    1000
}
fn default_failover_timeout() -> u64 {
    180_000
}
fn default_converge_timeout() -> u64 {
    120
}
fn default_idle() -> u64 {
    10
}
fn default_faults() -> usize {
    5
}
fn default_fault_kind() -> String {
    "freeze".into()
}
fn default_fault_gap() -> u64 {
    2000
}
fn default_fault_timeout() -> u64 {
    30
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Scenario> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Scenario::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Scenario> {
        let s: Scenario = toml::from_str(text)?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<()> {
        let f = &self.fleet;
        if f.masters == 0 {
            bail!("fleet.masters must be at least 1");
        }
        if self.instances() > INSTANCES_MAX {
            bail!(
                "{} instances do not fit one address prefix (at most {INSTANCES_MAX})",
                self.instances()
            );
        }
        if f.port == 0 || self.sentinels.port == 0 {
            bail!("ports must be non-zero");
        }
        if self.sentinels.count == 0 || self.sentinels.quorum == 0 {
            bail!("sentinels.count and sentinels.quorum must be at least 1");
        }
        if self.sentinels.count > SENTINELS_MAX {
            bail!("sentinels.count must be at most {SENTINELS_MAX}");
        }
        // Binary b's sentinel s listens on port + 100·b + s.
        if usize::from(self.sentinels.port) + 100 * BINARIES_MAX > usize::from(u16::MAX) {
            bail!("sentinels.port must leave room for {BINARIES_MAX} binaries (≤ 64,735)");
        }
        if !matches!(self.run.fault.as_str(), "freeze" | "kill") {
            bail!("run.fault must be \"freeze\" or \"kill\"");
        }
        Ok(())
    }

    /// Emulated instances: masters and their replicas.
    pub fn instances(&self) -> usize {
        self.fleet
            .masters
            .saturating_mul(self.fleet.replicas.saturating_add(1))
    }

    /// Faults injected: `run.faults`, at most one per master group.
    pub fn faults(&self) -> usize {
        self.run.faults.min(self.fleet.masters)
    }

    /// Instances per master group.
    pub fn group_size(&self) -> usize {
        self.fleet.replicas + 1
    }

    /// Worker processes: the configured count, or enough that each stays under the fd limit
    /// with a listener plus two links from each sentinel per instance.
    pub fn workers(&self) -> usize {
        if self.fleet.workers > 0 {
            return self.fleet.workers.min(self.fleet.masters);
        }
        let fds_per_instance = 1 + 2 * self.sentinels.count + 1;
        let fds = self.instances() * fds_per_instance;
        fds.div_ceil(WORKER_FDS_MAX).clamp(1, self.fleet.masters)
    }
}

/// The address of instance `index` in the fleet with address prefix `prefix`.
pub fn instance_ip(prefix: u8, index: usize) -> Ipv4Addr {
    let third = (index / 250) as u8;
    let fourth = (index % 250) as u8 + 1;
    Ipv4Addr::new(127, prefix, third, fourth)
}

/// The instance index at `ip`, if `ip` is one of this prefix's addresses.
pub fn instance_index(prefix: u8, ip: Ipv4Addr) -> Option<usize> {
    let o = ip.octets();
    if o[0] != 127 || o[1] != prefix || o[3] == 0 || o[3] > 250 {
        return None;
    }
    Some(o[2] as usize * 250 + o[3] as usize - 1)
}

/// The control-command name of an instance: `m<g>` for a group's configured master, `m<g>r<j>`
/// for its replicas.
pub fn instance_name(group_size: usize, index: usize) -> String {
    let g = index / group_size;
    match index % group_size {
        0 => format!("m{g}"),
        j => format!("m{g}r{}", j - 1),
    }
}

/// Parses `m<g>` / `m<g>r<j>` back to an instance index.
pub fn parse_instance_name(group_size: usize, name: &str) -> Option<usize> {
    let rest = name.strip_prefix('m')?;
    let (g, j) = match rest.split_once('r') {
        Some((g, j)) => (g.parse::<usize>().ok()?, j.parse::<usize>().ok()? + 1),
        None => (rest.parse::<usize>().ok()?, 0),
    };
    if j >= group_size {
        return None;
    }
    g.checked_mul(group_size)?.checked_add(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        for k in [0, 1, 249, 250, 251, 9999, INSTANCES_MAX - 1] {
            let ip = instance_ip(7, k);
            assert_eq!(instance_index(7, ip), Some(k), "{ip}");
        }
        assert_eq!(instance_ip(1, 0), Ipv4Addr::new(127, 1, 0, 1));
        assert_eq!(instance_index(2, instance_ip(1, 5)), None);
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(instance_name(2, 0), "m0");
        assert_eq!(instance_name(2, 3), "m1r0");
        for k in 0..12 {
            assert_eq!(parse_instance_name(3, &instance_name(3, k)), Some(k));
        }
        assert_eq!(parse_instance_name(2, "m1r1"), None);
        assert_eq!(parse_instance_name(2, "x1"), None);
        assert_eq!(parse_instance_name(2, "m"), None);
    }

    #[test]
    fn workers_follow_the_fd_limit() {
        let s = Scenario::parse("name='x'\n[fleet]\nmasters=5000\nreplicas=1\n").unwrap();
        // 10,000 instances × (1 + 6 + 1) fds = 80,000 → 5 workers of at most 18,000.
        assert_eq!(s.workers(), 5);
        let s = Scenario::parse("name='x'\n[fleet]\nmasters=5\n").unwrap();
        assert_eq!(s.workers(), 1);
    }

    #[test]
    fn bad_scenarios_are_refused() {
        assert!(Scenario::parse("name='x'\n[fleet]\nmasters=0\n").is_err());
        assert!(Scenario::parse("name='x'\n[fleet]\nmasters=1\nbogus=1\n").is_err());
        assert!(Scenario::parse("name='x'\n[fleet]\nmasters=1\n[run]\nfault='melt'\n").is_err());
        assert!(Scenario::parse("name='x'\n[fleet]\nmasters=1\n[sentinels]\ncount=100\n").is_err());
        assert!(
            Scenario::parse("name='x'\n[fleet]\nmasters=1\n[sentinels]\nport=65000\n").is_err()
        );
    }
}
