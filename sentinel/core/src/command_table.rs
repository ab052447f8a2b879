//! The command table of a Redis 7.0.15 server in sentinel mode: the 15 commands whose json has
//! the `SENTINEL` flag and their subcommands (72 entries with subcommands, as `COMMAND LIST`
//! shows and the 7.0.15 suite asserts). Arities, flags and ACL categories follow
//! `src/commands/*.json` of that release.

/// One command or subcommand.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lower-case name (`set` for `SENTINEL SET`).
    pub name: &'static str,
    /// Redis arity: positive = exact argument count (name included), negative = minimum.
    pub arity: i32,
    /// Flags as `COMMAND INFO` shows them.
    pub flags: &'static [&'static str],
    /// ACL categories, without the `@`.
    pub acl: &'static [&'static str],
    pub group: &'static str,
    pub since: &'static str,
    pub summary: &'static str,
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// Whether `argc` arguments (the command name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = i64::try_from(argc).unwrap_or(i64::MAX);
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// A subcommand by name, case-insensitively.
    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands
            .iter()
            .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }
}

const fn c(
    name: &'static str,
    arity: i32,
    flags: &'static [&'static str],
    acl: &'static [&'static str],
    group: &'static str,
    since: &'static str,
    summary: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        acl,
        group,
        since,
        summary,
        subcommands: &[],
    }
}

const fn container(
    name: &'static str,
    group: &'static str,
    since: &'static str,
    summary: &'static str,
    subcommands: &'static [CommandSpec],
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -2,
        flags: &[],
        acl: &[],
        group,
        since,
        summary,
        subcommands,
    }
}

const ADMIN: &[&str] = &["admin", "noscript", "loading", "stale"];
const ADMIN_ACL: &[&str] = &["admin", "slow", "dangerous"];
const LS: &[&str] = &["loading", "stale"];
const NLS: &[&str] = &["noscript", "loading", "stale"];
const SLOW: &[&str] = &["slow"];
const CONN_SLOW: &[&str] = &["slow", "connection"];
const PUBSUB: &[&str] = &["pubsub", "noscript", "loading", "stale"];
const PUBSUB_ACL: &[&str] = &["pubsub", "slow"];
const SENTINEL_FLAGS: &[&str] = &["admin", "noscript", "loading", "stale"];

static ACL_SUBS: &[CommandSpec] = &[
    c(
        "cat",
        -2,
        NLS,
        SLOW,
        "server",
        "6.0.0",
        "List the ACL categories or the commands inside a category",
    ),
    c(
        "deluser",
        -3,
        ADMIN,
        ADMIN_ACL,
        "server",
        "6.0.0",
        "Remove the specified ACL users and the associated rules",
    ),
    c(
        "dryrun",
        -4,
        ADMIN,
        ADMIN_ACL,
        "server",
        "7.0.0",
        "Returns whether the user can execute the given command without executing the command.",
    ),
    c(
        "genpass",
        -2,
        NLS,
        SLOW,
        "server",
        "6.0.0",
        "Generate a pseudorandom secure password to use for ACL users",
    ),
    c(
        "getuser",
        3,
        ADMIN,
        ADMIN_ACL,
        "server",
        "6.0.0",
        "Get the rules for a specific ACL user",
    ),
    c(
        "help",
        2,
        LS,
        SLOW,
        "server",
        "6.0.0",
        "Show helpful text about the different subcommands",
    ),
    c(
        "list",
        2,
        ADMIN,
        ADMIN_ACL,
        "server",
        "6.0.0",
        "List the current ACL rules in ACL config file format",
    ),
    c(
        "load",
        2,
        ADMIN,
        ADMIN_ACL,
        "server",
        "6.0.0",
        "Reload the ACLs from the configured ACL file",
    ),
    c(
        "log",
        -2,
        ADMIN,
        ADMIN_ACL,
        "server",
        "6.0.0",
        "List latest events denied because of ACLs in place",
    ),
    c(
        "save",
        2,
        ADMIN,
        ADMIN_ACL,
        "server",
        "6.0.0",
        "Save the current ACL rules in the configured ACL file",
    ),
    c(
        "setuser",
        -3,
        ADMIN,
        ADMIN_ACL,
        "server",
        "6.0.0",
        "Modify or create the rules for a specific ACL user",
    ),
    c(
        "users",
        2,
        ADMIN,
        ADMIN_ACL,
        "server",
        "6.0.0",
        "List the username of all the configured ACL rules",
    ),
    c(
        "whoami",
        2,
        NLS,
        SLOW,
        "server",
        "6.0.0",
        "Return the name of the user associated to the current connection",
    ),
];

