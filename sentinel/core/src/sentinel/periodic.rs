//! What an instance needs when its deadline comes: reconnect, PING, INFO, hello, and the SDOWN
//! check (sentinel.c `sentinelHandleRedisInstance`, done per instance instead of per tick).

use std::time::Duration;

use bytes::Bytes;

use super::Sentinel;
use super::links::HELLO_CHANNEL;
use crate::event::Level;
use crate::instance::{Health, MasterId, Owner};
use crate::link::Pending;
use crate::time::Instant;

/// The per-instance cadences that depend on the master's settings.
struct Cadence {
    down_after: Duration,
    ping_interval: Duration,
}

impl Sentinel {
    fn cadence(&self, owner: Owner) -> Option<Cadence> {
        let of = |mid: MasterId| {
            let p = &self.masters.get(mid)?.params;
            Some(Cadence {
                down_after: p.down_after,
                ping_interval: self
                    .params
                    .timing
                    .ping_interval(p.down_after, p.ping_period),
            })
        };
        match owner {
            Owner::Master(mid) | Owner::Replica(mid, _) => of(mid),
            // A shared peer link serves one sentinel instance per master in sentinel.c, each
            // pinging and recycling the link on its own cadence: the tightest one wins.
            Owner::Peer(pid) => self
                .peers
                .get(pid)?
                .masters
                .iter()
                .filter_map(|mid| of(*mid))
                .reduce(|a, b| Cadence {
                    down_after: a.down_after.min(b.down_after),
                    ping_interval: a.ping_interval.min(b.ping_interval),
                }),
        }
    }

    /// Does whatever is due for `owner` and schedules its next deadline.
    pub(crate) fn service(&mut self, now: Instant, owner: Owner) {
        let Some(cadence) = self.cadence(owner) else {
            self.schedule.remove(owner);
            return;
        };
        let timing = self.params.timing.clone();
        if !self.in_tilt() {
            self.recycle_idle_links(now, owner, cadence.down_after);
        }
        let Some(node) = self.node(owner) else { return };
        let wants_pubsub = !matches!(owner, Owner::Peer(_));
        let disconnected = node.cmd.is_none() || (wants_pubsub && node.pubsub.is_none());
        if disconnected
            && node
                .last_reconnect
                .is_none_or(|t| now - t >= timing.ping_period)
        {
            self.reconnect(now, owner);
        }

        let Some(node) = self.node(owner) else { return };
        let cmd = node.cmd;
        if self.link_up(cmd) && self.pending_len(cmd) < self.pending_limit(owner) {
            self.send_periodic(now, owner, &cadence, &timing);
        }
        let mut extra = None;
        if !self.in_tilt() {
            self.check_sdown(now, owner, cadence.down_after);
            if let Owner::Master(mid) = owner {
                extra = self.master_logic(now, mid);
            }
        }
        self.reschedule(now, owner, &cadence, &timing, extra);
    }

    fn send_periodic(
        &mut self,
        now: Instant,
        owner: Owner,
        cadence: &Cadence,
        timing: &crate::timing::Timing,
    ) {
        let Some(node) = self.node(owner) else { return };
        let Some(cmd) = node.cmd else { return };
        // Redis's test is on the last reply of any kind: an instance answering with errors is
        // pinged once per interval, not once per half interval (its S_DOWN clock, the oldest
        // unanswered PING, is not affected either way).
        let ping_due = now - node.last_ping_reply() >= cadence.ping_interval
            && node
                .last_ping_sent
                .is_none_or(|t| now - t >= cadence.ping_interval / 2);
        let info_period = self.info_period_for(owner);
        let info_due = !matches!(owner, Owner::Peer(_))
            && node.info_refreshed.is_none_or(|t| now - t >= info_period)
            && !self.info_pending(Some(cmd));
        let hello_due = node
            .last_hello_sent
            .is_none_or(|t| now - t >= timing.publish_period)
            || node.hello_retry_at.is_some_and(|t| now >= t);

        if ping_due {
            self.send_command(
                cmd,
                owner,
                vec![Bytes::from_static(b"PING")],
                Pending::Ping { sent: now },
            );
            if let Some(node) = self.node_mut(owner) {
                node.last_ping_sent = Some(now);
                node.ping_pending_since.get_or_insert(now);
            }
        }
        if info_due {
            self.send_command(cmd, owner, vec![Bytes::from_static(b"INFO")], Pending::Info);
        }
        if hello_due {
            self.send_hellos(now, owner, cmd);
        }
    }

