//! `cargo xtask itest vip-failover` (root): the VIP follows the master across a real failover
//! and a partitioned master is fenced in the kernel.
//!
//! A bridge namespace and three host namespaces (10.210.0.1-3), each host with a redis-server
//! and our sentinel (VIP 10.210.0.100 on its veth, lease 500 ms, down-after 1000 ms), the XDP
//! pass program on the bridge-side ports (veth XDP_TX needs one on the peer), and a client
//! namespace (10.210.0.50) writing `RPUSH log <seq>` through the VIP in a bounded loop.
//!
//! 1. The VIP is on host 1 (the master) and writes succeed.
//! 2. redis-server on host 1 is killed: the VIP moves to the promoted replica's host and
//!    writes resume there.
//! 3. That host and the client are cut off from the other two (moved to a second bridge):
//!    no write sent after one lease may be acknowledged (counted: must be 0), while its
//!    redis-server is alive and takes writes locally.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util;

const NS_BRIDGE: &str = "svf-br";
const NS_CLIENT: &str = "svf-c";
const HOSTS: usize = 3;
const VIP: &str = "10.210.0.100";
const LEASE_MS: u64 = 500;

fn ns_host(i: usize) -> String {
    format!("svf-h{i}")
}

fn addr_host(i: usize) -> String {
    format!("10.210.0.{i}")
}

/// One write attempt of the client.
#[derive(Clone, Copy, Debug)]
struct Write1 {
    /// A write sent (false: only a connection attempt, which failed).
    written: bool,
    sent: Instant,
    acked: Option<Instant>,
}

/// Everything the test started; torn down in `Drop` however the test ends.
struct World {
    dir: PathBuf,
    children: Vec<(String, Child)>,
}

impl Drop for World {
    fn drop(&mut self) {
        for (_, c) in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        delete_namespaces();
    }
}

fn delete_namespaces() {
    let mut names = vec![NS_BRIDGE.to_string(), NS_CLIENT.to_string()];
    names.extend((1..=HOSTS).map(ns_host));
    for ns in names {
        let _ = Command::new("ip")
            .args(["netns", "del", &ns])
            .stderr(Stdio::null())
            .status();
    }
}

fn ip(ns: Option<&str>, args: &[&str]) -> Result<()> {
    let mut cmd = Command::new("ip");
    if let Some(ns) = ns {
        cmd.args(["-n", ns]);
    }
    cmd.args(args);
    util::run(&mut cmd)
}

fn in_ns(ns: &str, program: &str) -> Command {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns, program]);
    cmd
}

