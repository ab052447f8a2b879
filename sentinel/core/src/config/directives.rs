//! Which ordinary directives are legal redis.conf directives in Redis 7.0, and how many
//! arguments each takes. Anything not listed is `Bad directive or wrong number of arguments`,
//! as in `config.c: loadServerConfigFromString`.

/// How many arguments a directive takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arity {
    /// A standard single-value config: exactly one argument.
    One,
    /// Exactly this many.
    Exact(usize),
    /// At least this many.
    AtLeast(usize),
}

impl Arity {
    pub(crate) fn accepts(self, n: usize) -> bool {
        match self {
            Arity::One => n == 1,
            Arity::Exact(k) => n == k,
            Arity::AtLeast(k) => n >= k,
        }
    }
}

/// Directives Redis 7.0 accepts, ignores and logs as deprecated.
const DEPRECATED: &[&str] = &[
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// Directives with their own argument rules (Redis's MULTI_ARG configs and the non-standard
/// directives handled after the config table).
const SPECIAL: &[(&str, Arity)] = &[
    ("save", Arity::AtLeast(1)),
    ("bind", Arity::AtLeast(1)),
    ("client-output-buffer-limit", Arity::AtLeast(4)),
    ("oom-score-adj-values", Arity::Exact(3)),
    ("replicaof", Arity::Exact(2)),
    ("slaveof", Arity::Exact(2)),
    ("latency-tracking-info-percentiles", Arity::AtLeast(0)),
    ("rename-command", Arity::Exact(2)),
    ("user", Arity::AtLeast(1)),
    ("loadmodule", Arity::AtLeast(1)),
];

/// Redis 7.0's standard single-value configs, aliases included.
const SINGLE: &[&str] = &[
    // booleans
    "rdbchecksum",
    "daemonize",
    "io-threads-do-reads",
    "always-show-logo",
    "protected-mode",
    "rdbcompression",
    "rdb-del-sync-files",
    "activerehashing",
    "stop-writes-on-bgsave-error",
    "set-proc-title",
    "dynamic-hz",
    "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
    "repl-disable-tcp-nodelay",
    "repl-diskless-sync",
    "aof-rewrite-incremental-fsync",
    "no-appendfsync-on-rewrite",
    "cluster-require-full-coverage",
    "rdb-save-incremental-fsync",
    "aof-load-truncated",
    "aof-use-rdb-preamble",
    "aof-timestamp-enabled",
    "cluster-replica-no-failover",
    "cluster-slave-no-failover",
    "replica-lazy-flush",
    "slave-lazy-flush",
    "replica-serve-stale-data",
    "slave-serve-stale-data",
    "replica-read-only",
    "slave-read-only",
    "replica-ignore-maxmemory",
    "slave-ignore-maxmemory",
    "jemalloc-bg-thread",
    "activedefrag",
    "syslog-enabled",
    "cluster-enabled",
    "appendonly",
    "cluster-allow-reads-when-down",
    "crash-log-enabled",
    "crash-memcheck-enabled",
    "use-exit-on-panic",
    "disable-thp",
    "cluster-allow-replica-migration",
    "replica-announced",
    "latency-tracking",
    "cluster-allow-pubsubshard-when-down",
    "tls-cluster",
    "tls-replication",
    "tls-prefer-server-ciphers",
    "tls-session-caching",
    // strings
    "aclfile",
    "unixsocket",
    "pidfile",
    "replica-announce-ip",
    "slave-announce-ip",
    "masteruser",
    "masterauth",
    "requirepass",
    "cluster-announce-ip",
    "cluster-config-file",
    "cluster-announce-hostname",
    "syslog-ident",
    "dbfilename",
    "appendfilename",
    "appenddirname",
    "server_cpulist",
    "bio_cpulist",
    "aof_rewrite_cpulist",
    "bgsave_cpulist",
    "ignore-warnings",
    "proc-title-template",
    "bind-source-addr",
    "logfile",
    "dir",
    "notify-keyspace-events",
    "tls-cert-file",
    "tls-key-file",
    "tls-key-file-pass",
    "tls-client-cert-file",
    "tls-client-key-file",
    "tls-client-key-file-pass",
    "tls-dh-params-file",
    "tls-ca-cert-file",
    "tls-ca-cert-dir",
    "tls-protocols",
    "tls-ciphers",
    "tls-ciphersuites",
    // enums
    "supervised",
    "syslog-facility",
    "repl-diskless-load",
    "loglevel",
    "maxmemory-policy",
    "appendfsync",
    "oom-score-adj",
    "acl-pubsub-default",
    "sanitize-dump-payload",
    "cluster-preferred-endpoint-type",
    "propagation-error-behavior",
    "shutdown-on-sigint",
    "shutdown-on-sigterm",
    "enable-protected-configs",
    "enable-debug-command",
    "enable-module-command",
    "tls-auth-clients",
    // numbers
    "databases",
    "port",
    "io-threads",
    "auto-aof-rewrite-percentage",
    "cluster-replica-validity-factor",
    "cluster-slave-validity-factor",
    "list-max-listpack-size",
    "list-max-ziplist-size",
    "tcp-keepalive",
    "cluster-migration-barrier",
    "active-defrag-cycle-min",
    "active-defrag-cycle-max",
    "active-defrag-threshold-lower",
    "active-defrag-threshold-upper",
    "lfu-log-factor",
    "lfu-decay-time",
    "replica-priority",
    "slave-priority",
    "repl-diskless-sync-delay",
    "maxmemory-samples",
    "maxmemory-eviction-tenacity",
    "timeout",
    "repl-timeout",
    "repl-ping-replica-period",
    "repl-ping-slave-period",
    "list-compress-depth",
    "rdb-key-save-delay",
    "key-load-delay",
    "active-expire-effort",
    "hz",
    "min-replicas-to-write",
    "min-slaves-to-write",
    "min-replicas-max-lag",
    "min-slaves-max-lag",
    "watchdog-period",
    "shutdown-timeout",
    "repl-diskless-sync-max-replicas",
    "maxclients",
    "unixsocketperm",
    "slowlog-max-len",
    "acllog-max-len",
    "lua-time-limit",
    "busy-reply-threshold",
    "cluster-node-timeout",
    "slowlog-log-slower-than",
    "latency-monitor-threshold",
    "proto-max-bulk-len",
    "stream-node-max-entries",
    "repl-backlog-size",
    "maxmemory",
    "maxmemory-clients",
    "hash-max-listpack-entries",
    "hash-max-ziplist-entries",
    "set-max-intset-entries",
    "zset-max-listpack-entries",
    "zset-max-ziplist-entries",
    "active-defrag-ignore-bytes",
    "active-defrag-max-scan-fields",
    "hash-max-listpack-value",
    "hash-max-ziplist-value",
    "stream-node-max-bytes",
    "zset-max-listpack-value",
    "zset-max-ziplist-value",
    "hll-sparse-max-bytes",
    "tracking-table-max-keys",
    "client-query-buffer-limit",
    "repl-backlog-ttl",
    "auto-aof-rewrite-min-size",
    "cluster-port",
    "cluster-link-sendbuf-limit",
    "tcp-backlog",
    "cluster-announce-bus-port",
    "cluster-announce-port",
    "cluster-announce-tls-port",
    "replica-announce-port",
    "slave-announce-port",
    "tls-port",
    "tls-session-cache-size",
    "tls-session-cache-timeout",
];

/// Redis 7.0's old names for configs, with the name they stand for: a rewrite keys an alias
/// line under the config's name and writes that name (`rewriteConfigReadOldFile`).
const ALIASES: &[(&str, &str)] = &[
    ("slaveof", "replicaof"),
    ("slave-lazy-flush", "replica-lazy-flush"),
    ("slave-serve-stale-data", "replica-serve-stale-data"),
    ("slave-read-only", "replica-read-only"),
    ("slave-ignore-maxmemory", "replica-ignore-maxmemory"),
    ("cluster-slave-no-failover", "cluster-replica-no-failover"),
    ("slave-announce-ip", "replica-announce-ip"),
    ("slave-announce-port", "replica-announce-port"),
    ("slave-priority", "replica-priority"),
    (
        "cluster-slave-validity-factor",
        "cluster-replica-validity-factor",
    ),
    ("repl-ping-slave-period", "repl-ping-replica-period"),
    ("min-slaves-to-write", "min-replicas-to-write"),
    ("min-slaves-max-lag", "min-replicas-max-lag"),
    ("list-max-ziplist-size", "list-max-listpack-size"),
    ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
    ("hash-max-ziplist-value", "hash-max-listpack-value"),
    ("zset-max-ziplist-entries", "zset-max-listpack-entries"),
    ("zset-max-ziplist-value", "zset-max-listpack-value"),
    ("lua-time-limit", "busy-reply-threshold"),
];

/// The config a (lowercased) directive name sets: itself, or what its alias stands for.
pub(crate) fn canonical(name: &str) -> &str {
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, config)| config)
}

