//! Votes and leader election (sentinel.c `sentinelVoteLeader`, `sentinelGetLeader`) and the
//! vote-carrying `is-master-down-by-addr` exchange. The rules are Redis's exactly, so a group
//! mixing our sentinels and stock ones agrees; what differs is that a vote is durable before it
//! is answered.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Sentinel;
use crate::action::ClientId;
use crate::addr::Addr;
use crate::event::{self, Level};
use crate::instance::{MasterId, SentinelEntry};
use crate::resp::Frame;
use crate::time::Instant;

/// Why `SENTINEL FAILOVER` was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverRefusal {
    /// `-INPROG Failover already in progress`
    InProgress,
    /// `-NOGOODSLAVE No suitable replica to promote`
    NoGoodReplica,
    /// The current epoch is `u64::MAX`: there is no fresh epoch to fail over in.
    EpochExhausted,
}

/// The outcome of a vote request: who we (now) back, in which epoch, and whether our state
/// changed so the answer must wait for a config write.
struct Vote {
    leader: Option<String>,
    epoch: u64,
    changed: bool,
}

impl Sentinel {
    /// Whether a peer's last `is-master-down-by-addr` answer about a master still stands.
    /// Redis clears the peer's `master_down` flag and its voted leader once that answer is
    /// older than 5 × ask-period (the voted leader's epoch stays); here they are read through
    /// this, and dropped for good when the next answer comes (`detect.rs`).
    pub(crate) fn peer_answer_fresh(&self, now: Instant, entry: &SentinelEntry) -> bool {
        entry
            .master_down
            .is_some_and(|(_, at)| now - at < self.ask_forget())
    }

