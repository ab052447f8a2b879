//! Sentinel events (spec §3.11): a level, the channel named after the event, and its payload in
//! Redis's text format. The driver logs them and publishes non-debug ones to subscribers.

use std::fmt;

use crate::addr::Addr;

/// Redis log levels as `sentinelEvent` uses them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Verbose,
    Notice,
    Warning,
}

/// One event, ready to publish on `channel` with `message` as payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub level: Level,
    pub channel: &'static str,
    pub message: String,
}

impl Event {
    /// Debug-level events are only logged, never published (sentinel.c `sentinelEvent`).
    pub fn is_published(&self) -> bool {
        self.level != Level::Debug
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.channel, self.message)
    }
}

/// What `%@` expands to: the instance the event is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    /// `master <name> <ip> <port>`
    Master { name: &'a str, addr: &'a Addr },
    /// `slave <ip:port> <ip> <port> @ <master> <mip> <mport>`
    Replica {
        addr: &'a Addr,
        master: &'a str,
        master_addr: &'a Addr,
    },
    /// `sentinel <runid> <ip> <port> @ <master> <mip> <mport>`
    Sentinel {
        runid: &'a str,
        addr: &'a Addr,
        master: &'a str,
        master_addr: &'a Addr,
    },
}

impl fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Master { name, addr } => {
                write!(f, "master {name} {} {}", addr.host, addr.port)
            }
            Subject::Replica {
                addr,
                master,
                master_addr,
            } => write!(
                f,
                "slave {addr} {} {} @ {master} {} {}",
                addr.host, addr.port, master_addr.host, master_addr.port
            ),
            Subject::Sentinel {
                runid,
                addr,
                master,
                master_addr,
            } => write!(
                f,
                "sentinel {runid} {} {} @ {master} {} {}",
                addr.host, addr.port, master_addr.host, master_addr.port
            ),
        }
    }
}

/// An event about an instance: `%@` followed by `extra` when it is not empty.
pub fn about(level: Level, channel: &'static str, subject: &Subject<'_>, extra: &str) -> Event {
    let message = if extra.is_empty() {
        subject.to_string()
    } else {
        format!("{subject} {extra}")
    };
    Event {
        level,
        channel,
        message,
    }
}

/// An event with a free-form payload (`+new-epoch`, `+switch-master`, `+tilt`, ...).
pub fn plain(level: Level, channel: &'static str, message: impl Into<String>) -> Event {
    Event {
        level,
        channel,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_formats_match_redis() {
        let m = Addr::new("127.0.0.1", 6379);
        let r = Addr::new("127.0.0.1", 6380);
        let e = about(
            Level::Warning,
            "+sdown",
            &Subject::Master {
                name: "mymaster",
                addr: &m,
            },
            "",
        );
        assert_eq!(e.message, "master mymaster 127.0.0.1 6379");
        let e = about(
            Level::Notice,
            "+slave",
            &Subject::Replica {
                addr: &r,
                master: "mymaster",
                master_addr: &m,
            },
            "",
        );
        assert_eq!(
            e.message,
            "slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379"
        );
        let s = Addr::new("127.0.0.1", 26380);
        let e = about(
            Level::Warning,
            "+odown",
            &Subject::Sentinel {
                runid: "abc",
                addr: &s,
                master: "mymaster",
                master_addr: &m,
            },
            "#quorum 2/2",
        );
        assert_eq!(
            e.message,
            "sentinel abc 127.0.0.1 26380 @ mymaster 127.0.0.1 6379 #quorum 2/2"
        );
        assert!(e.is_published());
        assert!(!plain(Level::Debug, "-cmd-link-reconnection", "x").is_published());
    }
}
