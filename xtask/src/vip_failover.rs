//! `cargo xtask itest vip-failover` (root): the VIP follows the master across a real failover
//! and a partitioned master is fenced in the kernel.
//!
//! The network of `vip_net` (3 hosts with redis-server and our sentinel, VIP 10.210.0.100 on
//! their eth0, lease 500 ms, down-after 1000 ms; a client writing through the VIP):
//!
//! 1. The VIP is on host 1 (the master) and writes succeed.
//! 2. redis-server on host 1 is killed: the VIP moves to the promoted replica's host and
//!    writes resume there.
//! 3. That host and the client are cut off from the other two (moved to a second bridge):
//!    no write sent after one lease may be acknowledged (counted: must be 0), while its
//!    redis-server is alive and takes writes locally.
//! 4. `SENTINEL REMOVE` on that host: the program leaves its eth0 and the VIP leaves its `lo`.
//!
//! Figures over many failovers: `cargo xtask vip-bench` (xtask/src/vip_bench.rs).

use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::util;
use crate::vip_net::{
    HOSTS, LEASE_MS, NS_BRIDGE, VIP, World, Write1, Writer, in_ns, ip, kill_master, ns_host,
    redis_cli, wait_discovery, wait_for,
};

pub fn vip_owned_on(i: usize) -> bool {
    redis_cli(&ns_host(i), "127.0.0.1", 26379, &["info", "vip"])
        .is_some_and(|s| s.contains("status=owned"))
}

/// The `sentinel vip` line of the XDP setup.
pub fn vip_conf_line() -> String {
    format!("sentinel vip mymaster {VIP} eth0 {LEASE_MS} 3\n")
}

pub fn run() -> Result<()> {
    let started = Instant::now();
    if !util::on_path("redis-server") || !util::on_path("redis-cli") {
        bail!("redis-server/redis-cli missing: run `cargo xtask setup`");
    }
    eprintln!("itest vip-failover: building the sentinel");
    util::run(
        util::cargo()
            .args(["build", "-p", "sentinel-cli", "--bin", "sentinel"])
            .env("SENTINEL_EBPF_REQUIRED", "1"),
    )?;
    let bin = crate::bins::target_dir().join("debug/sentinel");
    let dir = std::env::temp_dir().join(format!("sentinel-vip-failover-{}", std::process::id()));
    let mut world = World::new(dir.clone())?;
    world.xdp_pass(&bin)?;
    for i in 1..=HOSTS {
        world.redis(i, (i != 1).then_some(1))?;
        world.sentinel(i, &bin, &vip_conf_line())?;
    }

    let result = scenario(&mut world, started);
    if result.is_err() {
        eprintln!("itest vip-failover: logs kept in {}", dir.display());
        // Keep the logs: World's drop only removes processes and namespaces.
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn scenario(world: &mut World, started: Instant) -> Result<()> {
    wait_for("the VIP on host 1", Duration::from_secs(20), || {
        vip_owned_on(1)
    })?;
    // Failovers need every sentinel to know the replicas and the other sentinels.
    wait_discovery()?;
    let writer = Writer::start(Duration::from_secs(120));
    let t0 = Instant::now();
    wait_for("writes through the VIP", Duration::from_secs(5), || {
        writer.acked_after(t0) >= 10
    })?;
    eprintln!("itest vip-failover: VIP on host 1, writes flowing");

    // 2. Kill the master's redis-server.
    let f = kill_master(world, &writer, 1)?;
    let new = f.new;
    if !vip_owned_on(new) {
        bail!("host {new}'s redis is the master but its sentinel does not own the VIP");
    }
    if vip_owned_on(1) {
        bail!("host 1 still owns the VIP after the failover");
    }
    eprintln!(
        "itest vip-failover: VIP moved from host 1 to host {new}; client-observed write gap \
         {} ms",
        f.gap.as_millis()
    );

    // 3. Partition the new master's host and the client from the other two.
    for port in [format!("p{new}"), "pc".to_string()] {
        ip(Some(NS_BRIDGE), &["link", "set", &port, "master", "br1"])?;
    }
    let t_cut = Instant::now();
    let fence = t_cut + Duration::from_millis(LEASE_MS + 20);
    std::thread::sleep(Duration::from_millis(LEASE_MS + 2_500));
    let l = writer.stop()?;
    let (late_acks, late_writes, late_connects, in_lease_acks) = {
        let late: Vec<&Write1> = l.iter().filter(|w| w.sent > fence).collect();
        (
            late.iter().filter(|w| w.acked.is_some()).count(),
            late.iter().filter(|w| w.written).count(),
            late.iter().filter(|w| !w.written).count(),
            l.iter()
                .filter(|w| w.sent > t_cut && w.sent <= fence && w.acked.is_some())
                .count(),
        )
    };
    // The partitioned master is alive and would take writes: the fence is the XDP program.
    let local = redis_cli(&ns_host(new), "127.0.0.1", 6379, &["rpush", "probe", "1"]);
    let fenced_log = std::fs::read_to_string(world.dir.join(format!("sentinel-{new}.log")))
        .unwrap_or_default()
        .contains("+vip-fenced");
    eprintln!(
        "itest vip-failover: partitioned: {in_lease_acks} writes acknowledged within the \
         lease; after it: {late_acks} acknowledged, {late_writes} writes sent and \
         {late_connects} connection attempts through the VIP; local write on the partitioned master: {:?}; +vip-fenced \
         logged: {fenced_log}; total {:.1} s",
        local.as_deref().map(str::trim),
        started.elapsed().as_secs_f64()
    );
    if late_writes + late_connects == 0 {
        bail!("the client made no attempt after the lease: the test proves nothing");
    }
    if late_acks != 0 {
        bail!("{late_acks} writes acknowledged through the VIP after the lease expired");
    }
    if local.is_none_or(|s| !s.trim().chars().all(|c| c.is_ascii_digit())) {
        bail!("the partitioned master did not take a local write: the test proves nothing");
    }
    if !fenced_log {
        bail!("sentinel {new} did not log +vip-fenced");
    }

    // 4. Removing the master takes the VIP out of service on that host: no program on the
    //    interface, no VIP on lo.
    let host = ns_host(new);
    let show = |args: &[&str]| {
        let mut cmd = in_ns(&host, "ip");
        cmd.args(args);
        util::probe(&mut cmd).unwrap_or_default()
    };
    if !show(&["link", "show", "eth0"]).contains("xdp")
        || !show(&["addr", "show", "lo"]).contains(VIP)
    {
        bail!("before SENTINEL REMOVE: no program on eth0 or no VIP on lo of host {new}");
    }
    let removed = redis_cli(
        &ns_host(new),
        "127.0.0.1",
        26379,
        &["sentinel", "remove", "mymaster"],
    );
    if removed.as_deref().map(str::trim) != Some("OK") {
        bail!("SENTINEL REMOVE on host {new} answered {removed:?}");
    }
    wait_for(
        "the VIP program to leave eth0 and the VIP to leave lo",
        Duration::from_secs(5),
        || {
            !show(&["link", "show", "eth0"]).contains("xdp")
                && !show(&["addr", "show", "lo"]).contains(VIP)
        },
    )?;
    eprintln!("itest vip-failover: SENTINEL REMOVE detached the program and removed the VIP");
    eprintln!("itest vip-failover: ok");
    Ok(())
}