    /// The leader a peer voted for, while its answer stands.
    pub(crate) fn peer_vote<'a>(&self, now: Instant, entry: &'a SentinelEntry) -> Option<&'a str> {
        entry
            .voted_leader
            .as_deref()
            .filter(|_| self.peer_answer_fresh(now, entry))
    }

    /// Adopts a higher epoch heard from anyone (`+new-epoch`, persisted).
    /// `mid` is the master whose traffic carried it (its notification script runs).
    pub(crate) fn adopt_epoch(&mut self, mid: MasterId, epoch: u64) -> bool {
        if !self.epoch.raise_to(epoch) {
            return false;
        }
        self.epoch_raised(mid, epoch);
        true
    }

    /// The epoch just became `epoch` (adopted or taken for a failover): persisted, and
    /// `+new-epoch`.
    pub(crate) fn epoch_raised(&mut self, mid: MasterId, epoch: u64) {
        self.request_persist();
        let ev = event::plain(Level::Warning, "+new-epoch", epoch.to_string());
        self.notify_master_script(mid, &ev);
        self.emit(ev);
    }

    /// sentinel.c `sentinelVoteLeader`: one vote per master and epoch, first come first served.
    fn vote(&mut self, now: Instant, mid: MasterId, req_epoch: u64, req_runid: &str) -> Vote {
        let mut changed = self.adopt_epoch(mid, req_epoch);
        let current = self.epoch.get();
        let myid = self.params.myid.clone();
        let Some(m) = self.masters.get_mut(mid) else {
            return Vote {
                leader: None,
                epoch: 0,
                changed,
            };
        };
        if m.leader_epoch < req_epoch && current <= req_epoch {
            m.leader = Some(req_runid.to_string());
            m.leader_epoch = current;
            changed = true;
            // Having backed someone else, do not start our own failover for a while: the
            // random addend is the same desynchronisation Redis uses.
            if req_runid != myid {
                let jitter = Duration::from_millis(self.rng.below(1000));
                if let Some(m) = self.masters.get_mut(mid) {
                    m.failover.start_time = Some(now + jitter);
                }
            }
            self.request_persist();
            let ev = event::plain(
                Level::Warning,
                "+vote-for-leader",
                format!("{req_runid} {current}"),
            );
            self.notify_master_script(mid, &ev);
            self.emit(ev);
        }
        // The recorded vote may be for an epoch beyond the current one: the config file can say
        // so (`leader-epoch` above `current-epoch`, which Redis loads as it is). It is answered
        // as it stands, and no vote is given until a request's epoch passes it.
        let (leader, epoch) = self
            .masters
            .get(mid)
            .map_or((None, 0), |m| (m.leader.clone(), m.leader_epoch));
        Vote {
            leader,
            epoch,
            changed,
        }
    }

    /// `SENTINEL IS-MASTER-DOWN-BY-ADDR <ip> <port> <epoch> <runid>` from a peer: answers
    /// `[down, leader-runid or "*", leader-epoch]`; with a run id it is also a vote request, and
    /// then the answer waits until the vote is on disk (a failed write answers with no vote).
    pub(crate) fn is_master_down_by_addr(
        &mut self,
        now: Instant,
        client: ClientId,
        addr: &Addr,
        req_epoch: u64,
        runid: &str,
    ) {
        let mid = self.master_at(addr);
        let down = !self.in_tilt()
            && mid
                .and_then(|id| self.masters.get(id))
                .is_some_and(|m| m.node.health.is_sdown());
        let reply = |leader: &str, epoch: u64| {
            Frame::Array(vec![
                Frame::Integer(i64::from(down)),
                Frame::bulk(leader),
                Frame::Integer(i64::try_from(epoch).unwrap_or(i64::MAX)),
            ])
        };
        match mid {
            Some(mid) if runid != "*" => {
                let vote = self.vote(now, mid, req_epoch, runid);
                let ok = reply(vote.leader.as_deref().unwrap_or("*"), vote.epoch);
                if vote.changed {
                    self.reply_after_persist(client, ok, reply("*", 0));
                } else {
                    self.send_reply(client, ok);
                }
            }
            _ => self.send_reply(client, reply("*", 0)),
        }
    }

    /// sentinel.c `sentinelGetLeader`: the run id that has a majority of all known sentinels
    /// and at least `quorum` votes in `epoch`, casting our own vote on the way.
    pub(crate) fn leader_of(&mut self, now: Instant, mid: MasterId, epoch: u64) -> Option<String> {
        let m = self.masters.get(mid)?;
        let voters = m.sentinels.len() + 1;
        let quorum = m.params.quorum as usize;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for e in m.sentinels.values() {
            if let Some(l) = self.peer_vote(now, e)
                && e.voted_leader_epoch == self.epoch.get()
            {
                *counts.entry(l.to_string()).or_default() += 1;
            }
        }
        let most_voted = |counts: &BTreeMap<String, usize>| {
            // Ties go to the smallest run id, so the outcome does not depend on map order.
            counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(id, n)| (id.clone(), *n))
        };
        let candidate = most_voted(&counts).map_or_else(|| self.params.myid.clone(), |(id, _)| id);
        let my = self.vote(now, mid, epoch, &candidate);
        if let Some(l) = my.leader
            && my.epoch == epoch
        {
            *counts.entry(l).or_default() += 1;
        }
        let (winner, votes) = most_voted(&counts)?;
        (votes > voters / 2 && votes >= quorum).then_some(winner)
    }

    /// `SENTINEL FAILOVER <name>`: start a failover without agreement.
    pub(crate) fn force_failover(
        &mut self,
        now: Instant,
        mid: MasterId,
    ) -> Result<(), FailoverRefusal> {
        let m = self
            .masters
            .get(mid)
            .ok_or(FailoverRefusal::NoGoodReplica)?;
        if m.failover.in_progress() {
            return Err(FailoverRefusal::InProgress);
        }
        if self.select_replica(now, mid).is_none() {
            return Err(FailoverRefusal::NoGoodReplica);
        }
        if !self.start_failover(now, mid, true) {
            return Err(FailoverRefusal::EpochExhausted);
        }
        Ok(())
    }
}
