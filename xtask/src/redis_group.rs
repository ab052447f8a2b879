//! A monitored Redis group on loopback for the harness tasks: 1 master + N replicas
//! (redis-server with `save ''`, `appendonly no`) and sentinels (any binaries) on free ports,
//! in a temp dir. Dropping the group kills every process and removes the dir.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::bins::REDIS_SERVER;
use crate::procs::{detach, free_port, interrupted, kill_and_reap, poll, random_u64};
use crate::resp::{Conn, Value};

pub const MASTER_NAME: &str = "mymaster";
const IO_TIMEOUT: Duration = Duration::from_secs(2);
const POLL_EVERY: Duration = Duration::from_millis(50);

pub struct GroupSpec {
    /// One entry per sentinel: the binary it runs.
    pub sentinels: Vec<PathBuf>,
    pub replicas: usize,
    pub quorum: u32,
    pub down_after_ms: u64,
    pub failover_timeout_ms: u64,
}

pub struct Instance {
    pub port: u16,
    pub child: Child,
    pub dir: PathBuf,
}

pub struct Group {
    pub dir: PathBuf,
    /// `servers[0]` is the initial master.
    pub servers: Vec<Instance>,
    pub sentinels: Vec<Instance>,
    /// Keep the temp dir (logs, configs) when the group is dropped.
    pub keep_dir: bool,
}

