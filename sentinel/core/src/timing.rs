//! The timing constants Redis exposes through `SENTINEL DEBUG` (spec §4.1), global to a sentinel
//! and not persisted, plus our own cadence choices.

use std::time::Duration;

/// The 13 `SENTINEL DEBUG` knobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timing {
    pub info_period: Duration,
    /// The cap on the PING cadence Redis uses (`min(down-after, ping-period)`).
    pub ping_period: Duration,
    pub ask_period: Duration,
    pub publish_period: Duration,
    pub default_down_after: Duration,
    pub tilt_trigger: Duration,
    pub tilt_period: Duration,
    pub slave_reconf_timeout: Duration,
    pub min_link_reconnect_period: Duration,
    pub default_failover_timeout: Duration,
    pub election_timeout: Duration,
    pub script_max_runtime: Duration,
    pub script_retry_delay: Duration,
    /// Ours, not a `SENTINEL DEBUG` knob: how long a replica (typically a returning old master)
    /// must claim `role:master` before it is pointed back at the current master. Redis waits
    /// 4 × publish-period plus an INFO poll (about 10 s, a second writable master meanwhile).
    pub convert_to_slave_guard: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        let ms = Duration::from_millis;
        Timing {
            info_period: ms(10_000),
            ping_period: ms(1_000),
            ask_period: ms(1_000),
            publish_period: ms(2_000),
            default_down_after: ms(30_000),
            tilt_trigger: ms(2_000),
            tilt_period: ms(30_000),
            slave_reconf_timeout: ms(10_000),
            min_link_reconnect_period: ms(15_000),
            default_failover_timeout: ms(180_000),
            election_timeout: ms(10_000),
            script_max_runtime: ms(60_000),
            script_retry_delay: ms(30_000),
            convert_to_slave_guard: ms(500),
        }
    }
}

impl Timing {
    /// How often an instance with this `down_after` is pinged. Redis pings at
    /// `min(down_after, ping_period)`; we default to a quarter of that so a silent failure is
    /// seen within 1.25 × down-after. `configured` is the per-master `sentinel ping-period`.
    pub fn ping_interval(&self, down_after: Duration, configured: Option<Duration>) -> Duration {
        let interval = configured.unwrap_or_else(|| down_after.min(self.ping_period) / 4);
        interval.max(Duration::from_millis(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_interval_is_a_quarter_of_the_redis_cadence() {
        let t = Timing::default();
        let ms = Duration::from_millis;
        assert_eq!(t.ping_interval(ms(30_000), None), ms(250));
        assert_eq!(t.ping_interval(ms(200), None), ms(50));
        assert_eq!(t.ping_interval(ms(1_000), Some(ms(700))), ms(700));
        assert_eq!(t.ping_interval(ms(2), None), ms(1));
    }
}
