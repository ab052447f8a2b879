//! Parser for the `INFO` reply of a monitored redis-server (spec §3.3): the fields sentinel.c
//! `sentinelRefreshInstanceInfo` reads, as one immutable [`InfoReport`].
//!
//! Tolerant like Redis: unknown lines and sections are ignored, a malformed value is ignored
//! (the field keeps its default), lines may end in CRLF (what servers send) or LF. The parse is
//! order dependent exactly where Redis's is: replica fields (`master_host`, `slave_priority`,
//! ...) count only after a `role:slave` line and until a later `role:master` line.
//!
//! Deliberate differences from sentinel.c, all for input no real server sends:
//! * `run_id` is accepted only when exactly 40 printable ASCII characters (Redis copies the first
//!   40 bytes of any value of 40 or more);
//! * numbers are parsed whole (Redis `atoi`/`strtoull` read a numeric prefix and turn garbage
//!   into 0); a malformed number is ignored, so a garbled `slave_priority` stays 100 rather than
//!   becoming 0 ("never promote"), and a garbled `replica_announced` stays true;
//! * `role:` values must be exactly `master` or `slave` (Redis matches the prefix);
//! * `slaveN:` entries need a syntactically valid host and a port in 1..=65535 (Redis would try
//!   to create the instance and fail in `createSentinelAddr` for most bad ones).

mod host;
mod replica_line;

pub use host::{HOST_LEN_MAX, is_valid_host};
pub use replica_line::ReplicaEntry;

/// Length of a Redis run id (`CONFIG_RUN_ID_SIZE`).
pub const RUN_ID_LEN: usize = 40;

/// `slave_priority` a replica has until it reports one (`SENTINEL_DEFAULT_SLAVE_PRIORITY`).
pub const DEFAULT_REPLICA_PRIORITY: u32 = 100;

/// What one `INFO` reply told us. Built by [`InfoReport::parse`]; the caller merges it into the
/// instance (Redis caches the raw text separately for `SENTINEL INFO-CACHE`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InfoReport {
    /// `run_id:`, when it was exactly [`RUN_ID_LEN`] printable ASCII characters. A change
    /// against the previous report is a `+reboot`.
    pub run_id: Option<String>,
    /// `redis_version:`, verbatim (`None` when absent or empty).
    pub redis_version: Option<String>,
    /// The reported role and, for a replica, its replication state.
    pub role: Role,
    /// The `slaveN:` lines that named a valid address, in text order, duplicates kept.
    ///
    /// Collected whatever the reported role: sentinel.c uses them when the instance is
    /// *configured* as a master (`ri->flags & SRI_MASTER`), not when it reports `role:master`.
    pub replicas: Vec<ReplicaEntry>,
    /// `master_link_down_since_seconds:` (present while a replica's link is down; redis 7.0
    /// reports -1 while it has never been connected). Redis resets its copy to 0 on every
    /// INFO that lacks the line; see [`InfoReport::master_link_down_time_ms`].
    pub master_link_down_since_seconds: Option<i64>,
}

/// The role an instance reported in `role:`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// `role:master`.
    Master,
    /// `role:slave`, with the fields that followed it.
    Replica(ReplicaState),
    /// No (recognised) `role:` line.
    #[default]
    Unknown,
}

/// What a replica reports about its own replication (the lines after `role:slave`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaState {
    /// `master_host:`; `None` when absent or empty.
    pub master_host: Option<String>,
    /// `master_port:`; `None` when absent or not a port number.
    pub master_port: Option<u16>,
    /// `master_link_status:` (`up`, case-insensitively, is up; anything else, or no line, is
    /// down, as Redis initialises it).
    pub master_link_status: LinkStatus,
    /// `slave_priority:`; [`DEFAULT_REPLICA_PRIORITY`] when absent or malformed. 0 means the
    /// replica must never be promoted.
    pub slave_priority: u32,
    /// `slave_repl_offset:`; 0 when absent or malformed.
    pub slave_repl_offset: u64,
    /// `replica_announced:` (7.0+); non-zero is true; true when absent or malformed.
    pub replica_announced: bool,
}

impl Default for ReplicaState {
    fn default() -> ReplicaState {
        ReplicaState {
            master_host: None,
            master_port: None,
            master_link_status: LinkStatus::Down,
            slave_priority: DEFAULT_REPLICA_PRIORITY,
            slave_repl_offset: 0,
            replica_announced: true,
        }
    }
}

/// A replica's link to its master, as `master_link_status:` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    /// `up`
    Up,
    /// `down`, or anything else.
    Down,
}

impl LinkStatus {
    /// The spelling `SENTINEL REPLICAS` uses (`master-link-status`): `ok` or `err`.
    pub fn as_reply_str(self) -> &'static str {
        match self {
            LinkStatus::Up => "ok",
            LinkStatus::Down => "err",
        }
    }
}

