use super::*;

// Captured from Debian's redis-server 7.0.15 (`redis-cli info` against a master with two
// replicas on 127.0.0.1; one replica with `replica-priority 50`, one with
// `replica-announced no`), CRLF line ends preserved.
const MASTER: &[u8] = include_bytes!("testdata/master_7_0_15.txt");
const REPLICA_UP: &[u8] = include_bytes!("testdata/replica_up_7_0_15.txt");
const REPLICA_UNANNOUNCED: &[u8] = include_bytes!("testdata/replica_unannounced_7_0_15.txt");
const REPLICA_SYNCING: &[u8] = include_bytes!("testdata/replica_syncing_7_0_15.txt");
const REPLICA_LINK_DOWN: &[u8] = include_bytes!("testdata/replica_link_down_7_0_15.txt");

fn replica(text: &[u8]) -> ReplicaState {
    InfoReport::parse(text)
        .replica_state()
        .cloned()
        .expect("role:slave")
}

fn entry(ip: &str, port: u16) -> ReplicaEntry {
    ReplicaEntry {
        ip: ip.to_owned(),
        port,
        state: None,
        offset: None,
        lag: None,
    }
}

#[test]
fn captured_master() {
    let report = InfoReport::parse(MASTER);
    assert_eq!(report.role, Role::Master);
    assert_eq!(
        report.run_id.as_deref(),
        Some("2995cf44ca6b0bdf275a596a925b1841e830ca72")
    );
    assert_eq!(report.redis_version.as_deref(), Some("7.0.15"));
    assert_eq!(report.master_link_down_since_seconds, None);
    assert_eq!(report.master_link_down_time_ms(), 0);
    let online = |port| ReplicaEntry {
        state: Some("online".to_owned()),
        offset: Some(368),
        ..entry("127.0.0.1", port)
    };
    assert_eq!(
        report.replicas,
        vec![
            ReplicaEntry {
                lag: Some(1),
                ..online(27412)
            },
            ReplicaEntry {
                lag: Some(0),
                ..online(27413)
            },
        ]
    );
}

#[test]
fn captured_replicas() {
    let to_master = |link, priority, offset, announced| ReplicaState {
        master_host: Some("127.0.0.1".to_owned()),
        master_port: Some(27411),
        master_link_status: link,
        slave_priority: priority,
        slave_repl_offset: offset,
        replica_announced: announced,
    };
    // (text, master_link_down_since_seconds, replica state)
    let table: [(&[u8], Option<i64>, ReplicaState); 4] = [
        (REPLICA_UP, None, to_master(LinkStatus::Up, 50, 368, true)),
        (
            REPLICA_UNANNOUNCED,
            None,
            to_master(LinkStatus::Up, 100, 368, false),
        ),
        // Redis 7.0 reports -1 while the replica has never completed a sync.
        (
            REPLICA_SYNCING,
            Some(-1),
            to_master(LinkStatus::Down, 50, 1, true),
        ),
        (
            REPLICA_LINK_DOWN,
            Some(3),
            to_master(LinkStatus::Down, 50, 368, true),
        ),
    ];
    for (text, down_since, state) in table {
        let report = InfoReport::parse(text);
        assert_eq!(report.run_id.as_ref().map(String::len), Some(RUN_ID_LEN));
        assert_eq!(report.redis_version.as_deref(), Some("7.0.15"));
        assert_eq!(report.master_link_down_since_seconds, down_since);
        assert!(report.replicas.is_empty());
        assert_eq!(report.role, Role::Replica(state));
    }
    assert_eq!(
        InfoReport::parse(REPLICA_UP).run_id.as_deref(),
        Some("a9eee867f9debee0b42dd6e0bdf1919898c31a98")
    );
}

#[test]
fn link_down_time_in_milliseconds_like_redis() {
    assert_eq!(
        InfoReport::parse(REPLICA_LINK_DOWN).master_link_down_time_ms(),
        3000
    );
    assert_eq!(
        InfoReport::parse(REPLICA_SYNCING).master_link_down_time_ms(),
        -1000
    );
    let huge = InfoReport::parse(b"master_link_down_since_seconds:9223372036854775807\r\n");
    assert_eq!(huge.master_link_down_time_ms(), i64::MAX);
}

