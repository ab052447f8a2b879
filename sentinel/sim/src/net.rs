//! The network model: per-message delay with jitter, and partitions between groups of hosts.

use std::collections::BTreeSet;
use std::time::Duration;

use sentinel_core::Prng;

/// Delays of the modelled network.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Smallest one-way delay.
    pub delay_min: Duration,
    /// Largest one-way delay.
    pub delay_max: Duration,
    /// How long a connect to an unreachable host takes to fail.
    pub connect_timeout: Duration,
}

impl Default for NetConfig {
    fn default() -> NetConfig {
        NetConfig {
            delay_min: Duration::from_micros(100),
            delay_max: Duration::from_micros(500),
            connect_timeout: Duration::from_millis(1_000),
        }
    }
}

/// Which hosts can reach which.
#[derive(Debug, Default)]
pub(crate) struct Net {
    pub(crate) config: NetConfig,
    /// Host pairs (ordered low, high) that cannot talk.
    cut: BTreeSet<(String, String)>,
}

impl Net {
    pub(crate) fn new(config: NetConfig) -> Net {
        Net {
            config,
            cut: BTreeSet::new(),
        }
    }

    pub(crate) fn delay(&self, rng: &mut Prng) -> Duration {
        let span = self.config.delay_max.saturating_sub(self.config.delay_min);
        let extra = rng.below(u64::try_from(span.as_nanos()).unwrap_or(u64::MAX));
        self.config.delay_min + Duration::from_nanos(extra)
    }

    pub(crate) fn reachable(&self, a: &str, b: &str) -> bool {
        a == b || !self.cut.contains(&ordered(a, b))
    }

    /// Cuts every host of `side` off from every host not in it.
    pub(crate) fn isolate(&mut self, side: &[&str], all_hosts: &[String]) {
        for a in side {
            for b in all_hosts {
                if !side.contains(&b.as_str()) {
                    self.cut.insert(ordered(a, b));
                }
            }
        }
    }

    pub(crate) fn heal(&mut self) {
        self.cut.clear();
    }
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}
