//! The client-facing state the command surface keeps beside the instance model: sessions, ACL
//! users, the global options `SENTINEL CONFIG` changes, failure simulation flags, and the
//! process facts only the driver can know.

use std::collections::BTreeMap;

use crate::acl::Acl;
use crate::acl::log::AclLog;
use crate::action::ClientId;
use crate::rng::Prng;
use crate::sentinel::clients::Clients;

/// Facts about the process the sans-IO core cannot observe; the driver sets them with
/// `Sentinel::set_process_info` at start and may refresh them (CPU times, wall time) at any
/// moment, e.g. before handing over a batch of client commands.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessInfo {
    /// `os:` (`uname -s -r -m`).
    pub os: String,
    pub arch_bits: u32,
    pub process_id: u32,
    /// `process_supervised:`: `systemd` or `upstart` when one supervises the process, else
    /// `no`.
    pub supervised: &'static str,
    /// `run_id:` (Redis's per-process id, distinct from the sentinel's `myid`).
    pub run_id: String,
    /// The listening port (`tcp_port:`), also what `announce-port 0` falls back to.
    pub tcp_port: u16,
    /// Wall clock, microseconds since the Unix epoch (`server_time_usec:`).
    pub server_time_usec: u64,
    pub uptime_seconds: u64,
    pub executable: String,
    pub config_file: String,
    /// CPU seconds (self system, self user, children system, children user).
    pub used_cpu_sys: f64,
    pub used_cpu_user: f64,
    pub used_cpu_sys_children: f64,
    pub used_cpu_user_children: f64,
    pub multiplexing_api: String,
}

impl Default for ProcessInfo {
    fn default() -> ProcessInfo {
        ProcessInfo {
            os: "Linux".into(),
            arch_bits: 64,
            process_id: 0,
            supervised: "no",
            run_id: String::new(),
            tcp_port: 0,
            server_time_usec: 0,
            uptime_seconds: 0,
            executable: String::new(),
            config_file: String::new(),
            used_cpu_sys: 0.0,
            used_cpu_user: 0.0,
            used_cpu_sys_children: 0.0,
            used_cpu_user_children: 0.0,
            multiplexing_api: "io_uring".into(),
        }
    }
}

/// Global sentinel options `SENTINEL CONFIG SET/GET` reaches (besides `announce-ip`, which
/// lives in `SentinelParams`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SentinelOptions {
    pub resolve_hostnames: bool,
    pub announce_hostnames: bool,
    /// `announce-port`; 0 = announce the listening port.
    pub announce_port: u16,
    /// Credentials for links to other sentinels (`sentinel-user` / `sentinel-pass`).
    pub sentinel_user: Option<String>,
    pub sentinel_pass: Option<String>,
    /// `deny-scripts-reconfig` (Redis's default is yes).
    pub deny_scripts_reconfig: bool,
}

/// Everything above, as one field of `Sentinel`.
#[derive(Debug)]
pub(crate) struct Front {
    pub(crate) clients: Clients,
    pub(crate) acl: Acl,
    pub(crate) acl_log: AclLog,
    pub(crate) process: ProcessInfo,
    pub(crate) options: SentinelOptions,
    /// Says whether a script path exists and is executable (the driver supplies a real check;
    /// the default accepts every path).
    pub(crate) executable_check: fn(&str) -> bool,
    /// Resolves a hostname to an IP (the driver supplies it; the default resolves nothing).
    pub(crate) resolver: fn(&str) -> Option<String>,
    /// For `ACL GENPASS`.
    pub(crate) rng: Prng,
    /// The port peers reach us on (`ServerConfig::peer_port`), for `announce-port 0`.
    pub(crate) listen_port: u16,
    /// `requirepass` in clear: also what we send to other sentinels when `sentinel-pass` is
    /// not set (sentinel.c `sentinelSendAuthIfNeeded`).
    pub(crate) requirepass: Option<String>,
    /// `aclfile` as configured: where `ACL LOAD` and `ACL SAVE` go.
    pub(crate) aclfile: Option<String>,
    /// `ACL LOAD` / `ACL SAVE` waiting for the driver, by token.
    pub(crate) acl_file_ops: BTreeMap<u64, AclFileOp>,
    pub(crate) acl_file_token: u64,
    /// `protected-mode yes`: without a default-user password only local clients get in.
    pub(crate) protected_mode: bool,
}

/// An `ACL LOAD` or `ACL SAVE` the driver is carrying out.
#[derive(Debug)]
pub(crate) struct AclFileOp {
    pub(crate) client: ClientId,
    /// The file, as its errors name it.
    pub(crate) path: String,
}

fn accept_any(_: &str) -> bool {
    true
}

fn resolve_nothing(_: &str) -> Option<String> {
    None
}

impl Front {
    pub(crate) fn new(seed: u64, listen_port: u16) -> Front {
        Front {
            clients: Clients::default(),
            acl: Acl::default(),
            acl_log: AclLog::default(),
            process: ProcessInfo::default(),
            options: SentinelOptions {
                deny_scripts_reconfig: true,
                ..SentinelOptions::default()
            },
            executable_check: accept_any,
            resolver: resolve_nothing,
            rng: Prng::new(seed ^ 0x05ee_dac1_u64),
            listen_port,
            requirepass: None,
            aclfile: None,
            acl_file_ops: BTreeMap::new(),
            acl_file_token: 0,
            protected_mode: false,
        }
    }
}
