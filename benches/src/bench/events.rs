//! Every event each sentinel publishes, timestamped on arrival by a `PSUBSCRIBE *` client.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Instant;

use anyhow::Result;

use crate::client::Client;

/// Events kept per run at most (bounded memory); later ones are counted, not stored.
pub const EVENTS_MAX: usize = 2_000_000;

#[derive(Clone, Debug)]
pub struct Event {
    pub sentinel: usize,
    pub at: Instant,
    pub channel: String,
    pub payload: String,
}

#[derive(Default)]
pub struct Log {
    pub events: Vec<Event>,
    pub dropped: usize,
    /// Sentinels whose event connection ended.
    pub closed: Vec<usize>,
}

pub type SharedLog = Rc<RefCell<Log>>;

/// Subscribes to every channel of the sentinel at `addr` and records what arrives until the
/// connection ends.
pub async fn collect(sentinel: usize, addr: SocketAddr, deadline: Instant, log: SharedLog) -> Result<()> {
    let mut c = Client::connect_until(addr, deadline).await?;
    c.send(&["PSUBSCRIBE", "*"]).await?;
    tokio::task::spawn_local(async move {
        while let Ok(m) = c.next_message().await {
            let mut l = log.borrow_mut();
            if l.events.len() >= EVENTS_MAX {
                l.dropped += 1;
                continue;
            }
            l.events.push(Event {
                sentinel,
                at: m.at,
                channel: m.channel,
                payload: m.payload,
            });
        }
        log.borrow_mut().closed.push(sentinel);
    });
    Ok(())
}

/// Whether `e` is `channel` about master `name` (`+sdown master m3 ...`, `+switch-master m3 ...`).
pub fn is_about(e: &Event, channel: &str, name: &str) -> bool {
    if e.channel != channel {
        return false;
    }
    let mut words = e.payload.split(' ');
    match channel {
        "+switch-master" => words.next() == Some(name),
        _ => words.next() == Some("master") && words.next() == Some(name),
    }
}

impl Log {
    /// When each sentinel first published `channel` about `name` at or after `since`.
    pub fn first_per_sentinel(&self, channel: &str, name: &str, since: Instant, sentinels: usize) -> Vec<Option<Instant>> {
        let mut out = vec![None; sentinels];
        for e in &self.events {
            if e.at >= since && e.sentinel < sentinels && out[e.sentinel].is_none() && is_about(e, channel, name) {
                out[e.sentinel] = Some(e.at);
            }
        }
        out
    }

    pub fn count(&self, channel: &str) -> usize {
        self.events.iter().filter(|e| e.channel == channel).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: usize, ch: &str, p: &str) -> Event {
        Event { sentinel: s, at: Instant::now(), channel: ch.into(), payload: p.into() }
    }

    #[test]
    fn matches_master_events_by_name() {
        assert!(is_about(&ev(0, "+sdown", "master m3 127.1.0.7 6379"), "+sdown", "m3"));
        assert!(!is_about(&ev(0, "+sdown", "master m30 127.1.0.7 6379"), "+sdown", "m3"));
        assert!(!is_about(&ev(0, "+sdown", "slave 127.1.0.8:6379 127.1.0.8 6379 @ m3 127.1.0.7 6379"), "+sdown", "m3"));
        assert!(is_about(&ev(0, "+switch-master", "m3 127.1.0.7 6379 127.1.0.8 6379"), "+switch-master", "m3"));
    }

    #[test]
    fn first_event_per_sentinel() {
        let t0 = Instant::now();
        let mut l = Log::default();
        l.events.push(ev(1, "+sdown", "master m1 a 1"));
        l.events.push(ev(1, "+sdown", "master m1 a 1"));
        let firsts = l.first_per_sentinel("+sdown", "m1", t0, 3);
        assert!(firsts[0].is_none() && firsts[1].is_some() && firsts[2].is_none());
        assert_eq!(firsts[1], Some(l.events[0].at));
    }
}