#[test]
fn instance_wide_fields_table() {
    let forty_a = "a".repeat(40);
    let forty_b = "B".repeat(40);
    let down_since = |s| InfoReport {
        master_link_down_since_seconds: Some(s),
        ..InfoReport::default()
    };
    // (text, expected report)
    let table: Vec<(String, InfoReport)> = vec![
        // Read whatever the role, before or after the role line.
        (
            "master_link_down_since_seconds:12\r\nrole:master\r\n".into(),
            InfoReport {
                role: Role::Master,
                ..down_since(12)
            },
        ),
        ("master_link_down_since_seconds:0\r\n".into(), down_since(0)),
        (
            "master_link_down_since_seconds:x\r\n".into(),
            InfoReport::default(),
        ),
        (
            "master_link_down_since_seconds:\r\n".into(),
            InfoReport::default(),
        ),
        ("redis_version:\r\n".into(), InfoReport::default()),
        (
            "redis_version:7.2.4\r\n".into(),
            InfoReport {
                redis_version: Some("7.2.4".into()),
                ..InfoReport::default()
            },
        ),
        // The last valid run_id wins; a malformed later one does not clear it.
        (
            format!("run_id:{forty_a}\r\nrun_id:{forty_b}\r\nrun_id:short\r\n"),
            InfoReport {
                run_id: Some(forty_b.clone()),
                ..InfoReport::default()
            },
        ),
    ];
    for (text, want) in &table {
        assert_eq!(&InfoReport::parse(text.as_bytes()), want, "{text:?}");
    }
}

#[test]
fn lf_only_text_parses_like_crlf() {
    let lf: Vec<u8> = MASTER.iter().copied().filter(|&b| b != b'\r').collect();
    assert_eq!(InfoReport::parse(&lf), InfoReport::parse(MASTER));
    let lf: Vec<u8> = REPLICA_UP.iter().copied().filter(|&b| b != b'\r').collect();
    assert_eq!(InfoReport::parse(&lf), InfoReport::parse(REPLICA_UP));
}

#[test]
fn replica_fields_count_only_after_role_slave() {
    // Order dependent, as sentinelRefreshInstanceInfo: the lines before `role:slave` are
    // not replica fields yet.
    let text = b"master_host:10.0.0.9\r\nslave_priority:7\r\nrole:slave\r\nmaster_port:6380\r\n";
    let state = replica(text);
    assert_eq!(state.master_host, None);
    assert_eq!(state.master_port, Some(6380));
    assert_eq!(state.slave_priority, DEFAULT_REPLICA_PRIORITY);
}

#[test]
fn later_role_master_wins_and_drops_replica_state() {
    let text = b"role:slave\r\nmaster_host:10.0.0.1\r\nrole:master\r\nslave_priority:1\r\n";
    assert_eq!(InfoReport::parse(text).role, Role::Master);
}

#[test]
fn second_role_slave_section_continues_the_first() {
    let text =
        b"role:slave\nslave_priority:5\nrole:master\nslave_priority:6\nrole:slave\nmaster_port:1\n";
    let state = replica(text);
    assert_eq!(state.slave_priority, 5);
    assert_eq!(state.master_port, Some(1));
}

#[test]
fn unknown_role_values_do_not_change_the_role() {
    assert_eq!(InfoReport::parse(b"role:sentinel\r\n").role, Role::Unknown);
    assert_eq!(
        InfoReport::parse(b"role:master\r\nrole:sentinel\r\n").role,
        Role::Master
    );
    assert_eq!(InfoReport::parse(b"role:masterful\r\n").role, Role::Unknown);
    assert_eq!(InfoReport::parse(b"role: slave\r\n").role, Role::Unknown);
}

#[test]
fn replica_defaults_when_only_role_is_given() {
    let state = replica(b"role:slave\r\n");
    assert_eq!(state, ReplicaState::default());
    assert_eq!(state.slave_priority, 100);
    assert!(state.replica_announced);
    assert_eq!(state.master_link_status, LinkStatus::Down);
}

