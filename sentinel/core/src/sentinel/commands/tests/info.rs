//! INFO section selection and contents.

use super::*;

#[test]
fn info_section_selection_follows_13_info_command() {
    let mut s = sentinel();
    add_master(&mut s, "mymaster", 6379);
    let info = |s: &mut Sentinel, a: &[&str]| text_of(&reply(s, a));
    for a in [
        &["INFO"][..],
        &["INFO", "all"],
        &["INFO", "default"],
        &["INFO", "everything"],
    ] {
        let i = info(&mut s, a);
        for present in [
            "redis_version",
            "maxclients",
            "used_cpu_user",
            "sentinel_tilt",
            "redis_mode:sentinel",
        ] {
            assert!(i.contains(present), "{a:?} lacks {present}");
        }
        for absent in [
            "used_memory",
            "rdb_last_bgsave",
            "master_repl_offset",
            "cluster_enabled",
        ] {
            assert!(!i.contains(absent), "{a:?} has {absent}");
        }
        assert!(i.contains(
            "master0:name=mymaster,status=ok,address=127.0.0.1:6379,slaves=0,sentinels=1\r\n"
        ));
    }
    let cpu = info(&mut s, &["INFO", "cpu"]);
    assert!(cpu.starts_with("# CPU\r\n") && cpu.contains("used_cpu_user"));
    assert!(!cpu.contains("redis_version") && !cpu.contains("sentinel_tilt"));
    let sen = info(&mut s, &["INFO", "SENTINEL"]);
    assert!(sen.starts_with("# Sentinel\r\n") && !sen.contains("used_cpu_user"));
    let multi = info(&mut s, &["INFO", "server", "sentinel", "replication"]);
    assert!(multi.contains("redis_version") && multi.contains("sentinel_tilt"));
    assert!(!multi.contains("master_repl_offset") && !multi.contains("used_cpu_user"));
    assert!(multi.contains("io_threads_active:0\r\n\r\n# Sentinel\r\n"));
    let cpu_all = info(&mut s, &["INFO", "cpu", "all"]);
    assert!(cpu_all.contains("redis_version") && cpu_all.contains("sentinel_tilt"));
    assert_eq!(info(&mut s, &["INFO", "memory"]), "");
}

#[test]
fn info_uses_process_info() {
    let mut s = sentinel();
    s.set_process_info(crate::ProcessInfo {
        process_id: 4242,
        supervised: "systemd",
        tcp_port: 26379,
        used_cpu_user: 1.5,
        config_file: "/etc/sentinel.conf".into(),
        ..Default::default()
    });
    let i = text_of(&reply(&mut s, &["INFO"]));
    assert!(i.contains("process_id:4242\r\nprocess_supervised:systemd\r\n"));
    assert!(i.contains("used_cpu_user:1.500000\r\n"));
    assert!(i.contains("config_file:/etc/sentinel.conf\r\n"));
    assert!(i.contains("connected_clients:1\r\n"));
    assert!(i.contains("maxclients:10000\r\n"));
}

#[test]
fn info_reports_tilt() {
    let mut s = sentinel();
    let info = text_of(&reply(&mut s, &["INFO", "sentinel"]));
    assert!(info.contains("sentinel_tilt:0\r\nsentinel_tilt_since_seconds:-1\r\n"));
    s.observe_wall_clock(ms(0), crate::time::WallMillis(1_000_000));
    s.observe_wall_clock(ms(100), crate::time::WallMillis(9_000_000));
    assert!(s.in_tilt());
    let info = text_of(&reply(&mut s, &["INFO", "sentinel"]));
    assert!(info.contains("sentinel_tilt:1\r\n"), "{info}");
    assert!(info.contains("sentinel_tilt_since_seconds:0\r\n"), "{info}");
}

#[test]
fn info_shows_master_addresses_like_the_instance_maps() {
    let mut s = monitoring_a_hostname(|h| (h == "db.example").then(|| "10.1.2.3".to_string()));
    let line = "master0:name=h,status=ok,address=10.1.2.3:6379,slaves=0,sentinels=1\r\n";
    assert!(text_of(&reply(&mut s, &["INFO", "sentinel"])).contains(line));
    reply(
        &mut s,
        &["SENTINEL", "CONFIG", "SET", "announce-hostnames", "yes"],
    );
    let line = "master0:name=h,status=ok,address=db.example:6379,slaves=0,sentinels=1\r\n";
    assert!(text_of(&reply(&mut s, &["INFO", "sentinel"])).contains(line));
}
