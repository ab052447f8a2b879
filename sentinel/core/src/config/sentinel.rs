//! Applying the queued `sentinel ...` lines (`sentinel.c: sentinelHandleConfiguration`), in
//! Redis's three passes: pre-monitor globals, `monitor`, then everything else. Messages are
//! Redis's where it has one.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use super::ConfigError;
use super::model::{KnownReplica, KnownSentinel, MasterConfig, SentinelConfig, VipConfig};

/// Redis's catch-all for a sentinel line it does not understand.
pub(crate) const UNRECOGNIZED: &str = "Unrecognized sentinel configuration statement.";
const NO_SUCH_MASTER: &str = "No such master with specified name.";
const BAD_TIME: &str = "negative or zero time parameter.";
/// `CONFIG_RUN_ID_SIZE`.
pub const MYID_LEN: usize = 40;
/// Linux `IFNAMSIZ - 1`.
const IFNAME_MAX: usize = 15;

/// A `sentinel` line waiting for its pass: arguments after the word `sentinel`.
pub(crate) struct Queued {
    pub line: usize,
    pub text: String,
    pub args: Vec<String>,
}

/// Options the loader needs from the outside world.
pub struct LoadOptions<'a> {
    /// Whether a script path is executable (Redis: `access(path, X_OK)`); supplied by the driver.
    pub is_executable: &'a dyn Fn(&str) -> bool,
}

impl LoadOptions<'static> {
    /// Every script counts as executable: for tests, fuzzing and re-checking a rewrite.
    pub fn permissive() -> LoadOptions<'static> {
        LoadOptions {
            is_executable: &|_| true,
        }
    }
}

/// Directives applied before any `monitor` (`sentinel.c: queueSentinelConfig`).
const PRE_MONITOR: &[&str] = &[
    "announce-ip",
    "announce-port",
    "deny-scripts-reconfig",
    "sentinel-user",
    "sentinel-pass",
    "current-epoch",
    "myid",
    "resolve-hostnames",
    "announce-hostnames",
];

fn pass_of(args: &[String]) -> u8 {
    let sub = args[0].to_ascii_lowercase();
    if PRE_MONITOR.contains(&sub.as_str()) {
        0
    } else if sub == "monitor" {
        1
    } else {
        2
    }
}

/// Lookups that keep loading linear in the file size with thousands of masters.
#[derive(Default)]
struct Index {
    /// Master name → position in `masters`.
    masters: BTreeMap<String, usize>,
    /// VIP address → position of the master that carries it.
    vips: BTreeMap<Ipv4Addr, usize>,
}

/// Apply the queue in three passes, then check what needs the whole file (VIP leases).
pub(crate) fn apply_all(
    cfg: &mut SentinelConfig,
    queue: &[Queued],
    opts: &LoadOptions<'_>,
) -> Result<(), ConfigError> {
    let fail = |q: &Queued, reason: String| ConfigError {
        line: q.line,
        text: q.text.clone(),
        reason,
    };
    let mut index = Index::default();
    for pass in 0..3 {
        for q in queue.iter().filter(|q| pass_of(&q.args) == pass) {
            apply(cfg, &mut index, &q.args, opts).map_err(|r| fail(q, r))?;
        }
    }
    // The VIP lease must expire before the majority can declare the master down (design §7);
    // checked last since down-after may follow the vip line. A master's last vip line counts.
    let mut last_vip_line: BTreeMap<&str, &Queued> = BTreeMap::new();
    for q in queue {
        if q.args.len() >= 2 && q.args[0].eq_ignore_ascii_case("vip") {
            last_vip_line.insert(q.args[1].as_str(), q);
        }
    }
    let mut vip_lines: Vec<&Queued> = last_vip_line.into_values().collect();
    vip_lines.sort_by_key(|q| q.line);
    for q in vip_lines {
        if let Some(m) = index.masters.get(&q.args[1]).map(|&i| &cfg.masters[i])
            && let Some(vip) = &m.vip
            && vip.effective_lease_ms(m.down_after_ms) >= m.down_after_ms
        {
            return Err(fail(
                q,
                "VIP lease must be shorter than down-after-milliseconds.".into(),
            ));
        }
    }
    Ok(())
}

fn yes_no(v: &str, what: &str) -> Result<bool, String> {
    if v.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err(format!("Please specify yes or no for the {what} option."))
    }
}

