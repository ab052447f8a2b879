//! The failover of one master (sentinel.c `sentinelStartFailoverIfNeeded`,
//! `sentinelFailoverStateMachine` and its steps, `sentinelResetMasterAndChangeAddress`).
//!
//! Event driven: a step runs as soon as its input (a vote, an INFO reply, a timeout) arrives, and
//! several steps may run in one call; each step is one `match` arm.

use std::time::Duration;

use bytes::Bytes;

use super::Sentinel;
use crate::addr::Addr;
use crate::event::{self, Level, Subject};
use crate::instance::{Failover, Health, MasterId, Node, Owner, Reconf, Replica, ReplicaId};
use crate::link::Pending;
use crate::ranking::{self, Candidate, SelectionParams};
use crate::time::Instant;

/// Largest random delay between O_DOWN and starting a failover. It separates sentinels that
/// reach O_DOWN in the same instant (an event-driven core has no tick phase to do it), so one
/// asks for votes first and the others back it.
const START_JITTER_MS: u64 = 40;

/// How often a replica whose role change we wait for is polled with INFO (Redis waits for its
/// one-second INFO poll).
pub(crate) const FAST_POLL: Duration = Duration::from_millis(10);

/// How long replica selection may wait for INFO replies still on their way (the ones asked for
/// at O_DOWN) when no replica qualifies without them. Redis selects in the tick after the
/// election without waiting; a hung replica (SIGSTOP, link up) never answers, so the wait is
/// bounded and then the choice is made among the replicas whose INFO is at hand.
const SELECT_WAIT: Duration = Duration::from_millis(300);