#[test]
fn replica_field_values_table() {
    // (line after role:slave, check)
    type Check = fn(&ReplicaState) -> bool;
    let table: &[(&str, Check)] = &[
        ("master_link_status:up", |s| {
            s.master_link_status == LinkStatus::Up
        }),
        ("master_link_status:UP", |s| {
            s.master_link_status == LinkStatus::Up
        }),
        ("master_link_status:down", |s| {
            s.master_link_status == LinkStatus::Down
        }),
        ("master_link_status:sideways", |s| {
            s.master_link_status == LinkStatus::Down
        }),
        ("master_port:65535", |s| s.master_port == Some(65535)),
        ("master_port:65536", |s| s.master_port.is_none()),
        ("master_port:63x", |s| s.master_port.is_none()),
        ("master_host:", |s| s.master_host.is_none()),
        ("master_host:redis-1.example", |s| {
            s.master_host.as_deref() == Some("redis-1.example")
        }),
        ("slave_priority:0", |s| s.slave_priority == 0),
        ("slave_priority:-3", |s| s.slave_priority == 100),
        ("slave_priority:ten", |s| s.slave_priority == 100),
        ("slave_repl_offset:18446744073709551615", |s| {
            s.slave_repl_offset == u64::MAX
        }),
        ("slave_repl_offset:-1", |s| s.slave_repl_offset == 0),
        ("replica_announced:0", |s| !s.replica_announced),
        ("replica_announced:1", |s| s.replica_announced),
        ("replica_announced:2", |s| s.replica_announced),
        ("replica_announced:no", |s| s.replica_announced),
    ];
    for (line, check) in table {
        let text = format!("# Replication\r\nrole:slave\r\n{line}\r\n");
        let state = replica(text.as_bytes());
        assert!(check(&state), "{line}: {state:?}");
    }
}

#[test]
fn run_id_needs_exactly_forty_printable_chars() {
    let forty = "0123456789abcdef0123456789abcdef01234567";
    let table: &[(String, Option<&str>)] = &[
        (format!("run_id:{forty}"), Some(forty)),
        (format!("run_id:{forty}8"), None),
        (format!("run_id:{}", &forty[..39]), None),
        (format!("run_id:{} ", &forty[..39]), None),
        ("run_id:".to_owned(), None),
        (format!("run_id :{forty}"), None),
    ];
    for (line, want) in table {
        let report = InfoReport::parse(format!("{line}\r\n").as_bytes());
        assert_eq!(report.run_id.as_deref(), *want, "{line}");
    }
}

#[test]
fn replica_lines_both_formats() {
    let table: &[(&str, Option<ReplicaEntry>)] = &[
        (
            "slave0:ip=10.0.0.2,port=6380,state=online,offset=1234,lag=0",
            Some(ReplicaEntry {
                state: Some("online".into()),
                offset: Some(1234),
                lag: Some(0),
                ..entry("10.0.0.2", 6380)
            }),
        ),
        // Field order does not matter; unknown fields are ignored.
        (
            "slave12:port=7000,future=x,ip=fe80::1%eth0",
            Some(entry("fe80::1%eth0", 7000)),
        ),
        (
            "slave1:10.0.0.3,6381,online",
            Some(ReplicaEntry {
                state: Some("online".into()),
                ..entry("10.0.0.3", 6381)
            }),
        ),
        (
            "slave2:replica-2.svc.local,6379,send_bulk,extra",
            Some(ReplicaEntry {
                state: Some("send_bulk".into()),
                ..entry("replica-2.svc.local", 6379)
            }),
        ),
        // Old format needs the state field (two commas), as sentinel.c.
        ("slave3:10.0.0.4,6382", None),
        ("slave4:ip=10.0.0.5,state=online", None),
        ("slave5:ip=,port=6379", None),
        ("slave6:ip=10.0.0.6,port=0", None),
        ("slave7:ip=10.0.0.7,port=70000", None),
        ("slave8:ip=10.0.0.8,port=63a", None),
        ("slave9:ip=10.0.0.9 x,port=6379", None),
        ("slave10:,6379,online", None),
        // Malformed optional fields do not lose the replica.
        (
            "slave11:ip=10.0.0.10,port=6379,offset=x,lag=-",
            Some(entry("10.0.0.10", 6379)),
        ),
    ];
    for (line, want) in table {
        let report = InfoReport::parse(format!("role:master\r\n{line}\r\n").as_bytes());
        assert_eq!(report.replicas.first(), want.as_ref(), "{line}");
        assert!(report.replicas.len() <= 1);
    }
}

