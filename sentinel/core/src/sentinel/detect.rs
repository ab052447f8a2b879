//! Objective down: asking peers whether they see a master down, and counting their answers
//! (sentinel.c `sentinelAskMasterStateToOtherSentinels`, `sentinelReceiveIsMasterDownReply`,
//! `sentinelCheckObjectivelyDown`).

use std::time::Duration;

use bytes::Bytes;

use super::Sentinel;
use crate::event::Level;
use crate::instance::{MasterId, Owner};
use crate::link::Pending;
use crate::resp::Frame;
use crate::time::Instant;

impl Sentinel {
    /// How long a peer's "down" answer counts (sentinel.c `SENTINEL_ASK_FORGET_TIME`).
    pub(crate) fn ask_forget(&self) -> Duration {
        self.params.timing.ask_period * 5
    }

    /// How soon we ask a peer again while we hold a master S_DOWN but not yet O_DOWN. Redis
    /// waits a whole ask period; peers that were not down yet usually are a few ping intervals
    /// later, so we ask again sooner.
    pub(crate) fn ask_retry(&self, odown: bool) -> Duration {
        if odown {
            self.params.timing.ask_period
        } else {
            self.params.timing.ask_period / 10
        }
    }

    /// Asks every peer that is due whether it sees `mid` down; `forced` asks all of them now
    /// (the round that starts a failover, carrying our run id as a vote request).
    pub(crate) fn ask_peers(&mut self, now: Instant, mid: MasterId, forced: bool) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        if !m.node.health.is_sdown() {
            return;
        }
        let retry = self.ask_retry(m.odown_since.is_some());
        let runid = if m.failover.in_progress() {
            self.params.myid.clone()
        } else {
            "*".to_string()
        };
        let args = vec![
            Bytes::from_static(b"SENTINEL"),
            Bytes::from_static(b"is-master-down-by-addr"),
            Bytes::from(self.master_wire_host(mid, &m.node.addr.host)),
            Bytes::from(m.node.addr.port.to_string()),
            Bytes::from(self.epoch.get().to_string()),
            Bytes::from(runid),
        ];
        let due: Vec<(String, crate::instance::PeerId)> = m
            .sentinels
            .iter()
            .filter(|(_, e)| forced || e.last_ask.is_none_or(|t| now - t >= retry))
            .map(|(id, e)| (id.clone(), e.peer))
            .collect();
        for (peer_runid, pid) in due {
            let Some(cmd) = self.peers.get(pid).and_then(|p| p.node.cmd) else {
                continue;
            };
            if !self.link_up(Some(cmd))
                || self.pending_len(Some(cmd)) >= self.pending_limit(Owner::Peer(pid))
            {
                continue;
            }
            self.send_command(
                cmd,
                Owner::Peer(pid),
                args.clone(),
                Pending::IsMasterDown {
                    master: mid,
                    peer: peer_runid.clone(),
                },
            );
            if let Some(e) = self
                .masters
                .get_mut(mid)
                .and_then(|m| m.sentinels.get_mut(&peer_runid))
            {
                e.last_ask = Some(now);
            }
        }
    }

    /// A peer answered `is-master-down-by-addr`: `[down, leader, leader-epoch]`. Anything else
    /// is ignored, as sentinel.c does.
    pub(crate) fn handle_is_master_down_reply(
        &mut self,
        now: Instant,
        mid: MasterId,
        peer: &str,
        frame: &Frame,
    ) {
        let Frame::Array(items) = frame else { return };
        let [Frame::Integer(down), leader, Frame::Integer(epoch)] = items.as_slice() else {
            return;
        };
        let Some(leader) = leader.as_bytes() else {
            return;
        };
        let Ok(epoch) = u64::try_from(*epoch) else {
            return;
        };
        let forget = self.ask_forget();
        let Some(entry) = self
            .masters
            .get_mut(mid)
            .and_then(|m| m.sentinels.get_mut(peer))
        else {
            return;
        };
        // The vote of an answer that lapsed is gone (Redis cleared it); a `*` brings none back.
        if entry.master_down.is_none_or(|(_, at)| now - at >= forget) {
            entry.voted_leader = None;
        }
        entry.master_down = Some((*down == 1, now));
        if leader != b"*" {
            entry.voted_leader = Some(String::from_utf8_lossy(leader).into_owned());
            entry.voted_leader_epoch = epoch;
        }
        self.service(now, Owner::Master(mid));
    }

    /// Peers whose recent answer says `mid` is down.
    pub(crate) fn peers_seeing_down(&self, now: Instant, mid: MasterId) -> usize {
        let forget = self.ask_forget();
        self.masters.get(mid).map_or(0, |m| {
            m.sentinels
                .values()
                .filter(|e| matches!(e.master_down, Some((true, at)) if now - at < forget))
                .count()
        })
    }

    /// `+odown` / `-odown`.
    pub(crate) fn check_odown(&mut self, now: Instant, mid: MasterId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let quorum = m.params.quorum as usize;
        let votes = 1 + self.peers_seeing_down(now, mid);
        let odown = m.node.health.is_sdown() && votes >= quorum;
        match (m.odown_since.is_some(), odown) {
            (false, true) => {
                let jitter = self.start_jitter();
                if let Some(m) = self.masters.get_mut(mid) {
                    m.odown_since = Some(now);
                    m.failover.start_not_before = Some(now + jitter);
                }
                let extra = format!("#quorum {votes}/{quorum}");
                self.emit_about(Owner::Master(mid), Level::Warning, "+odown", &extra);
                self.refresh_replicas(now, mid);
            }
            (true, false) => {
                if let Some(m) = self.masters.get_mut(mid) {
                    m.odown_since = None;
                }
                self.emit_about(Owner::Master(mid), Level::Warning, "-odown", "");
            }
            _ => {}
        }
    }

    /// When something about O_DOWN may change for `mid` without new input: a peer's answer
    /// expiring, or the next ask.
    pub(crate) fn odown_deadline(&self, now: Instant, mid: MasterId) -> Option<Instant> {
        let m = self.masters.get(mid)?;
        if !m.node.health.is_sdown() {
            return None;
        }
        let forget = self.ask_forget();
        let retry = self.ask_retry(m.odown_since.is_some());
        let mut next: Option<Instant> = None;
        for e in m.sentinels.values() {
            let ask = e.last_ask.map_or(now, |t| t + retry);
            next = Some(next.map_or(ask, |n| n.min(ask)));
            if let Some((true, at)) = e.master_down {
                let expiry = at + forget;
                if expiry > now {
                    next = Some(next.map_or(expiry, |n| n.min(expiry)));
                }
            }
        }
        next
    }
}