/// What kind of ordinary directive `name` (lowercased) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Legal(Arity),
    Deprecated,
    Unknown,
}

pub(crate) fn classify(name: &str) -> Kind {
    if DEPRECATED.contains(&name) {
        Kind::Deprecated
    } else if let Some((_, arity)) = SPECIAL.iter().find(|(n, _)| *n == name) {
        Kind::Legal(*arity)
    } else if SINGLE.contains(&name) {
        Kind::Legal(Arity::One)
    } else {
        Kind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harness_directives_are_legal() {
        for name in [
            "port",
            "repl-diskless-sync-delay",
            "dir",
            "logfile",
            "enable-protected-configs",
            "enable-debug-command",
            "bind",
            "tls-port",
            "tls-replication",
            "tls-cluster",
            "tls-cert-file",
            "tls-key-file",
            "tls-ca-cert-file",
            "loglevel",
            "save",
        ] {
            assert!(matches!(classify(name), Kind::Legal(_)), "{name}");
        }
    }

    #[test]
    fn aliases_name_legal_configs() {
        for (alias, config) in ALIASES {
            assert!(matches!(classify(alias), Kind::Legal(_)), "{alias}");
            assert!(matches!(classify(config), Kind::Legal(_)), "{config}");
            assert_eq!(canonical(alias), *config);
        }
        assert_eq!(canonical("port"), "port");
    }

    #[test]
    fn unknown_and_deprecated() {
        assert_eq!(classify("prot"), Kind::Unknown);
        assert_eq!(classify("list-max-ziplist-entries"), Kind::Deprecated);
    }
}
