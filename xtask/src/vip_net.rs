//! The 3-host network of the VIP tasks (`itest vip-failover`, `vip-bench`): a bridge namespace
//! and three host namespaces (10.210.0.1-3), each with a redis-server (host 1 the master) and a
//! sentinel, the XDP pass program on the bridge-side ports (veth XDP_TX needs one on the peer),
//! and a client namespace (10.210.0.50) writing `RPUSH log <seq>` through the VIP.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use crate::util;

pub const NS_BRIDGE: &str = "svf-br";
pub const NS_CLIENT: &str = "svf-c";
pub const HOSTS: usize = 3;
pub const VIP: &str = "10.210.0.100";
/// The VIP lease in XDP mode (down-after is 1000 ms).
pub const LEASE_MS: u64 = 500;

pub fn ns_host(i: usize) -> String {
    format!("svf-h{i}")
}

pub fn addr_host(i: usize) -> String {
    format!("10.210.0.{i}")
}

/// One write attempt of the client.
#[derive(Clone, Copy, Debug)]
pub struct Write1 {
    /// A write sent (false: only a connection attempt, which failed).
    pub written: bool,
    pub sent: Instant,
    pub acked: Option<Instant>,
}

/// Everything a task started; torn down in `Drop` however the task ends.
pub struct World {
    pub dir: PathBuf,
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

pub fn ip(ns: Option<&str>, args: &[&str]) -> Result<()> {
    let mut cmd = Command::new("ip");
    if let Some(ns) = ns {
        cmd.args(["-n", ns]);
    }
    cmd.args(args);
    util::run(&mut cmd)
}

pub fn in_ns(ns: &str, program: &str) -> Command {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns, program]);
    cmd
}

impl World {
    /// The namespaces and links, fresh; logs and data go to `dir`.
    pub fn new(dir: PathBuf) -> Result<World> {
        std::fs::create_dir_all(&dir)?;
        let world = World {
            dir,
            children: Vec::new(),
        };
        network()?;
        Ok(world)
    }

    pub fn spawn(&mut self, name: &str, mut cmd: Command) -> Result<()> {
        let log = std::fs::File::create(self.dir.join(format!("{name}.log")))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("spawning {name}"))?;
        self.children.retain(|(n, _)| n != name);
        self.children.push((name.to_string(), child));
        Ok(())
    }

    pub fn kill(&mut self, name: &str) {
        if let Some((_, c)) = self.children.iter_mut().find(|(n, _)| n == name) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The XDP pass program on the bridge-side ports, from our binary `bin`.
    pub fn xdp_pass(&mut self, bin: &Path) -> Result<()> {
        let mut pass = in_ns(NS_BRIDGE, &bin.to_string_lossy());
        pass.args(["--xdp-pass", "p1", "p2", "p3", "pc"]);
        self.spawn("xdp-pass", pass)
    }

    /// redis-server on host `i`, a replica of host `replica_of` when given.
    pub fn redis(&mut self, i: usize, replica_of: Option<usize>) -> Result<()> {
        let d = self.dir.join(format!("h{i}"));
        std::fs::create_dir_all(&d)?;
        let mut redis = in_ns(&ns_host(i), "redis-server");
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
            .arg(&d);
        if let Some(m) = replica_of {
            redis.args(["--replicaof", &addr_host(m), "6379"]);
        }
        self.spawn(&format!("redis-{i}"), redis)
    }

    /// The sentinel `bin` on host `i` monitoring host 1 (quorum 2, down-after 1000 ms),
    /// with `extra` lines in its config.
    pub fn sentinel(&mut self, i: usize, bin: &Path, extra: &str) -> Result<()> {
        let d = self.dir.join(format!("h{i}"));
        std::fs::create_dir_all(&d)?;
        let conf = d.join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port 26379\nbind 0.0.0.0\ndaemonize no\ndir {d}\n\
                 sentinel monitor mymaster {m} 6379 2\n\
                 sentinel down-after-milliseconds mymaster 1000\n\
                 sentinel failover-timeout mymaster 10000\n{extra}",
                d = d.display(),
                m = addr_host(1),
            ),
        )?;
        let mut s = in_ns(&ns_host(i), &bin.to_string_lossy());
        s.arg(&conf);
        self.spawn(&format!("sentinel-{i}"), s)
    }

    /// Brings back the killed `old` master as a replica of `new` and waits until it is in
    /// sync and the sentinels' replica INFO (every 10 s) has caught up, so the next failure
    /// finds a good replica.
    pub fn restart_as_replica(&mut self, old: usize, new: usize) -> Result<()> {
        self.redis(old, Some(new))?;
        wait_for(
            "the restarted replica to sync",
            Duration::from_secs(15),
            || {
                redis_cli(&ns_host(old), "127.0.0.1", 6379, &["info", "replication"])
                    .is_some_and(|s| s.contains("master_link_status:up"))
            },
        )?;
        std::thread::sleep(Duration::from_secs(11));
        Ok(())
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

pub fn redis_cli(ns: &str, host: &str, port: u16, args: &[&str]) -> Option<String> {
    let mut cmd = in_ns(ns, "redis-cli");
    cmd.args(["-h", host, "-p", &port.to_string()]).args(args);
    util::probe(&mut cmd)
}

/// Every sentinel knows both replicas and the two other sentinels: failovers can happen.
pub fn wait_discovery() -> Result<()> {
    wait_for("discovery", Duration::from_secs(30), || {
        (1..=HOSTS).all(|i| {
            redis_cli(&ns_host(i), "127.0.0.1", 26379, &["info", "sentinel"])
                .is_some_and(|s| s.contains("slaves=2,sentinels=3"))
        })
    })
}

/// Polls `f` every 50 ms until it holds or `limit` passes.
pub fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) -> Result<()> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("timed out after {limit:?} waiting for {what}")
}