fn number(v: &str) -> Result<u64, String> {
    v.parse()
        .map_err(|_| format!("Invalid argument '{v}', expected a non-negative integer."))
}

fn positive_ms(v: &str) -> Result<u64, String> {
    match v.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n.unsigned_abs()),
        _ => Err(BAD_TIME.into()),
    }
}

fn port(v: &str) -> Option<u16> {
    v.parse().ok()
}

fn non_empty(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_owned())
}

fn addr_ok(cfg_resolve: bool, host: &str) -> bool {
    (cfg_resolve && !host.is_empty()) || host.parse::<IpAddr>().is_ok()
}

fn apply(
    cfg: &mut SentinelConfig,
    index: &mut Index,
    args: &[String],
    opts: &LoadOptions<'_>,
) -> Result<(), String> {
    let sub = args[0].to_ascii_lowercase();
    let a = |i: usize| args[i].as_str();
    match (sub.as_str(), args.len()) {
        ("announce-ip", 2) => cfg.announce_ip = non_empty(a(1)),
        ("announce-port", 2) => {
            cfg.announce_port = port(a(1)).ok_or("Invalid port number.")?;
        }
        ("deny-scripts-reconfig", 2) => {
            cfg.deny_scripts_reconfig = yes_no(a(1), "deny-scripts-reconfig")?;
        }
        ("resolve-hostnames", 2) => cfg.resolve_hostnames = yes_no(a(1), "resolve-hostnames")?,
        ("announce-hostnames", 2) => {
            cfg.announce_hostnames = yes_no(a(1), "announce-hostnames")?;
        }
        ("sentinel-user", 2) => cfg.sentinel_user = non_empty(a(1)),
        ("sentinel-pass", 2) => cfg.sentinel_pass = non_empty(a(1)),
        ("current-epoch", 2) => cfg.current_epoch = cfg.current_epoch.max(number(a(1))?),
        ("myid", 2) => {
            if a(1).len() != MYID_LEN {
                return Err("Malformed Sentinel id in myid option.".into());
            }
            cfg.myid = Some(a(1).to_owned());
        }
        ("monitor", 5) => {
            let quorum = match a(4).parse::<i64>() {
                Ok(q) if q > 0 => u32::try_from(q).map_err(|_| "Invalid quorum.")?,
                _ => return Err("Quorum must be 1 or greater.".into()),
            };
            let port = port(a(3)).ok_or("Invalid port number.")?;
            if !addr_ok(cfg.resolve_hostnames, a(2)) {
                return Err("Can't resolve instance hostname.".into());
            }
            if index.masters.contains_key(a(1)) {
                return Err("Duplicate master name.".into());
            }
            index.masters.insert(a(1).to_owned(), cfg.masters.len());
            cfg.masters
                .push(MasterConfig::new(a(1), a(2), port, quorum));
        }
        (_, n) if n >= 2 => return apply_to_master(cfg, index, &sub, args, opts),
        _ => return Err(UNRECOGNIZED.into()),
    }
    Ok(())
}

