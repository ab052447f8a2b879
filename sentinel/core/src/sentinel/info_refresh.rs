//! What an INFO reply changes (sentinel.c `sentinelRefreshInstanceInfo`): run id and reboots,
//! replica discovery, reported roles, replica replication state, and the acting part: noticing
//! a promotion, reconfiguration progress, and pointing stray replicas back at the master.

use bytes::Bytes;

use super::Sentinel;
use crate::addr::Addr;
use crate::event::Level;
use crate::info::{InfoReport, LinkStatus, Role};
use crate::instance::{Failover, MasterId, Owner, Reconf, ReplicaId, ReportedRole};
use crate::resp::Frame;
use crate::time::Instant;

impl Sentinel {
    pub(crate) fn handle_info_reply(&mut self, now: Instant, owner: Owner, frame: Frame) {
        let Some(text) = frame_text(frame) else {
            return;
        };
        let report = InfoReport::parse(&text);
        let Some(node) = self.node_mut(owner) else {
            return;
        };
        node.info_refreshed = Some(now);
        node.info_text = Some(text);
        let previous_runid = node.runid.clone();
        if let Some(runid) = &report.run_id {
            node.runid = Some(runid.clone());
        }
        if let (Some(old), Some(new)) = (previous_runid, &report.run_id)
            && old != *new
        {
            self.emit_owner(owner, Level::Notice, "+reboot", "");
            if let Owner::Master(mid) = owner
                && let Some(m) = self.masters.get_mut(mid)
                && !m.params.master_reboot_down_after_period.is_zero()
            {
                m.reboot_since = Some(now);
            }
        }
        if let Owner::Master(mid) = owner {
            for entry in &report.replicas {
                self.add_replica(now, mid, Addr::new(entry.ip.clone(), entry.port));
            }
        }
        self.merge_role(now, owner, &report);
        if let Owner::Replica(mid, rid) = owner {
            self.merge_replica_state(now, mid, rid, &report);
            // The acting half looks at the role this INFO reported; without one, nothing.
            if !self.in_tilt() && !matches!(report.role, Role::Unknown) {
                self.act_on_replica(now, mid, rid);
            }
            self.service(now, Owner::Master(mid));
        }
    }

    fn merge_role(&mut self, now: Instant, owner: Owner, report: &InfoReport) {
        let role = match report.role {
            Role::Master => ReportedRole::Master,
            Role::Replica(_) => ReportedRole::Replica,
            Role::Unknown => return,
        };
        let Some(node) = self.node_mut(owner) else {
            return;
        };
        if node.role == role {
            return;
        }
        node.role = role;
        node.role_since = now;
        let configured_master = matches!(owner, Owner::Master(_));
        let consistent = (role == ReportedRole::Master) == configured_master;
        let channel = if consistent {
            "+role-change"
        } else {
            "-role-change"
        };
        let extra = if role == ReportedRole::Master {
            "new reported role is master"
        } else {
            "new reported role is slave"
        };
        self.emit_owner(owner, Level::Verbose, channel, extra);
    }

    fn merge_replica_state(
        &mut self,
        now: Instant,
        mid: MasterId,
        rid: ReplicaId,
        report: &InfoReport,
    ) {
        let Some(r) = self
            .masters
            .get_mut(mid)
            .and_then(|m| m.replicas.get_mut(rid))
        else {
            return;
        };
        r.info.master_link_down_ms = u64::try_from(report.master_link_down_time_ms()).unwrap_or(0);
        if let Role::Replica(state) = &report.role {
            let port = state.master_port.unwrap_or(0);
            if r.info.master_host != state.master_host || r.info.master_port != port {
                r.master_addr_change_time = Some(now);
            }
            r.info.master_host = state.master_host.clone();
            r.info.master_port = port;
            r.info.master_link_up = state.master_link_status == LinkStatus::Up;
            r.info.priority = state.slave_priority;
            r.info.repl_offset = state.slave_repl_offset;
            r.info.announced = state.replica_announced;
        }
    }

    /// The acting half of INFO processing for a replica (skipped in TILT).
    fn act_on_replica(&mut self, now: Instant, mid: MasterId, rid: ReplicaId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let Some(r) = m.replicas.get(rid) else { return };
        let state = m.failover.state.clone();
        let promoted = state.promoted() == Some(rid);
        match r.node.role {
            ReportedRole::Master if state == (Failover::WaitPromotion { promoted: rid }) => {
                self.promotion_observed(now, mid, rid);
            }
            ReportedRole::Master if !promoted => {
                let guard = self.params.timing.convert_to_slave_guard;
                let claimed_for = now - r.node.role_since;
                let calm = r.node.health == crate::instance::Health::Up
                    && now - r.node.health_changed >= guard;
                if claimed_for >= guard && calm && self.master_looks_sane(now, mid) {
                    let target = m.node.addr.clone();
                    if self.send_slaveof(Owner::Replica(mid, rid), Some(&target)) {
                        self.emit_owner(
                            Owner::Replica(mid, rid),
                            Level::Notice,
                            "+convert-to-slave",
                            "",
                        );
                    }
                }
            }
            ReportedRole::Replica => self.track_reconfiguration(now, mid, rid),
            _ => {}
        }
    }

