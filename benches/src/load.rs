//! Sentinel-shaped synthetic load, to measure the fleet itself at sizes no real sentinel here
//! can monitor (one sentinel needs two sockets per instance; 10,000 instances are the whole
//! 20,000-fd budget of a process). Per instance and emulated sentinel: a command link sending
//! `PING` every second, `INFO` every 10 s and a hello `PUBLISH` every 2 s, and a pub/sub link
//! subscribed to `__sentinel__:hello` (spec §3.1-§3.2). Start phases are spread over the first
//! second, as a sentinel's are.

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::client::Client;
use crate::scenario::{Scenario, instance_ip};

/// Counters of one load process.
#[derive(Default)]
pub struct Counters {
    pub replies: Cell<u64>,
    pub messages: Cell<u64>,
    pub errors: Cell<u64>,
}

/// Drives the load for the instances `k` with `k % slices == slice`, for `seconds`.
pub fn run(
    s: &Scenario,
    prefix: u8,
    slice: usize,
    slices: usize,
    sentinels: usize,
    seconds: u64,
) -> Result<Rc<Counters>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    let counters = Rc::new(Counters::default());
    let c = counters.clone();
    let end = Instant::now() + Duration::from_secs(seconds);
    local.block_on(&rt, async move {
        let mut tasks = Vec::new();
        let mine: Vec<usize> = (0..s.instances()).filter(|k| k % slices == slice).collect();
        let n = mine.len().max(1) as u64;
        for (i, k) in mine.into_iter().enumerate() {
            let addr = SocketAddr::from((instance_ip(prefix, k), s.fleet.port));
            for sid in 0..sentinels {
                let phase = Duration::from_micros(1_000_000 * i as u64 / n);
                tasks.push(tokio::task::spawn_local(link_pair(
                    addr,
                    sid,
                    phase,
                    end,
                    c.clone(),
                )));
            }
        }
        for t in tasks {
            let _ = t.await;
        }
    });
    Ok(counters)
}

async fn link_pair(addr: SocketAddr, sid: usize, phase: Duration, end: Instant, c: Rc<Counters>) {
    tokio::time::sleep(phase).await;
    let Ok(mut cc) = Client::connect(addr).await else {
        c.errors.set(c.errors.get() + 1);
        return;
    };
    let Ok(mut pc) = Client::connect(addr).await else {
        c.errors.set(c.errors.get() + 1);
        return;
    };
    if pc.send(&["SUBSCRIBE", "__sentinel__:hello"]).await.is_err() {
        return;
    }
    let c2 = c.clone();
    let reader = tokio::task::spawn_local(async move {
        while let Ok(Ok(_)) = tokio::time::timeout_at(end.into(), pc.next_message()).await {
            c2.messages.set(c2.messages.get() + 1);
        }
    });
    let hello = format!(
        "127.0.0.1,{},{:040x},0,m,{},{},0",
        26379 + sid,
        sid,
        addr.ip(),
        addr.port()
    );
    let mut tick: u64 = 0;
    let mut next = Instant::now();
    while next < end {
        tokio::time::sleep_until(next.into()).await;
        let mut ok = cc.call(&["PING"]).await.is_ok();
        if tick.is_multiple_of(10) {
            ok &= cc.call(&["INFO"]).await.is_ok();
        }
        if tick.is_multiple_of(2) {
            ok &= cc
                .call(&["PUBLISH", "__sentinel__:hello", hello.as_str()])
                .await
                .is_ok();
        }
        if ok {
            c.replies.set(c.replies.get() + 1);
        } else {
            c.errors.set(c.errors.get() + 1);
            break;
        }
        tick += 1;
        next += Duration::from_secs(1);
    }
    let _ = reader.await;
}
