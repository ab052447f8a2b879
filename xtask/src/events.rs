//! Sentinel event streams: a `PSUBSCRIBE *` client per sentinel on its own thread, each
//! message stamped with the instant it was read and forwarded on one channel.

use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::procs::check_interrupt;
use crate::resp::Conn;

#[derive(Debug, Clone)]
pub struct Event {
    pub at: Instant,
    /// Index of the sentinel that published it.
    pub sentinel: usize,
    pub channel: String,
    pub payload: String,
}

impl Event {
    /// Whether this is `channel` about the monitored master itself (payload `master <name> ...`).
    pub fn is_master(&self, channel: &str) -> bool {
        self.channel == channel && self.payload.starts_with("master ")
    }
}

/// The subscriber threads; dropping this closes their sockets and joins them.
pub struct Events {
    rx: Receiver<Event>,
    sockets: Vec<TcpStream>,
    threads: Vec<JoinHandle<()>>,
}

impl Events {
    /// Subscribes to every port and returns once every subscription is confirmed, so no event
    /// after this call is missed.
    pub fn subscribe(ports: &[u16]) -> Result<Events> {
        let (tx, rx) = channel();
        let mut ev = Events {
            rx,
            sockets: Vec::new(),
            threads: Vec::new(),
        };
        for (i, &port) in ports.iter().enumerate() {
            let mut conn = Conn::connect(port, Duration::from_secs(2))?;
            conn.send(&["PSUBSCRIBE", "*"])?;
            let confirm = conn.read()?;
            if confirm.items().first().and_then(|v| v.text()).as_deref() != Some("psubscribe") {
                bail!("PSUBSCRIBE on :{port} answered {confirm:?}");
            }
            conn.set_timeout(None)?;
            ev.sockets.push(conn.handle()?);
            let tx = tx.clone();
            ev.threads
                .push(std::thread::spawn(move || read_loop(conn, i, tx)));
        }
        Ok(ev)
    }

    /// The next event, or `None` after `limit` without one. Fails on Ctrl-C.
    pub fn next(&self, limit: Duration) -> Result<Option<Event>> {
        check_interrupt()?;
        // Wake at least every 100 ms to notice Ctrl-C.
        let slice = limit.min(Duration::from_millis(100));
        match self.rx.recv_timeout(slice) {
            Ok(e) => Ok(Some(e)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => bail!("every event stream closed"),
        }
    }

    /// Collects events until `done` says the collection is complete or `limit` passes.
    pub fn collect_until(
        &self,
        limit: Duration,
        mut done: impl FnMut(&[Event]) -> bool,
        mut each: impl FnMut(&Event),
    ) -> Result<(Vec<Event>, bool)> {
        let deadline = Instant::now() + limit;
        let mut got = Vec::new();
        while Instant::now() < deadline {
            if let Some(e) = self.next(deadline.saturating_duration_since(Instant::now()))? {
                each(&e);
                got.push(e);
                if done(&got) {
                    return Ok((got, true));
                }
            }
        }
        Ok((got, false))
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        for s in &self.sockets {
            let _ = s.shutdown(Shutdown::Both);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn read_loop(mut conn: Conn, sentinel: usize, tx: Sender<Event>) {
    while let Ok(v) = conn.read() {
        let at = Instant::now();
        let items = v.items();
        // ["pmessage", pattern, channel, payload]
        if items.len() != 4 || items[0].text().as_deref() != Some("pmessage") {
            continue;
        }
        let ev = Event {
            at,
            sentinel,
            channel: items[2].text().unwrap_or_default(),
            payload: items[3].text().unwrap_or_default(),
        };
        if tx.send(ev).is_err() {
            return;
        }
    }
}

/// True when every sentinel in `0..n` published `channel`.
pub fn all_reported(events: &[Event], n: usize, channel: &str) -> bool {
    (0..n).all(|i| {
        events
            .iter()
            .any(|e| e.sentinel == i && e.channel == channel)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(sentinel: usize, channel: &str, payload: &str) -> Event {
        Event {
            at: Instant::now(),
            sentinel,
            channel: channel.into(),
            payload: payload.into(),
        }
    }

    #[test]
    fn all_reported_needs_every_sentinel() {
        let mut evs = vec![
            ev(0, "+switch-master", "mymaster 127.0.0.1 1 127.0.0.1 2"),
            ev(1, "+sdown", "master mymaster 127.0.0.1 1"),
        ];
        assert!(!all_reported(&evs, 2, "+switch-master"));
        evs.push(ev(1, "+switch-master", "mymaster 127.0.0.1 1 127.0.0.1 2"));
        assert!(all_reported(&evs, 2, "+switch-master"));
    }

    #[test]
    fn master_events_are_told_from_replica_events() {
        assert!(ev(0, "+sdown", "master mymaster 127.0.0.1 1").is_master("+sdown"));
        let replica = "slave 127.0.0.1:2 127.0.0.1 2 @ mymaster 127.0.0.1 1";
        assert!(!ev(0, "+sdown", replica).is_master("+sdown"));
    }
}