static CLIENT_SUBS: &[CommandSpec] = &[
    c(
        "caching",
        3,
        NLS,
        CONN_SLOW,
        "connection",
        "6.0.0",
        "Instruct the server about tracking or not keys in the next request",
    ),
    c(
        "getname",
        2,
        NLS,
        CONN_SLOW,
        "connection",
        "2.6.9",
        "Get the current connection name",
    ),
    c(
        "getredir",
        2,
        NLS,
        CONN_SLOW,
        "connection",
        "6.0.0",
        "Get tracking notifications redirection client ID if any",
    ),
    c(
        "help",
        2,
        LS,
        CONN_SLOW,
        "connection",
        "5.0.0",
        "Show helpful text about the different subcommands",
    ),
    c(
        "id",
        2,
        NLS,
        CONN_SLOW,
        "connection",
        "5.0.0",
        "Returns the client ID for the current connection",
    ),
    c(
        "info",
        2,
        NLS,
        CONN_SLOW,
        "connection",
        "6.2.0",
        "Returns information about the current client connection.",
    ),
    c(
        "kill",
        -3,
        ADMIN,
        &["admin", "slow", "dangerous", "connection"],
        "connection",
        "2.4.0",
        "Kill the connection of a client",
    ),
    c(
        "list",
        -2,
        ADMIN,
        &["admin", "slow", "dangerous", "connection"],
        "connection",
        "2.4.0",
        "Get the list of client connections",
    ),
    c(
        "no-evict",
        3,
        ADMIN,
        &["admin", "slow", "dangerous", "connection"],
        "connection",
        "7.0.0",
        "Set client eviction mode for the current connection",
    ),
    c(
        "pause",
        -3,
        ADMIN,
        &["admin", "slow", "dangerous", "connection"],
        "connection",
        "2.9.50",
        "Stop processing commands from clients for some time",
    ),
    c(
        "reply",
        3,
        NLS,
        CONN_SLOW,
        "connection",
        "3.2.0",
        "Instruct the server whether to reply to commands",
    ),
    c(
        "setname",
        3,
        NLS,
        CONN_SLOW,
        "connection",
        "2.6.9",
        "Set the current connection name",
    ),
    c(
        "tracking",
        -3,
        NLS,
        CONN_SLOW,
        "connection",
        "6.0.0",
        "Enable or disable server assisted client side caching support",
    ),
    c(
        "trackinginfo",
        2,
        NLS,
        CONN_SLOW,
        "connection",
        "6.2.0",
        "Return information about server assisted client side caching for the current connection",
    ),
    c(
        "unblock",
        -3,
        ADMIN,
        &["admin", "slow", "dangerous", "connection"],
        "connection",
        "5.0.0",
        "Unblock a client blocked in a blocking command from a different connection",
    ),
    c(
        "unpause",
        2,
        ADMIN,
        &["admin", "slow", "dangerous", "connection"],
        "connection",
        "6.2.0",
        "Resume processing of clients that were paused",
    ),
];

static COMMAND_SUBS: &[CommandSpec] = &[
    c(
        "count",
        2,
        LS,
        CONN_SLOW,
        "server",
        "2.8.13",
        "Get total number of Redis commands",
    ),
    c(
        "docs",
        -2,
        LS,
        CONN_SLOW,
        "server",
        "7.0.0",
        "Get array of specific Redis command documentation",
    ),
    c(
        "getkeys",
        -4,
        LS,
        CONN_SLOW,
        "server",
        "2.8.13",
        "Extract keys given a full Redis command",
    ),
    c(
        "getkeysandflags",
        -4,
        LS,
        CONN_SLOW,
        "server",
        "7.0.0",
        "Extract keys and access flags given a full Redis command",
    ),
    c(
        "help",
        2,
        LS,
        CONN_SLOW,
        "server",
        "5.0.0",
        "Show helpful text about the different subcommands",
    ),
    c(
        "info",
        -2,
        LS,
        CONN_SLOW,
        "server",
        "2.8.13",
        "Get array of specific Redis command details, or all when no argument is given.",
    ),
    c(
        "list",
        -2,
        LS,
        CONN_SLOW,
        "server",
        "7.0.0",
        "Get an array of Redis command names",
    ),
];