impl World {
    fn spawn(&mut self, name: &str, mut cmd: Command) -> Result<()> {
        let log = std::fs::File::create(self.dir.join(format!("{name}.log")))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("spawning {name}"))?;
        self.children.push((name.to_string(), child));
        Ok(())
    }

    fn kill(&mut self, name: &str) {
        if let Some((_, c)) = self.children.iter_mut().find(|(n, _)| n == name) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn network() -> Result<()> {
    delete_namespaces();
    let mut names = vec![NS_BRIDGE.to_string(), NS_CLIENT.to_string()];
    names.extend((1..=HOSTS).map(ns_host));
    for ns in &names {
        ip(None, &["netns", "add", ns])?;
        ip(Some(ns), &["link", "set", "lo", "up"])?;
    }
    for br in ["br0", "br1"] {
        ip(Some(NS_BRIDGE), &["link", "add", br, "type", "bridge"])?;
        ip(Some(NS_BRIDGE), &["link", "set", br, "up"])?;
    }
    let mut ends: Vec<(String, String, String)> = (1..=HOSTS)
        .map(|i| (ns_host(i), format!("p{i}"), addr_host(i)))
        .collect();
    ends.push((
        NS_CLIENT.to_string(),
        "pc".to_string(),
        "10.210.0.50".to_string(),
    ));
    for (ns, port, addr) in &ends {
        ip(
            Some(NS_BRIDGE),
            &[
                "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns,
            ],
        )?;
        ip(Some(NS_BRIDGE), &["link", "set", port, "master", "br0"])?;
        ip(Some(NS_BRIDGE), &["link", "set", port, "up"])?;
        ip(
            Some(ns),
            &["addr", "add", &format!("{addr}/24"), "dev", "eth0"],
        )?;
        ip(Some(ns), &["link", "set", "eth0", "up"])?;
    }
    Ok(())
}

fn sentinel_conf(dir: &Path) -> String {
    format!(
        "port 26379\nbind 0.0.0.0\ndaemonize no\ndir {d}\n\
         sentinel monitor mymaster {m} 6379 2\n\
         sentinel down-after-milliseconds mymaster 1000\n\
         sentinel failover-timeout mymaster 10000\n\
         sentinel vip mymaster {VIP} eth0 {LEASE_MS} 3\n",
        d = dir.display(),
        m = addr_host(1),
    )
}

fn redis_cli(ns: &str, host: &str, port: u16, args: &[&str]) -> Option<String> {
    let mut cmd = in_ns(ns, "redis-cli");
    cmd.args(["-h", host, "-p", &port.to_string()]).args(args);
    util::probe(&mut cmd)
}

fn vip_owned_on(i: usize) -> bool {
    redis_cli(&ns_host(i), "127.0.0.1", 26379, &["info", "vip"])
        .is_some_and(|s| s.contains("status=owned"))
}

/// Time of day in ms of a Redis-format log line (`pid:X dd Mon yyyy HH:MM:SS.mmm ...`).
fn log_time_ms(line: &str) -> Option<u64> {
    let t = line.split(' ').nth(4)?;
    let (hms, ms) = t.split_once('.')?;
    let mut parts = hms.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(((h * 60 + m) * 60 + s) * 1000 + ms.parse::<u64>().ok()?)
}

/// The wall clock's time of day in ms (the sentinels log local time; the test runs in UTC).
fn now_time_of_day_ms() -> u64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since_epoch.as_millis() % 86_400_000).unwrap_or(0)
}

/// Milliseconds from the first `+switch-master` logged by any sentinel after `since` (time of
/// day, ms) to the first "gratuitous ARP(s) sent" line logged after `since`. Negative when the
/// leader sat on the new master's host and took the VIP at the promotion, before the switch.
fn switch_to_garp_ms(dir: &Path, since: u64) -> Option<i64> {
    let mut switch = None::<u64>;
    let mut garp = None::<u64>;
    for i in 1..=HOSTS {
        let text = std::fs::read_to_string(dir.join(format!("sentinel-{i}.log"))).ok()?;
        for line in text.lines() {
            let Some(t) = log_time_ms(line).filter(|t| *t >= since) else {
                continue;
            };
            if line.contains("+switch-master") {
                switch = Some(switch.map_or(t, |s| s.min(t)));
            }
            if line.contains("gratuitous ARP(s) sent") {
                garp = Some(garp.map_or(t, |g| g.min(t)));
            }
        }
    }
    Some(i64::try_from(garp?).ok()? - i64::try_from(switch?).ok()?)
}

/// Polls `f` every 50 ms until it holds or `limit` passes.
fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) -> Result<()> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("timed out after {limit:?} waiting for {what}")
}

/// Moves this thread into network namespace `ns`.
fn enter_netns(ns: &str) -> Result<()> {
    let f = std::fs::File::open(format!("/run/netns/{ns}"))?;
    use std::os::fd::AsRawFd;
    // Safety: a valid namespace descriptor; affects only the calling thread.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        bail!("setns {ns}: {}", std::io::Error::last_os_error());
    }
    Ok(())
}

