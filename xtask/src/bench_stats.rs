//! Failover milestones of one trial, their min/median/max over trials, and the JSON report of
//! `cargo xtask failover-bench`.

use std::fmt::Write as _;
use std::time::Instant;

use crate::events::Event;

/// The milestones of spec §4.4, in the order they happen.
pub const MILESTONES: [&str; 6] = [
    "first +sdown",
    "first +odown",
    "+elected-leader",
    "+promoted-slave",
    "first +switch-master",
    "leader's +switch-master",
];

/// Milliseconds after the fault for each milestone (`None`: never seen), and the leader.
#[derive(Debug, Clone, Default)]
pub struct Trial {
    pub ms: [Option<u64>; 6],
    pub leader: Option<usize>,
}

impl Trial {
    pub fn complete(&self) -> bool {
        self.ms.iter().all(Option::is_some)
    }
}

/// Reads the milestones from the events seen after `fault`. The leader is the sentinel that
/// published `+promoted-slave` (or else the last `+elected-leader`: a retried election may
/// have elected more than one).
pub fn milestones(fault: Instant, events: &[Event]) -> Trial {
    let after: Vec<&Event> = events.iter().filter(|e| e.at >= fault).collect();
    let ms = |e: &Event| u64::try_from((e.at - fault).as_millis()).unwrap_or(u64::MAX);
    let first = |f: &dyn Fn(&Event) -> bool| after.iter().find(|e| f(e)).map(|e| ms(e));
    let promoted = after.iter().find(|e| e.channel == "+promoted-slave");
    let leader = promoted
        .or_else(|| after.iter().rev().find(|e| e.channel == "+elected-leader"))
        .map(|e| e.sentinel);
    Trial {
        ms: [
            first(&|e| e.is_master("+sdown")),
            first(&|e| e.is_master("+odown")),
            first(&|e| e.channel == "+elected-leader" && Some(e.sentinel) == leader),
            promoted.map(|e| ms(e)),
            first(&|e| e.channel == "+switch-master"),
            first(&|e| e.channel == "+switch-master" && Some(e.sentinel) == leader),
        ],
        leader,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub min: u64,
    pub median: u64,
    pub max: u64,
    pub n: usize,
}

/// min / median / max of the values present (median of an even count: the mean of the middle
/// two, rounded down).
pub fn summarize(values: impl IntoIterator<Item = Option<u64>>) -> Option<Summary> {
    let mut v: Vec<u64> = values.into_iter().flatten().collect();
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    };
    Some(Summary {
        min: v[0],
        median,
        max: v[n - 1],
        n,
    })
}

/// All trials of one binary in one fault mode.
pub struct Run {
    pub binary: String,
    pub path: String,
    pub mode: &'static str,
    pub trials: Vec<Trial>,
}

impl Run {
    pub fn summary(&self, milestone: usize) -> Option<Summary> {
        summarize(self.trials.iter().map(|t| t.ms[milestone]))
    }
}

/// A table per mode: one row per milestone, one "min / median / max" column per binary.
pub fn table(runs: &[Run]) -> String {
    let mut out = String::new();
    let mut modes: Vec<&str> = runs.iter().map(|r| r.mode).collect();
    modes.dedup();
    for mode in modes {
        let cols: Vec<&Run> = runs.iter().filter(|r| r.mode == mode).collect();
        let heads: Vec<String> = cols
            .iter()
            .map(|r| {
                let ok = r.trials.iter().filter(|t| t.complete()).count();
                format!("{} ({ok}/{} ok)", r.binary, r.trials.len())
            })
            .collect();
        let widths: Vec<usize> = heads.iter().map(|h| (h.len() + 3).max(24)).collect();
        let _ = write!(
            out,
            "\n{mode}: ms after the fault, min / median / max\n{:<26}",
            ""
        );
        for (h, w) in heads.iter().zip(&widths) {
            let _ = write!(out, "{h:>w$}");
        }
        out.push('\n');
        for (i, name) in MILESTONES.iter().enumerate() {
            let _ = write!(out, "{name:<26}");
            for (r, w) in cols.iter().zip(&widths) {
                let cell = r.summary(i).map_or("-".to_string(), |s| {
                    format!("{} / {} / {}", s.min, s.median, s.max)
                });
                let _ = write!(out, "{cell:>w$}");
            }
            out.push('\n');
        }
    }
    out
}