/// Time of day in ms of a Redis-format log line (`pid:X dd Mon yyyy HH:MM:SS.mmm ...`), local
/// time as the sentinels write it.
pub fn log_time_ms(line: &str) -> Option<u64> {
    let t = line.split(' ').nth(4)?;
    let (hms, ms) = t.split_once('.')?;
    let mut parts = hms.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(((h * 60 + m) * 60 + s) * 1000 + ms.parse::<u64>().ok()?)
}

/// Local time of day in ms (fractional) of a CLOCK_REALTIME instant given in µs since the
/// epoch: the clock and zone of the sentinels' log lines.
pub fn local_time_of_day_ms(epoch_us: u64) -> f64 {
    let secs = libc::time_t::try_from(epoch_us / 1_000_000).unwrap_or(0);
    // Safety: `tm` is plain old data (all zeros is valid); localtime_r only writes into it.
    let offset = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm.tm_gmtoff
    };
    let local_us = i128::from(epoch_us) + i128::from(offset) * 1_000_000;
    let day_us = local_us.rem_euclid(86_400_000_000);
    day_us as f64 / 1000.0
}

/// Now, as µs since the epoch (CLOCK_REALTIME, the clock of pcap timestamps).
pub fn now_epoch_us() -> u64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(d.as_micros()).unwrap_or(0)
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

/// The client thread and what it has seen.
pub struct Writer {
    stop: Arc<AtomicBool>,
    pub log: Arc<Mutex<Vec<Write1>>>,
    thread: JoinHandle<Result<()>>,
}

impl Writer {
    /// Starts writing through the VIP from the client namespace, for at most `limit`.
    pub fn start(limit: Duration) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let log: Arc<Mutex<Vec<Write1>>> = Arc::default();
        let thread = {
            let (stop, log) = (stop.clone(), log.clone());
            std::thread::spawn(move || client(stop, log, limit))
        };
        Writer { stop, log, thread }
    }

    /// Writes acknowledged after `t`.
    pub fn acked_after(&self, t: Instant) -> usize {
        self.log
            .lock()
            .map(|l| l.iter().filter(|w| w.acked.is_some_and(|a| a > t)).count())
            .unwrap_or(0)
    }

    /// The client-observed gap around `t_fault`: the longest wait between two consecutive
    /// acknowledged writes from the last one before the fault on. (The killed master may still
    /// acknowledge a write or two while the signal lands, so "first ack after the fault" alone
    /// can be the old master's.)
    pub fn gap_around(&self, t_fault: Instant) -> Result<Duration> {
        let l = self.log.lock().map_err(|_| anyhow!("poisoned"))?;
        let mut acks: Vec<Instant> = l.iter().filter_map(|w| w.acked).collect();
        acks.sort_unstable();
        let from = acks
            .iter()
            .rposition(|a| *a <= t_fault)
            .context("no write acknowledged before the fault")?;
        longest_wait(&acks[from..]).context("no write acknowledged after the fault")
    }

    pub fn stop(self) -> Result<Vec<Write1>> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .join()
            .map_err(|_| anyhow!("client thread panicked"))??;
        let l = self.log.lock().map_err(|_| anyhow!("poisoned"))?;
        Ok(l.clone())
    }
}