impl Sentinel {
    /// Everything a master's deadline or an input about it may move on: O_DOWN, asking peers,
    /// starting and stepping a failover. Returns the next time something is due.
    pub(crate) fn master_logic(&mut self, now: Instant, mid: MasterId) -> Option<Instant> {
        if self.in_tilt() {
            return None;
        }
        self.check_odown(now, mid);
        self.maybe_start_failover(now, mid);
        self.ask_peers(now, mid, false);
        self.step_failover(now, mid);
        let failover = self.failover_deadline(now, mid);
        let odown = self.odown_deadline(now, mid);
        match (failover, odown) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn maybe_start_failover(&mut self, now: Instant, mid: MasterId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        if m.odown_since.is_none() || m.failover.in_progress() {
            return;
        }
        let retry = m.params.failover_timeout * 2;
        if m.failover.start_time.is_some_and(|t| now < t + retry) {
            return;
        }
        if m.failover.start_not_before.is_some_and(|t| now < t) {
            return;
        }
        // With no fresh epoch left this stays idle; nothing is due until new input arrives.
        self.start_failover(now, mid, false);
    }

    /// sentinel.c `sentinelStartFailover`: a new epoch, `wait_start`, and a forced round of vote
    /// requests. False when no fresh epoch is left (the current one is `u64::MAX`, announced
    /// by some peer): nothing starts, where Redis would wrap its epoch back to 0.
    pub(crate) fn start_failover(&mut self, now: Instant, mid: MasterId, forced: bool) -> bool {
        // A fresh epoch: with several shards, another may be starting a failover too.
        let Some(epoch) = self.epoch.next() else {
            return false;
        };
        self.epoch_raised(mid, epoch);
        let jitter = Duration::from_millis(self.rng.below(1000));
        let self_vote_delay = self.self_vote_delay();
        let Some(m) = self.masters.get_mut(mid) else {
            return false;
        };
        m.failover.state = Failover::WaitStart;
        m.failover.state_since = now;
        m.failover.epoch = epoch;
        m.failover.forced = forced;
        m.failover.start_time = Some(now + jitter);
        m.failover.self_vote_at = Some(now + self_vote_delay);
        self.emit_master(mid, Level::Warning, "+try-failover", "");
        self.ask_peers(now, mid, true);
        true
    }

    /// How long to wait for peers' answers before voting for ourselves. A sentinel that asked
    /// for votes at the same moment as another then backs whoever reached the peers first,
    /// instead of splitting the vote (the rules are Redis's: one vote per epoch, first come).
    fn self_vote_delay(&self) -> Duration {
        Duration::from_millis(20).min(self.params.timing.ask_period)
    }

    /// Runs failover steps for `mid` until one has to wait for input.
    pub(crate) fn step_failover(&mut self, now: Instant, mid: MasterId) {
        for _ in 0..8 {
            if self.exiting {
                return;
            }
            let Some(m) = self.masters.get(mid) else {
                return;
            };
            let before = m.failover.state.clone();
            match before {
                Failover::Idle => return,
                Failover::WaitStart => self.step_wait_start(now, mid),
                Failover::SelectSlave => self.step_select_slave(now, mid),
                Failover::SendSlaveofNoOne { promoted } => {
                    self.step_send_slaveof_noone(now, mid, promoted)
                }
                Failover::WaitPromotion { promoted } => {
                    self.step_wait_promotion(now, mid, promoted)
                }
                Failover::ReconfSlaves { promoted } => self.step_reconf_slaves(now, mid, promoted),
                Failover::UpdateConfig { promoted } => self.step_update_config(now, mid, promoted),
            }
            if self
                .masters
                .get(mid)
                .is_none_or(|m| m.failover.state == before)
            {
                return;
            }
        }
    }

    fn enter(&mut self, now: Instant, mid: MasterId, state: Failover) {
        if let Some(m) = self.masters.get_mut(mid) {
            m.failover.state = state;
            m.failover.state_since = now;
        }
    }

    fn step_wait_start(&mut self, now: Instant, mid: MasterId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let (epoch, forced) = (m.failover.epoch, m.failover.forced);
        // As sentinel.c, the election window runs from `failover_start_time` (the start plus a
        // random 0..999 ms), so it lasts 10 to 11 s after `+try-failover`.
        let since = m.failover.start_time.unwrap_or(m.failover.state_since);
        let election_timeout = self
            .params
            .timing
            .election_timeout
            .min(m.params.failover_timeout);
        let all_answered = m.sentinels.values().all(|e| e.voted_leader_epoch == epoch);
        let may_vote = forced || all_answered || m.failover.self_vote_at.is_none_or(|t| now >= t);
        let leader = if may_vote {
            self.leader_of(now, mid, epoch)
        } else {
            None
        };
        let elected = leader.as_deref() == Some(self.params.myid.as_str());
        if !elected && !forced {
            if now > since + election_timeout {
                self.emit_master(mid, Level::Warning, "-failover-abort-not-elected", "");
                self.abort_failover(now, mid);
            }
            return;
        }
        self.emit_master(mid, Level::Warning, "+elected-leader", "");
        if self.simulate_crash_after_election() {
            // The process exits here, its vote for itself on disk.
            self.simulated_crash();
            return;
        }
        self.enter(now, mid, Failover::SelectSlave);
        self.emit_master(mid, Level::Warning, "+failover-state-select-slave", "");
    }

    fn step_select_slave(&mut self, now: Instant, mid: MasterId) {
        let Some(rid) = self.select_replica(now, mid) else {
            // We get here within milliseconds of O_DOWN, sooner than Redis's tick-paced steps:
            // a replica whose INFO is still on its way may qualify when it lands, unless it
            // does not come soon.
            let waited = self
                .masters
                .get(mid)
                .map_or(SELECT_WAIT, |m| now - m.failover.state_since);
            if waited < SELECT_WAIT && self.replica_info_in_flight(mid) {
                return;
            }
            self.emit_master(mid, Level::Warning, "-failover-abort-no-good-slave", "");
            self.abort_failover(now, mid);
            return;
        };
        self.emit_replica(mid, rid, Level::Warning, "+selected-slave");
        self.enter(now, mid, Failover::SendSlaveofNoOne { promoted: rid });
        self.emit_replica(
            mid,
            rid,
            Level::Notice,
            "+failover-state-send-slaveof-noone",
        );
    }

    fn step_send_slaveof_noone(&mut self, now: Instant, mid: MasterId, promoted: ReplicaId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let timeout = m.params.failover_timeout;
        let since = m.failover.state_since;
        let cmd = m.replicas.get(promoted).and_then(|r| r.node.cmd);
        if !self.link_up(cmd) {
            if now - since > timeout {
                self.emit_master(mid, Level::Warning, "-failover-abort-slave-timeout", "");
                self.abort_failover(now, mid);
            }
            return;
        }
        self.send_slaveof(Owner::Replica(mid, promoted), None);
        self.enter(now, mid, Failover::WaitPromotion { promoted });
        self.emit_replica(
            mid,
            promoted,
            Level::Notice,
            "+failover-state-wait-promotion",
        );
        self.fast_poll(now, Owner::Replica(mid, promoted));
    }

    fn step_wait_promotion(&mut self, now: Instant, mid: MasterId, promoted: ReplicaId) {
        // The promotion itself is noticed in the promoted replica's INFO (`info_refresh.rs`).
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        if now - m.failover.state_since > m.params.failover_timeout {
            self.emit_master(mid, Level::Warning, "-failover-abort-slave-timeout", "");
            self.abort_failover(now, mid);
            return;
        }
        self.fast_poll(now, Owner::Replica(mid, promoted));
    }

    /// The promoted replica reported `role:master` (sentinel.c, in `sentinelRefreshInstanceInfo`).
    pub(crate) fn promotion_observed(&mut self, now: Instant, mid: MasterId, promoted: ReplicaId) {
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        m.config_epoch = m.failover.epoch;
        // In `reconf_slaves` before the write, as in sentinel.c: the file names the promoted
        // replica as the master, at the new config epoch.
        self.enter(now, mid, Failover::ReconfSlaves { promoted });
        self.request_persist();
        self.emit_replica(mid, promoted, Level::Warning, "+promoted-slave");
        if self.simulate_crash_after_promotion() {
            // The process exits here, the promotion on disk.
            self.simulated_crash();
            return;
        }
        self.emit_master(mid, Level::Warning, "+failover-state-reconf-slaves", "");
        let from = self.masters.get(mid).map(|m| m.node.addr.clone());
        let to = self
            .masters
            .get(mid)
            .and_then(|m| m.replicas.get(promoted))
            .map(|r| r.node.addr.clone());
        if let (Some(from), Some(to)) = (from, to) {
            self.client_reconfig_script(mid, true, &from, &to);
        }
        self.vip_master_changed(now, mid);
        self.force_hellos(now, mid);
        self.step_failover(now, mid);
    }

    fn step_reconf_slaves(&mut self, now: Instant, mid: MasterId, promoted: ReplicaId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let parallel = m.params.parallel_syncs.max(1) as usize;
        let reconf_timeout = self.params.timing.slave_reconf_timeout;
        let Some(target) = m.replicas.get(promoted).map(|r| r.node.addr.clone()) else {
            self.abort_failover(now, mid);
            return;
        };
        let mut in_progress = m
            .replicas
            .iter()
            .filter(|(_, r)| matches!(r.reconf, Reconf::Sent { .. } | Reconf::InProgress))
            .count();
        let rids: Vec<ReplicaId> = m.replicas.keys();
        for rid in rids {
            if rid == promoted || in_progress >= parallel {
                continue;
            }
            let Some(r) = self.masters.get(mid).and_then(|m| m.replicas.get(rid)) else {
                continue;
            };
            if r.reconf_timed_out {
                continue;
            }
            let link_up = self.link_up(r.node.cmd);
            match r.reconf {
                Reconf::Done => continue,
                Reconf::Sent { since } if now - since > reconf_timeout => {
                    // As sentinel.c: taken as reconfigured (a later INFO fixes it if not), and
                    // sent SLAVEOF again over a live link; the slot stays taken meanwhile.
                    self.emit_replica(mid, rid, Level::Notice, "-slave-reconf-sent-timeout");
                    if let Some(r) = self
                        .masters
                        .get_mut(mid)
                        .and_then(|m| m.replicas.get_mut(rid))
                    {
                        r.reconf_timed_out = true;
                    }
                    if !link_up || !self.send_slaveof(Owner::Replica(mid, rid), Some(&target)) {
                        // Nothing went out: the replica no longer holds a slot.
                        self.set_reconf_keep_mark(mid, rid, Reconf::None);
                        in_progress = in_progress.saturating_sub(1);
                        continue;
                    }
                    self.set_reconf_keep_mark(mid, rid, Reconf::Sent { since: now });
                    self.emit_replica(mid, rid, Level::Notice, "+slave-reconf-sent");
                    self.fast_poll(now, Owner::Replica(mid, rid));
                    // sentinel.c counts the resend as a new sync in this pass too.
                    in_progress += 1;
                    continue;
                }
                Reconf::Sent { .. } | Reconf::InProgress => continue,
                Reconf::None => {}
            }
            if !link_up {
                continue;
            }
            self.send_slaveof(Owner::Replica(mid, rid), Some(&target));
            self.set_reconf(mid, rid, Reconf::Sent { since: now });
            self.emit_replica(mid, rid, Level::Notice, "+slave-reconf-sent");
            self.fast_poll(now, Owner::Replica(mid, rid));
            in_progress += 1;
        }
        // Watch the replicas being reconfigured closely: their INFO says when they are done.
        let poll_due = self.masters.get(mid).is_some_and(|m| {
            m.failover
                .last_fast_poll
                .is_none_or(|t| now - t >= FAST_POLL)
        });
        if poll_due {
            let moving: Vec<ReplicaId> = self.masters.get(mid).map_or_else(Vec::new, |m| {
                m.replicas
                    .iter()
                    .filter(|(_, r)| matches!(r.reconf, Reconf::Sent { .. } | Reconf::InProgress))
                    .map(|(rid, _)| rid)
                    .collect()
            });
            for rid in moving {
                self.fast_poll(now, Owner::Replica(mid, rid));
            }
        }
        self.detect_failover_end(now, mid, promoted, &target);
    }

    /// sentinel.c `sentinelFailoverDetectEnd`.
    fn detect_failover_end(
        &mut self,
        now: Instant,
        mid: MasterId,
        promoted: ReplicaId,
        target: &Addr,
    ) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        // A promoted replica that went down keeps the failover here until it is back.
        if m.replicas
            .get(promoted)
            .is_none_or(|r| r.node.health.is_sdown())
        {
            return;
        }
        let mut pending = m
            .replicas
            .iter()
            .filter(|(rid, r)| {
                *rid != promoted
                    && r.reconf != Reconf::Done
                    && !r.reconf_timed_out
                    && !r.node.health.is_sdown()
            })
            .count();
        let timed_out = now - m.failover.state_since > m.params.failover_timeout;
        if timed_out {
            pending = 0;
            self.emit_master(mid, Level::Warning, "+failover-end-for-timeout", "");
        }
        if pending > 0 {
            return;
        }
        self.emit_master(mid, Level::Warning, "+failover-end", "");
        if timed_out {
            // Best effort: every replica not done and not already sent the command, including
            // those still syncing (`reconf_inprog`); announced only when it really went out.
            let rest: Vec<ReplicaId> = self.masters.get(mid).map_or_else(Vec::new, |m| {
                m.replicas
                    .iter()
                    .filter(|(rid, r)| {
                        *rid != promoted
                            && !r.reconf_timed_out
                            && matches!(r.reconf, Reconf::None | Reconf::InProgress)
                    })
                    .map(|(rid, _)| rid)
                    .collect()
            });
            for rid in rest {
                if self.send_slaveof(Owner::Replica(mid, rid), Some(target)) {
                    self.set_reconf(mid, rid, Reconf::Sent { since: now });
                    self.emit_replica(mid, rid, Level::Notice, "+slave-reconf-sent-be");
                }
            }
        }
        self.enter(now, mid, Failover::UpdateConfig { promoted });
    }