static SENTINEL_SUBS: &[CommandSpec] = &[
    c(
        "ckquorum",
        3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Check for a Sentinel quorum",
    ),
    c(
        "config",
        -3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "6.2.0",
        "Configure Sentinel",
    ),
    c(
        "debug",
        -2,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "7.0.0",
        "List or update the current configurable parameters",
    ),
    c(
        "failover",
        3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Force a failover",
    ),
    c(
        "flushconfig",
        2,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Rewrite configuration file",
    ),
    c(
        "get-master-addr-by-name",
        3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Get port and address of a master",
    ),
    c(
        "help",
        2,
        &["loading", "stale"],
        ADMIN_ACL,
        "sentinel",
        "6.2.0",
        "Show helpful text about the different subcommands",
    ),
    c(
        "info-cache",
        -3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "3.2.0",
        "Get cached INFO from the instances in the deployment",
    ),
    c(
        "is-master-down-by-addr",
        6,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Check if a master is down",
    ),
    c(
        "master",
        3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Shows the state of a master",
    ),
    c(
        "masters",
        2,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "List the monitored masters",
    ),
    c(
        "monitor",
        6,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Start monitoring",
    ),
    c(
        "myid",
        2,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "6.2.0",
        "Get the Sentinel instance ID",
    ),
    c(
        "pending-scripts",
        2,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Get information about pending scripts",
    ),
    c(
        "remove",
        3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Stop monitoring",
    ),
    c(
        "replicas",
        3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "5.0.0",
        "List the monitored replicas",
    ),
    c(
        "reset",
        3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Reset masters by name pattern",
    ),
    c(
        "sentinels",
        3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "List the Sentinel instances",
    ),
    c(
        "set",
        -5,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.4",
        "Change the configuration of a monitored master",
    ),
    c(
        "simulate-failure",
        -3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "3.2.0",
        "Simulate failover scenarios",
    ),
    c(
        "slaves",
        3,
        SENTINEL_FLAGS,
        ADMIN_ACL,
        "sentinel",
        "2.8.0",
        "List the monitored slaves",
    ),
];

/// The 15 top-level commands, in name order.
pub static COMMANDS: &[CommandSpec] = &[
    container(
        "acl",
        "server",
        "6.0.0",
        "A container for Access List Control commands",
        ACL_SUBS,
    ),
    c(
        "auth",
        -2,
        &[
            "noscript",
            "loading",
            "stale",
            "fast",
            "no_auth",
            "allow_busy",
        ],
        &["fast", "connection"],
        "connection",
        "1.0.0",
        "Authenticate to the server",
    ),
    container(
        "client",
        "connection",
        "2.4.0",
        "A container for client connection commands",
        CLIENT_SUBS,
    ),
    CommandSpec {
        name: "command",
        arity: -1,
        flags: LS,
        acl: CONN_SLOW,
        group: "server",
        since: "2.8.13",
        summary: "Get array of Redis command details",
        subcommands: COMMAND_SUBS,
    },
    c(
        "hello",
        -1,
        &[
            "noscript",
            "loading",
            "stale",
            "fast",
            "no_auth",
            "allow_busy",
        ],
        &["fast", "connection"],
        "connection",
        "6.0.0",
        "Handshake with Redis",
    ),
    c(
        "info",
        -1,
        LS,
        &["slow", "dangerous"],
        "server",
        "1.0.0",
        "Get information and statistics about the server",
    ),
    c(
        "ping",
        -1,
        &["fast"],
        &["fast", "connection"],
        "connection",
        "1.0.0",
        "Ping the server",
    ),
    c(
        "psubscribe",
        -2,
        PUBSUB,
        PUBSUB_ACL,
        "pubsub",
        "2.0.0",
        "Listen for messages published to channels matching the given patterns",
    ),
    c(
        "publish",
        3,
        &["pubsub", "loading", "stale", "fast", "may_replicate"],
        &["pubsub", "fast"],
        "pubsub",
        "2.0.0",
        "Post a message to a channel",
    ),
    c(
        "punsubscribe",
        -1,
        PUBSUB,
        PUBSUB_ACL,
        "pubsub",
        "2.0.0",
        "Stop listening for messages posted to channels matching the given patterns",
    ),
    c(
        "role",
        1,
        &["noscript", "loading", "stale", "fast"],
        &["admin", "fast", "dangerous"],
        "server",
        "2.8.12",
        "Return the role of the instance in the context of replication",
    ),
    container(
        "sentinel",
        "sentinel",
        "2.8.4",
        "A container for Sentinel commands",
        SENTINEL_SUBS,
    ),
    c(
        "shutdown",
        -1,
        &[
            "admin",
            "noscript",
            "loading",
            "stale",
            "no_multi",
            "allow_busy",
        ],
        ADMIN_ACL,
        "server",
        "1.0.0",
        "Synchronously save the dataset to disk and then shut down the server",
    ),
    c(
        "subscribe",
        -2,
        PUBSUB,
        PUBSUB_ACL,
        "pubsub",
        "2.0.0",
        "Listen for messages published to the given channels",
    ),
    c(
        "unsubscribe",
        -1,
        PUBSUB,
        PUBSUB_ACL,
        "pubsub",
        "2.0.0",
        "Stop listening for messages posted to the given channels",
    ),
];

