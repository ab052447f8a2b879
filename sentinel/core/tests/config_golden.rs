//! Golden tests of `sentinel.conf` load and rewrite: round trips, idempotence, the official
//! harness's base file, and the exact text a rewrite produces.

use sentinel_core::config::{self, ConfigFile, LoadOptions, SIGNATURE, load, rewrite};

const HARNESS_BASE: &str = include_str!("data/harness_base.conf");
const RICH: &str = include_str!("data/rich.conf");
const MANY_MASTERS: &str = include_str!("data/many_masters.conf");
const REWRITTEN: &str = include_str!("data/rewritten.conf");
const OPERATOR_EXAMPLE: &str = include_str!("../../../conf/sentinel.conf");

const FILES: &[(&str, &str)] = &[
    ("harness_base", HARNESS_BASE),
    ("rich", RICH),
    ("many_masters", MANY_MASTERS),
    ("rewritten", REWRITTEN),
    ("operator example", OPERATOR_EXAMPLE),
];

fn ok(text: &str) -> ConfigFile {
    load(text, &LoadOptions::permissive()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_golden_file_round_trips_to_an_equal_model() {
    for (name, text) in FILES {
        let cfg = ok(text);
        let out = rewrite(text, &cfg);
        assert_eq!(ok(&out), cfg, "{name}:\n{out}");
    }
}

#[test]
fn rewriting_a_rewritten_file_is_byte_identical() {
    for (name, text) in FILES {
        let cfg = ok(text);
        let once = rewrite(text, &cfg);
        assert_eq!(rewrite(&once, &cfg), once, "{name}");
    }
}

#[test]
fn a_file_already_in_rewrite_form_is_unchanged() {
    let cfg = ok(REWRITTEN);
    assert_eq!(rewrite(REWRITTEN, &cfg), REWRITTEN);
}

#[test]
fn harness_base_keeps_its_first_lines_in_order() {
    let cfg = ok(HARNESS_BASE);
    let out = rewrite(HARNESS_BASE, &cfg);
    let base: Vec<&str> = HARNESS_BASE.lines().take(7).collect();
    let got: Vec<&str> = out.lines().take(7).collect();
    assert_eq!(got, base, "{out}");
}

#[test]
fn harness_base_rewrite_is_exactly_what_redis_writes() {
    let mut cfg = ok(HARNESS_BASE);
    cfg.sentinel.myid = Some("c".repeat(40));
    cfg.server.dir = Some("/tmp/sentinel_0".into());
    let out = rewrite(HARNESS_BASE, &cfg);
    let expected = format!(
        "{}port 20000\n\
         repl-diskless-sync-delay 0\n\
         dir \"/tmp/sentinel_0\"\n\
         logfile \"log.txt\"\n\
         sentinel deny-scripts-reconfig no\n\
         enable-protected-configs yes\n\
         enable-debug-command yes\n\
         {SIGNATURE}\n\
         sentinel myid {}\n\
         sentinel config-epoch setmaster 0\n\
         sentinel leader-epoch setmaster 0\n\
         sentinel current-epoch 0\n",
        HARNESS_BASE
            .lines()
            .take(7)
            .fold(String::new(), |s, l| s + l + "\n"),
        "c".repeat(40)
    );
    assert_eq!(out, expected);
}

#[test]
fn harness_base_model() {
    let cfg = ok(HARNESS_BASE);
    let m = &cfg.sentinel.masters[0];
    assert_eq!(
        (m.name.as_str(), m.host.as_str(), m.port, m.quorum),
        ("setmaster", "10.0.0.1", 30000, 2)
    );
    assert_eq!((m.down_after_ms, m.failover_timeout_ms), (20000, 10000));
    assert_eq!(cfg.server.port, 20000);
    assert_eq!(cfg.server.dir.as_deref(), Some("./sentinel_0"));
    assert_eq!(cfg.server.logfile.as_deref(), Some("log.txt"));
    assert!(!cfg.sentinel.deny_scripts_reconfig);
    assert_eq!(
        cfg.server.other,
        [
            (
                "repl-diskless-sync-delay".to_string(),
                vec!["0".to_string()]
            ),
            ("enable-protected-configs".into(), vec!["yes".into()]),
            ("enable-debug-command".into(), vec!["yes".into()]),
        ]
    );
}

#[test]
fn rich_file_model() {
    let cfg = ok(RICH);
    let s = &cfg.sentinel;
    assert_eq!(s.current_epoch, 7, "config-epoch raises current-epoch");
    assert_eq!(s.announce_ip.as_deref(), Some("10.9.8.7"));
    assert_eq!(s.sentinel_pass.as_deref(), Some("peer pass"));
    assert_eq!(s.masters.len(), 2);
    let m = &s.masters[0];
    assert_eq!(m.auth_pass.as_deref(), Some("pa ss\"word"));
    assert_eq!(m.known_replicas.len(), 2, "known-slave is an alias");
    assert_eq!(m.known_sentinels.len(), 2);
    assert_eq!(m.rename_commands[1], ("PING".into(), "PONG".into()));
    assert_eq!(m.ping_period_ms, Some(250));
    let vip = m.vip.as_ref().unwrap();
    assert_eq!((vip.lease_ms, vip.garp_count), (Some(2000), Some(5)));
    let cache = &s.masters[1];
    assert_eq!(cache.host, "redis-cache.internal");
    let vip = cache.vip.as_ref().unwrap();
    assert_eq!(vip.effective_lease_ms(cache.down_after_ms), 15000);
    assert_eq!(vip.effective_garp_count(), 3);
    assert_eq!(cache.effective_ping_period_ms(), 250);
    assert_eq!(cfg.server.users.len(), 2);
    assert_eq!(cfg.server.requirepass.as_deref(), Some("s3cret with space"));
    assert_eq!(cfg.server.logfile, None, "empty logfile is unset");
}

#[test]
fn rich_file_drops_save_pins_hz_and_rewrites_aliases_in_place() {
    let cfg = ok(RICH);
    let out = rewrite(RICH, &cfg);
    assert!(!out.contains("\nsave "), "{out}");
    assert!(out.contains("\nhz 10\n"), "hz is never persisted: {out}");
    assert!(
        out.contains("\ndaemonize no\n"),
        "default kept in place: {out}"
    );
    assert!(!out.contains("known-slave"), "{out}");
    assert!(
        out.contains(
            "sentinel known-replica mymaster 127.0.0.1 6380\n\
             sentinel known-replica mymaster 127.0.0.1 6381\n"
        ),
        "{out}"
    );
    assert!(out.contains("sentinel auth-pass mymaster \"pa ss\\\"word\"\n"));
    assert!(!out.contains(SIGNATURE), "nothing new to append: {out}");
}

#[test]
fn sentinel_lines_for_a_new_master_follow_redis_order() {
    let mut cfg = ok("sentinel myid 0000000000000000000000000000000000000000\n");
    let mut m = config::MasterConfig::new("new", "10.1.1.1", 6379, 2);
    m.down_after_ms = 1000;
    m.parallel_syncs = 3;
    m.auth_pass = Some("pw".into());
    m.known_replicas.push(config::KnownReplica {
        host: "10.1.1.2".into(),
        port: 6379,
    });
    m.rename_commands.push(("CONFIG".into(), "C".into()));
    cfg.sentinel.masters.push(m);
    let out = rewrite(
        "# mine\nsentinel myid 0000000000000000000000000000000000000000\n",
        &cfg,
    );
    assert_eq!(
        out,
        "# mine\n\
         sentinel myid 0000000000000000000000000000000000000000\n\
         # Generated by CONFIG REWRITE\n\
         sentinel monitor new 10.1.1.1 6379 2\n\
         sentinel down-after-milliseconds new 1000\n\
         sentinel parallel-syncs new 3\n\
         sentinel auth-pass new pw\n\
         sentinel config-epoch new 0\n\
         sentinel leader-epoch new 0\n\
         sentinel known-replica new 10.1.1.2 6379\n\
         sentinel rename-command new CONFIG C\n\
         sentinel current-epoch 0\n"
    );
}

#[test]
fn removing_a_master_removes_its_lines_and_collapses_blank_lines() {
    let text = "# top\n\nsentinel monitor a 10.0.0.1 6379 2\n\nsentinel monitor b 10.0.0.2 6379 2\n\n# end\n";
    let mut cfg = ok(text);
    cfg.sentinel.masters.remove(0);
    let out = rewrite(text, &cfg);
    assert_eq!(
        out,
        "# top\n\nsentinel monitor b 10.0.0.2 6379 2\n\n# end\n\
         # Generated by CONFIG REWRITE\n\
         sentinel config-epoch b 0\nsentinel leader-epoch b 0\nsentinel current-epoch 0\n"
    );
}

#[test]
fn global_defaults_stay_in_place_but_are_not_added() {
    let text = "sentinel resolve-hostnames no\nloglevel notice\n";
    let cfg = ok(text);
    let out = rewrite(text, &cfg);
    assert!(out.starts_with(text), "{out}");
    assert!(!out.contains("deny-scripts-reconfig"), "{out}");
    assert!(!out.contains("announce-hostnames"), "{out}");
    assert!(!out.contains("protected-mode"), "{out}");
}

#[test]
fn signature_is_added_once() {
    let text = "port 1\n";
    let cfg = ok(text);
    let once = rewrite(text, &cfg);
    assert_eq!(once.matches(SIGNATURE).count(), 1);
    let mut more = cfg.clone();
    more.sentinel.announce_port = 5;
    let twice = rewrite(&once, &more);
    assert_eq!(twice.matches(SIGNATURE).count(), 1);
    assert!(twice.ends_with("sentinel announce-port 5\n"), "{twice}");
}

#[test]
fn unparsable_old_lines_become_comments() {
    let cfg = ConfigFile::default();
    let out = rewrite("port \"1\n", &cfg);
    assert!(out.starts_with("# ??? port \"1\n"), "{out}");
}

#[test]
fn comments_unknown_and_deprecated_lines_are_kept_verbatim() {
    let text = "  # indented comment\nlist-max-ziplist-entries 512\nsentinel\n";
    let cfg = ok(text);
    let out = rewrite(text, &cfg);
    assert!(
        out.starts_with("# indented comment\nlist-max-ziplist-entries 512\nsentinel\n"),
        "{out}"
    );
}

#[test]
fn directive_and_subcommand_names_are_case_insensitive_and_rewritten_in_place() {
    let text = "PORT 7000\nSENTINEL MONITOR m 1.2.3.4 6379 1\nSentinel Current-Epoch 2\n";
    let cfg = ok(text);
    assert_eq!(cfg.server.port, 7000);
    assert_eq!(cfg.sentinel.current_epoch, 2);
    let out = rewrite(text, &cfg);
    assert!(
        out.starts_with("port 7000\nsentinel monitor m 1.2.3.4 6379 1\nsentinel current-epoch 2\n"),
        "{out}"
    );
}

#[test]
fn crlf_files_load_and_rewrite_to_lf() {
    let text = "port 7000\r\nsentinel monitor m 1.2.3.4 6379 1\r\n";
    let cfg = ok(text);
    let out = rewrite(text, &cfg);
    assert!(!out.contains('\r'));
    assert_eq!(ok(&out), cfg);
}

#[test]
fn odd_strings_are_quoted_so_they_reload() {
    let mut cfg = ok("sentinel monitor m 1.2.3.4 6379 1\n");
    cfg.sentinel.masters[0].auth_pass = Some("a b\n'\"\\\u{1}é".into());
    cfg.sentinel.announce_ip = Some("host name".into());
    cfg.server
        .other
        .push(("tls-ciphers".into(), vec![String::new()]));
    let out = rewrite("", &cfg);
    assert_eq!(ok(&out), cfg, "{out}");
}

#[test]
fn default_values_are_not_added_and_per_master_defaults_are_dropped() {
    let text = "sentinel monitor m 1.2.3.4 6379 1\nsentinel down-after-milliseconds m 30000\nsentinel parallel-syncs m 1\nport 26379\n";
    let cfg = ok(text);
    let out = rewrite(text, &cfg);
    assert_eq!(
        out,
        "sentinel monitor m 1.2.3.4 6379 1\n\n\
         port 26379\n\
         # Generated by CONFIG REWRITE\n\
         sentinel config-epoch m 0\nsentinel leader-epoch m 0\nsentinel current-epoch 0\n"
    );
}

#[test]
fn operator_example_covers_every_directive() {
    let cfg = ok(OPERATOR_EXAMPLE);
    let m = &cfg.sentinel.masters[0];
    assert!(m.vip.is_some() && m.ping_period_ms.is_some());
    for sub in [
        "monitor",
        "down-after-milliseconds",
        "failover-timeout",
        "parallel-syncs",
        "notification-script",
        "client-reconfig-script",
        "auth-pass",
        "auth-user",
        "rename-command",
        "master-reboot-down-after-period",
        "ping-period",
        "vip",
        "announce-ip",
        "announce-port",
        "deny-scripts-reconfig",
        "resolve-hostnames",
        "announce-hostnames",
        "sentinel-user",
        "sentinel-pass",
    ] {
        assert!(
            OPERATOR_EXAMPLE.contains(&format!("\nsentinel {sub} ")),
            "{sub} not shown uncommented"
        );
    }
}

#[test]
fn fuzz_entry_holds_on_the_golden_files_and_odd_inputs() {
    for (_, text) in FILES {
        config::fuzz(text.as_bytes());
    }
    for odd in [
        &b""[..],
        b"\xff\xfe",
        b"port 1\n\n\n\nport 2\n",
        b"sentinel monitor m 1.2.3.4 6379 1\nsentinel known-sentinel m 1.2.3.4 1 x\n",
        b"sentinel monitor \"a b\" 1.2.3.4 6379 1\nsentinel auth-pass \"a b\" \"\"\n",
        b"bind \"\"\nlatency-tracking-info-percentiles\n",
        b"port 5\0junk\n# Generated by CONFIG REWRITE\n",
    ] {
        config::fuzz(odd);
    }
}

#[test]
fn ten_thousand_masters_load_and_rewrite() {
    let mut text = String::from("sentinel myid 0123456789012345678901234567890123456789\n");
    for i in 0..10_000u32 {
        let (a, b) = (i / 250, i % 250);
        text.push_str(&format!(
            "sentinel monitor m{i} 10.{a}.{b}.1 6379 2\n\
             sentinel down-after-milliseconds m{i} 1000\n\
             sentinel vip m{i} 172.16.{a}.{b} eth0\n\
             sentinel known-replica m{i} 10.{a}.{b}.2 6379\n"
        ));
    }
    let cfg = ok(&text);
    assert_eq!(cfg.sentinel.masters.len(), 10_000);
    let out = rewrite(&text, &cfg);
    assert_eq!(ok(&out), cfg);
}

/// The text `startup` loads: the file, then each command-line override as one more line.
fn with_overrides(file: &str, overrides: &[&str]) -> String {
    let mut full = file.to_string();
    for o in overrides {
        full.push_str(o);
        full.push('\n');
    }
    full
}

#[test]
fn a_single_value_directive_given_twice_is_one_line_with_the_last_value() {
    let text = "# head\ntcp-keepalive 10\n# mid\nsupervised no\ntcp-keepalive 20\n\
                supervised systemd\nsentinel current-epoch 0\n";
    let cfg = ok(text);
    assert_eq!(
        cfg.server.other,
        [
            ("tcp-keepalive".to_string(), vec!["20".to_string()]),
            ("supervised".into(), vec!["systemd".into()]),
        ]
    );
    let out = rewrite(text, &cfg);
    assert_eq!(
        out,
        "# head\ntcp-keepalive 20\n# mid\nsupervised systemd\n\nsentinel current-epoch 0\n"
    );
    assert_eq!(ok(&out), cfg);
    assert_eq!(rewrite(&out, &cfg), out);
}

#[test]
fn a_command_line_override_adds_no_line_at_each_start() {
    // Debian's unit starts `redis-sentinel sentinel.conf --supervised systemd --daemonize no`.
    let overrides = ["supervised \"systemd\"", "daemonize \"no\""];
    let mut file = "port 26380\nsentinel current-epoch 0\n".to_string();
    for start in 0..3 {
        let cfg = ok(&with_overrides(&file, &overrides));
        assert_eq!(cfg.server.supervised(), config::Supervised::Systemd);
        file = rewrite(&file, &cfg);
        assert_eq!(
            file.matches("supervised").count(),
            1,
            "start {start}: {file}"
        );
        assert_eq!(file.matches(SIGNATURE).count(), 1, "start {start}: {file}");
    }
    assert_eq!(
        file,
        format!("port 26380\nsentinel current-epoch 0\n{SIGNATURE}\nsupervised systemd\n")
    );
    // A file value the command line overrides is rewritten in place with the effective one.
    let file = "supervised no\ntls-port 0\nsentinel current-epoch 0\n";
    let cfg = ok(&with_overrides(
        file,
        &["supervised \"systemd\"", "tls-port \"26390\""],
    ));
    assert_eq!(
        rewrite(file, &cfg),
        "supervised systemd\ntls-port 26390\nsentinel current-epoch 0\n"
    );
}

#[test]
fn accumulating_directives_keep_every_line() {
    let text = "rename-command FLUSHALL \"\"\nrename-command FLUSHDB \"\"\n\
                client-output-buffer-limit normal 0 0 0\n\
                client-output-buffer-limit pubsub 32mb 8mb 60\n\
                loadmodule /a.so\nloadmodule /b.so\nsentinel current-epoch 0\n";
    let cfg = ok(text);
    assert_eq!(cfg.server.other.len(), 6);
    assert_eq!(rewrite(text, &cfg), text);
}

#[test]
fn client_output_buffer_limit_keeps_the_last_line_per_class() {
    let text = "client-output-buffer-limit normal 1 2 3\n\
                client-output-buffer-limit slave 4 5 6\n\
                client-output-buffer-limit normal 7 8 9\n\
                client-output-buffer-limit replica 10 11 12\nsentinel current-epoch 0\n";
    let cfg = ok(text);
    assert_eq!(
        rewrite(text, &cfg),
        "client-output-buffer-limit normal 7 8 9\n\
         client-output-buffer-limit replica 10 11 12\n\nsentinel current-epoch 0\n"
    );
}

#[test]
fn aliases_are_one_config_written_under_its_name() {
    // What redis-server 7.0.15 --sentinel writes for these lines (checked by hand).
    let text = "# c1\nslave-priority 5\nhash-max-ziplist-entries 9\nslaveof 10.0.0.1 6379\n\
                # c2\nreplica-priority 7\nlua-time-limit 100\nsentinel current-epoch 0\n";
    let cfg = ok(text);
    let out = rewrite(text, &cfg);
    assert_eq!(
        out,
        "# c1\nreplica-priority 7\nhash-max-listpack-entries 9\nreplicaof 10.0.0.1 6379\n\
         # c2\n\nbusy-reply-threshold 100\nsentinel current-epoch 0\n"
    );
    assert_eq!(ok(&out), cfg);
    assert_eq!(rewrite(&out, &cfg), out);
}

#[test]
fn supervised_is_read_case_insensitively_and_defaults_to_no() {
    assert_eq!(ok("port 1\n").server.supervised(), config::Supervised::No);
    assert_eq!(
        ok("supervised AUTO\n").server.supervised(),
        config::Supervised::Auto
    );
    assert_eq!(
        ok("supervised upstart\n").server.supervised(),
        config::Supervised::Upstart
    );
}