    /// Publishes our hello for each master this instance relates to: the instance's own master,
    /// or every master a peer sentinel shares with us.
    fn send_hellos(&mut self, now: Instant, owner: Owner, cmd: crate::link::LinkId) {
        let masters = match owner {
            Owner::Master(mid) | Owner::Replica(mid, _) => vec![mid],
            Owner::Peer(pid) => self
                .peers
                .get(pid)
                .map(|p| p.masters.clone())
                .unwrap_or_default(),
        };
        let local_ip = self.link_local_ip(Some(cmd));
        for mid in masters {
            let Some(payload) = self.hello_payload(mid, local_ip.as_deref()) else {
                continue;
            };
            let args = vec![
                Bytes::from_static(b"PUBLISH"),
                Bytes::from_static(HELLO_CHANNEL.as_bytes()),
                Bytes::from(payload),
            ];
            self.send_command(cmd, owner, args, Pending::Hello);
        }
        if let Some(node) = self.node_mut(owner) {
            node.last_hello_sent = Some(now);
            node.hello_retry_at = None;
        }
    }

    /// `+sdown` / `-sdown` transitions.
    fn check_sdown(&mut self, now: Instant, owner: Owner, down_after: Duration) {
        if let Owner::Peer(pid) = owner {
            self.check_peer_sdown(now, pid);
            return;
        }
        let Some(node) = self.node(owner) else { return };
        let link_up = self.link_up(node.cmd);
        let silent = node.silence(now, link_up, down_after) > down_after
            || self.sdown_extra_deadline(owner).is_some_and(|t| t <= now);
        let (event, health) = match (node.health, silent) {
            (Health::Up, true) => ("+sdown", Health::SubjectivelyDown { since: now }),
            (Health::SubjectivelyDown { .. }, false) => ("-sdown", Health::Up),
            _ => return,
        };
        if let Some(node) = self.node_mut(owner) {
            node.health = health;
            node.health_changed = now;
            if health == Health::Up {
                node.script_kill_sent = false;
            }
        }
        self.emit_about(owner, Level::Warning, event, "");
    }

    /// A peer sentinel's S_DOWN for each master that knows it, with that master's down-after
    /// (one event per master, as sentinel.c's per-master sentinel instances give). The walk is
    /// over the peer's own masters only.
    fn check_peer_sdown(&mut self, now: Instant, pid: crate::instance::PeerId) {
        let Some(p) = self.peers.get(pid) else { return };
        let link_up = self.link_up(p.node.cmd);
        let runid = p.runid.clone();
        let masters = p.masters.clone();
        let mut any_down = None;
        for mid in masters {
            let Some(p) = self.peers.get(pid) else { return };
            let Some(m) = self.masters.get(mid) else {
                continue;
            };
            let down_after = m.params.down_after;
            let silent = p.node.silence(now, link_up, down_after) > down_after;
            let Some(entry) = m.sentinels.get(&runid) else {
                continue;
            };
            let (event, health) = match (entry.health, silent) {
                (Health::Up, true) => ("+sdown", Health::SubjectivelyDown { since: now }),
                (Health::SubjectivelyDown { .. }, false) => ("-sdown", Health::Up),
                (h, _) => {
                    if let Health::SubjectivelyDown { since } = h {
                        any_down = Some(any_down.map_or(since, |t: Instant| t.min(since)));
                    }
                    continue;
                }
            };
            if let Some(e) = self
                .masters
                .get_mut(mid)
                .and_then(|m| m.sentinels.get_mut(&runid))
            {
                e.health = health;
            }
            if let Health::SubjectivelyDown { since } = health {
                any_down = Some(any_down.map_or(since, |t: Instant| t.min(since)));
            }
            self.emit_sentinel(mid, &runid, Level::Warning, event);
        }
        // The peer as a whole (shared by every master): down while any master judges it so.
        let health = any_down.map_or(Health::Up, |since| Health::SubjectivelyDown { since });
        if let Some(node) = self.node_mut(Owner::Peer(pid))
            && node.health != health
        {
            node.health = health;
            node.health_changed = now;
        }
    }

    /// The next time a peer sentinel goes S_DOWN for one of its masters that still sees it up.
    fn peer_sdown_deadline(&self, pid: crate::instance::PeerId) -> Option<Instant> {
        let p = self.peers.get(pid)?;
        let link_up = self.link_up(p.node.cmd);
        p.masters
            .iter()
            .filter_map(|mid| self.masters.get(*mid))
            .filter(|m| {
                m.sentinels
                    .get(&p.runid)
                    .is_some_and(|e| e.health == Health::Up)
            })
            .filter_map(|m| p.node.silence_deadline(link_up, m.params.down_after))
            .min()
    }

