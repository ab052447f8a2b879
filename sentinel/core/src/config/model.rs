//! What a `sentinel.conf` says, once loaded: ordinary redis directives and sentinel state.

use std::net::Ipv4Addr;

/// Redis's `sentinel_default_down_after` (`SENTINEL_DEFAULT_DOWN_AFTER`).
pub const DEFAULT_DOWN_AFTER_MS: u64 = 30_000;
/// Redis's `SENTINEL_DEFAULT_FAILOVER_TIMEOUT`.
pub const DEFAULT_FAILOVER_TIMEOUT_MS: u64 = 180_000;
/// Redis's `SENTINEL_DEFAULT_PARALLEL_SYNCS`.
pub const DEFAULT_PARALLEL_SYNCS: u32 = 1;
/// The port a sentinel listens on when the file does not say (`REDIS_SENTINEL_PORT`).
pub const DEFAULT_SENTINEL_PORT: u16 = 26379;
/// Redis's default `maxclients`.
pub const DEFAULT_MAXCLIENTS: u32 = 10_000;
/// Gratuitous ARP frames sent on a VIP move when `sentinel vip` does not say.
pub const DEFAULT_GARP_COUNT: u32 = 3;

/// A whole `sentinel.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigFile {
    pub server: ServerConfig,
    pub sentinel: SentinelConfig,
}

/// `loglevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogLevel {
    Debug,
    Verbose,
    #[default]
    Notice,
    Warning,
}

impl LogLevel {
    /// The spelling in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Verbose => "verbose",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
        }
    }

    /// Parse a file spelling (case-insensitive, as Redis enum configs are).
    pub fn parse(s: &str) -> Option<LogLevel> {
        [
            LogLevel::Debug,
            LogLevel::Verbose,
            LogLevel::Notice,
            LogLevel::Warning,
        ]
        .into_iter()
        .find(|l| l.as_str().eq_ignore_ascii_case(s))
    }
}

/// `supervised`: how the process tells a supervisor it is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Supervised {
    #[default]
    No,
    Upstart,
    Systemd,
    /// Upstart if `UPSTART_JOB` is set, else systemd if `NOTIFY_SOCKET` is.
    Auto,
}

impl Supervised {
    /// Parses the file spelling (case-insensitive, as Redis enum configs are).
    pub fn parse(s: &str) -> Option<Supervised> {
        [
            ("upstart", Supervised::Upstart),
            ("systemd", Supervised::Systemd),
            ("auto", Supervised::Auto),
            ("no", Supervised::No),
        ]
        .into_iter()
        .find_map(|(name, v)| name.eq_ignore_ascii_case(s).then_some(v))
    }
}

/// The ordinary (non-`sentinel`) redis directives of the file. Empty strings are `None`, as
/// Redis treats them as unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub port: u16,
    /// `bind` addresses; empty = the Redis default (`* -::*`).
    pub bind: Vec<String>,
    /// Sentinel's default is `no` (unlike redis-server).
    pub protected_mode: bool,
    pub dir: Option<String>,
    pub logfile: Option<String>,
    pub loglevel: LogLevel,
    pub daemonize: bool,
    pub pidfile: Option<String>,
    pub requirepass: Option<String>,
    /// `user` lines, each as its argument vector (without the word `user`).
    pub users: Vec<Vec<String>>,
    pub aclfile: Option<String>,
    pub maxclients: u32,
    /// Every other legal redis directive, in file order, kept verbatim so that a rewrite writes
    /// it back unchanged: (lowercased name, arguments). A single-value directive appears once,
    /// with its last value, where it first appeared; the few that accumulate (`rename-command`,
    /// `loadmodule`, `client-output-buffer-limit`) keep every line.
    pub other: Vec<(String, Vec<String>)>,
}

impl ServerConfig {
    /// `supervised` (validated at load; `no` when absent; the last one given wins).
    pub fn supervised(&self) -> Supervised {
        self.other
            .iter()
            .rev()
            .find(|(n, _)| n == "supervised")
            .and_then(|(_, args)| args.first())
            .and_then(|v| Supervised::parse(v))
            .unwrap_or_default()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            port: DEFAULT_SENTINEL_PORT,
            bind: Vec::new(),
            protected_mode: false,
            dir: None,
            logfile: None,
            loglevel: LogLevel::Notice,
            daemonize: false,
            pidfile: None,
            requirepass: None,
            users: Vec::new(),
            aclfile: None,
            maxclients: DEFAULT_MAXCLIENTS,
            other: Vec::new(),
        }
    }
}

impl ServerConfig {
    /// The last value of an ordinary directive kept verbatim in [`ServerConfig::other`].
    pub fn other_value(&self, name: &str) -> Option<&str> {
        self.other
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, args)| args.first())
            .map(String::as_str)
    }

    /// `unixsocket`: the path to listen on for clients too, when set (and not empty).
    pub fn unixsocket(&self) -> Option<&str> {
        self.other_value("unixsocket").filter(|p| !p.is_empty())
    }

    /// `unixsocketperm` (validated at load; 0, the default, leaves the umask's mode).
    pub fn unixsocketperm(&self) -> u32 {
        self.other_value("unixsocketperm")
            .and_then(|v| super::server::parse_octal_perm(v).ok())
            .unwrap_or(0)
    }

    /// `bind-source-addr`: the address outgoing links are bound to, when it is an IP.
    pub fn bind_source_addr(&self) -> Option<std::net::IpAddr> {
        self.other_value("bind-source-addr")?.parse().ok()
    }
}