/// The per-master directives: `<sub> <name> args...`.
fn apply_to_master(
    cfg: &mut SentinelConfig,
    index: &mut Index,
    sub: &str,
    args: &[String],
    opts: &LoadOptions<'_>,
) -> Result<(), String> {
    let argc = args.len();
    let known = matches!(
        (sub, argc),
        (
            "down-after-milliseconds" | "failover-timeout" | "parallel-syncs",
            3
        ) | ("notification-script" | "client-reconfig-script", 3)
            | (
                "auth-pass" | "auth-user" | "config-epoch" | "leader-epoch",
                3
            )
            | ("master-reboot-down-after-period" | "ping-period", 3)
            | ("known-slave" | "known-replica" | "rename-command", 4)
            | ("known-sentinel", 4 | 5)
            | ("vip", 4..=6)
    );
    if !known {
        return Err(UNRECOGNIZED.into());
    }
    let idx = *index.masters.get(&args[1]).ok_or(NO_SUCH_MASTER)?;
    let resolve = cfg.resolve_hostnames;
    let m = &mut cfg.masters[idx];
    let v = |i: usize| args[i].as_str();
    match sub {
        "down-after-milliseconds" => m.down_after_ms = positive_ms(v(2))?,
        "failover-timeout" => m.failover_timeout_ms = positive_ms(v(2))?,
        "ping-period" => m.ping_period_ms = Some(positive_ms(v(2))?),
        "parallel-syncs" => {
            m.parallel_syncs = u32::try_from(number(v(2))?)
                .map_err(|_| format!("Invalid argument '{}' for parallel-syncs.", v(2)))?;
        }
        "notification-script" => {
            if !(opts.is_executable)(v(2)) {
                return Err("Notification script seems non existing or non executable.".into());
            }
            m.notification_script = Some(v(2).to_owned());
        }
        "client-reconfig-script" => {
            if !(opts.is_executable)(v(2)) {
                return Err(
                    "Client reconfiguration script seems non existing or non executable.".into(),
                );
            }
            m.client_reconfig_script = Some(v(2).to_owned());
        }
        "auth-pass" => m.auth_pass = non_empty(v(2)),
        "auth-user" => m.auth_user = non_empty(v(2)),
        "config-epoch" => m.config_epoch = number(v(2))?,
        "leader-epoch" => m.leader_epoch = number(v(2))?,
        "master-reboot-down-after-period" => {
            m.master_reboot_down_after_period_ms = match v(2).parse::<i64>() {
                Ok(n) if n >= 0 => n.unsigned_abs(),
                Ok(_) => return Err("negative time parameter.".into()),
                Err(_) => return Err(number(v(2)).err().unwrap_or_default()),
            };
        }
        "known-slave" | "known-replica" => {
            let bad = "Wrong hostname or port for replica.";
            let port = port(v(3)).ok_or(bad)?;
            let dup = m
                .known_replicas
                .iter()
                .any(|r| r.host == v(2) && r.port == port);
            if !addr_ok(resolve, v(2)) || dup {
                return Err(bad.into());
            }
            m.known_replicas.push(KnownReplica {
                host: v(2).to_owned(),
                port,
            });
        }
        // The legacy form without a runid is ignored, as in Redis.
        "known-sentinel" if argc == 4 => {}
        "known-sentinel" => {
            let bad = "Wrong hostname or port for sentinel.";
            let port = port(v(3)).ok_or(bad)?;
            let dup = m.known_sentinels.iter().any(|s| s.runid == v(4));
            if !addr_ok(resolve, v(2)) || dup {
                return Err(bad.into());
            }
            m.known_sentinels.push(KnownSentinel {
                host: v(2).to_owned(),
                port,
                runid: v(4).to_owned(),
            });
        }
        "rename-command" => {
            // renamedCommandsDictType compares case-insensitively.
            if m.rename_commands
                .iter()
                .any(|(from, _)| from.eq_ignore_ascii_case(v(2)))
            {
                return Err("Same command renamed multiple times with rename-command.".into());
            }
            m.rename_commands.push((v(2).to_owned(), v(3).to_owned()));
        }
        _ => {
            let vip = parse_vip(&args[2..])?;
            if index.vips.get(&vip.addr).is_some_and(|&owner| owner != idx) {
                return Err("VIP address already used by another master.".into());
            }
            if let Some(old) = m.vip.replace(vip.clone()) {
                index.vips.remove(&old.addr);
            }
            index.vips.insert(vip.addr, idx);
        }
    }
    Ok(())
}

/// `<ipv4> <interface> [lease-ms] [garp-count]`.
fn parse_vip(args: &[String]) -> Result<VipConfig, String> {
    let addr = args[0]
        .parse::<Ipv4Addr>()
        .map_err(|_| "Invalid VIP address: must be an IPv4 address.")?;
    let interface = &args[1];
    let bad_if = interface.is_empty()
        || interface.len() > IFNAME_MAX
        || interface
            .bytes()
            .any(|b| b == b'/' || b == b':' || !b.is_ascii_graphic());
    if bad_if {
        return Err("Invalid network interface name for vip.".into());
    }
    let lease_ms = args.get(2).map(|l| positive_ms(l)).transpose()?;
    let garp_count = match args.get(3) {
        None => None,
        Some(g) => match g.parse::<u32>() {
            Ok(n @ 1..=100) => Some(n),
            _ => return Err("Invalid garp-count for vip: must be between 1 and 100.".into()),
        },
    };
    Ok(VipConfig {
        addr,
        interface: interface.clone(),
        lease_ms,
        garp_count,
    })
}