/// The longest interval between consecutive instants of `sorted`.
fn longest_wait(sorted: &[Instant]) -> Option<Duration> {
    sorted.windows(2).map(|w| w[1] - w[0]).max()
}

/// One failover caused by killing the master's redis-server.
pub struct Failover {
    /// The host whose redis-server is the master now.
    pub new: usize,
    pub gap: Duration,
    /// When the kill was sent, µs since the epoch.
    pub kill_epoch_us: u64,
}

/// Kills the redis-server of host `master` and waits for writes through the VIP to resume on
/// another host's master.
pub fn kill_master(world: &mut World, writer: &Writer, master: usize) -> Result<Failover> {
    let t_kill = Instant::now();
    let kill_epoch_us = now_epoch_us();
    world.kill(&format!("redis-{master}"));
    wait_for(
        "writes resuming after the kill",
        Duration::from_secs(15),
        || writer.acked_after(t_kill + Duration::from_millis(100)) >= 10,
    )?;
    let new = (1..=HOSTS)
        .filter(|&i| i != master)
        .find(|&i| {
            redis_cli(&ns_host(i), "127.0.0.1", 6379, &["role"])
                .is_some_and(|r| r.starts_with("master"))
        })
        .context("no other host's redis-server is a master after the failover")?;
    Ok(Failover {
        new,
        gap: writer.gap_around(t_kill)?,
        kill_epoch_us,
    })
}

/// The client: `RPUSH log <seq>` through the VIP until `stop`, at most `limit`.
fn client(stop: Arc<AtomicBool>, log: Arc<Mutex<Vec<Write1>>>, limit: Duration) -> Result<()> {
    enter_netns(NS_CLIENT)?;
    let vip: SocketAddr = format!("{VIP}:6379").parse()?;
    let end = Instant::now() + limit;
    let mut conn: Option<(TcpStream, BufReader<TcpStream>)> = None;
    let mut seq = 0u64;
    let record = |w: Write1| {
        if let Ok(mut l) = log.lock() {
            l.push(w);
        }
    };
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
                    record(Write1 {
                        written: false,
                        sent: Instant::now(),
                        acked: None,
                    });
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
        record(Write1 {
            written: true,
            sent,
            acked: ok.then(Instant::now),
        });
        if !ok {
            conn = None;
            std::thread::sleep(Duration::from_millis(5));
        } else {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    Ok(())
}

/// p50 and max of `v` (sorted here), `None` when empty.
pub fn p50_max<T: Copy + PartialOrd>(v: &mut [T]) -> Option<(T, T)> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Some((*v.get(v.len() / 2)?, *v.last()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_is_the_longest_wait_even_if_the_old_master_acks_after_the_kill() {
        let t = Instant::now();
        let at = |ms: u64| t + Duration::from_millis(ms);
        // Acks at 0, 10, 12 (the dying master, after the kill at 11), then 1130 (new master).
        let acks = [at(0), at(10), at(12), at(1130), at(1140)];
        assert_eq!(longest_wait(&acks[1..]), Some(Duration::from_millis(1118)));
        assert_eq!(longest_wait(&acks[..1]), None);
    }

    #[test]
    fn log_lines_give_their_time_of_day() {
        let line = "8531:X 22 Nov 2026 07:24:25.887 # +switch-master mymaster a 1 b 2";
        assert_eq!(
            log_time_ms(line),
            Some(((7 * 60 + 24) * 60 + 25) * 1000 + 887)
        );
        assert_eq!(log_time_ms("garbage"), None);
    }

    #[test]
    fn p50_and_max() {
        assert_eq!(p50_max(&mut [3, 1, 2]), Some((2, 3)));
        assert_eq!(p50_max::<u32>(&mut []), None);
    }
}
