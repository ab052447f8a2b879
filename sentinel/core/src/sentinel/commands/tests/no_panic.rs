//! Any argument vector gets a reply or a documented silence, never a panic.

use proptest::prelude::*;

use super::*;

const WORDS: &[&str] = &[
    "sentinel",
    "SENTINEL",
    "client",
    "acl",
    "command",
    "hello",
    "auth",
    "info",
    "ping",
    "subscribe",
    "psubscribe",
    "unsubscribe",
    "punsubscribe",
    "publish",
    "role",
    "shutdown",
    "masters",
    "master",
    "replicas",
    "slaves",
    "sentinels",
    "get-master-addr-by-name",
    "is-master-down-by-addr",
    "reset",
    "failover",
    "ckquorum",
    "flushconfig",
    "monitor",
    "remove",
    "set",
    "config",
    "info-cache",
    "simulate-failure",
    "debug",
    "myid",
    "pending-scripts",
    "help",
    "kill",
    "list",
    "setname",
    "getname",
    "reply",
    "pause",
    "tracking",
    "unblock",
    "setuser",
    "deluser",
    "getuser",
    "dryrun",
    "genpass",
    "cat",
    "log",
    "count",
    "docs",
    "getkeys",
    "mymaster",
    "*",
    "[",
    "\\",
    "127.0.0.1",
    "::1",
    "6379",
    "0",
    "-1",
    "99999999999999999999",
    "2",
    "quorum",
    "down-after-milliseconds",
    "rename-command",
    "auth-pass",
    "announce-port",
    "resolve-hostnames",
    "yes",
    "no",
    "info-period",
    "user",
    "skipme",
    "type",
    "id",
    "addr",
    "on",
    "off",
    ">pw",
    "+@all",
    "-@all",
    "~*",
    "&*",
    "%R~x",
    "",
    "\u{0}",
    "é",
    "3",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(str::to_string),
        1 => "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_never_panic(cmds in proptest::collection::vec(
        proptest::collection::vec(word(), 0..8), 1..6)
    ) {
        let mut s = sentinel();
        add_master(&mut s, "mymaster", 6379);
        for (i, cmd) in cmds.iter().enumerate() {
            let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
            let client = 1 + (i as u64 % 2);
            let out = run(&mut s, client, &refs);
            // At most one reply per argument (pub/sub confirmations), never more.
            prop_assert!(replies_to(&out, client).len() <= refs.len().max(1));
        }
    }
}
