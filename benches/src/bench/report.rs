//! The side-by-side table and the JSON report.

use std::fmt::Write;

use serde::Serialize;

use super::result::BinaryResult;
use super::stats::Summary;

#[derive(Serialize)]
pub struct Report<'a> {
    pub scenario: &'a str,
    pub masters: usize,
    pub replicas_per_master: usize,
    pub sentinels: usize,
    pub down_after_ms: u64,
    pub fault: &'a str,
    pub started_unix_s: u64,
    pub results: &'a [BinaryResult],
}

fn opt(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v < 10.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.0}"),
    }
}

fn lat(s: &Summary) -> String {
    let mut t = format!("{} / {} / {}", opt(s.p50_ms), opt(s.p99_ms), opt(s.max_ms));
    if s.missing > 0 {
        let _ = write!(t, " ({} missing)", s.missing);
    }
    t
}

fn list(v: &[f64], prec: usize) -> String {
    v.iter()
        .map(|x| format!("{x:.prec$}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The side-by-side table, one column per binary.
pub fn table(results: &[BinaryResult]) -> String {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |name: &str, f: &dyn Fn(&BinaryResult) -> String| {
        rows.push((name.to_string(), results.iter().map(f).collect()));
    };
    row("binary", &|r| r.label.clone());
    row("instances (masters)", &|r| {
        format!("{} ({})", r.instances, r.masters)
    });
    row("time to converge (s)", &|r| match r.converge_ms {
        Some(ms) => format!("{:.1}", ms / 1000.0),
        None => format!("NOT CONVERGED: {}", r.converge_progress),
    });
    row("idle CPU % per sentinel", &|r| list(&r.sentinel_cpu_pct, 1));
    row("CPU-µs / instance / s", &|r| {
        list(&r.cpu_us_per_instance_s, 2)
    });
    row("RSS MiB per sentinel", &|r| {
        let v: Vec<f64> = r
            .sentinel_rss_kb
            .iter()
            .map(|k| *k as f64 / 1024.0)
            .collect();
        list(&v, 1)
    });
    row("client PING ms p50/p99/max", &|r| lat(&r.client_ping));
    row("fault-phase CPU % per sentinel", &|r| {
        list(&r.fault_phase_cpu_pct, 1)
    });
    row("fault → first +sdown ms p50/p99/max", &|r| lat(&r.sdown));
    row("fault → first +odown ms", &|r| lat(&r.odown));
    row("fault → first +switch-master ms", &|r| {
        lat(&r.switch_first)
    });
    row("fault → all +switch-master ms", &|r| lat(&r.switch_all));
    row("+tilt events", &|r| r.tilts.to_string());
    row("fleet CPU % (idle window)", &|r| {
        format!("{:.1}", r.fleet_cpu_pct)
    });
    row("fleet RSS MiB", &|r| {
        format!("{:.0}", r.fleet_rss_kb as f64 / 1024.0)
    });
    let w0 = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = (0..results.len())
        .map(|i| {
            rows.iter()
                .map(|(_, v)| v[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (name, vals) in &rows {
        let _ = write!(out, "{name:<w0$}");
        for (v, w) in vals.iter().zip(&widths) {
            let _ = write!(out, " | {v:<w$}");
        }
        out.push('\n');
    }
    for r in results {
        for n in &r.notes {
            let _ = writeln!(out, "note [{}]: {n}", r.label);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_a_column_per_binary() {
        let a = BinaryResult {
            label: "redis-sentinel".into(),
            sentinel_cpu_pct: vec![1.0, 2.0],
            ..Default::default()
        };
        let b = BinaryResult {
            label: "ours".into(),
            converge_ms: Some(1500.0),
            notes: vec!["hello".into()],
            ..Default::default()
        };
        let t = table(&[a, b]);
        assert!(t.contains("redis-sentinel"));
        assert!(t.contains("| ours"));
        assert!(t.contains("NOT CONVERGED"));
        assert!(t.contains("1.5"));
        assert!(t.contains("note [ours]: hello"));
    }
}
