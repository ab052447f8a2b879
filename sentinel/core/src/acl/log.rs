//! The ACL log (acl.c `addACLLogEntry`): denied commands, channels and failed logins, newest
//! first; a repeat of the same denial within 60 s bumps the count of its entry.

use std::collections::VecDeque;
use std::time::Duration;

use crate::time::Instant;

/// Entries kept (`acllog-max-len`).
pub const ACL_LOG_MAX_LEN: usize = 128;

/// Why something was denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    Command,
    Channel,
    Auth,
}

impl Denial {
    pub fn reason(self) -> &'static str {
        match self {
            Denial::Command => "command",
            Denial::Channel => "channel",
            Denial::Auth => "auth",
        }
    }
}

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub count: u64,
    pub reason: Denial,
    /// The command, channel, or `AUTH`.
    pub object: String,
    pub username: String,
    pub created: Instant,
    pub updated: Instant,
    /// The CLIENT LIST line of the client at the last occurrence.
    pub client_info: String,
}

/// The log.
#[derive(Clone, Debug, Default)]
pub struct AclLog {
    entries: VecDeque<Entry>,
}

impl AclLog {
    /// Records a denial, grouping it with a similar recent one.
    pub fn record(
        &mut self,
        now: Instant,
        reason: Denial,
        object: &str,
        username: &str,
        client_info: String,
    ) {
        let similar = self.entries.iter().position(|e| {
            e.reason == reason
                && e.object == object
                && e.username == username
                && now - e.updated < Duration::from_secs(60)
        });
        if let Some(i) = similar
            && let Some(mut e) = self.entries.remove(i)
        {
            e.count += 1;
            e.updated = now;
            e.client_info = client_info;
            self.entries.push_front(e);
            return;
        }
        self.entries.push_front(Entry {
            count: 1,
            reason,
            object: object.to_string(),
            username: username.to_string(),
            created: now,
            updated: now,
            client_info,
        });
        self.entries.truncate(ACL_LOG_MAX_LEN);
    }

    /// Up to `count` entries, newest first.
    pub fn latest(&self, count: usize) -> impl Iterator<Item = &Entry> {
        self.entries.iter().take(count)
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_repeats_within_a_minute_and_caps_length() {
        let mut log = AclLog::default();
        let t = Instant::from_millis;
        log.record(t(0), Denial::Auth, "AUTH", "bob", "a".into());
        log.record(t(1_000), Denial::Auth, "AUTH", "bob", "b".into());
        assert_eq!(log.len(), 1);
        let e = log.latest(10).next().unwrap();
        assert_eq!((e.count, e.client_info.as_str()), (2, "b"));
        log.record(t(62_000), Denial::Auth, "AUTH", "bob", "c".into());
        assert_eq!(log.len(), 2);
        log.record(
            t(62_001),
            Denial::Command,
            "sentinel|reset",
            "bob",
            "d".into(),
        );
        assert_eq!(log.latest(1).next().unwrap().object, "sentinel|reset");
        for i in 0..300 {
            log.record(
                t(70_000),
                Denial::Channel,
                &format!("c{i}"),
                "u",
                String::new(),
            );
        }
        assert_eq!(log.len(), ACL_LOG_MAX_LEN);
        log.reset();
        assert!(log.is_empty());
    }
}
