//! The per-master `sentinel` directives (`sentinel <directive> <master> ...`), including our
//! own `ping-period` and `vip`.

use std::net::Ipv4Addr;

use super::model::{KnownReplica, KnownSentinel, SentinelConfig, VipConfig};
use super::sentinel::{Index, LoadOptions, UNRECOGNIZED};
use super::values::{addr_ok, non_empty, number, port, positive_ms};

const NO_SUCH_MASTER: &str = "No such master with specified name.";
/// Linux `IFNAMSIZ - 1`.
const IFNAME_MAX: usize = 15;

/// Whether `sub` takes `argc` words (counting `sub` itself); anything else is unrecognized.
fn arity_ok(sub: &str, argc: usize) -> bool {
    match sub {
        "down-after-milliseconds"
        | "failover-timeout"
        | "parallel-syncs"
        | "notification-script"
        | "client-reconfig-script"
        | "auth-pass"
        | "auth-user"
        | "config-epoch"
        | "leader-epoch"
        | "master-reboot-down-after-period"
        | "ping-period" => argc == 3,
        "known-slave" | "known-replica" | "rename-command" => argc == 4,
        "known-sentinel" => argc == 4 || argc == 5,
        "vip" => (4..=6).contains(&argc),
        _ => false,
    }
}

/// The per-master directives: `<sub> <name> args...`.
pub(crate) fn apply_to_master(
    cfg: &mut SentinelConfig,
    index: &mut Index,
    sub: &str,
    args: &[String],
    opts: &LoadOptions<'_>,
) -> Result<(), String> {
    let argc = args.len();
    if !arity_ok(sub, argc) {
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
