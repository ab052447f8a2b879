//! Safety properties checked after every step of a simulated run: at most one leader per
//! (master, epoch), config epochs never decrease, and no sentinel acts as leader without a
//! majority of the group's votes.

use std::collections::{BTreeMap, BTreeSet};

use crate::world::{SentinelIdx, Sim};

/// Accumulates what it has seen of a run and reports the first violation.
#[derive(Debug, Default)]
pub struct Checker {
    events_seen: usize,
    config_epochs: BTreeMap<(SentinelIdx, String), u64>,
    leaders: BTreeMap<(String, u64), SentinelIdx>,
    /// (leader run id, epoch) → sentinels that voted for it.
    votes: BTreeMap<(String, u64), BTreeSet<SentinelIdx>>,
    /// Sentinels seen leading, for the summary.
    pub elections: usize,
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// Checks `sim` as it is now; `group` is the number of sentinels watching each master.
    pub fn check(&mut self, sim: &Sim, masters: &[&str], group: usize) -> Result<(), String> {
        for e in &sim.events()[self.events_seen..] {
            match e.event.channel {
                "+vote-for-leader" => {
                    let mut words = e.event.message.split(' ');
                    if let (Some(runid), Some(Ok(epoch))) =
                        (words.next(), words.next().map(str::parse::<u64>))
                    {
                        self.votes
                            .entry((runid.to_string(), epoch))
                            .or_default()
                            .insert(e.sentinel);
                    }
                }
                "+elected-leader" => {
                    let name = e
                        .event
                        .message
                        .split(' ')
                        .nth(1)
                        .unwrap_or_default()
                        .to_string();
                    let epoch = e.failover_epoch.unwrap_or(0);
                    let runid = sim.sentinel(e.sentinel).myid().to_string();
                    if let Some(&other) = self.leaders.get(&(name.clone(), epoch))
                        && other != e.sentinel
                    {
                        return Err(format!(
                            "two leaders for {name} in epoch {epoch}: sentinels {other} and {}",
                            e.sentinel
                        ));
                    }
                    let voters = self.votes.get(&(runid, epoch)).map_or(0, BTreeSet::len);
                    if voters < group / 2 + 1 && !sim.forced_failover(e.sentinel, &name) {
                        return Err(format!(
                            "sentinel {} elected for {name} in epoch {epoch} with {voters} of {group} votes",
                            e.sentinel
                        ));
                    }
                    if self.leaders.insert((name, epoch), e.sentinel).is_none() {
                        self.elections += 1;
                    }
                }
                _ => {}
            }
        }
        self.events_seen = sim.events().len();
        for idx in 0..sim.sentinel_count() {
            let s = sim.sentinel(idx);
            for &name in masters {
                let Some(view) = s.master_view(name) else {
                    continue;
                };
                let key = (idx, name.to_string());
                let before = self
                    .config_epochs
                    .insert(key, view.config_epoch)
                    .unwrap_or(0);
                if view.config_epoch < before {
                    return Err(format!(
                        "sentinel {idx}: config epoch of {name} went from {before} to {}",
                        view.config_epoch
                    ));
                }
            }
        }
        Ok(())
    }
}
