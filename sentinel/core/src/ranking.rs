//! Choosing the replica to promote (spec §3.7), mirroring sentinel.c `sentinelSelectSlave` and
//! `compareSlavesForPromotion`.
//!
//! Pure functions over a snapshot: the caller turns each replica of the failing master into a
//! [`Candidate`] (ages already computed from its `now`) and gets back the index of the winner,
//! and can ask [`exclusion_reason`] why any other one was passed over.

use std::cmp::Ordering;
use std::fmt;

/// What the selection needs to know about one replica.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Candidate {
    /// The replica's `run_id` from INFO; `None` if it never reported one (sorts last).
    pub runid: Option<String>,
    /// `slave_priority` from INFO (lower wins; 0 = never promote).
    pub priority: u32,
    /// `slave_repl_offset` from INFO (higher wins).
    pub repl_offset: u64,
    /// The replica is subjectively down.
    pub s_down: bool,
    /// The replica is objectively down (Redis checks the flag for replicas too).
    pub o_down: bool,
    /// The replica's command or pub/sub link is not connected.
    pub disconnected: bool,
    /// Milliseconds since the last valid PING reply (`link->last_avail_time`).
    pub last_ok_ping_age_ms: u64,
    /// Milliseconds since the last INFO reply (`info_refresh`); `None` if never received.
    pub info_age_ms: Option<u64>,
    /// Redis's `master_link_down_time`: `master_link_down_since_seconds` × 1000 from the last
    /// INFO, 0 when the link was up (clamp Redis's -1000 for "never connected" to 0).
    pub master_link_down_ms: u64,
}

/// The timing the selection depends on, from the failing master and the sentinel config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelectionParams {
    /// `sentinel_ping_period` (1000 ms unless changed with `SENTINEL DEBUG`).
    pub ping_period_ms: u64,
    /// `sentinel_info_period` (10000 ms unless changed with `SENTINEL DEBUG`).
    pub info_period_ms: u64,
    /// The master's `down-after-milliseconds`.
    pub down_after_ms: u64,
    /// How long the master has been S_DOWN (`now - s_down_since_time`); `None` if it is not.
    pub master_sdown_for_ms: Option<u64>,
}

impl SelectionParams {
    /// A replica whose last valid PING reply is older than this is out (5 × ping period).
    pub fn ping_age_max_ms(&self) -> u64 {
        self.ping_period_ms.saturating_mul(5)
    }

    /// A replica whose INFO is older than this is out: while the master is S_DOWN replicas
    /// are polled every second, so 5 × ping period; otherwise 3 × info period.
    pub fn info_age_max_ms(&self) -> u64 {
        match self.master_sdown_for_ms {
            Some(_) => self.ping_period_ms.saturating_mul(5),
            None => self.info_period_ms.saturating_mul(3),
        }
    }

    /// A replica whose link to the master has been down longer than this is out: the time
    /// the master has been S_DOWN plus 10 × down-after.
    pub fn master_link_down_max_ms(&self) -> u64 {
        self.master_sdown_for_ms
            .unwrap_or(0)
            .saturating_add(self.down_after_ms.saturating_mul(10))
    }
}

/// Why a replica cannot be promoted. Checked in sentinel.c's order; the first that applies
/// is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// The replica is S_DOWN.
    SubjectivelyDown,
    /// The replica is O_DOWN.
    ObjectivelyDown,
    /// The replica's link is disconnected.
    Disconnected,
    /// No valid PING reply for longer than [`SelectionParams::ping_age_max_ms`].
    PingStale {
        /// Age of the last valid reply.
        age_ms: u64,
        /// The limit it exceeded.
        max_ms: u64,
    },
    /// `slave_priority` is 0.
    PriorityZero,
    /// INFO older than [`SelectionParams::info_age_max_ms`] (or never received).
    InfoStale {
        /// Age of the last INFO, `None` if never received.
        age_ms: Option<u64>,
        /// The limit it exceeded.
        max_ms: u64,
    },
    /// Link to the master down longer than [`SelectionParams::master_link_down_max_ms`].
    MasterLinkDownTooLong {
        /// How long the replica reported its link down.
        down_ms: u64,
        /// The limit it exceeded.
        max_ms: u64,
    },
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exclusion::SubjectivelyDown => f.write_str("replica is S_DOWN"),
            Exclusion::ObjectivelyDown => f.write_str("replica is O_DOWN"),
            Exclusion::Disconnected => f.write_str("replica link is disconnected"),
            Exclusion::PingStale { age_ms, max_ms } => {
                write!(f, "last valid PING reply {age_ms} ms ago (max {max_ms} ms)")
            }
            Exclusion::PriorityZero => f.write_str("replica priority is 0"),
            Exclusion::InfoStale {
                age_ms: Some(age_ms),
                max_ms,
            } => write!(f, "last INFO {age_ms} ms ago (max {max_ms} ms)"),
            Exclusion::InfoStale { age_ms: None, .. } => f.write_str("no INFO received yet"),
            Exclusion::MasterLinkDownTooLong { down_ms, max_ms } => {
                write!(f, "link to master down for {down_ms} ms (max {max_ms} ms)")
            }
        }
    }
}

/// Why `candidate` may not be promoted, or `None` if it may (`sentinelSelectSlave`'s filter).
pub fn exclusion_reason(candidate: &Candidate, params: &SelectionParams) -> Option<Exclusion> {
    if candidate.s_down {
        return Some(Exclusion::SubjectivelyDown);
    }
    if candidate.o_down {
        return Some(Exclusion::ObjectivelyDown);
    }
    if candidate.disconnected {
        return Some(Exclusion::Disconnected);
    }
    let max_ms = params.ping_age_max_ms();
    if candidate.last_ok_ping_age_ms > max_ms {
        return Some(Exclusion::PingStale {
            age_ms: candidate.last_ok_ping_age_ms,
            max_ms,
        });
    }
    if candidate.priority == 0 {
        return Some(Exclusion::PriorityZero);
    }
    let max_ms = params.info_age_max_ms();
    if candidate.info_age_ms.is_none_or(|age| age > max_ms) {
        return Some(Exclusion::InfoStale {
            age_ms: candidate.info_age_ms,
            max_ms,
        });
    }
    let max_ms = params.master_link_down_max_ms();
    if candidate.master_link_down_ms > max_ms {
        return Some(Exclusion::MasterLinkDownTooLong {
            down_ms: candidate.master_link_down_ms,
            max_ms,
        });
    }
    None
}

/// `compareSlavesForPromotion`: `Less` means `a` is the better replica. Lower priority, then
/// higher replication offset, then the run id that is smaller compared case-insensitively;
/// a missing run id is bigger than any.
pub fn compare_for_promotion(a: &Candidate, b: &Candidate) -> Ordering {
    a.priority
        .cmp(&b.priority)
        .then_with(|| b.repl_offset.cmp(&a.repl_offset))
        .then_with(|| match (&a.runid, &b.runid) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => cmp_ignore_ascii_case(a, b),
        })
}

/// `strcasecmp`: bytes compared after ASCII lower-casing.
fn cmp_ignore_ascii_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// `sentinelSelectSlave`: the index in `candidates` of the replica to promote, or `None` if
/// none qualifies (`-failover-abort-no-good-slave`). Among equals the earliest wins (Redis's
/// `qsort` leaves that order unspecified).
pub fn select_replica(candidates: &[Candidate], params: &SelectionParams) -> Option<usize> {
    candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| exclusion_reason(c, params).is_none())
        .min_by(|(_, a), (_, b)| compare_for_promotion(a, b))
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests;
