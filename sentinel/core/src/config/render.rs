//! The lines a [`ConfigFile`] is written as, each with its rewrite key, in the order Redis 7.0
//! generates them (`config.c: rewriteConfig`, `sentinel.c: rewriteConfigSentinelOption`).
//! State is always written; tunables only when they differ from the default (per-master
//! ones are then dropped from the file, globals at their default rewritten in place).

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
    /// Appended when the old file has no line for the key. A value at its default is not
    /// forced: it only replaces an existing line in place (`rewriteConfigRewriteLine`'s
    /// `force`), so an explicit `port 26379` stays where the operator wrote it.
    pub force: bool,
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
            force: true,
        });
    }

    /// Mark the line just pushed as replace-only when `at_default`.
    fn default_if(&mut self, at_default: bool) {
        if let Some(last) = self.0.last_mut() {
            last.force = !at_default;
        }
    }

    /// A Redis string config: always quoted (`sdscatrepr`).
    fn quoted(&mut self, name: &str, value: &str) {
        let mut line = format!("{name} ");
        push_quoted(&mut line, value);
        self.0.push(Rendered {
            key: name.to_owned(),
            line,
            force: true,
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
    out.line("port", &["port", &s.port.to_string()], &[]);
    out.default_if(s.port == DEFAULT_SENTINEL_PORT);
    if !s.bind.is_empty() {
        let args: Vec<&str> = s.bind.iter().map(String::as_str).collect();
        out.line("bind", &["bind"], &args);
    }
    out.line(
        "protected-mode",
        &["protected-mode", yes_no(s.protected_mode)],
        &[],
    );
    out.default_if(!s.protected_mode);
    out.line("daemonize", &["daemonize", yes_no(s.daemonize)], &[]);
    out.default_if(!s.daemonize);
    if let Some(v) = &s.pidfile {
        out.quoted("pidfile", v);
    }
    if let Some(v) = &s.logfile {
        out.quoted("logfile", v);
    }
    out.line("loglevel", &["loglevel", s.loglevel.as_str()], &[]);
    out.default_if(s.loglevel == LogLevel::Notice);
    if let Some(v) = &s.dir {
        out.quoted("dir", v);
    }
    out.line(
        "maxclients",
        &["maxclients", &s.maxclients.to_string()],
        &[],
    );
    out.default_if(s.maxclients == DEFAULT_MAXCLIENTS);
    // Sentinel never persists hz (sentinelFlushConfig writes the default 10 while rewriting):
    // an existing hz line becomes `hz 10`, none is added.
    out.line("hz", &["hz", "10"], &[]);
    out.default_if(true);
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
    // Globals at their default keep an existing line (rewritten) but add none.
    out.sentinel("deny-scripts-reconfig", &[yes_no(s.deny_scripts_reconfig)]);
    out.default_if(s.deny_scripts_reconfig);
    out.sentinel("resolve-hostnames", &[yes_no(s.resolve_hostnames)]);
    out.default_if(!s.resolve_hostnames);
    out.sentinel("announce-hostnames", &[yes_no(s.announce_hostnames)]);
    out.default_if(!s.announce_hostnames);
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
            force: true,
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
