//! Every way a `sentinel.conf` line can be refused: the line number, the line and Redis's text.

use sentinel_core::config::{ConfigError, LoadOptions, load};

fn err(text: &str) -> ConfigError {
    match load(text, &LoadOptions::permissive()) {
        Ok(cfg) => panic!("loaded: {cfg:?}"),
        Err(e) => e,
    }
}

const MON: &str = "sentinel monitor m 10.0.0.1 6379 2\n";

#[test]
fn typo_reports_line_number_line_and_reason() {
    let e = err("# comment\nport 26379\n  prot 1234  \n");
    assert_eq!(e.line, 3);
    assert_eq!(e.text, "prot 1234");
    assert_eq!(
        e.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
         Reading the configuration file, at line 3\n\
         >>> 'prot 1234'\n\
         Bad directive or wrong number of arguments"
    );
}

#[test]
fn sentinel_errors_report_the_sentinel_line() {
    let e = err("sentinel monitor m 10.0.0.1 6379 2\n\nsentinel sentinel-pass\n");
    assert_eq!((e.line, e.text.as_str()), (3, "sentinel sentinel-pass"));
    assert_eq!(e.reason, "Unrecognized sentinel configuration statement.");
}

#[test]
fn ordinary_directive_errors() {
    let cases: &[(&str, &str)] = &[
        ("nosuch 1", "Bad directive or wrong number of arguments"),
        ("port", "wrong number of arguments"),
        ("port 1 2", "wrong number of arguments"),
        ("port abc", "argument couldn't be parsed into an integer"),
        (
            "port 70000",
            "argument must be between 0 and 65535 inclusive",
        ),
        ("protected-mode maybe", "argument must be 'yes' or 'no'"),
        (
            "unixsocketperm 999",
            "argument couldn't be parsed as an octal number",
        ),
        (
            "unixsocketperm 1777",
            "argument must be between 0 and 777 inclusive",
        ),
        ("daemonize 1", "argument must be 'yes' or 'no'"),
        (
            "loglevel loud",
            "argument(s) must be one of the following: debug, verbose, notice, warning",
        ),
        (
            "maxclients 0",
            "argument must be between 1 and 4294967295 inclusive",
        ),
        ("hz x", "argument couldn't be parsed into an integer"),
        (
            "rename-command a",
            "Bad directive or wrong number of arguments",
        ),
        ("user", "Bad directive or wrong number of arguments"),
        (
            "supervised systemdd",
            "argument(s) must be one of the following: upstart, systemd, auto, no",
        ),
        (
            "replicaof 1.2.3.4",
            "Bad directive or wrong number of arguments",
        ),
        ("port \"1", "Unbalanced quotes in configuration line"),
        ("dir 'a'b", "Unbalanced quotes in configuration line"),
        (
            "logfile \"\\xff\"",
            "Escaped bytes in configuration line are not valid UTF-8",
        ),
    ];
    for (line, reason) in cases {
        let e = err(&format!("# x\n{line}\n"));
        assert_eq!((e.line, e.reason.as_str()), (2, *reason), "{line}");
        assert_eq!(e.text, *line);
    }
    assert!(
        err("include /etc/other.conf")
            .reason
            .starts_with("include is not supported")
    );
}