/// A top-level command by name, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    COMMANDS
        .iter()
        .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
}

/// A command or subcommand by its full name (`ping`, `sentinel|set`), case-insensitively.
pub fn lookup_fullname(
    name: &[u8],
) -> Option<(&'static CommandSpec, Option<&'static CommandSpec>)> {
    match name.iter().position(|&b| b == b'|') {
        None => lookup(name).map(|c| (c, None)),
        Some(at) => {
            let parent = lookup(&name[..at])?;
            parent
                .subcommand(&name[at + 1..])
                .map(|s| (s, Some(parent)))
        }
    }
}

/// What a request names.
#[derive(Debug, Clone, Copy)]
pub enum Resolved {
    /// A command, or a subcommand with its container.
    Found {
        spec: &'static CommandSpec,
        parent: Option<&'static CommandSpec>,
    },
    /// No such command.
    UnknownCommand,
    /// The container exists, the subcommand does not.
    UnknownSubcommand { parent: &'static CommandSpec },
}

/// Resolves a request the way `lookupCommand` does: a container with at least one argument
/// resolves to its subcommand.
pub fn resolve<A: AsRef<[u8]>>(args: &[A]) -> Resolved {
    let Some(cmd) = args.first().and_then(|n| lookup(n.as_ref())) else {
        return Resolved::UnknownCommand;
    };
    if cmd.subcommands.is_empty() || args.len() < 2 {
        return Resolved::Found {
            spec: cmd,
            parent: None,
        };
    }
    match cmd.subcommand(args[1].as_ref()) {
        Some(sub) => Resolved::Found {
            spec: sub,
            parent: Some(cmd),
        },
        None => Resolved::UnknownSubcommand { parent: cmd },
    }
}

/// `parent|name` or `name`, as Redis names commands in errors and ACL rules.
pub fn fullname(spec: &CommandSpec, parent: Option<&CommandSpec>) -> String {
    match parent {
        Some(p) => format!("{}|{}", p.name, spec.name),
        None => spec.name.to_string(),
    }
}

/// Every entry `COMMAND LIST` shows: each command, then each of its subcommands.
pub fn all_names() -> Vec<String> {
    let mut out = Vec::new();
    for cmd in COMMANDS {
        out.push(cmd.name.to_string());
        for sub in cmd.subcommands {
            out.push(fullname(sub, Some(cmd)));
        }
    }
    out
}

/// Every command and subcommand, with its parent.
pub fn all_specs() -> Vec<(&'static CommandSpec, Option<&'static CommandSpec>)> {
    let mut out = Vec::new();
    for cmd in COMMANDS {
        out.push((cmd, None));
        for sub in cmd.subcommands {
            out.push((sub, Some(cmd)));
        }
    }
    out
}

/// The ACL categories Redis 7.0 knows (`ACL CAT`).
pub const ACL_CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_7_0_15() {
        assert_eq!(COMMANDS.len(), 15);
        assert_eq!(all_names().len(), 72);
        let count = |n: &str| lookup(n.as_bytes()).map_or(0, |c| c.subcommands.len());
        assert_eq!(count("acl"), 13);
        assert_eq!(count("client"), 16);
        assert_eq!(count("command"), 7);
        assert_eq!(count("sentinel"), 21);
        assert!(lookup(b"quit").is_none());
        assert!(lookup(b"CLIENT").unwrap().subcommand(b"no-touch").is_none());
        assert!(lookup(b"CLIENT").unwrap().subcommand(b"setinfo").is_none());
    }

    #[test]
    fn resolve_and_arity() {
        let Resolved::Found { spec, parent } = resolve(&["SENTINEL", "Set"]) else {
            panic!()
        };
        assert_eq!(fullname(spec, parent), "sentinel|set");
        assert!(!spec.arity_ok(4));
        assert!(spec.arity_ok(5) && spec.arity_ok(9));
        assert!(matches!(
            resolve(&["sentinel", "nope"]),
            Resolved::UnknownSubcommand { .. }
        ));
        assert!(matches!(resolve(&["nope"]), Resolved::UnknownCommand));
        let Resolved::Found { spec, parent: None } = resolve(&["sentinel"]) else {
            panic!()
        };
        assert!(!spec.arity_ok(1));
        let Resolved::Found { spec, .. } = resolve(&["role"]) else {
            panic!()
        };
        assert!(spec.arity_ok(1) && !spec.arity_ok(2));
    }
}