/// The global `sentinel ...` settings and state, and the monitored masters in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentinelConfig {
    /// 40 characters; `None` until the driver generates one at first start.
    pub myid: Option<String>,
    /// The highest of `current-epoch` and every master's `config-epoch`.
    pub current_epoch: u64,
    pub announce_ip: Option<String>,
    /// 0 = unset.
    pub announce_port: u16,
    pub deny_scripts_reconfig: bool,
    pub resolve_hostnames: bool,
    pub announce_hostnames: bool,
    pub sentinel_user: Option<String>,
    pub sentinel_pass: Option<String>,
    pub masters: Vec<MasterConfig>,
}

impl Default for SentinelConfig {
    fn default() -> Self {
        SentinelConfig {
            myid: None,
            current_epoch: 0,
            announce_ip: None,
            announce_port: 0,
            deny_scripts_reconfig: true,
            resolve_hostnames: false,
            announce_hostnames: false,
            sentinel_user: None,
            sentinel_pass: None,
            masters: Vec::new(),
        }
    }
}

impl SentinelConfig {
    /// The master called `name`, if monitored.
    pub fn master(&self, name: &str) -> Option<&MasterConfig> {
        self.masters.iter().find(|m| m.name == name)
    }

    /// The master called `name`, mutably.
    pub fn master_mut(&mut self, name: &str) -> Option<&mut MasterConfig> {
        self.masters.iter_mut().find(|m| m.name == name)
    }
}

/// A replica address remembered across restarts (`sentinel known-replica`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownReplica {
    pub host: String,
    pub port: u16,
}

/// Another sentinel remembered across restarts (`sentinel known-sentinel`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownSentinel {
    pub host: String,
    pub port: u16,
    pub runid: String,
}

/// Our own directive `sentinel vip <name> <ipv4> <interface> [lease-ms] [garp-count]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VipConfig {
    pub addr: Ipv4Addr,
    pub interface: String,
    /// `None`: half of the master's down-after.
    pub lease_ms: Option<u64>,
    /// `None`: [`DEFAULT_GARP_COUNT`]. Only written when `lease_ms` is set too (positional).
    pub garp_count: Option<u32>,
}

impl VipConfig {
    /// The ownership lease for a master with this down-after period.
    pub fn effective_lease_ms(&self, down_after_ms: u64) -> u64 {
        self.lease_ms.unwrap_or(down_after_ms / 2)
    }

    /// How many gratuitous ARP frames announce a move.
    pub fn effective_garp_count(&self) -> u32 {
        self.garp_count.unwrap_or(DEFAULT_GARP_COUNT)
    }
}

/// One monitored master and everything the file says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterConfig {
    pub name: String,
    /// An IP address, or a hostname when `resolve-hostnames yes`.
    pub host: String,
    pub port: u16,
    pub quorum: u32,
    pub down_after_ms: u64,
    pub failover_timeout_ms: u64,
    pub parallel_syncs: u32,
    pub notification_script: Option<String>,
    pub client_reconfig_script: Option<String>,
    pub auth_pass: Option<String>,
    pub auth_user: Option<String>,
    /// `(command, renamed)` in file order; commands are unique (case-insensitively).
    pub rename_commands: Vec<(String, String)>,
    /// 0 = disabled.
    pub master_reboot_down_after_period_ms: u64,
    pub config_epoch: u64,
    pub leader_epoch: u64,
    pub known_replicas: Vec<KnownReplica>,
    pub known_sentinels: Vec<KnownSentinel>,
    /// Ours: `sentinel ping-period`. `None`: see [`MasterConfig::effective_ping_period_ms`].
    pub ping_period_ms: Option<u64>,
    /// Ours: `sentinel vip`.
    pub vip: Option<VipConfig>,
}

impl MasterConfig {
    /// A master as `sentinel monitor` creates it: everything else at its default.
    pub fn new(name: &str, host: &str, port: u16, quorum: u32) -> MasterConfig {
        MasterConfig {
            name: name.to_owned(),
            host: host.to_owned(),
            port,
            quorum,
            down_after_ms: DEFAULT_DOWN_AFTER_MS,
            failover_timeout_ms: DEFAULT_FAILOVER_TIMEOUT_MS,
            parallel_syncs: DEFAULT_PARALLEL_SYNCS,
            notification_script: None,
            client_reconfig_script: None,
            auth_pass: None,
            auth_user: None,
            rename_commands: Vec::new(),
            master_reboot_down_after_period_ms: 0,
            config_epoch: 0,
            leader_epoch: 0,
            known_replicas: Vec::new(),
            known_sentinels: Vec::new(),
            ping_period_ms: None,
            vip: None,
        }
    }

    /// The health-check period: the configured one, else a quarter of min(down-after, 1000 ms)
    /// (never 0).
    pub fn effective_ping_period_ms(&self) -> u64 {
        self.ping_period_ms
            .unwrap_or_else(|| (self.down_after_ms.min(1000) / 4).max(1))
    }
}
