//! One worker process: a current-thread tokio runtime serving its share of the master groups,
//! one listening socket per instance, one task per connection, no thread per instance. Control
//! commands arrive on stdin; answers go to stdout, one line each.

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::LocalSet;

use super::conn;
use super::control::{self, Control, Target};
use super::instance::{Health, Role};
use super::model::Fleet;
use crate::scenario::Scenario;

/// Listen backlog (redis-server's default `tcp-backlog`).
const BACKLOG: u32 = 511;

pub fn run(s: &Scenario, prefix: u8, worker: usize, workers: usize) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = LocalSet::new();
    local.block_on(&rt, serve(s, prefix, worker, workers))
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let sock = TcpSocket::new_v4()?;
    sock.set_reuseaddr(true)?;
    sock.bind(addr)?;
    sock.listen(BACKLOG)
}

async fn serve(s: &Scenario, prefix: u8, worker: usize, workers: usize) -> Result<()> {
    let fleet = Rc::new(Fleet::new(s, prefix, worker, workers));
    let ids = Rc::new(Cell::new(0u64));
    for &k in &fleet.order {
        let addr = fleet.get(k).map(|i| {
            let i = i.borrow();
            SocketAddr::from((i.ip, i.port))
        });
        let Some(addr) = addr else { continue };
        let listener = bind(addr).with_context(|| format!("binding {addr}"))?;
        tokio::task::spawn_local(listen(fleet.clone(), k, addr, Some(listener), ids.clone()));
    }
    println!("ready worker={worker} instances={}", fleet.order.len());
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match control::parse(line, fleet.group_size, s.fleet.masters) {
            Ok(Control::Quit) => break,
            Ok(c) => {
                let answer = apply(&fleet, c, worker);
                // Let the tasks the fault woke (listeners, connections) act on it first, so
                // that the answer usually means "in force".
                tokio::task::yield_now().await;
                println!("{answer}");
            }
            Err(e) => println!("err {line}: {e}"),
        }
    }
    Ok(())
}

/// Accepts connections while the instance is up; drops the socket while it is killed and
/// binds again when it is revived.
async fn listen(
    fleet: Rc<Fleet>,
    index: usize,
    addr: SocketAddr,
    mut listener: Option<TcpListener>,
    ids: Rc<Cell<u64>>,
) {
    let Some(mut health) = fleet.get(index).map(|i| i.borrow().health_tx.subscribe()) else {
        return;
    };
    loop {
        let h = *health.borrow_and_update();
        match (h, listener.as_ref()) {
            (Health::Killed, _) => {
                listener = None;
                if health.changed().await.is_err() {
                    return;
                }
            }
            (Health::Frozen, _) => {
                // A stopped process accepts nothing; the kernel still queues handshakes.
                if health.changed().await.is_err() {
                    return;
                }
            }
            (Health::Up, None) => match bind(addr) {
                Ok(l) => listener = Some(l),
                Err(e) => {
                    eprintln!("fleet: rebinding {addr}: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            (Health::Up, Some(l)) => {
                tokio::select! {
                    r = l.accept() => match r {
                        Ok((stream, _)) => {
                            let id = ids.get() + 1;
                            ids.set(id);
                            tokio::task::spawn_local(conn::serve(fleet.clone(), index, stream, id));
                        }
                        Err(e) => {
                            // EMFILE and friends: back off instead of spinning.
                            report_accept_error(addr, &e);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    },
                    r = health.changed() => if r.is_err() { return },
                }
            }
        }
    }
}

thread_local! {
    static ACCEPT_ERRORS: Cell<u64> = const { Cell::new(0) };
}

/// Logs the first accept errors and then one in a thousand (a sentinel that opens too many
/// connections must not flood the log).
fn report_accept_error(addr: SocketAddr, e: &std::io::Error) {
    let n = ACCEPT_ERRORS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if n <= 10 || n.is_multiple_of(1000) {
        eprintln!("fleet: accept on {addr}: {e} ({n} accept errors so far)");
    }
}

/// The instances a target names in this worker.
fn resolve(fleet: &Fleet, t: Target) -> Vec<usize> {
    match t {
        Target::Instance(k) => fleet.get(k).map(|_| k).into_iter().collect(),
        Target::CurrentMaster(g) => fleet.current_master(g).into_iter().collect(),
        Target::All => fleet.order.clone(),
    }
}

fn set_health(fleet: &Fleet, ks: &[usize], h: Health) {
    for k in ks {
        if let Some(i) = fleet.get(*k) {
            i.borrow_mut().set_health(h);
        }
    }
}

/// Applies a control command to this worker's instances and says what happened.
pub fn apply(fleet: &Rc<Fleet>, c: Control, worker: usize) -> String {
    let ks = c.target().map(|t| resolve(fleet, t)).unwrap_or_default();
    let names = || {
        let mut v: Vec<String> = ks
            .iter()
            .take(8)
            .filter_map(|k| fleet.get(*k).map(|i| i.borrow().name.clone()))
            .collect();
        if ks.len() > 8 {
            v.push(format!("(+{})", ks.len() - 8));
        }
        v.join(",")
    };
    match c {
        Control::Freeze(_) => set_health(fleet, &ks, Health::Frozen),
        Control::Thaw(_) | Control::Revive(_) => set_health(fleet, &ks, Health::Up),
        Control::Kill(_) => set_health(fleet, &ks, Health::Killed),
        Control::Slow(_, ms) => {
            for k in &ks {
                if let Some(i) = fleet.get(*k) {
                    i.borrow_mut().slow_ms = ms;
                }
            }
        }
        Control::Flap(_, ms, cycles) => {
            let f = fleet.clone();
            let ks = ks.clone();
            tokio::task::spawn_local(async move {
                let period = Duration::from_millis(ms);
                for _ in 0..cycles {
                    set_health(&f, &ks, Health::Frozen);
                    tokio::time::sleep(period).await;
                    set_health(&f, &ks, Health::Up);
                    tokio::time::sleep(period).await;
                }
            });
        }
        Control::Role(_) => {
            let roles: Vec<String> = ks
                .iter()
                .filter_map(|k| fleet.get(*k))
                .map(|i| {
                    let i = i.borrow();
                    let role = match &i.role {
                        Role::Master => "master".to_string(),
                        Role::Replica { host, port } => format!("slave-of {host}:{port}"),
                    };
                    format!("{} {role} {:?}", i.name, i.health)
                })
                .collect();
            return format!("role {}", roles.join("; "));
        }
        Control::Stats => {
            let conns: usize = fleet.insts.values().map(|i| i.borrow().conns.len()).sum();
            return format!(
                "stats worker={worker} instances={} conns={conns}",
                fleet.order.len()
            );
        }
        Control::Quit => {}
    }
    format!("ok {c:?} [{}]", names())
}
