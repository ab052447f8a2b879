//! Latency summaries: nearest-rank percentiles over the samples of one metric.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Samples present.
    pub n: usize,
    /// Samples expected but missing (the event never came).
    pub missing: usize,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

/// Nearest-rank percentile `p` (0..=100) of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Summarises samples where `None` means "did not happen".
pub fn summarize(samples: &[Option<f64>]) -> Summary {
    let mut v: Vec<f64> = samples.iter().flatten().copied().collect();
    v.sort_by(f64::total_cmp);
    Summary {
        n: v.len(),
        missing: samples.len() - v.len(),
        p50_ms: percentile(&v, 50.0),
        p99_ms: percentile(&v, 99.0),
        max_ms: v.last().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 99.0), Some(99.0));
        assert_eq!(percentile(&v, 100.0), Some(100.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn missing_samples_are_counted() {
        let s = summarize(&[Some(3.0), None, Some(1.0)]);
        assert_eq!(s.n, 2);
        assert_eq!(s.missing, 1);
        assert_eq!(s.p50_ms, Some(1.0));
        assert_eq!(s.max_ms, Some(3.0));
    }
}