impl InfoReport {
    /// Parses an `INFO` reply. Never fails: whatever cannot be understood is ignored.
    pub fn parse(text: &[u8]) -> InfoReport {
        let mut report = InfoReport::default();
        // sentinel.c keeps the role in a local that only `role:master` / `role:slave` lines
        // change; replica fields are read while it says slave. The replica fields live in the
        // instance, so a second `role:slave` section continues the first: mirror that with
        // one accumulator that becomes the role's payload at the end.
        let mut reported_slave: Option<bool> = None;
        let mut replica = ReplicaState::default();

        for line in lines(text) {
            let Some((key, value)) = split_field(line) else {
                continue;
            };
            match key {
                b"run_id" => {
                    if let Some(run_id) = parse_run_id(value) {
                        report.run_id = Some(run_id);
                    }
                }
                b"redis_version" => {
                    if let Some(version) = utf8(value).filter(|v| !v.is_empty()) {
                        report.redis_version = Some(version.to_owned());
                    }
                }
                b"master_link_down_since_seconds" => {
                    if let Some(seconds) = parse_num::<i64>(value) {
                        report.master_link_down_since_seconds = Some(seconds);
                    }
                }
                b"role" => match value {
                    b"master" => reported_slave = Some(false),
                    b"slave" => reported_slave = Some(true),
                    _ => {}
                },
                _ if replica_line::is_replica_key(key) => {
                    if let Some(entry) = ReplicaEntry::parse_value(value) {
                        report.replicas.push(entry);
                    }
                }
                _ if reported_slave == Some(true) => replica.apply(key, value),
                _ => {}
            }
        }

        report.role = match reported_slave {
            Some(true) => Role::Replica(replica),
            Some(false) => Role::Master,
            None => Role::Unknown,
        };
        report
    }

    /// Redis's `master_link_down_time`: the reported seconds × 1000, or 0 when the line was
    /// absent (negative while a replica has never been connected, as in Redis).
    pub fn master_link_down_time_ms(&self) -> i64 {
        self.master_link_down_since_seconds
            .map_or(0, |seconds| seconds.saturating_mul(1000))
    }

    /// The replica state, when the instance reported `role:slave`.
    pub fn replica_state(&self) -> Option<&ReplicaState> {
        match &self.role {
            Role::Replica(state) => Some(state),
            Role::Master | Role::Unknown => None,
        }
    }
}

impl ReplicaState {
    /// Applies one line seen while the role is `slave`.
    fn apply(&mut self, key: &[u8], value: &[u8]) {
        match key {
            b"master_host" => {
                self.master_host = utf8(value).filter(|h| !h.is_empty()).map(str::to_owned);
            }
            b"master_port" => self.master_port = parse_num::<u16>(value),
            b"master_link_status" => {
                self.master_link_status = if value.eq_ignore_ascii_case(b"up") {
                    LinkStatus::Up
                } else {
                    LinkStatus::Down
                };
            }
            b"slave_priority" => {
                if let Some(priority) = parse_num::<u32>(value) {
                    self.slave_priority = priority;
                }
            }
            b"slave_repl_offset" => {
                if let Some(offset) = parse_num::<u64>(value) {
                    self.slave_repl_offset = offset;
                }
            }
            b"replica_announced" => {
                if let Some(flag) = parse_num::<i64>(value) {
                    self.replica_announced = flag != 0;
                }
            }
            _ => {}
        }
    }
}

/// The lines of `text`, split on LF with one trailing CR removed.
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

/// `key:value` at the first colon; `None` for section headers, blank and colon-less lines.
fn split_field(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = memchr::memchr(b':', line)?;
    Some((&line[..colon], &line[colon + 1..]))
}

fn utf8(value: &[u8]) -> Option<&str> {
    std::str::from_utf8(value).ok()
}

/// A whole decimal number (an optional sign as `str::parse` allows, nothing else).
fn parse_num<T: std::str::FromStr>(value: &[u8]) -> Option<T> {
    utf8(value)?.parse().ok()
}

fn parse_run_id(value: &[u8]) -> Option<String> {
    if value.len() != RUN_ID_LEN || !value.iter().all(u8::is_ascii_graphic) {
        return None;
    }
    utf8(value).map(str::to_owned)
}

/// Fuzz entry: must never panic, and must hold the parser's invariants.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let report = InfoReport::parse(data);
    if let Some(run_id) = &report.run_id {
        assert_eq!(run_id.len(), RUN_ID_LEN);
    }
    for replica in &report.replicas {
        assert!(replica.port != 0 && is_valid_host(&replica.ip));
    }
    let _ = report.master_link_down_time_ms();
    // LF and CRLF line ends mean the same: when the input has no CR at all, turning every LF
    // into CRLF must give the same report.
    if !data.contains(&b'\r') && data.len() <= 64 * 1024 {
        let mut crlf = Vec::with_capacity(data.len() * 2);
        for &b in data {
            if b == b'\n' {
                crlf.push(b'\r');
            }
            crlf.push(b);
        }
        assert_eq!(InfoReport::parse(&crlf), report);
    }
}

#[cfg(test)]
mod tests;
