//! Applying the queued `sentinel ...` lines (`sentinel.c: sentinelHandleConfiguration`), in
//! Redis's three passes: pre-monitor globals, `monitor`, then everything else. Messages are
//! Redis's where it has one.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::ConfigError;
use super::master::apply_to_master;
use super::model::{MasterConfig, SentinelConfig};
use super::values::{addr_ok, non_empty, number, port, yes_no};

/// Redis's catch-all for a sentinel line it does not understand.
pub(crate) const UNRECOGNIZED: &str = "Unrecognized sentinel configuration statement.";
/// `CONFIG_RUN_ID_SIZE`.
pub const MYID_LEN: usize = 40;

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
pub(crate) struct Index {
    /// Master name → position in `masters`.
    pub masters: BTreeMap<String, usize>,
    /// VIP address → position of the master that carries it.
    pub vips: BTreeMap<Ipv4Addr, usize>,
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
