//! Votes and leader election (sentinel.c `sentinelVoteLeader`, `sentinelGetLeader`) and the
//! `is-master-down-by-addr` exchange. (Entry points; the logic lands with the failover work.)

use super::Sentinel;
use crate::action::ClientId;
use crate::addr::Addr;
use crate::resp::Frame;
use crate::time::Instant;

/// Why `SENTINEL FAILOVER` was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverRefusal {
    /// `-INPROG Failover already in progress`
    InProgress,
    /// `-NOGOODSLAVE No suitable replica to promote`
    NoGoodReplica,
}

impl Sentinel {
    /// `SENTINEL IS-MASTER-DOWN-BY-ADDR <ip> <port> <epoch> <runid>` from a peer: answers (maybe
    /// after persisting a vote) with `[down, leader-runid or "*", leader-epoch]`.
    pub(crate) fn is_master_down_by_addr(
        &mut self,
        _now: Instant,
        client: ClientId,
        addr: &Addr,
        _req_epoch: u64,
        _runid: &str,
    ) {
        let down = self
            .master_by_name
            .values()
            .filter_map(|id| self.masters.get(*id))
            .find(|m| m.node.addr == *addr)
            .is_some_and(|m| m.node.health.is_sdown());
        let reply = Frame::Array(vec![
            Frame::Integer(i64::from(down)),
            Frame::bulk("*"),
            Frame::Integer(0),
        ]);
        self.actions.push_back(crate::action::Action::Reply {
            client,
            frame: reply,
        });
    }

    /// `SENTINEL FAILOVER <name>`: start a failover without agreement.
    pub(crate) fn force_failover(
        &mut self,
        _now: Instant,
        master: crate::instance::MasterId,
    ) -> Result<(), FailoverRefusal> {
        match self.masters.get(master) {
            Some(m) if m.failover.in_progress() => Err(FailoverRefusal::InProgress),
            _ => Err(FailoverRefusal::NoGoodReplica),
        }
    }
}