    /// When `owner`'s links should be recycled for inactivity (sentinel.c, in
    /// `sentinelCheckSubjectivelyDown`): the command link once it is older than
    /// `min-link-reconnect-period` and a PING has been pending, with no reply of any kind, for
    /// more than down-after / 2; the pub/sub link once it is that old and has carried nothing
    /// for 3 × publish-period. Both are fixed times until some input moves them.
    fn link_recycle_deadlines(
        &self,
        owner: Owner,
        down_after: Duration,
    ) -> (Option<Instant>, Option<Instant>) {
        let Some(node) = self.node(owner) else {
            return (None, None);
        };
        let timing = &self.params.timing;
        let tick = Duration::from_nanos(1);
        let cmd = node.cmd.and_then(|l| self.links.get(l)).and_then(|l| {
            let pending = node.ping_pending_since?;
            let half = down_after / 2;
            let at = (l.opened + timing.min_link_reconnect_period)
                .max(pending + half)
                .max(node.last_ping_reply() + half);
            Some(at + tick)
        });
        let pubsub = node.pubsub.and_then(|l| self.links.get(l)).map(|l| {
            (l.opened + timing.min_link_reconnect_period)
                .max(l.last_activity + timing.publish_period * 3)
                + tick
        });
        (cmd, pubsub)
    }

    /// Closes the links of `owner` that are due for recycling; the reconnect that follows is
    /// the ordinary one (throttled to one attempt per ping period).
    fn recycle_idle_links(&mut self, now: Instant, owner: Owner, down_after: Duration) {
        let (cmd_at, pubsub_at) = self.link_recycle_deadlines(owner, down_after);
        let Some(node) = self.node(owner) else { return };
        let due = [(node.cmd, cmd_at), (node.pubsub, pubsub_at)];
        for (link, at) in due {
            if let (Some(link), Some(at)) = (link, at)
                && at <= now
            {
                self.actions
                    .push_back(crate::action::Action::Close { link });
                self.forget_link(now, link);
            }
        }
    }

    /// The earliest time something will be due for `owner`.
    fn reschedule(
        &mut self,
        now: Instant,
        owner: Owner,
        cadence: &Cadence,
        timing: &crate::timing::Timing,
        extra: Option<Instant>,
    ) {
        let Some(node) = self.node(owner) else { return };
        let wants_pubsub = !matches!(owner, Owner::Peer(_));
        let mut next: Vec<Instant> = Vec::with_capacity(5);
        if node.cmd.is_none() || (wants_pubsub && node.pubsub.is_none()) {
            next.push(node.last_reconnect.map_or(now, |t| t + timing.ping_period));
        }
        // Periodic commands, unless back-pressure holds them: then the replies that drain the
        // link are what wakes the instance.
        if self.link_up(node.cmd) && self.pending_len(node.cmd) < self.pending_limit(owner) {
            let ping_at = node.last_ping_reply() + cadence.ping_interval;
            let half = node
                .last_ping_sent
                .map_or(now, |t| t + cadence.ping_interval / 2);
            next.push(ping_at.max(half));
            // While an INFO is in flight its reply is the next INFO event.
            if wants_pubsub && !self.info_pending(node.cmd) {
                next.push(
                    node.info_refreshed
                        .map_or(now, |t| t + self.info_period_for(owner)),
                );
            }
            next.push(
                node.last_hello_sent
                    .map_or(now, |t| t + timing.publish_period),
            );
            next.extend(node.hello_retry_at);
        }
        // The S_DOWN deadlines only while still ahead: once passed, S_DOWN is already set (or
        // TILT holds the check, and its end re-evaluates everyone), and a deadline in the past
        // would wake this instance every millisecond until the condition clears.
        let sdown_at = match owner {
            Owner::Peer(pid) => self.peer_sdown_deadline(pid),
            _ if node.health == Health::Up => {
                node.silence_deadline(self.link_up(node.cmd), cadence.down_after)
            }
            _ => None,
        };
        if let Some(at) = sdown_at
            && at > now
        {
            next.push(at);
        }
        next.extend(extra);
        if !self.in_tilt() {
            let (cmd, pubsub) = self.link_recycle_deadlines(owner, cadence.down_after);
            next.extend(cmd);
            next.extend(pubsub);
        }
        if let Some(at) = self.sdown_extra_deadline(owner)
            && at > now
        {
            next.push(at);
        }
        // Never schedule in the past: something due now that could not be done (a link still
        // connecting, back-pressure) waits for its input instead of spinning.
        let at = next
            .into_iter()
            .min()
            .map(|t| t.max(now + Duration::from_millis(1)));
        match at {
            Some(at) => self.schedule.set(owner, at),
            None => self.schedule.remove(owner),
        }
    }

    /// The other two ways a master goes S_DOWN (sentinel.c `sentinelCheckSubjectivelyDown`):
    /// reporting `role:slave` for longer than down-after + 2 × info-period, and a reboot that
    /// lasted longer than `master-reboot-down-after-period`. When either will be true.
    fn sdown_extra_deadline(&self, owner: Owner) -> Option<Instant> {
        let Owner::Master(mid) = owner else {
            return None;
        };
        let m = self.masters.get(mid)?;
        let role_mismatch = (m.node.role == crate::instance::ReportedRole::Replica)
            .then(|| m.node.role_since + m.params.down_after + self.params.timing.info_period * 2);
        let reboot = m
            .reboot_since
            .map(|t| t + m.params.master_reboot_down_after_period);
        [role_mismatch, reboot].into_iter().flatten().min()
    }
}
