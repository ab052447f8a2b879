//! The shard's clocks: a monotonic clock mapped onto the core's [`Instant`] (nanoseconds since
//! the clock was made, shared by every shard of the process) and the tokio timer's instants.

use std::time::Duration;

use sentinel_core::Instant;

/// Converts between `std`/tokio monotonic time and core instants.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: std::time::Instant,
}

impl Clock {
    /// A clock whose origin is now.
    pub fn new() -> Clock {
        Clock {
            origin: std::time::Instant::now(),
        }
    }

    /// The current time as the core sees it.
    pub fn now(&self) -> Instant {
        self.at(std::time::Instant::now())
    }

    /// `t` as a core instant (instants before the origin map to the origin).
    pub fn at(&self, t: std::time::Instant) -> Instant {
        let nanos = t.saturating_duration_since(self.origin).as_nanos();
        Instant::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// A core deadline as a tokio timer instant.
    pub fn deadline(&self, at: Instant) -> tokio::time::Instant {
        let std_at = self
            .origin
            .checked_add(Duration::from_nanos(at.as_nanos()))
            // Far beyond anything a timer will reach: a year from now is "never" enough.
            .unwrap_or_else(|| std::time::Instant::now() + Duration::from_secs(365 * 86_400));
        tokio::time::Instant::from_std(std_at)
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_core_instants() {
        let clock = Clock::new();
        let later = std::time::Instant::now() + Duration::from_millis(1500);
        let core = clock.at(later);
        let back = clock.deadline(core).into_std();
        // Nanosecond conversion is exact both ways.
        assert_eq!(back, later);
        assert!(clock.at(clock.origin) == Instant::ZERO);
    }
}
