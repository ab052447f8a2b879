//! Fault and control commands, one per line (stdin of the fleet, scheduled faults):
//!
//! ```text
//! freeze <target>            stop reading and answering (like SIGSTOP); connections stay open
//! thaw <target>              undo freeze
//! kill <target>              close every connection and stop listening (connection refused)
//! revive <target>            listen again (a restarted process: new run_id)
//! slow <target> <ms>         add <ms> before every reply (0 = normal)
//! flap <target> <ms> <n>     n cycles of <ms> frozen then <ms> up
//! role <target>              print the modelled role
//! stats                      print instances and connections per worker
//! quit                       stop the fleet
//! ```
//!
//! A target is `m<g>` (group g's configured master), `m<g>r<j>` (its replica j), `cur<g>` (the
//! instance of group g reporting role:master now) or `all`.

use crate::scenario::parse_instance_name;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Instance(usize),
    CurrentMaster(usize),
    All,
}

impl Target {
    /// The master group the target lives in (`None` for `all`).
    pub fn group(self, group_size: usize) -> Option<usize> {
        match self {
            Target::Instance(k) => Some(k / group_size),
            Target::CurrentMaster(g) => Some(g),
            Target::All => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Freeze(Target),
    Thaw(Target),
    Kill(Target),
    Revive(Target),
    Slow(Target, u64),
    Flap(Target, u64, u32),
    Role(Target),
    Stats,
    Quit,
}

impl Control {
    pub fn target(self) -> Option<Target> {
        match self {
            Control::Freeze(t)
            | Control::Thaw(t)
            | Control::Kill(t)
            | Control::Revive(t)
            | Control::Slow(t, _)
            | Control::Flap(t, _, _)
            | Control::Role(t) => Some(t),
            Control::Stats | Control::Quit => None,
        }
    }
}

/// Flap cycles accepted at most (every control action is bounded).
pub const FLAP_CYCLES_MAX: u32 = 1000;

pub fn parse(line: &str, group_size: usize, groups: usize) -> Result<Control, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let target = |i: usize| -> Result<Target, String> {
        let w = words.get(i).ok_or("missing target")?;
        let t = if *w == "all" {
            Target::All
        } else if let Some(g) = w.strip_prefix("cur") {
            Target::CurrentMaster(g.parse().map_err(|_| format!("bad target '{w}'"))?)
        } else {
            Target::Instance(parse_instance_name(group_size, w).ok_or(format!("bad target '{w}'"))?)
        };
        if t.group(group_size).is_some_and(|g| g >= groups) {
            return Err(format!("no such instance '{w}'"));
        }
        Ok(t)
    };
    let number = |i: usize| -> Result<u64, String> {
        words
            .get(i)
            .and_then(|w| w.parse().ok())
            .ok_or(format!("argument {i} must be a number"))
    };
    let want = |n: usize| -> Result<(), String> {
        if words.len() == n {
            Ok(())
        } else {
            Err(format!("expected {} argument(s)", n - 1))
        }
    };
    let c = match words.first().copied() {
        Some("freeze") => want(2).and(target(1)).map(Control::Freeze)?,
        Some("thaw") => want(2).and(target(1)).map(Control::Thaw)?,
        Some("kill") => want(2).and(target(1)).map(Control::Kill)?,
        Some("revive") => want(2).and(target(1)).map(Control::Revive)?,
        Some("role") => want(2).and(target(1)).map(Control::Role)?,
        Some("slow") => {
            want(3)?;
            Control::Slow(target(1)?, number(2)?)
        }
        Some("flap") => {
            want(4)?;
            let n = number(3)?;
            if n == 0 || n > u64::from(FLAP_CYCLES_MAX) {
                return Err(format!("flap cycles must be 1..={FLAP_CYCLES_MAX}"));
            }
            Control::Flap(target(1)?, number(2)?, n as u32)
        }
        Some("stats") => want(1).map(|_| Control::Stats)?,
        Some("quit") => want(1).map(|_| Control::Quit)?,
        Some(other) => return Err(format!("unknown command '{other}'")),
        None => return Err("empty command".into()),
    };
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_targets() {
        assert_eq!(
            parse("freeze m3", 2, 10),
            Ok(Control::Freeze(Target::Instance(6)))
        );
        assert_eq!(
            parse("kill m3r0", 2, 10),
            Ok(Control::Kill(Target::Instance(7)))
        );
        assert_eq!(
            parse("slow cur2 150", 2, 10),
            Ok(Control::Slow(Target::CurrentMaster(2), 150))
        );
        assert_eq!(
            parse("flap all 500 3", 2, 10),
            Ok(Control::Flap(Target::All, 500, 3))
        );
        assert_eq!(parse("stats", 2, 10), Ok(Control::Stats));
        assert_eq!(Target::Instance(7).group(2), Some(3));
    }

    #[test]
    fn refuses_bad_commands() {
        for bad in [
            "",
            "melt m1",
            "freeze",
            "freeze m1 m2",
            "freeze m10",
            "slow m1 x",
            "flap m1 5 0",
            "flap m1 5 99999",
            "freeze cur",
            "kill m1r5",
        ] {
            assert!(parse(bad, 2, 10).is_err(), "{bad:?}");
        }
    }
}