#[test]
fn only_slave_digit_keys_are_replica_lines() {
    let text = b"slave:ip=1.1.1.1,port=1\r\nslave_repl_offset:5\r\nslavex:ip=1.1.1.1,port=2\r\n\
                 slave0x:ip=1.1.1.1,port=3\r\nslaves0:ip=1.1.1.1,port=4\r\n";
    assert!(InfoReport::parse(text).replicas.is_empty());
}

#[test]
fn replica_lines_kept_in_order_with_duplicates_and_any_role() {
    // A chained replica lists its own replicas; sentinel.c reads them when the instance is
    // configured as a master, whatever it reports, so the parser keeps them.
    let text = b"role:slave\r\nslave0:ip=10.0.0.2,port=1\r\nslave1:ip=10.0.0.1,port=1\r\n\
                 slave2:ip=10.0.0.2,port=1\r\n";
    let report = InfoReport::parse(text);
    assert!(matches!(report.role, Role::Replica(_)));
    assert_eq!(
        report.replicas,
        vec![
            entry("10.0.0.2", 1),
            entry("10.0.0.1", 1),
            entry("10.0.0.2", 1)
        ]
    );
}

#[test]
fn garbage_gives_an_empty_report() {
    let table: &[&[u8]] = &[
        b"",
        b"\r\n\r\n",
        b"\xff\xfe:\x00\r\n",
        b":::::",
        b"# Server\r\n# Replication\r\n",
        b"run_id:\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\
          \xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\r\n",
        b"redis_version:\xc3\x28\r\n",
        b"-ERR unknown command 'INFO'\r\n",
    ];
    for text in table {
        assert_eq!(InfoReport::parse(text), InfoReport::default(), "{text:?}");
        fuzz(text);
    }
}

#[test]
fn missing_final_newline_and_bare_cr_lines() {
    let report = InfoReport::parse(b"role:slave\r\nslave_priority:9");
    assert_eq!(report.replica_state().map(|s| s.slave_priority), Some(9));
    // Only one CR is stripped: `up\r` is not `up`.
    let state = replica(b"role:slave\r\nmaster_link_status:up\r\r\n");
    assert_eq!(state.master_link_status, LinkStatus::Down);
}

#[test]
fn link_status_reply_spelling() {
    assert_eq!(LinkStatus::Up.as_reply_str(), "ok");
    assert_eq!(LinkStatus::Down.as_reply_str(), "err");
}

#[test]
fn host_validation_table() {
    let table = [
        ("10.0.0.1", true),
        ("::1", true),
        ("fe80::1%eth0", true),
        ("redis_1.example-host.local", true),
        ("", false),
        ("10.0.0.1 ", false),
        ("a,b", false),
        ("host\n", false),
        ("[::1]", false),
        ("ünïcode", false),
    ];
    for (host, ok) in table {
        assert_eq!(is_valid_host(host), ok, "{host:?}");
    }
    assert!(is_valid_host(&"a".repeat(HOST_LEN_MAX)));
    assert!(!is_valid_host(&"a".repeat(HOST_LEN_MAX + 1)));
}

#[test]
fn fuzz_entry_holds_on_captures_and_mutations() {
    for text in [MASTER, REPLICA_UP, REPLICA_SYNCING, REPLICA_LINK_DOWN] {
        fuzz(text);
        let lf: Vec<u8> = text.iter().copied().filter(|&b| b != b'\r').collect();
        fuzz(&lf);
        for cut in (0..text.len()).step_by(97) {
            fuzz(&text[..cut]);
        }
    }
}

proptest::proptest! {
    #[test]
    fn parse_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        fuzz(&data);
    }

    #[test]
    fn parse_never_panics_on_info_like_lines(
        lines in proptest::collection::vec(
            "(role|run_id|slave[0-9]|master_host|master_port|slave_priority|\
              master_link_down_since_seconds|replica_announced)?:[ -~]{0,48}",
            0..16,
        )
    ) {
        fuzz(lines.join("\n").as_bytes());
    }
}