impl Group {
    /// Starts the servers, waits for the replicas' links, starts the sentinels, and waits until
    /// every sentinel knows all replicas and all other sentinels.
    pub fn start(spec: &GroupSpec, label: &str) -> Result<Group> {
        let dir = std::env::temp_dir().join(format!(
            "xtask-{label}-{}-{:x}",
            std::process::id(),
            random_u64() & 0xffff_ffff
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut g = Group {
            dir,
            servers: Vec::new(),
            sentinels: Vec::new(),
            keep_dir: false,
        };
        match g.populate(spec) {
            Ok(()) => Ok(g),
            Err(e) => {
                // Keep the logs of a group that failed to come up (not of one Ctrl-C stopped).
                g.keep_dir = !interrupted();
                Err(e)
            }
        }
    }

    fn populate(&mut self, spec: &GroupSpec) -> Result<()> {
        for i in 0..=spec.replicas {
            let master = self.servers.first().map(|m| m.port);
            let s = start_instance(&self.dir.join(format!("redis-{i}")), |port, d| {
                server_conf(port, d, master)
            })
            .with_context(|| format!("starting redis-server {i}"))?;
            self.servers.push(s);
        }
        for r in &self.servers[1..] {
            poll(
                &format!("replica :{} to sync", r.port),
                Duration::from_secs(30),
                POLL_EVERY,
                || {
                    Ok(info(r.port, "replication")?
                        .contains("master_link_status:up")
                        .then_some(()))
                },
            )?;
        }
        let master = self.servers[0].port;
        for (i, bin) in spec.sentinels.iter().enumerate() {
            let d = self.dir.join(format!("sentinel-{i}"));
            let s = start_sentinel(bin, &d, |port, d| sentinel_conf(port, d, master, spec))
                .with_context(|| format!("starting sentinel {i} ({})", bin.display()))?;
            self.sentinels.push(s);
        }
        self.wait_discovery(spec.replicas, Duration::from_secs(30))
    }

    /// Waits until every sentinel reports `replicas` replicas and all the others as peers.
    pub fn wait_discovery(&self, replicas: usize, limit: Duration) -> Result<()> {
        let peers = (self.sentinels.len() - 1).to_string();
        let replicas = replicas.to_string();
        for (i, s) in self.sentinels.iter().enumerate() {
            poll(
                &format!("sentinel {i} to discover {replicas} replicas and {peers} peers"),
                limit,
                POLL_EVERY,
                || {
                    let m = sentinel_master(s.port)?;
                    let ok = m.field("num-slaves").as_deref() == Some(&replicas)
                        && m.field("num-other-sentinels").as_deref() == Some(&peers);
                    Ok(ok.then_some(()))
                },
            )?;
        }
        Ok(())
    }

    pub fn server_by_port(&self, port: u16) -> Option<&Instance> {
        self.servers.iter().find(|s| s.port == port)
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        for inst in self.sentinels.iter_mut().chain(self.servers.iter_mut()) {
            kill_and_reap(&mut inst.child);
        }
        if self.keep_dir {
            eprintln!("kept logs and configs in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// One command on a fresh connection.
pub fn call(port: u16, args: &[&str]) -> Result<Value> {
    Conn::connect(port, IO_TIMEOUT)?.call(args)
}

pub fn info(port: u16, section: &str) -> Result<String> {
    call(port, &["INFO", section])?
        .text()
        .context("INFO reply is not a string")
}

pub fn sentinel_master(port: u16) -> Result<Value> {
    call(port, &["SENTINEL", "MASTER", MASTER_NAME])
}

/// `SENTINEL GET-MASTER-ADDR-BY-NAME` as "ip:port".
pub fn master_addr(port: u16) -> Result<String> {
    let v = call(port, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME])?;
    match v.items() {
        [ip, p] => Ok(format!(
            "{}:{}",
            ip.text().unwrap_or_default(),
            p.text().unwrap_or_default()
        )),
        _ => bail!("unexpected GET-MASTER-ADDR-BY-NAME reply {v:?}"),
    }
}

fn server_conf(port: u16, dir: &Path, master: Option<u16>) -> String {
    let mut c = format!(
        "port {port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndaemonize no\n\
         dir {d}\nlogfile {d}/redis.log\n",
        d = dir.display()
    );
    if let Some(m) = master {
        c.push_str(&format!("replicaof 127.0.0.1 {m}\n"));
    }
    c
}

fn sentinel_conf(port: u16, dir: &Path, master: u16, spec: &GroupSpec) -> String {
    format!(
        "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {d}\nlogfile {d}/sentinel.log\n\
         sentinel monitor {MASTER_NAME} 127.0.0.1 {master} {q}\n\
         sentinel down-after-milliseconds {MASTER_NAME} {da}\n\
         sentinel failover-timeout {MASTER_NAME} {ft}\n\
         sentinel parallel-syncs {MASTER_NAME} 1\n",
        d = dir.display(),
        q = spec.quorum,
        da = spec.down_after_ms,
        ft = spec.failover_timeout_ms,
    )
}

fn start_instance(dir: &Path, conf: impl Fn(u16, &Path) -> String) -> Result<Instance> {
    start_with(Path::new(REDIS_SERVER), dir, "redis.conf", conf)
}

fn start_sentinel(bin: &Path, dir: &Path, conf: impl Fn(u16, &Path) -> String) -> Result<Instance> {
    start_with(bin, dir, "sentinel.conf", conf)
}

/// Writes the config, spawns `bin <dir>/<file>`, and waits for PING; a few tries with new
/// ports in case another process took the free port in between.
fn start_with(
    bin: &Path,
    dir: &Path,
    file: &str,
    conf: impl Fn(u16, &Path) -> String,
) -> Result<Instance> {
    std::fs::create_dir_all(dir)?;
    let mut tries = 0;
    loop {
        tries += 1;
        let port = free_port()?;
        let path = dir.join(file);
        std::fs::write(&path, conf(port, dir))?;
        let err = std::fs::File::create(dir.join("stderr.txt"))?;
        let mut cmd = Command::new(bin);
        cmd.arg(&path)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(err.try_clone()?)
            .stderr(err);
        let child = detach(&mut cmd)
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        let mut inst = Instance {
            port,
            child,
            dir: dir.to_path_buf(),
        };
        match wait_ping(&mut inst) {
            Ok(()) => return Ok(inst),
            Err(Exit::PortTaken) if tries < 3 => kill_and_reap(&mut inst.child),
            Err(Exit::PortTaken) => bail!("port taken three times in a row"),
            Err(Exit::Other(e)) => {
                kill_and_reap(&mut inst.child);
                return Err(e);
            }
        }
    }
}

enum Exit {
    /// Another process bound the free port first: try again with a new one.
    PortTaken,
    Other(anyhow::Error),
}

/// Waits for PONG; an instance that exits fails at once, with its output.
fn wait_ping(inst: &mut Instance) -> Result<(), Exit> {
    let limit = Duration::from_secs(10);
    let deadline = std::time::Instant::now() + limit;
    loop {
        crate::procs::check_interrupt().map_err(Exit::Other)?;
        if let Ok(Some(st)) = inst.child.try_wait() {
            let out = output_of(&inst.dir);
            if out.contains("already in use") {
                return Err(Exit::PortTaken);
            }
            return Err(Exit::Other(anyhow::anyhow!(
                "exited with {st}; output:\n{out}"
            )));
        }
        if matches!(call(inst.port, &["PING"]), Ok(Value::Simple(p)) if p == "PONG") {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            let out = output_of(&inst.dir);
            let msg = format!("no PONG on :{} within {limit:?}; output:\n{out}", inst.port);
            return Err(Exit::Other(anyhow::anyhow!(msg)));
        }
        std::thread::sleep(POLL_EVERY);
    }
}

/// stderr plus the last lines of the instance's log file.
fn output_of(dir: &Path) -> String {
    let mut out = std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default();
    for log in ["redis.log", "sentinel.log"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(log)) {
            let lines: Vec<&str> = text.lines().collect();
            out.push_str(&lines[lines.len().saturating_sub(10)..].join("\n"));
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_name_the_master_and_timings() {
        let spec = GroupSpec {
            sentinels: vec![],
            replicas: 2,
            quorum: 2,
            down_after_ms: 1000,
            failover_timeout_ms: 10000,
        };
        let c = sentinel_conf(26000, Path::new("/t"), 6000, &spec);
        assert!(c.contains("sentinel monitor mymaster 127.0.0.1 6000 2\n"));
        assert!(c.contains("down-after-milliseconds mymaster 1000\n"));
        let r = server_conf(6001, Path::new("/t"), Some(6000));
        assert!(r.contains("replicaof 127.0.0.1 6000\n") && r.contains("save \"\"\n"));
        assert!(!server_conf(6000, Path::new("/t"), None).contains("replicaof"));
    }
}
