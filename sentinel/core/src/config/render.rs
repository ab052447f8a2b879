//! The lines a [`ConfigFile`] is written as, each with its rewrite key, in the order Redis 7.0
//! generates them (`config.c: rewriteConfig`, `sentinel.c: rewriteConfigSentinelOption`).
//! Tunables are written only when they differ from the default; state always.

use super::model::{
    ConfigFile, DEFAULT_DOWN_AFTER_MS, DEFAULT_FAILOVER_TIMEOUT_MS, DEFAULT_MAXCLIENTS,
    DEFAULT_PARALLEL_SYNCS, DEFAULT_SENTINEL_PORT, LogLevel, MasterConfig, SentinelConfig,
    ServerConfig,
};
use super::tokens::{push_arg, push_quoted};

/// One rendered line and the key under which it replaces old lines.
pub(crate) struct Rendered {
    pub key: String,
    pub line: String,
}

/// Every sentinel sub-directive the rewrite owns (old lines with these keys are replaced or
/// dropped). `known-slave` is read as `known-replica`.
pub(crate) const SENTINEL_KEYS: &[&str] = &[
    "myid",
    "deny-scripts-reconfig",
    "resolve-hostnames",
    "announce-hostnames",
    "monitor",
    "down-after-milliseconds",
    "failover-timeout",
    "parallel-syncs",
    "notification-script",
    "client-reconfig-script",
    "auth-pass",
    "auth-user",
    "master-reboot-down-after-period",
    "ping-period",
    "vip",
    "config-epoch",
    "leader-epoch",
    "known-replica",
    "known-sentinel",
    "rename-command",
    "current-epoch",
    "announce-ip",
    "announce-port",
    "sentinel-user",
    "sentinel-pass",
];

#[derive(Default)]
struct Out(Vec<Rendered>);

impl Out {
    /// `words` are written bare; `args` bare when safe, else quoted.
    fn line(&mut self, key: &str, words: &[&str], args: &[&str]) {
        let mut line = words.join(" ");
        for a in args {
            line.push(' ');
            push_arg(&mut line, a);
        }
        self.0.push(Rendered {
            key: key.to_owned(),
            line,
        });
    }

    /// A Redis string config: always quoted (`sdscatrepr`).
    fn quoted(&mut self, name: &str, value: &str) {
        let mut line = format!("{name} ");
        push_quoted(&mut line, value);
        self.0.push(Rendered {
            key: name.to_owned(),
            line,
        });
    }

    fn sentinel(&mut self, sub: &str, args: &[&str]) {
        self.line(&format!("sentinel {sub}"), &["sentinel", sub], args);
    }
}

/// All lines of `cfg`, ordinary directives first.
pub(crate) fn render(cfg: &ConfigFile) -> Vec<Rendered> {
    let mut out = Out::default();
    server(&mut out, &cfg.server);
    sentinel(&mut out, &cfg.sentinel);
    out.0
}

