//! TILT (sentinel.c `sentinelCheckTiltCondition`): after a wall-clock jump or a stall of the
//! process, observations are not trusted for `tilt_period`. Redis compares wall-clock deltas
//! between ticks; we compare the wall clock the driver reports against our monotonic `now`, and
//! also treat a long gap between observations (the process did not run) as a stall.

use std::time::Duration;

use super::Sentinel;
use crate::event::{self, Level};
use crate::time::{Instant, WallMillis};

/// TILT state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tilt {
    /// In TILT since this time.
    pub(crate) since: Option<Instant>,
    /// The last trigger (TILT lasts `tilt_period` after it).
    pub(crate) last_trigger: Option<Instant>,
    /// The previous observation: (monotonic, wall).
    pub(crate) last: Option<(Instant, WallMillis)>,
    /// How many times TILT was entered.
    pub(crate) count: u64,
}

/// How often the driver should report the wall clock.
pub(crate) const TILT_CHECK_PERIOD: Duration = Duration::from_millis(100);

impl Sentinel {
    /// Whether TILT is on.
    pub fn in_tilt(&self) -> bool {
        self.tilt.since.is_some()
    }

    /// When TILT began, if it is on.
    pub fn tilt_since(&self) -> Option<Instant> {
        self.tilt.since
    }

    /// The driver reports the wall clock (at least every `TILT_CHECK_PERIOD`; `poll_timeout`
    /// wakes it for that). A jump of the wall clock against the monotonic clock, or a gap
    /// between reports longer than `tilt_trigger`, enters TILT.
    pub fn observe_wall_clock(&mut self, now: Instant, wall: WallMillis) {
        let trigger = self.params.timing.tilt_trigger;
        if let Some((then, wall_then)) = self.tilt.last {
            let mono = now - then;
            let wall_delta = wall.0 - wall_then.0;
            let mono_ms = i64::try_from(mono.as_millis()).unwrap_or(i64::MAX);
            let trigger_ms = i64::try_from(trigger.as_millis()).unwrap_or(i64::MAX);
            let jumped = wall_delta < 0 || (wall_delta - mono_ms).abs() > trigger_ms;
            let stalled = mono > trigger;
            if jumped || stalled {
                // As sentinel.c: every trigger (re)enters TILT, announces it, and restarts the
                // period (and `sentinel_tilt_since_seconds`), also while already in TILT.
                self.tilt.last_trigger = Some(now);
                if self.tilt.since.is_none() {
                    self.tilt.count += 1;
                }
                self.tilt.since = Some(now);
                self.emit(event::plain(Level::Warning, "+tilt", "#tilt mode entered"));
            }
        }
        self.tilt.last = Some((now, wall));
        if let (Some(_), Some(trigger_at)) = (self.tilt.since, self.tilt.last_trigger)
            && now - trigger_at >= self.params.timing.tilt_period
        {
            self.tilt.since = None;
            self.emit(event::plain(Level::Warning, "-tilt", "#tilt mode exited"));
            // Observations resume: re-evaluate every instance now (the S_DOWN deadlines that
            // passed during TILT were dropped).
            let mut owners = Vec::new();
            for (mid, m) in self.masters.iter() {
                owners.push(crate::instance::Owner::Master(mid));
                owners.extend(
                    m.replicas
                        .keys()
                        .into_iter()
                        .map(|rid| crate::instance::Owner::Replica(mid, rid)),
                );
            }
            owners.extend(
                self.peers
                    .keys()
                    .into_iter()
                    .map(crate::instance::Owner::Peer),
            );
            for owner in owners {
                self.schedule.set(owner, now);
            }
        }
    }

    /// The wall clock at `now` in ms since the Unix epoch, extrapolated from the driver's last
    /// report; `None` before the first report. For values shown to operators only.
    pub(crate) fn wall_millis_at(&self, now: Instant) -> Option<i64> {
        let (then, wall) = self.tilt.last?;
        let elapsed = i64::try_from(now.millis_since(then)).unwrap_or(i64::MAX);
        Some(wall.0.saturating_add(elapsed))
    }

    /// When the driver should next report the wall clock.
    pub(crate) fn next_wall_check(&self) -> Option<Instant> {
        self.tilt.last.map(|(t, _)| t + TILT_CHECK_PERIOD)
    }
}