    fn track_reconfiguration(&mut self, now: Instant, mid: MasterId, rid: ReplicaId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let Some(r) = m.replicas.get(rid) else { return };
        let points_at = |a: &Addr| {
            r.info.master_host.as_deref() == Some(a.host.as_str()) && r.info.master_port == a.port
        };
        if let Failover::ReconfSlaves { promoted } = m.failover.state
            && let Some(target) = m.replicas.get(promoted).map(|p| p.node.addr.clone())
        {
            let mut reconf = r.reconf;
            if matches!(reconf, Reconf::Sent { .. }) && points_at(&target) {
                reconf = Reconf::InProgress;
                self.set_replica_reconf(mid, rid, reconf);
                self.emit_owner(
                    Owner::Replica(mid, rid),
                    Level::Notice,
                    "+slave-reconf-inprog",
                    "",
                );
            }
            let link_up = self
                .masters
                .get(mid)
                .and_then(|m| m.replicas.get(rid))
                .is_some_and(|r| r.info.master_link_up);
            if reconf == Reconf::InProgress && link_up {
                self.set_replica_reconf(mid, rid, Reconf::Done);
                self.emit_owner(
                    Owner::Replica(mid, rid),
                    Level::Notice,
                    "+slave-reconf-done",
                    "",
                );
            }
            return;
        }
        // A replica replicating from somewhere else: point it back after failover-timeout.
        if m.failover.in_progress() || r.reconf != Reconf::None || points_at(&m.node.addr) {
            return;
        }
        let wait = m.params.failover_timeout;
        let changed_long_ago = r.master_addr_change_time.is_none_or(|t| now - t > wait);
        let calm =
            r.node.health == crate::instance::Health::Up && now - r.node.health_changed >= wait;
        if changed_long_ago && calm && self.master_looks_sane(now, mid) {
            let target = m.node.addr.clone();
            if self.send_slaveof(Owner::Replica(mid, rid), Some(&target)) {
                self.emit_owner(
                    Owner::Replica(mid, rid),
                    Level::Notice,
                    "+fix-slave-config",
                    "",
                );
            }
        }
    }

    /// sentinel.c `sentinelMasterLooksSane`.
    fn master_looks_sane(&self, now: Instant, mid: MasterId) -> bool {
        let Some(m) = self.masters.get(mid) else {
            return false;
        };
        m.node.role == ReportedRole::Master
            && !m.node.health.is_sdown()
            && m.odown_since.is_none()
            && m.node
                .info_refreshed
                .is_some_and(|t| now - t < self.params.timing.info_period * 2)
    }

    fn set_replica_reconf(&mut self, mid: MasterId, rid: ReplicaId, reconf: Reconf) {
        if let Some(r) = self
            .masters
            .get_mut(mid)
            .and_then(|m| m.replicas.get_mut(rid))
        {
            r.reconf = reconf;
            if matches!(reconf, Reconf::None | Reconf::Done) {
                r.reconf_timed_out = false;
            }
        }
    }

    pub(crate) fn emit_owner(
        &mut self,
        owner: Owner,
        level: Level,
        channel: &'static str,
        extra: &str,
    ) {
        self.emit_about(owner, level, channel, extra);
    }

    /// How often `owner` gets INFO: the info period, or one second for replicas of a master in
    /// trouble or whose own master link is down (sentinel.c `sentinelSendPeriodicCommands`).
    pub(crate) fn info_period_for(&self, owner: Owner) -> std::time::Duration {
        let timing = &self.params.timing;
        if let Owner::Replica(mid, rid) = owner
            && let Some(m) = self.masters.get(mid)
        {
            // A replica claiming to be a master (a returning old master) is watched closely
            // so it is pointed back as soon as the guard allows.
            let claims_master = m
                .replicas
                .get(rid)
                .is_some_and(|r| r.node.role == ReportedRole::Master)
                && m.failover.state.promoted() != Some(rid);
            if claims_master {
                return timing.convert_to_slave_guard.min(timing.info_period);
            }
            let troubled = m.odown_since.is_some() || m.failover.in_progress();
            let link_down = m
                .replicas
                .get(rid)
                .is_some_and(|r| r.info.master_link_down_ms > 0);
            if troubled || link_down {
                return timing
                    .info_period
                    .min(std::time::Duration::from_millis(1000));
            }
        }
        timing.info_period
    }
}

/// The text of an INFO reply (bulk or verbatim); errors and other kinds are ignored.
fn frame_text(frame: Frame) -> Option<Bytes> {
    match frame {
        Frame::Bulk(b) | Frame::Simple(b) => Some(b),
        Frame::Verbatim { text, .. } => Some(text),
        _ => None,
    }
}