#[test]
fn sentinel_directive_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "sentinel bogus 1",
            "Unrecognized sentinel configuration statement.",
        ),
        (
            "sentinel can-failover m yes",
            "Unrecognized sentinel configuration statement.",
        ),
        (
            "sentinel monitor m 10.0.0.9 6379",
            "Unrecognized sentinel configuration statement.",
        ),
        (
            "sentinel monitor n 10.0.0.9 6379 0",
            "Quorum must be 1 or greater.",
        ),
        (
            "sentinel monitor n 10.0.0.9 6379 x",
            "Quorum must be 1 or greater.",
        ),
        (
            "sentinel monitor n 10.0.0.9 99999 1",
            "Invalid port number.",
        ),
        (
            "sentinel monitor n some.host 6379 1",
            "Can't resolve instance hostname.",
        ),
        (
            "sentinel monitor m 10.0.0.9 6379 1",
            "Duplicate master name.",
        ),
        (
            "sentinel down-after-milliseconds x 10",
            "No such master with specified name.",
        ),
        (
            "sentinel down-after-milliseconds m 0",
            "negative or zero time parameter.",
        ),
        (
            "sentinel down-after-milliseconds m -5",
            "negative or zero time parameter.",
        ),
        (
            "sentinel failover-timeout m abc",
            "negative or zero time parameter.",
        ),
        (
            "sentinel ping-period m 0",
            "negative or zero time parameter.",
        ),
        (
            "sentinel ping-period x 10",
            "No such master with specified name.",
        ),
        (
            "sentinel parallel-syncs m -1",
            "Invalid argument '-1', expected a non-negative integer.",
        ),
        (
            "sentinel master-reboot-down-after-period m -1",
            "negative time parameter.",
        ),
        ("sentinel myid abc", "Malformed Sentinel id in myid option."),
        (
            "sentinel current-epoch x",
            "Invalid argument 'x', expected a non-negative integer.",
        ),
        (
            "sentinel config-epoch m -2",
            "Invalid argument '-2', expected a non-negative integer.",
        ),
        (
            "sentinel deny-scripts-reconfig maybe",
            "Please specify yes or no for the deny-scripts-reconfig option.",
        ),
        (
            "sentinel resolve-hostnames 1",
            "Please specify yes or no for the resolve-hostnames option.",
        ),
        (
            "sentinel announce-hostnames 1",
            "Please specify yes or no for the announce-hostnames option.",
        ),
        ("sentinel announce-port 65536", "Invalid port number."),
        (
            "sentinel known-replica m host 6379",
            "Wrong hostname or port for replica.",
        ),
        (
            "sentinel known-replica m 10.0.0.2 x",
            "Wrong hostname or port for replica.",
        ),
        (
            "sentinel known-replica x 10.0.0.2 1",
            "No such master with specified name.",
        ),
        (
            "sentinel known-sentinel m 10.0.0.3 x abc",
            "Wrong hostname or port for sentinel.",
        ),
        (
            "sentinel rename-command m config other",
            "Same command renamed multiple times with rename-command.",
        ),
        (
            "sentinel vip m 10.0.0.300 eth0",
            "Invalid VIP address: must be an IPv4 address.",
        ),
        (
            "sentinel vip m ::1 eth0",
            "Invalid VIP address: must be an IPv4 address.",
        ),
        (
            "sentinel vip m 10.0.0.50 an-interface-name-too-long",
            "Invalid network interface name for vip.",
        ),
        (
            "sentinel vip m 10.0.0.50 eth0 0",
            "negative or zero time parameter.",
        ),
        (
            "sentinel vip m 10.0.0.50 eth0 100 0",
            "Invalid garp-count for vip: must be between 1 and 100.",
        ),
        (
            "sentinel vip m 10.0.0.50 eth0 30000",
            "VIP lease must be shorter than down-after-milliseconds.",
        ),
        (
            "sentinel vip m 10.0.0.50 eth0 1 1 1",
            "Unrecognized sentinel configuration statement.",
        ),
    ];
    let base = "sentinel monitor m 10.0.0.1 6379 2\nsentinel rename-command m CONFIG c\n";
    for (line, reason) in cases {
        let e = err(&format!("{base}{line}\n"));
        assert_eq!((e.line, e.reason.as_str()), (3, *reason), "{line}");
    }
}

#[test]
fn duplicate_known_instances_are_refused() {
    let e = err(&format!(
        "{MON}sentinel known-replica m 10.0.0.2 1\nsentinel known-replica m 10.0.0.2 1\n"
    ));
    assert_eq!(
        (e.line, e.reason.as_str()),
        (3, "Wrong hostname or port for replica.")
    );
    let id = "a".repeat(40);
    let e = err(&format!(
        "{MON}sentinel known-sentinel m 10.0.0.2 1 {id}\nsentinel known-sentinel m 10.0.0.3 1 {id}\n"
    ));
    assert_eq!(
        (e.line, e.reason.as_str()),
        (3, "Wrong hostname or port for sentinel.")
    );
}

#[test]
fn vip_address_is_unique_across_masters() {
    let e = err(&format!(
        "{MON}sentinel monitor n 10.0.0.2 6379 2\nsentinel vip m 10.9.9.9 eth0\nsentinel vip n 10.9.9.9 eth0\n"
    ));
    assert_eq!(e.line, 4);
    assert_eq!(e.reason, "VIP address already used by another master.");
}