/// The report as JSON (hand-written: numbers, nulls and plain strings only).
pub fn json(runs: &[Run], down_after_ms: u64) -> String {
    let num = |v: Option<u64>| v.map_or("null".to_string(), |v| v.to_string());
    let mut out = format!(
        "{{\n  \"down_after_ms\": {down_after_ms},\n  \"milestones\": [{}],\n  \"runs\": [",
        MILESTONES.map(|m| format!("\"{m}\"")).join(", ")
    );
    for (k, r) in runs.iter().enumerate() {
        let _ = write!(
            out,
            "{}\n    {{\"binary\": \"{}\", \"path\": \"{}\", \"mode\": \"{}\",\n     \"summary\": {{",
            if k > 0 { "," } else { "" },
            esc(&r.binary),
            esc(&r.path),
            r.mode
        );
        for (i, m) in MILESTONES.iter().enumerate() {
            let s = r.summary(i).map_or("null".to_string(), |s| {
                format!(
                    "{{\"min\": {}, \"median\": {}, \"max\": {}, \"n\": {}}}",
                    s.min, s.median, s.max, s.n
                )
            });
            let _ = write!(out, "{}\"{m}\": {s}", if i > 0 { ", " } else { "" });
        }
        out.push_str("},\n     \"trials\": [");
        for (j, t) in r.trials.iter().enumerate() {
            let ms: Vec<String> = t.ms.iter().map(|v| num(*v)).collect();
            let _ = write!(
                out,
                "{}{{\"ms\": [{}], \"leader\": {}}}",
                if j > 0 { ", " } else { "" },
                ms.join(", "),
                num(t.leader.map(|l| l as u64))
            );
        }
        out.push_str("]}");
    }
    out.push_str("\n  ]\n}\n");
    out
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ev(t0: Instant, ms: u64, sentinel: usize, channel: &str, payload: &str) -> Event {
        Event {
            at: t0 + Duration::from_millis(ms),
            sentinel,
            channel: channel.into(),
            payload: payload.into(),
        }
    }

    #[test]
    fn milestones_follow_the_leader() {
        let t0 = Instant::now();
        let m = "master mymaster 127.0.0.1 1";
        let r = "slave 127.0.0.1:2 127.0.0.1 2 @ mymaster 127.0.0.1 1";
        let sw = "mymaster 127.0.0.1 1 127.0.0.1 2";
        let evs = vec![
            ev(t0, 900, 2, "+sdown", r),
            ev(t0, 1000, 0, "+sdown", m),
            ev(t0, 1100, 1, "+odown", &format!("{m} #quorum 2/2")),
            ev(t0, 1200, 1, "+elected-leader", m),
            ev(t0, 2200, 1, "+promoted-slave", r),
            ev(t0, 2300, 2, "+switch-master", sw),
            ev(t0, 3300, 1, "+switch-master", sw),
        ];
        let t = milestones(t0, &evs);
        assert_eq!(t.leader, Some(1));
        assert_eq!(
            t.ms,
            [
                Some(1000),
                Some(1100),
                Some(1200),
                Some(2200),
                Some(2300),
                Some(3300)
            ]
        );
        assert!(t.complete());
        assert!(!milestones(t0, &evs[..4]).complete());
    }

    #[test]
    fn summaries_take_the_middle() {
        let s = summarize([Some(5), None, Some(1), Some(3)]).unwrap();
        assert_eq!(
            s,
            Summary {
                min: 1,
                median: 3,
                max: 5,
                n: 3
            }
        );
        assert_eq!(summarize([Some(1), Some(4)]).unwrap().median, 2);
        assert_eq!(summarize([None]), None);
    }

    #[test]
    fn table_puts_binaries_side_by_side() {
        let mut t = Trial::default();
        t.ms[0] = Some(1000);
        let run = |binary: &str| Run {
            binary: binary.into(),
            path: String::new(),
            mode: "kill",
            trials: vec![t.clone()],
        };
        let out = table(&[run("redis-sentinel"), run("/a/long/path/to/sentinel")]);
        assert!(
            out.contains("redis-sentinel (0/1 ok)   /a/long/path/to/sentinel (0/1 ok)"),
            "{out}"
        );
        let sdown = out.lines().find(|l| l.starts_with("first +sdown")).unwrap();
        assert_eq!(sdown.matches("1000 / 1000 / 1000").count(), 2);
    }

    #[test]
    fn json_has_nulls_for_missing_milestones() {
        let run = Run {
            binary: "x".into(),
            path: "/p\"q".into(),
            mode: "kill",
            trials: vec![Trial::default()],
        };
        let j = json(&[run], 1000);
        assert!(j.contains("\"path\": \"/p\\\"q\""), "{j}");
        assert!(j.contains("\"ms\": [null, null, null, null, null, null], \"leader\": null"));
        assert!(j.contains("\"first +sdown\": null"));
    }
}
