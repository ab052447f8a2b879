//! The fleet's front process: starts the worker processes (each under the fd limit), prints
//! `pids ...` and then `ready <instances>` once every worker listens, routes control lines from
//! stdin (and the scenario's schedule) to the worker owning the target's group, and stops the
//! workers when stdin closes or on `quit`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::control::{self, Control};
use crate::scenario::Scenario;

/// How long workers may take to bind their listeners.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

enum Msg {
    Line(String),
    Control(String),
    Eof,
}

struct Workers {
    children: Vec<Child>,
    stdins: Vec<ChildStdin>,
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stdins.clear();
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn run(scenario_path: &Path, s: &Scenario, prefix: u8) -> Result<()> {
    let n = s.workers();
    let exe = std::env::current_exe().context("locating the fleet binary")?;
    let (tx, rx) = mpsc::channel::<Msg>();
    let mut w = Workers {
        children: Vec::new(),
        stdins: Vec::new(),
    };
    for i in 0..n {
        let mut child = Command::new(&exe)
            .arg(scenario_path)
            .args(["--prefix", &prefix.to_string()])
            .args(["--worker", &i.to_string(), "--workers", &n.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting a fleet worker")?;
        let stdout = child.stdout.take().context("worker stdout")?;
        let stdin = child.stdin.take().context("worker stdin")?;
        let tx = tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(Msg::Line(line)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Msg::Eof);
        });
        w.children.push(child);
        w.stdins.push(stdin);
    }
    let pids: Vec<String> = w.children.iter().map(|c| c.id().to_string()).collect();
    println!("pids {}", pids.join(" "));
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut ready = 0;
    while ready < n {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Msg::Line(l)) if l.starts_with("ready ") => ready += 1,
            Ok(Msg::Line(l)) => println!("{l}"),
            Ok(Msg::Eof) => bail!("a fleet worker exited while starting (see its stderr)"),
            Ok(Msg::Control(_)) => {}
            Err(_) => bail!("fleet workers not ready after {READY_TIMEOUT:?}"),
        }
    }
    println!("ready {}", s.instances());
    spawn_stdin(tx.clone());
    spawn_schedule(s, tx);
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Line(l) => println!("{l}"),
            Msg::Eof => bail!("a fleet worker exited"),
            Msg::Control(line) => {
                if !route(&mut w, s, &line)? {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

fn spawn_stdin(tx: mpsc::Sender<Msg>) {
    thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if tx.send(Msg::Control(line)).is_err() {
                return;
            }
        }
        let _ = tx.send(Msg::Control("quit".into()));
    });
}

fn spawn_schedule(s: &Scenario, tx: mpsc::Sender<Msg>) {
    let mut plan = s.fleet.schedule.clone();
    plan.sort_by_key(|f| f.at_ms);
    if plan.is_empty() {
        return;
    }
    thread::spawn(move || {
        let start = Instant::now();
        for f in plan {
            let at = start + Duration::from_millis(f.at_ms);
            thread::sleep(at.saturating_duration_since(Instant::now()));
            if tx.send(Msg::Control(f.command)).is_err() {
                return;
            }
        }
    });
}

/// Sends a control line to the worker(s) concerned; `false` on quit.
fn route(w: &mut Workers, s: &Scenario, line: &str) -> Result<bool> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(true);
    }
    let c = match control::parse(line, s.group_size(), s.fleet.masters) {
        Ok(c) => c,
        Err(e) => {
            println!("err {line}: {e}");
            return Ok(true);
        }
    };
    if c == Control::Quit {
        return Ok(false);
    }
    let n = w.stdins.len();
    let owner = c
        .target()
        .and_then(|t| t.group(s.group_size()))
        .map(|g| g % n);
    for (i, stdin) in w.stdins.iter_mut().enumerate() {
        if owner.is_none_or(|o| o == i) {
            writeln!(stdin, "{line}").context("writing to a fleet worker")?;
            stdin.flush()?;
        }
    }
    Ok(true)
}
