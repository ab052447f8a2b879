//! What one binary's run measured (serialized as the JSON report).

use serde::{Deserialize, Serialize};

use super::stats::{Summary, summarize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FaultResult {
    /// The master group faulted (`m<g>`).
    pub master: String,
    pub kind: String,
    /// Per sentinel: ms from the fault to its first event, `None` if it never came.
    pub sdown_ms: Vec<Option<f64>>,
    pub odown_ms: Vec<Option<f64>>,
    pub switch_ms: Vec<Option<f64>>,
}

fn earliest(v: &[Option<f64>]) -> Option<f64> {
    v.iter().flatten().copied().reduce(f64::min)
}

fn latest_if_all(v: &[Option<f64>]) -> Option<f64> {
    v.iter()
        .copied()
        .collect::<Option<Vec<f64>>>()
        .and_then(|all| all.into_iter().reduce(f64::max))
}

impl FaultResult {
    pub fn first_sdown(&self) -> Option<f64> {
        earliest(&self.sdown_ms)
    }
    pub fn first_odown(&self) -> Option<f64> {
        earliest(&self.odown_ms)
    }
    pub fn first_switch(&self) -> Option<f64> {
        earliest(&self.switch_ms)
    }
    /// When the last sentinel switched (`None` unless every one did).
    pub fn all_switched(&self) -> Option<f64> {
        latest_if_all(&self.switch_ms)
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BinaryResult {
    pub label: String,
    pub bin: String,
    pub masters: usize,
    pub instances: usize,
    pub sentinels: usize,
    pub converged: bool,
    /// From starting the sentinels until every one knew every replica and every other sentinel.
    pub converge_ms: Option<f64>,
    /// At the end of the wait: masters complete on the slowest sentinel, e.g. `998/1000`.
    pub converge_progress: String,
    pub idle_window_s: f64,
    pub sentinel_cpu_pct: Vec<f64>,
    /// CPU time per monitored instance per second of wall time, per sentinel.
    pub cpu_us_per_instance_s: Vec<f64>,
    pub sentinel_rss_kb: Vec<u64>,
    /// The fleet's own CPU (all workers) and RSS during the idle window.
    pub fleet_cpu_pct: f64,
    pub fleet_rss_kb: u64,
    /// PING round trips to the sentinels during the idle window (client stalls).
    pub client_ping: Summary,
    pub faults: Vec<FaultResult>,
    pub sdown: Summary,
    pub odown: Summary,
    pub switch_first: Summary,
    pub switch_all: Summary,
    pub fault_phase_cpu_pct: Vec<f64>,
    pub tilts: usize,
    pub events: usize,
    pub notes: Vec<String>,
}

impl BinaryResult {
    /// Fills the latency summaries from the fault results.
    pub fn summarize_faults(&mut self) {
        let f = &self.faults;
        self.sdown = summarize(&f.iter().map(FaultResult::first_sdown).collect::<Vec<_>>());
        self.odown = summarize(&f.iter().map(FaultResult::first_odown).collect::<Vec<_>>());
        self.switch_first = summarize(&f.iter().map(FaultResult::first_switch).collect::<Vec<_>>());
        self.switch_all = summarize(&f.iter().map(FaultResult::all_switched).collect::<Vec<_>>());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firsts_and_alls() {
        let f = FaultResult {
            master: "m0".into(),
            kind: "freeze".into(),
            sdown_ms: vec![Some(1200.0), Some(1100.0), None],
            odown_ms: vec![None, None, None],
            switch_ms: vec![Some(2300.0), Some(3300.0), Some(2400.0)],
        };
        assert_eq!(f.first_sdown(), Some(1100.0));
        assert_eq!(f.first_odown(), None);
        assert_eq!(f.first_switch(), Some(2300.0));
        assert_eq!(f.all_switched(), Some(3300.0));
        let mut r = BinaryResult {
            faults: vec![f],
            ..Default::default()
        };
        r.summarize_faults();
        assert_eq!(r.odown.missing, 1);
        assert_eq!(r.switch_all.max_ms, Some(3300.0));
    }
}
