//! A hand-written SVG of latency CDFs: one colour per binary, one dash style per milestone.

use std::fmt::Write;

use super::result::{BinaryResult, FaultResult};

const W: f64 = 760.0;
const H: f64 = 420.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 220.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 50.0;
const COLOURS: [&str; 4] = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"];

type Metric = (&'static str, &'static str, fn(&FaultResult) -> Option<f64>);

const METRICS: [Metric; 4] = [
    ("first +sdown", "2,3", FaultResult::first_sdown),
    ("first +odown", "6,3", FaultResult::first_odown),
    ("first +switch-master", "", FaultResult::first_switch),
    ("all +switch-master", "1,4", FaultResult::all_switched),
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A "nice" axis end at or above `v` (1, 2 or 5 × a power of ten).
fn nice(v: f64) -> f64 {
    if v <= 0.0 {
        return 1000.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|x| *x >= v)
        .unwrap_or(10.0 * p)
}

pub fn cdf_plot(title: &str, results: &[BinaryResult]) -> String {
    let series: Vec<(String, &str, &str, Vec<f64>, usize)> = results
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            METRICS.iter().map(move |(name, dash, f)| {
                let mut v: Vec<f64> = r.faults.iter().filter_map(f).collect();
                v.sort_by(f64::total_cmp);
                (
                    format!("{} {name}", r.label),
                    COLOURS[i % COLOURS.len()],
                    *dash,
                    v,
                    r.faults.len(),
                )
            })
        })
        .collect();
    let xmax = nice(
        series
            .iter()
            .flat_map(|s| s.3.last())
            .copied()
            .fold(0.0, f64::max),
    );
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let x = |v: f64| LEFT + v / xmax * pw;
    let y = |p: f64| TOP + (1.0 - p) * ph;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="18" font-size="14">{}</text>"#,
        escape(title)
    );
    for i in 0..=5 {
        let v = xmax * f64::from(i) / 5.0;
        let _ = writeln!(
            s,
            r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{1:.1}" stroke="#ddd"/><text x="{0:.1}" y="{2:.1}" text-anchor="middle">{v:.0}</text>"##,
            x(v),
            TOP + ph,
            TOP + ph + 16.0
        );
    }
    for i in 0..=4 {
        let p = f64::from(i) / 4.0;
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#ddd"/><text x="{2:.1}" y="{3:.1}" text-anchor="end">{p:.2}</text>"##,
            y(p),
            LEFT + pw,
            LEFT - 6.0,
            y(p) + 4.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">ms after the fault</text>"#,
        LEFT + pw / 2.0,
        H - 12.0
    );
    for (k, (name, colour, dash, v, total)) in series.iter().enumerate() {
        // Over all faults: a milestone that never came keeps the curve below 1.
        let n = (*total).max(v.len()).max(1) as f64;
        let mut path = format!("M{:.1},{:.1}", x(0.0), y(0.0));
        for (i, val) in v.iter().enumerate() {
            let _ = write!(
                path,
                " L{:.1},{:.1} L{:.1},{:.1}",
                x(*val),
                y(i as f64 / n),
                x(*val),
                y((i + 1) as f64 / n)
            );
        }
        if !v.is_empty() {
            let _ = write!(path, " L{:.1},{:.1}", x(xmax), y(v.len() as f64 / n));
            let _ = writeln!(
                s,
                r#"<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.6" stroke-dasharray="{dash}"/>"#
            );
        }
        let ly = TOP + 14.0 * k as f64;
        let lx = LEFT + pw + 12.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="1.6" stroke-dasharray="{dash}"/><text x="{:.1}" y="{:.1}">{} ({}/{total})</text>"#,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0,
            escape(name),
            v.len()
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ends_are_nice() {
        assert_eq!(nice(0.0), 1000.0);
        assert_eq!(nice(2300.0), 5000.0);
        assert_eq!(nice(900.0), 1000.0);
        assert_eq!(nice(100.0), 100.0);
    }

    #[test]
    fn plot_has_a_path_per_series_with_samples() {
        let r = BinaryResult {
            label: "a<b".into(),
            faults: vec![FaultResult {
                master: "m0".into(),
                kind: "freeze".into(),
                sdown_ms: vec![Some(1000.0)],
                odown_ms: vec![None],
                switch_ms: vec![Some(2000.0)],
            }],
            ..Default::default()
        };
        let svg = cdf_plot("t", std::slice::from_ref(&r));
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<path").count(), 3);
        assert!(svg.contains("a&lt;b"));
        assert!(svg.contains("first +sdown (1/1)"));
        // A fault whose switch never came keeps that curve at 1/2.
        let mut two = r;
        let mut f = two.faults[0].clone();
        f.switch_ms = vec![None];
        two.faults.push(f);
        let svg = cdf_plot("t", &[two]);
        assert!(svg.contains("first +switch-master (1/2)"));
        assert!(svg.contains(&format!(",{:.1}\" fill", TOP + 0.5 * (H - TOP - BOTTOM))));
    }
}
