//! Every event each sentinel publishes, timestamped on arrival by a `PSUBSCRIBE *` client.

use std::cell::RefCell;
use std::collections::HashMap;
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
pub async fn collect(
    sentinel: usize,
    addr: SocketAddr,
    deadline: Instant,
    log: SharedLog,
) -> Result<()> {
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
    pub fn first_per_sentinel(
        &self,
        channel: &str,
        name: &str,
        since: Instant,
        sentinels: usize,
    ) -> Vec<Option<Instant>> {
        let mut out = vec![None; sentinels];
        for e in &self.events {
            if e.at >= since
                && e.sentinel < sentinels
                && out[e.sentinel].is_none()
                && is_about(e, channel, name)
            {
                out[e.sentinel] = Some(e.at);
            }
        }
        out
    }

    /// Masters for which `sentinel` has announced at least `replicas` `+slave` and `peers`
    /// `+sentinel` events: discovery progress from events alone, for a sentinel that does not
    /// answer `SENTINEL MASTERS`.
    pub fn discovered(&self, sentinel: usize, replicas: usize, peers: usize) -> usize {
        let mut per: HashMap<&str, (usize, usize)> = HashMap::new();
        for e in self.events.iter().filter(|e| e.sentinel == sentinel) {
            let slot = match e.channel.as_str() {
                "+slave" => 0,
                "+sentinel" => 1,
                _ => continue,
            };
            // `<type> <name> <ip> <port> @ <master> <ip> <port>`
            let Some(master) = e
                .payload
                .split(" @ ")
                .nth(1)
                .and_then(|m| m.split(' ').next())
            else {
                continue;
            };
            let c = per.entry(master).or_default();
            if slot == 0 {
                c.0 += 1;
            } else {
                c.1 += 1;
            }
        }
        per.values()
            .filter(|(r, p)| *r >= replicas && *p >= peers)
            .count()
    }

    /// Sentinels whose last `+tilt`/`-tilt` event is `+tilt` (in TILT now).
    pub fn in_tilt(&self) -> Vec<usize> {
        let mut last: HashMap<usize, bool> = HashMap::new();
        for e in &self.events {
            match e.channel.as_str() {
                "+tilt" => last.insert(e.sentinel, true),
                "-tilt" => last.insert(e.sentinel, false),
                _ => None,
            };
        }
        let mut v: Vec<usize> = last
            .into_iter()
            .filter(|(_, t)| *t)
            .map(|(k, _)| k)
            .collect();
        v.sort_unstable();
        v
    }

    pub fn count(&self, channel: &str) -> usize {
        self.events.iter().filter(|e| e.channel == channel).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: usize, ch: &str, p: &str) -> Event {
        Event {
            sentinel: s,
            at: Instant::now(),
            channel: ch.into(),
            payload: p.into(),
        }
    }

    #[test]
    fn matches_master_events_by_name() {
        assert!(is_about(
            &ev(0, "+sdown", "master m3 127.1.0.7 6379"),
            "+sdown",
            "m3"
        ));
        assert!(!is_about(
            &ev(0, "+sdown", "master m30 127.1.0.7 6379"),
            "+sdown",
            "m3"
        ));
        assert!(!is_about(
            &ev(
                0,
                "+sdown",
                "slave 127.1.0.8:6379 127.1.0.8 6379 @ m3 127.1.0.7 6379"
            ),
            "+sdown",
            "m3"
        ));
        assert!(is_about(
            &ev(0, "+switch-master", "m3 127.1.0.7 6379 127.1.0.8 6379"),
            "+switch-master",
            "m3"
        ));
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

    #[test]
    fn discovery_from_events() {
        let mut l = Log::default();
        l.events.push(ev(
            0,
            "+slave",
            "slave 1.1.1.2:6379 1.1.1.2 6379 @ m0 1.1.1.1 6379",
        ));
        l.events.push(ev(
            0,
            "+sentinel",
            "sentinel abc 127.0.0.1 26380 @ m0 1.1.1.1 6379",
        ));
        l.events.push(ev(
            0,
            "+slave",
            "slave 1.1.1.4:6379 1.1.1.4 6379 @ m1 1.1.1.3 6379",
        ));
        l.events.push(ev(
            1,
            "+sentinel",
            "sentinel abc 127.0.0.1 26380 @ m1 1.1.1.3 6379",
        ));
        assert_eq!(l.discovered(0, 1, 1), 1);
        assert_eq!(l.discovered(0, 1, 0), 2);
        assert_eq!(l.discovered(1, 1, 1), 0);
    }
}