#[test]
fn vip_lease_is_checked_against_a_later_down_after() {
    let e = err(&format!(
        "{MON}sentinel vip m 10.9.9.9 eth0 4000\nsentinel down-after-milliseconds m 3000\n"
    ));
    assert_eq!(e.line, 2);
}

#[test]
fn scripts_must_be_executable() {
    let only_ok = |p: &str| p == "/ok.sh";
    let opts = LoadOptions {
        is_executable: &only_ok,
    };
    let good = format!("{MON}sentinel notification-script m /ok.sh\n");
    assert!(load(&good, &opts).is_ok());
    let e = load(
        &format!("{MON}sentinel notification-script m /no.sh\n"),
        &opts,
    )
    .unwrap_err();
    assert_eq!(
        e.reason,
        "Notification script seems non existing or non executable."
    );
    let e = load(
        &format!("{MON}sentinel client-reconfig-script m /no.sh\n"),
        &opts,
    )
    .unwrap_err();
    assert_eq!(
        e.reason,
        "Client reconfiguration script seems non existing or non executable."
    );
}

#[test]
fn passes_apply_pre_monitor_then_monitor_then_the_rest() {
    // Redis order: globals first, so resolve-hostnames after the monitor line still counts;
    // tunables may precede their monitor line.
    let text = "sentinel down-after-milliseconds m 1000\nsentinel monitor m db.local 6379 1\nsentinel resolve-hostnames yes\n";
    let cfg = load(text, &LoadOptions::permissive()).unwrap();
    assert_eq!(cfg.sentinel.masters[0].down_after_ms, 1000);
    // An error in an ordinary directive wins over an earlier sentinel error.
    let e = err("sentinel bogus\nport x\n");
    assert_eq!(e.line, 2);
    // Within the passes, a pre-monitor error wins over an earlier monitor error.
    let e = err("sentinel monitor m 1.2.3.4 6379 0\nsentinel myid short\n");
    assert_eq!(e.line, 2);
}

#[test]
fn lenient_forms_redis_accepts() {
    let text = format!(
        "{MON}sentinel known-sentinel m 10.0.0.2 26379\nsentinel announce-ip \"\"\nsentinel\nlist-max-ziplist-value 64\nsentinel current-epoch 5\nsentinel current-epoch 3\n"
    );
    let cfg = load(&text, &LoadOptions::permissive()).unwrap();
    assert!(cfg.sentinel.masters[0].known_sentinels.is_empty());
    assert_eq!(cfg.sentinel.announce_ip, None);
    assert_eq!(cfg.sentinel.current_epoch, 5, "max wins");
}

#[test]
fn bad_user_lines_are_fatal_with_redis_texts() {
    // Each text is what redis-server 7.0.15 --sentinel prints for the line; Redis names the word
    // at the failing rule's index counted from the start of the line ('alice' for the first
    // rule after `on`, '+@all' for the fifth word's rule).
    let cases: &[(&str, &str)] = &[
        (
            "user alice on bogus",
            "Error in user declaration 'alice': Syntax error",
        ),
        (
            "user alice on >p +@all ~* bogus",
            "Error in user declaration '+@all': Syntax error",
        ),
        (
            "user alice on #abc",
            "Error in user declaration 'alice': The password hash must be exactly 64 \
             characters and contain only lowercase hexadecimal characters",
        ),
        (
            "user alice bogus",
            "Error in user declaration 'user': Syntax error",
        ),
    ];
    for (line, reason) in cases {
        let e = err(&format!("port 1\n{line}\n"));
        assert_eq!((e.line, e.reason.as_str()), (2, *reason), "{line}");
        assert_eq!(e.text, *line);
    }
    let e = err("user alice on\nuser bob on\nuser alice off\n");
    assert_eq!(e.line, 3);
    assert_eq!(
        e.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
         Reading the configuration file, at line 3\n\
         >>> 'user alice off'\n\
         Error in user declaration 'alice': Duplicate user found. A user can only be defined \
         once in config files"
    );
    // An unknown command or category is left to start-up, as in Redis (modules could add it).
    let cfg = load("user alice on +nosuch\n", &LoadOptions::permissive()).expect("loads");
    assert_eq!(cfg.server.users.len(), 1);
}
