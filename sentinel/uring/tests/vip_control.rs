//! The driver side of VIP removal: a shard carries the core's decisions out through
//! `VipControl`. A lone sentinel (quorum 1) whose master is on loopback owns its VIP at once;
//! `SENTINEL REMOVE` must then release it and tell the control to forget it.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sentinel_core::config::{ConfigFile, MasterConfig, SentinelConfig, VipConfig};
use sentinel_core::event::Level;
use sentinel_core::{Limits, SentinelParams, Timing};
use sentinel_uring::procinfo::ProcessFacts;
use sentinel_uring::{Clock, Logger, ProcessControl, ShardSpec, VipControl, shard};

const VIP: Ipv4Addr = Ipv4Addr::new(10, 254, 0, 100);

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn calls(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl VipControl for Recorder {
    fn own(&self, vip: Ipv4Addr, iface: &str, _: Duration, announce: u32) -> Result<(), String> {
        let kind = if announce > 0 { "take" } else { "renew" };
        self.0.lock().unwrap().push(format!("{kind} {vip} {iface}"));
        Ok(())
    }
    fn release(&self, vip: Ipv4Addr, iface: &str) -> Result<(), String> {
        self.0
            .lock()
            .unwrap()
            .push(format!("release {vip} {iface}"));
        Ok(())
    }
    fn forget(&self, vip: Ipv4Addr, iface: &str) -> Result<(), String> {
        self.0.lock().unwrap().push(format!("forget {vip} {iface}"));
        Ok(())
    }
}

struct NoProcess;

impl ProcessControl for NoProcess {
    fn shutdown(&self) {}
    fn exit(&self, _: i32) {}
}

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn sentinel_remove_releases_and_forgets_the_vip() {
    // A master on loopback that does not answer: it is still "on this host".
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let master_port = dead.local_addr().unwrap().port();
    drop(dead);
    let mut m = MasterConfig::new("mymaster", "127.0.0.1", master_port, 1);
    m.down_after_ms = 60_000;
    m.vip = Some(VipConfig {
        addr: VIP,
        interface: "eth9".into(),
        lease_ms: Some(1000),
        garp_count: None,
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let recorder = Arc::new(Recorder::default());
    let spec = ShardSpec {
        index: 0,
        params: SentinelParams {
            myid: "0123456789012345678901234567890123456789".into(),
            port,
            announce_ip: None,
            current_epoch: 0,
            timing: Timing::default(),
            limits: Limits::default(),
            seed: 7,
        },
        config: SentinelConfig {
            masters: vec![m],
            ..SentinelConfig::default()
        },
        file: ConfigFile::default(),
        acl: None,
        process_facts: ProcessFacts {
            run_id: "0123456789012345678901234567890123456789".into(),
            tcp_port: port,
            config_file: String::new(),
            started: Instant::now(),
            supervised: "no",
        },
        listeners: vec![listener],
        tls_listeners: Vec::new(),
        unix_listener: None,
        tls: None,
        connect_timeout: Duration::from_millis(200),
        logger: Arc::new(Logger::open(None, Level::Warning).unwrap()),
        persister: None,
        clock: Clock::new(),
        process: Arc::new(NoProcess),
        vip: Some(recorder.clone()),
        epoch: sentinel_core::EpochCounter::new(0),
    };
    let handle = shard::spawn(spec).unwrap();
    let take = format!("take {VIP} eth9");
    assert!(
        wait_until(Duration::from_secs(5), || recorder.calls().contains(&take)),
        "{:?}",
        recorder.calls()
    );

    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    conn.write_all(b"*3\r\n$8\r\nSENTINEL\r\n$6\r\nREMOVE\r\n$8\r\nmymaster\r\n")
        .unwrap();
    let mut line = String::new();
    BufReader::new(&conn).read_line(&mut line).unwrap();
    assert_eq!(line, "+OK\r\n");

    let release = format!("release {VIP} eth9");
    let forget = format!("forget {VIP} eth9");
    assert!(
        wait_until(Duration::from_secs(5), || recorder
            .calls()
            .contains(&forget)),
        "{:?}",
        recorder.calls()
    );
    let calls = recorder.calls();
    let at = |what: &str| calls.iter().position(|c| c == what);
    assert!(at(&release) < at(&forget), "{calls:?}");
    // Nothing is renewed after the VIP is gone.
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(recorder.calls().last(), Some(&forget));
    handle.shutdown();
}
