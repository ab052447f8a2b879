//! Stock redis-sentinel against the fleet: three sentinels discover the fleet's replica and
//! each other, then fail over a frozen fleet master; the fleet's promoted replica must report
//! role:master and every sentinel must publish `+switch-master`. Skipped (with a message) when
//! /usr/bin/redis-sentinel is not installed (`cargo xtask setup` installs it).

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use sentinel_benches::bench::conf::sentinel_conf;
use sentinel_benches::bench::events::{self, SharedLog};
use sentinel_benches::bench::procs::{FleetProc, SentinelProc};
use sentinel_benches::client::{Client, items, pairs, text};
use sentinel_benches::scenario::{Scenario, instance_ip};

const REDIS_SENTINEL: &str = "/usr/bin/redis-sentinel";
/// The fleet part is completed with a port per test process (see `scenario()`).
const SENTINELS: &str = "[sentinels]\ncount = 3\nquorum = 2\ndown_after_ms = 1000\n";

#[test]
fn redis_sentinel_fails_over_a_frozen_fleet_master() -> Result<()> {
    if !Path::new(REDIS_SENTINEL).is_file() {
        eprintln!("SKIPPED: {REDIS_SENTINEL} is not installed (run `cargo xtask setup`)");
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    tokio::task::LocalSet::new().block_on(&rt, scenario())
}

async fn scenario() -> Result<()> {
    // Addresses and ports unlikely to collide with a concurrent run of this test, a bench or
    // a local redis-server on *:6379.
    let salt = std::process::id() % 40;
    let prefix = 200 + salt as u8;
    let base_port = 27000 + 10 * salt as u16;
    let fleet_port = 17000 + salt as u16;
    let toml_text = format!(
        "name = 'test'\n[fleet]\nmasters = 1\nreplicas = 1\nport = {fleet_port}\n{SENTINELS}"
    );
    let dir = tempfile::tempdir()?;
    let scenario_path = dir.path().join("scenario.toml");
    std::fs::write(&scenario_path, &toml_text)?;
    let s = Scenario::parse(&toml_text)?;

    let mut fleet = FleetProc::start(
        Path::new(env!("CARGO_BIN_EXE_fleet")),
        &scenario_path,
        prefix,
        Duration::from_secs(30),
    )
    .await?;
    let log = SharedLog::default();
    let mut sentinels = Vec::new();
    let mut clients = Vec::new();
    for k in 0..3u16 {
        let port = base_port + k;
        let sdir = dir.path().join(format!("s{k}"));
        let conf = sentinel_conf(&s, prefix, port, &sdir);
        sentinels.push(SentinelProc::start(
            Path::new(REDIS_SENTINEL),
            &conf,
            &sdir,
            port,
        )?);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(10);
        events::collect(k as usize, addr, deadline, log.clone()).await?;
        clients.push(Client::connect_until(addr, deadline).await?);
    }

    let master = instance_ip(prefix, 0).to_string();
    let replica = instance_ip(prefix, 1).to_string();
    // Discovery: every sentinel lists the fleet's replica and the two other sentinels.
    for (k, c) in clients.iter_mut().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let replicas = c.call(&["SENTINEL", "REPLICAS", "m0"]).await?;
            let peers = c.call(&["SENTINEL", "SENTINELS", "m0"]).await?;
            let found = items(&replicas)
                .iter()
                .any(|r| pairs(r).iter().any(|(k, v)| k == "ip" && *v == replica));
            if found && items(&peers).len() == 2 {
                break;
            }
            if Instant::now() >= deadline {
                bail!("sentinel {k} did not discover the replica and its two peers in 30 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    let frozen_at = Instant::now();
    fleet.command("freeze m0").await?;

    let expected = format!("m0 {master} {fleet_port} {replica} {fleet_port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let firsts = log
            .borrow()
            .first_per_sentinel("+switch-master", "m0", frozen_at, 3);
        if firsts.iter().all(Option::is_some) {
            break;
        }
        if Instant::now() >= deadline {
            bail!("not every sentinel published +switch-master within 60 s: {firsts:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    {
        let l = log.borrow();
        let switches: Vec<&str> = l
            .events
            .iter()
            .filter(|e| e.channel == "+switch-master")
            .map(|e| e.payload.as_str())
            .collect();
        assert!(switches.iter().all(|p| *p == expected), "{switches:?}");
        assert!(
            l.events.iter().any(|e| e.channel == "+odown"),
            "no +odown before the switch"
        );
    }

    // The fleet's promoted replica reports role:master.
    let mut r = Client::connect(format!("{replica}:{fleet_port}").parse()?).await?;
    let role = r.call(&["ROLE"]).await?;
    assert_eq!(items(&role).first().map(text).as_deref(), Some("master"));
    let addr = clients[0]
        .call(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m0"])
        .await?;
    let addr: Vec<String> = items(&addr).iter().map(text).collect();
    assert_eq!(addr, [replica.clone(), fleet_port.to_string()]);
    for (k, sp) in sentinels.iter_mut().enumerate() {
        if let Some(st) = sp.exited() {
            bail!("sentinel {k} exited during the test: {st}");
        }
    }
    drop(fleet);
    Ok(())
}