/// The client: `RPUSH log <seq>` through the VIP until `stop`, at most `limit`.
fn client(stop: Arc<AtomicBool>, log: Arc<Mutex<Vec<Write1>>>, limit: Duration) -> Result<()> {
    enter_netns(NS_CLIENT)?;
    let vip: SocketAddr = format!("{VIP}:6379").parse()?;
    let end = Instant::now() + limit;
    let mut conn: Option<(TcpStream, BufReader<TcpStream>)> = None;
    let mut seq = 0u64;
    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
        if conn.is_none() {
            match TcpStream::connect_timeout(&vip, Duration::from_millis(100)) {
                Ok(s) => {
                    s.set_read_timeout(Some(Duration::from_millis(200)))?;
                    s.set_write_timeout(Some(Duration::from_millis(200)))?;
                    s.set_nodelay(true)?;
                    let r = BufReader::new(s.try_clone()?);
                    conn = Some((s, r));
                }
                Err(_) => {
                    if let Ok(mut l) = log.lock() {
                        l.push(Write1 {
                            written: false,
                            sent: Instant::now(),
                            acked: None,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
            }
        }
        let Some((w, r)) = conn.as_mut() else {
            continue;
        };
        seq += 1;
        let s = seq.to_string();
        let cmd = format!("*3\r\n$5\r\nRPUSH\r\n$3\r\nlog\r\n${}\r\n{s}\r\n", s.len());
        let sent = Instant::now();
        let mut line = String::new();
        let ok = w.write_all(cmd.as_bytes()).is_ok()
            && r.read_line(&mut line).is_ok()
            && line.starts_with(':');
        let acked = ok.then(Instant::now);
        if let Ok(mut l) = log.lock() {
            l.push(Write1 {
                written: true,
                sent,
                acked,
            });
        }
        if !ok {
            conn = None;
            std::thread::sleep(Duration::from_millis(5));
        } else {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    Ok(())
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
    std::fs::create_dir_all(&dir)?;
    let mut world = World {
        dir: dir.clone(),
        children: Vec::new(),
    };
    network()?;

    let mut pass = in_ns(NS_BRIDGE, &bin.to_string_lossy());
    pass.args(["--xdp-pass", "p1", "p2", "p3", "pc"]);
    world.spawn("xdp-pass", pass)?;
    for i in 1..=HOSTS {
        let d = dir.join(format!("h{i}"));
        std::fs::create_dir_all(&d)?;
        let mut redis = in_ns(&ns_host(i), "redis-server");
        redis.args([
            "--port",
            "6379",
            "--bind",
            "0.0.0.0",
            "--protected-mode",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
        ]);
        redis.arg(&d);
        if i != 1 {
            redis.args(["--replicaof", &addr_host(1), "6379"]);
        }
        world.spawn(&format!("redis-{i}"), redis)?;
        let conf = d.join("sentinel.conf");
        std::fs::write(&conf, sentinel_conf(&d))?;
        let mut s = in_ns(&ns_host(i), &bin.to_string_lossy());
        s.arg(&conf);
        world.spawn(&format!("sentinel-{i}"), s)?;
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
    wait_for("discovery", Duration::from_secs(20), || {
        (1..=HOSTS).all(|i| {
            redis_cli(&ns_host(i), "127.0.0.1", 26379, &["info", "sentinel"])
                .is_some_and(|s| s.contains("slaves=2,sentinels=3"))
        })
    })?;
    let stop = Arc::new(AtomicBool::new(false));
    let log: Arc<Mutex<Vec<Write1>>> = Arc::default();
    let client_thread = {
        let (stop, log) = (stop.clone(), log.clone());
        std::thread::spawn(move || client(stop, log, Duration::from_secs(240)))
    };
    let acked_after = |t: Instant| -> usize {
        log.lock()
            .map(|l| l.iter().filter(|w| w.acked.is_some_and(|a| a > t)).count())
            .unwrap_or(0)
    };
    let t0 = Instant::now();
    wait_for("writes through the VIP", Duration::from_secs(5), || {
        acked_after(t0) >= 10
    })?;
    eprintln!("itest vip-failover: VIP on host 1, writes flowing");

    // 2. Kill the master's redis-server; with SENTINEL_VIP_FAILOVERS=N, N times in a row (the
    //    killed one comes back as a replica of the new master each time), for figures.
    let rounds: usize = std::env::var("SENTINEL_VIP_FAILOVERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .clamp(1, 20);
    let mut master = 1;
    let mut gaps = Vec::new();
    let mut garps = Vec::new();
    let mut new = 1;
    for round in 1..=rounds {
        let t_kill = Instant::now();
        let kill_tod = now_time_of_day_ms();
        world.kill(&format!("redis-{master}"));
        wait_for(
            "writes resuming after the kill",
            Duration::from_secs(15),
            || acked_after(t_kill + Duration::from_millis(100)) >= 10,
        )?;
        new = (1..=HOSTS)
            .filter(|&i| i != master)
            .find(|&i| vip_owned_on(i))
            .context("no host owns the VIP after the failover")?;
        let role = redis_cli(&ns_host(new), "127.0.0.1", 6379, &["role"]).unwrap_or_default();
        if !role.starts_with("master") {
            bail!("host {new} owns the VIP but its redis is {role:?}");
        }
        if vip_owned_on(master) {
            bail!("host {master} still owns the VIP after the failover");
        }
        let gap = {
            let l = log.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
            let last_old = l
                .iter()
                .filter_map(|w| w.acked)
                .filter(|a| *a <= t_kill)
                .max();
            let first_new = l.iter().filter_map(|w| w.acked).find(|a| *a > t_kill);
            match (last_old, first_new) {
                (Some(a), Some(b)) => b - a,
                _ => bail!("no writes around the kill"),
            }
        };
        let garp = switch_to_garp_ms(&world.dir, kill_tod);
        eprintln!(
            "itest vip-failover: round {round}: VIP moved from host {master} to host {new}; \
             client-observed write gap {} ms; first +switch-master to first gratuitous ARP \
             sent: {garp:?} ms",
            gap.as_millis()
        );
        gaps.push(gap.as_millis());
        garps.extend(garp);
        if round < rounds {
            // The killed host comes back as a replica of the new master.
            let d = world.dir.join(format!("h{master}"));
            let mut redis = in_ns(&ns_host(master), "redis-server");
            redis
                .args([
                    "--port",
                    "6379",
                    "--bind",
                    "0.0.0.0",
                    "--protected-mode",
                    "no",
                ])
                .args(["--save", "", "--appendonly", "no", "--dir"])
                .arg(&d)
                .args(["--replicaof", &addr_host(new), "6379"]);
            world
                .children
                .retain(|(n, _)| *n != format!("redis-{master}"));
            world.spawn(&format!("redis-{master}"), redis)?;
            let back = master;
            wait_for(
                "the restarted replica to sync",
                Duration::from_secs(15),
                || {
                    redis_cli(&ns_host(back), "127.0.0.1", 6379, &["info", "replication"])
                        .is_some_and(|s| s.contains("master_link_status:up"))
                },
            )?;
            // Let the sentinels' INFO of the replicas (every 10 s) catch up before the next
            // failure, or the replica selection may find no good replica.
            std::thread::sleep(Duration::from_secs(11));
        }
        master = new;
    }
    if rounds > 1 {
        gaps.sort_unstable();
        garps.sort_unstable();
        eprintln!(
            "itest vip-failover: {rounds} failovers: write gap p50 {} ms max {} ms; \
             first +switch-master to gratuitous ARP sent p50 {:?} ms max {:?} ms",
            gaps[gaps.len() / 2],
            gaps[gaps.len() - 1],
            garps.get(garps.len() / 2),
            garps.last()
        );
    }

    // 3. Partition the new master's host and the client from the other two.
    for port in [format!("p{new}"), "pc".to_string()] {
        ip(Some(NS_BRIDGE), &["link", "set", &port, "master", "br1"])?;
    }
    let t_cut = Instant::now();
    let fence = t_cut + Duration::from_millis(LEASE_MS + 20);
    std::thread::sleep(Duration::from_millis(LEASE_MS + 2_500));
    stop.store(true, Ordering::Relaxed);
    client_thread
        .join()
        .map_err(|_| anyhow::anyhow!("client thread panicked"))??;
    let (late_acks, late_writes, late_connects, in_lease_acks) = {
        let l = log.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
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
    eprintln!("itest vip-failover: ok");
    Ok(())
}