    fn step_update_config(&mut self, now: Instant, mid: MasterId, promoted: ReplicaId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let Some(new_addr) = m.replicas.get(promoted).map(|r| r.node.addr.clone()) else {
            return;
        };
        self.announce_and_switch(now, mid, new_addr);
    }

    /// sentinel.c `sentinelAbortFailover`.
    pub(crate) fn abort_failover(&mut self, now: Instant, mid: MasterId) {
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        m.failover.state = crate::instance::Failover::Idle;
        m.failover.state_since = now;
        m.failover.forced = false;
        m.failover.self_vote_at = None;
        for (_, r) in m.replicas.iter_mut() {
            r.reconf = Reconf::None;
            r.reconf_timed_out = false;
        }
    }

    /// sentinel.c `sentinelResetMasterAndChangeAddress`: the master now lives at `new_addr`;
    /// the old master and the other replicas become its replicas.
    pub(crate) fn switch_master(&mut self, now: Instant, mid: MasterId, new_addr: Addr) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let old = m.node.addr.clone();
        let mut replicas: Vec<Addr> = m
            .replicas
            .iter()
            .map(|(_, r)| r.node.addr.clone())
            .filter(|a| *a != new_addr)
            .collect();
        if old != new_addr && !replicas.contains(&old) {
            replicas.push(old);
        }
        self.reset_master(now, mid);
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        let before = std::mem::replace(&mut m.node, Node::new(new_addr.clone(), now));
        m.node.awaiting_first_link = Some(now);
        self.unindex_master_addr(mid, &before.addr);
        self.index_master_addr(mid, new_addr);
        for addr in replicas {
            self.add_replica(now, mid, addr);
        }
        self.request_persist();
        self.schedule.set(Owner::Master(mid), now);
        self.vip_master_changed(now, mid);
    }

    /// sentinel.c `sentinelResetMaster` without forgetting the sentinels: links closed,
    /// replicas dropped, failover state and flags cleared.
    pub(crate) fn reset_master(&mut self, now: Instant, mid: MasterId) {
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        let mut links: Vec<_> = vec![m.node.cmd.take(), m.node.pubsub.take()];
        for (_, r) in m.replicas.iter() {
            links.push(r.node.cmd);
            links.push(r.node.pubsub);
        }
        let replica_ids: Vec<ReplicaId> = m.replicas.keys();
        for rid in &replica_ids {
            self.schedule.remove(Owner::Replica(mid, *rid));
        }
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        m.replicas = Default::default();
        m.replica_by_addr.clear();
        m.odown_since = None;
        // Like sentinel.c, a reset keeps the epoch of the last failover.
        let epoch = m.failover.epoch;
        m.failover = crate::instance::FailoverTrack::new(now);
        m.failover.epoch = epoch;
        m.leader = None;
        m.reboot_since = None;
        m.node.script_kill_sent = false;
        m.node.role = crate::instance::ReportedRole::Master;
        m.node.role_since = now;
        m.node.health = Health::Up;
        m.node.runid = None;
        // As sentinelResetMaster: the ping clocks restart now (a PING counts as sent now, a
        // reply as just arrived) and no PING was sent yet; the cached INFO stays.
        m.node.ping_pending_since = Some(now);
        m.node.last_ping_sent = None;
        m.node.last_ok_reply = now;
        m.node.last_reply = Some(now);
        // The peers' answers were about the old address: none says down any more. When they
        // came still counts, for how long their votes stand (as in Redis, which keeps them).
        for e in m.sentinels.values_mut() {
            e.master_down = e.master_down.map(|(_, at)| (false, at));
        }
        for link in links.into_iter().flatten() {
            if self.links.remove(link).is_some() {
                self.actions
                    .push_back(crate::action::Action::Close { link });
            }
        }
    }

    /// Adds a replica at `addr` unless it is known (`+slave`).
    pub(crate) fn add_replica(
        &mut self,
        now: Instant,
        mid: MasterId,
        addr: Addr,
    ) -> Option<ReplicaId> {
        let m = self.masters.get_mut(mid)?;
        if m.replica_by_addr.contains_key(&addr) || addr == m.node.addr {
            return None;
        }
        let rid = m.replicas.insert(Replica::new(addr.clone(), now));
        m.replica_by_addr.insert(addr, rid);
        self.emit_replica(mid, rid, Level::Notice, "+slave");
        self.request_persist();
        self.schedule.set(Owner::Replica(mid, rid), now);
        Some(rid)
    }

    /// sentinel.c `sentinelGetCurrentMasterAddress`: the promoted replica's address once the
    /// failover has reached `reconf_slaves`, else the master's.
    pub(crate) fn current_master_addr(&self, mid: MasterId) -> Option<Addr> {
        let m = self.masters.get(mid)?;
        let promoted = match m.failover.state {
            Failover::ReconfSlaves { promoted } | Failover::UpdateConfig { promoted } => {
                Some(promoted)
            }
            _ => None,
        };
        promoted
            .and_then(|rid| m.replicas.get(rid))
            .map(|r| r.node.addr.clone())
            .or_else(|| Some(m.node.addr.clone()))
    }

    /// Whether an INFO to a replica of `mid` that its reply could make eligible (one not
    /// S_DOWN) is awaiting that reply.
    fn replica_info_in_flight(&self, mid: MasterId) -> bool {
        self.masters.get(mid).is_some_and(|m| {
            m.replicas
                .iter()
                .any(|(_, r)| !r.node.health.is_sdown() && self.info_pending(r.node.cmd))
        })
    }

    /// Polls every replica of `mid` now (on O_DOWN: their INFO must be fresh for the replica
    /// selection, which follows within milliseconds).
    pub(crate) fn refresh_replicas(&mut self, now: Instant, mid: MasterId) {
        let rids: Vec<ReplicaId> = self
            .masters
            .get(mid)
            .map_or_else(Vec::new, |m| m.replicas.keys());
        for rid in rids {
            self.fast_poll(now, Owner::Replica(mid, rid));
        }
    }

    /// The replica to promote, if any qualifies (`ranking.rs` holds the rules).
    pub(crate) fn select_replica(&self, now: Instant, mid: MasterId) -> Option<ReplicaId> {
        let m = self.masters.get(mid)?;
        let timing = &self.params.timing;
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let params = SelectionParams {
            ping_period_ms: ms(timing.ping_period),
            info_period_ms: ms(timing.info_period),
            down_after_ms: ms(m.params.down_after),
            master_sdown_for_ms: match m.node.health {
                Health::SubjectivelyDown { since } => Some(now.millis_since(since)),
                Health::Up => None,
            },
        };
        let (ids, candidates): (Vec<ReplicaId>, Vec<Candidate>) = m
            .replicas
            .iter()
            .map(|(rid, r)| {
                let candidate = Candidate {
                    runid: r.node.runid.clone(),
                    priority: r.info.priority,
                    repl_offset: r.info.repl_offset,
                    s_down: r.node.health.is_sdown(),
                    o_down: false,
                    disconnected: !self.link_up(r.node.cmd) || !self.link_up(r.node.pubsub),
                    last_ok_ping_age_ms: now.millis_since(r.node.last_ok_reply),
                    info_age_ms: r.node.info_refreshed.map(|t| now.millis_since(t)),
                    master_link_down_ms: r.info.master_link_down_ms,
                };
                (rid, candidate)
            })
            .unzip();
        ranking::select_replica(&candidates, &params).and_then(|i| ids.get(i).copied())
    }

    /// The MULTI / SLAVEOF / CONFIG REWRITE / CLIENT KILL ×2 / EXEC transaction every
    /// reconfiguration uses; `None` means `SLAVEOF NO ONE`. Replies are not looked at: the effect
    /// is observed through INFO.
    pub(crate) fn send_slaveof(&mut self, owner: Owner, target: Option<&Addr>) -> bool {
        let Some(cmd) = self.node(owner).and_then(|n| n.cmd) else {
            return false;
        };
        if !self.link_up(Some(cmd)) {
            return false;
        }
        let (host, port) = match target {
            Some(a) => (Bytes::from(a.host.clone()), Bytes::from(a.port.to_string())),
            None => (Bytes::from_static(b"NO"), Bytes::from_static(b"ONE")),
        };
        let b = Bytes::from_static;
        let steps: [Vec<Bytes>; 6] = [
            vec![b(b"MULTI")],
            vec![b(b"SLAVEOF"), host, port],
            vec![b(b"CONFIG"), b(b"REWRITE")],
            vec![b(b"CLIENT"), b(b"KILL"), b(b"TYPE"), b(b"normal")],
            vec![b(b"CLIENT"), b(b"KILL"), b(b"TYPE"), b(b"pubsub")],
            vec![b(b"EXEC")],
        ];
        for args in steps {
            self.send_command(cmd, owner, args, Pending::Ignored);
        }
        true
    }

    /// Polls `owner` with INFO soon, to see a role change without waiting for the INFO period.
    pub(crate) fn fast_poll(&mut self, now: Instant, owner: Owner) {
        let Some(cmd) = self.node(owner).and_then(|n| n.cmd) else {
            return;
        };
        if !self.link_up(Some(cmd)) || self.info_pending(Some(cmd)) {
            return;
        }
        self.send_command(cmd, owner, vec![Bytes::from_static(b"INFO")], Pending::Info);
        if let Owner::Replica(mid, _) = owner
            && let Some(m) = self.masters.get_mut(mid)
        {
            m.failover.last_fast_poll = Some(now);
        }
    }

    /// Sends hellos to every instance and peer of `mid` now (after a promotion, so observers
    /// learn the new configuration at once).
    fn force_hellos(&mut self, now: Instant, mid: MasterId) {
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        m.node.last_hello_sent = None;
        let mut owners = vec![Owner::Master(mid)];
        for (rid, r) in m.replicas.iter_mut() {
            r.node.last_hello_sent = None;
            owners.push(Owner::Replica(mid, rid));
        }
        let peers: Vec<_> = m.sentinels.values().map(|e| e.peer).collect();
        for pid in peers {
            if let Some(p) = self.peers.get_mut(pid) {
                p.node.last_hello_sent = None;
                owners.push(Owner::Peer(pid));
            }
        }
        for owner in owners {
            self.schedule.set(owner, now);
        }
    }

    /// When the failover of `mid` needs attention without new input.
    fn failover_deadline(&self, now: Instant, mid: MasterId) -> Option<Instant> {
        let m = self.masters.get(mid)?;
        let f = &m.failover;
        let timeout = m.params.failover_timeout;
        let at = match &f.state {
            Failover::Idle => {
                // An O_DOWN master whose failover waits for its start delay or the retry delay.
                m.odown_since?;
                let retry = f.start_time.map(|t| t + timeout * 2);
                [retry, f.start_not_before]
                    .into_iter()
                    .flatten()
                    .filter(|t| *t > now)
                    .max()?
            }
            Failover::WaitStart => {
                let election = self.params.timing.election_timeout.min(timeout);
                let since = f.start_time.unwrap_or(f.state_since);
                let abort = since + election + Duration::from_millis(1);
                f.self_vote_at
                    .filter(|t| *t > now)
                    .map_or(abort, |t| t.min(abort))
            }
            Failover::SelectSlave => (now + FAST_POLL).min(f.state_since + SELECT_WAIT),
            Failover::UpdateConfig { .. } => now,
            Failover::SendSlaveofNoOne { .. } => f.state_since + timeout + Duration::from_millis(1),
            Failover::WaitPromotion { .. } => {
                let poll = f.last_fast_poll.map_or(now, |t| t + FAST_POLL);
                poll.min(f.state_since + timeout + Duration::from_millis(1))
            }
            Failover::ReconfSlaves { .. } => {
                let reconf = m
                    .replicas
                    .iter()
                    .filter(|(_, r)| !r.reconf_timed_out)
                    .filter_map(|(_, r)| match r.reconf {
                        Reconf::Sent { since } => {
                            Some(since + self.params.timing.slave_reconf_timeout)
                        }
                        _ => None,
                    })
                    // Once passed, the timeout waits for a free slot, which input brings.
                    .filter(|t| *t > now)
                    .min();
                let poll = f.last_fast_poll.map(|t| t + FAST_POLL);
                let end = f.state_since + timeout + Duration::from_millis(1);
                [reconf, poll, Some(end)].into_iter().flatten().min()?
            }
        };
        Some(at.max(now))
    }

    fn set_reconf(&mut self, mid: MasterId, rid: ReplicaId, reconf: Reconf) {
        if let Some(r) = self
            .masters
            .get_mut(mid)
            .and_then(|m| m.replicas.get_mut(rid))
        {
            r.reconf = reconf;
            r.reconf_timed_out = false;
        }
    }

    /// [`Self::set_reconf`] keeping the `-slave-reconf-sent-timeout` mark.
    fn set_reconf_keep_mark(&mut self, mid: MasterId, rid: ReplicaId, reconf: Reconf) {
        if let Some(r) = self
            .masters
            .get_mut(mid)
            .and_then(|m| m.replicas.get_mut(rid))
        {
            r.reconf = reconf;
        }
    }

    pub(crate) fn emit_master(
        &mut self,
        mid: MasterId,
        level: Level,
        channel: &'static str,
        extra: &str,
    ) {
        self.emit_about(Owner::Master(mid), level, channel, extra);
    }

    pub(crate) fn emit_replica(
        &mut self,
        mid: MasterId,
        rid: ReplicaId,
        level: Level,
        channel: &'static str,
    ) {
        self.emit_about(Owner::Replica(mid, rid), level, channel, "");
    }

    /// An event about a sentinel entry of a master (`+config-update-from`).
    pub(crate) fn emit_sentinel(
        &mut self,
        mid: MasterId,
        runid: &str,
        level: Level,
        channel: &'static str,
    ) {
        self.emit_sentinel_with(mid, runid, level, channel, "");
    }

    /// [`Self::emit_sentinel`] with text after the `%@`.
    pub(crate) fn emit_sentinel_with(
        &mut self,
        mid: MasterId,
        runid: &str,
        level: Level,
        channel: &'static str,
        extra: &str,
    ) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let Some(e) = m.sentinels.get(runid) else {
            return;
        };
        // Addresses as clients see them (`announce-hostnames`), as in `event_about`.
        let addr = Addr::new(self.shown_host(&e.addr.host), e.addr.port);
        let master_addr = Addr::new(self.shown_host(&m.node.addr.host), m.node.addr.port);
        let subject = Subject::Sentinel {
            runid,
            addr: &addr,
            master: &m.params.name,
            master_addr: &master_addr,
        };
        let ev = event::about(level, channel, &subject, extra);
        self.notify_master_script(mid, &ev);
        self.emit(ev);
    }

    /// The random delay before a failover may start after O_DOWN.
    pub(crate) fn start_jitter(&mut self) -> Duration {
        Duration::from_micros(self.rng.below(START_JITTER_MS * 1000 + 1))
    }
}
