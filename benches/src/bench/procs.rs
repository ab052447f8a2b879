//! The processes a benchmark runs: the fleet (driven through its stdin) and the sentinels.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

/// A running fleet; killed (with its workers, whose stdin then closes) when dropped.
pub struct FleetProc {
    _child: Child,
    stdin: ChildStdin,
    /// The worker processes (for CPU and RSS).
    pub pids: Vec<u32>,
    pub lines: mpsc::UnboundedReceiver<String>,
}

impl FleetProc {
    /// Starts `fleet <scenario> --prefix <prefix>` and waits for `ready`.
    pub async fn start(bin: &Path, scenario: &Path, prefix: u8, limit: Duration) -> Result<Self> {
        let mut child = Command::new(bin)
            .arg(scenario)
            .args(["--prefix", &prefix.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdin = child.stdin.take().context("fleet stdin")?;
        let stdout = child.stdout.take().context("fleet stdout")?;
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::task::spawn_local(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        let mut pids = Vec::new();
        let ready = async {
            while let Some(l) = rx.recv().await {
                if let Some(p) = l.strip_prefix("pids ") {
                    pids = p
                        .split_whitespace()
                        .filter_map(|p| p.parse().ok())
                        .collect();
                }
                if l.starts_with("ready ") {
                    return Ok(());
                }
            }
            bail!("the fleet exited before it was ready")
        };
        tokio::time::timeout(limit, ready)
            .await
            .context("waiting for the fleet to be ready")??;
        Ok(FleetProc {
            _child: child,
            stdin,
            pids,
            lines: rx,
        })
    }

    /// Sends one control line and waits (at most `limit`) for the owning worker's answer, so
    /// the fault is in force when this returns. Returns the answer line.
    pub async fn command_ack(&mut self, line: &str, limit: Duration) -> Result<String> {
        self.command(line).await?;
        let wait = async {
            while let Some(l) = self.lines.recv().await {
                if l.starts_with("ok ") || l.starts_with("err ") {
                    return Ok(l);
                }
            }
            bail!("the fleet exited")
        };
        match tokio::time::timeout(limit, wait).await {
            Ok(r) => r,
            Err(_) => bail!("no answer to '{line}' within {limit:?}"),
        }
    }

    /// Sends one control line (`freeze m3`, ...).
    pub async fn command(&mut self, line: &str) -> Result<()> {
        self.stdin.write_all(format!("{line}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        Ok(())
    }
}

/// A running sentinel process; killed when dropped.
pub struct SentinelProc {
    pub child: std::process::Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl SentinelProc {
    /// Writes `conf` to `dir/sentinel.conf` and starts `bin dir/sentinel.conf`.
    pub fn start(bin: &Path, conf: &str, dir: &Path, port: u16) -> Result<SentinelProc> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("sentinel.conf");
        std::fs::write(&path, conf).with_context(|| format!("writing {}", path.display()))?;
        let out = std::fs::File::create(dir.join("stdout.log"))?;
        let err = out.try_clone()?;
        let child = std::process::Command::new(bin)
            .arg(&path)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        Ok(SentinelProc {
            child,
            port,
            dir: dir.to_path_buf(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` once the process has exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(st)) => Some(st.to_string()),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// The last lines of its log, for reports about a sentinel that failed.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut text = String::new();
        for f in ["sentinel.log", "stdout.log"] {
            if let Ok(t) = std::fs::read_to_string(self.dir.join(f)) {
                let all: Vec<&str> = t.lines().collect();
                let from = all.len().saturating_sub(lines);
                text.push_str(&all[from..].join("\n"));
                text.push('\n');
            }
        }
        text
    }
}

impl Drop for SentinelProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