fn server(out: &mut Out, s: &ServerConfig) {
    if s.port != DEFAULT_SENTINEL_PORT {
        out.line("port", &["port", &s.port.to_string()], &[]);
    }
    if !s.bind.is_empty() {
        let args: Vec<&str> = s.bind.iter().map(String::as_str).collect();
        out.line("bind", &["bind"], &args);
    }
    if s.protected_mode {
        out.line("protected-mode", &["protected-mode", "yes"], &[]);
    }
    if s.daemonize {
        out.line("daemonize", &["daemonize", "yes"], &[]);
    }
    if let Some(v) = &s.pidfile {
        out.quoted("pidfile", v);
    }
    if let Some(v) = &s.logfile {
        out.quoted("logfile", v);
    }
    if s.loglevel != LogLevel::Notice {
        out.line("loglevel", &["loglevel", s.loglevel.as_str()], &[]);
    }
    if let Some(v) = &s.dir {
        out.quoted("dir", v);
    }
    if s.maxclients != DEFAULT_MAXCLIENTS {
        out.line(
            "maxclients",
            &["maxclients", &s.maxclients.to_string()],
            &[],
        );
    }
    if let Some(v) = &s.requirepass {
        out.quoted("requirepass", v);
    }
    if let Some(v) = &s.aclfile {
        out.quoted("aclfile", v);
    }
    for (name, args) in &s.other {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        out.line(name, &[name], &args);
    }
    for user in &s.users {
        let args: Vec<&str> = user.iter().map(String::as_str).collect();
        out.line("user", &["user"], &args);
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn sentinel(out: &mut Out, s: &SentinelConfig) {
    if let Some(id) = &s.myid {
        out.sentinel("myid", &[id]);
    }
    if !s.deny_scripts_reconfig {
        out.sentinel("deny-scripts-reconfig", &["no"]);
    }
    if s.resolve_hostnames {
        out.sentinel("resolve-hostnames", &[yes_no(true)]);
    }
    if s.announce_hostnames {
        out.sentinel("announce-hostnames", &[yes_no(true)]);
    }
    for m in &s.masters {
        master(out, m);
    }
    out.sentinel("current-epoch", &[&s.current_epoch.to_string()]);
    if let Some(ip) = &s.announce_ip {
        // Redis writes announce-ip with sdscatrepr: always quoted.
        let mut line = String::from("sentinel announce-ip ");
        push_quoted(&mut line, ip);
        out.0.push(Rendered {
            key: "sentinel announce-ip".into(),
            line,
        });
    }
    if s.announce_port != 0 {
        out.sentinel("announce-port", &[&s.announce_port.to_string()]);
    }
    if let Some(u) = &s.sentinel_user {
        out.sentinel("sentinel-user", &[u]);
    }
    if let Some(p) = &s.sentinel_pass {
        out.sentinel("sentinel-pass", &[p]);
    }
}

fn master(out: &mut Out, m: &MasterConfig) {
    let n = m.name.as_str();
    let num = |v: u64| v.to_string();
    out.sentinel(
        "monitor",
        &[n, &m.host, &m.port.to_string(), &m.quorum.to_string()],
    );
    if m.down_after_ms != DEFAULT_DOWN_AFTER_MS {
        out.sentinel("down-after-milliseconds", &[n, &num(m.down_after_ms)]);
    }
    if m.failover_timeout_ms != DEFAULT_FAILOVER_TIMEOUT_MS {
        out.sentinel("failover-timeout", &[n, &num(m.failover_timeout_ms)]);
    }
    if m.parallel_syncs != DEFAULT_PARALLEL_SYNCS {
        out.sentinel("parallel-syncs", &[n, &m.parallel_syncs.to_string()]);
    }
    if let Some(p) = &m.notification_script {
        out.sentinel("notification-script", &[n, p]);
    }
    if let Some(p) = &m.client_reconfig_script {
        out.sentinel("client-reconfig-script", &[n, p]);
    }
    if let Some(p) = &m.auth_pass {
        out.sentinel("auth-pass", &[n, p]);
    }
    if let Some(u) = &m.auth_user {
        out.sentinel("auth-user", &[n, u]);
    }
    if m.master_reboot_down_after_period_ms != 0 {
        let v = num(m.master_reboot_down_after_period_ms);
        out.sentinel("master-reboot-down-after-period", &[n, &v]);
    }
    // Ours, next to the other tunables.
    if let Some(p) = m.ping_period_ms {
        out.sentinel("ping-period", &[n, &num(p)]);
    }
    if let Some(vip) = &m.vip {
        let addr = vip.addr.to_string();
        let mut args = vec![n, &addr, &vip.interface];
        let lease = vip.lease_ms.map(num);
        let garp = vip.garp_count.map(|g| g.to_string());
        if let Some(l) = &lease {
            args.push(l);
            if let Some(g) = &garp {
                args.push(g);
            }
        }
        out.sentinel("vip", &args);
    }
    out.sentinel("config-epoch", &[n, &num(m.config_epoch)]);
    out.sentinel("leader-epoch", &[n, &num(m.leader_epoch)]);
    for r in &m.known_replicas {
        out.sentinel("known-replica", &[n, &r.host, &r.port.to_string()]);
    }
    for s in &m.known_sentinels {
        out.sentinel(
            "known-sentinel",
            &[n, &s.host, &s.port.to_string(), &s.runid],
        );
    }
    for (from, to) in &m.rename_commands {
        out.sentinel("rename-command", &[n, from, to]);
    }
}
