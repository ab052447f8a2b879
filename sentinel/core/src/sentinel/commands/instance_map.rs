//! The instance maps of SENTINEL MASTER(S) / REPLICAS / SENTINELS in sentinel.c
//! `addReplySentinelRedisInstance` order: every value a bulk string, times in ms before `now`,
//! conditional fields only when they apply. Index 33 of a healthy master's flat reply is
//! `num-other-sentinels` (the 7.0.15 suite reads it there).

use super::{Sentinel, bulk_num};
use crate::instance::{Health, Master, MasterId, Node, Reconf, ReplicaId};
use crate::resp::Frame;
use crate::time::Instant;

/// Builds a map in insertion order.
struct MapBuilder(Vec<(Frame, Frame)>);

impl MapBuilder {
    fn put(&mut self, key: &str, value: Frame) {
        self.0.push((Frame::bulk(key), value));
    }
    fn num(&mut self, key: &str, value: impl std::fmt::Display) {
        self.put(key, bulk_num(value));
    }
    fn text(&mut self, key: &str, value: &str) {
        self.put(key, Frame::bulk(value));
    }
}

/// What kind of instance, for the flags word and the kind-specific fields.
enum Kind {
    Master,
    Replica(ReplicaId),
    Sentinel(String),
}

fn ms_since(now: Instant, t: Instant) -> u64 {
    now.millis_since(t)
}

impl Sentinel {
    /// Whether an instance's links are down (`disconnected`): the command link, or for masters
    /// and replicas the pub/sub link, is not up.
    fn node_disconnected(&self, node: &Node, wants_pubsub: bool) -> bool {
        !self.link_up(node.cmd) || (wants_pubsub && !self.link_up(node.pubsub))
    }

    /// The common prefix: name ... down-after-milliseconds.
    fn map_prefix(
        &self,
        now: Instant,
        m: &Master,
        kind: &Kind,
        node: &Node,
        name: String,
        refcount: usize,
    ) -> MapBuilder {
        let flags = self.flags(now, m, kind, node);
        let mut b = MapBuilder(Vec::with_capacity(40));
        b.text("name", &name);
        b.text("ip", &self.shown_host(&node.addr.host));
        b.num("port", node.addr.port);
        b.text("runid", node.runid.as_deref().unwrap_or(""));
        b.text("flags", &flags.join(","));
        b.num("link-pending-commands", self.pending_len(node.cmd));
        b.num("link-refcount", refcount);
        if matches!(kind, Kind::Master) && m.failover.in_progress() {
            b.text("failover-state", m.failover.state.name());
        }
        b.num(
            "last-ping-sent",
            node.ping_pending_since.map_or(0, |t| ms_since(now, t)),
        );
        b.num("last-ok-ping-reply", ms_since(now, node.last_ok_reply));
        b.num(
            "last-ping-reply",
            ms_since(now, node.last_reply.unwrap_or(node.last_ok_reply)),
        );
        if let Health::SubjectivelyDown { since } = Self::health_of(m, kind, node) {
            b.num("s-down-time", ms_since(now, since));
        }
        if matches!(kind, Kind::Master)
            && let Some(since) = m.odown_since
        {
            b.num("o-down-time", ms_since(now, since));
        }
        b.num("down-after-milliseconds", m.params.down_after.as_millis());
        if !matches!(kind, Kind::Sentinel(_)) {
            b.num(
                "info-refresh",
                node.info_refreshed.map_or(0, |t| ms_since(now, t)),
            );
            let role = match node.role {
                crate::instance::ReportedRole::Master => "master",
                crate::instance::ReportedRole::Replica => "slave",
                crate::instance::ReportedRole::Unknown => match kind {
                    Kind::Master => "master",
                    _ => "slave",
                },
            };
            b.text("role-reported", role);
            b.num("role-reported-time", ms_since(now, node.role_since));
        }
        b
    }

    /// S_DOWN as `m` sees the instance (a peer sentinel's is per master).
    fn health_of(m: &Master, kind: &Kind, node: &Node) -> Health {
        match kind {
            Kind::Sentinel(runid) => m.sentinels.get(runid).map_or(node.health, |e| e.health),
            _ => node.health,
        }
    }

    /// The flags word, in sentinel.c's order.
    fn flags(&self, now: Instant, m: &Master, kind: &Kind, node: &Node) -> Vec<&'static str> {
        let mut f = Vec::new();
        if Self::health_of(m, kind, node).is_sdown() {
            f.push("s_down");
        }
        if matches!(kind, Kind::Master) && m.odown_since.is_some() {
            f.push("o_down");
        }
        f.push(match kind {
            Kind::Master => "master",
            Kind::Replica(_) => "slave",
            Kind::Sentinel(_) => "sentinel",
        });
        if self.node_disconnected(node, !matches!(kind, Kind::Sentinel(_))) {
            f.push("disconnected");
        }
        match kind {
            Kind::Sentinel(runid) => {
                // Like the voted leader, the flag lapses with the answer that set it.
                if m.sentinels.get(runid).is_some_and(|e| {
                    self.peer_answer_fresh(now, e) && e.master_down.is_some_and(|(down, _)| down)
                }) {
                    f.push("master_down");
                }
            }
            Kind::Master => {
                if m.failover.in_progress() {
                    f.push("failover_in_progress");
                }
            }
            Kind::Replica(rid) => {
                if m.failover.state.promoted() == Some(*rid) {
                    f.push("promoted");
                }
                let timed_out = m.replicas.get(*rid).is_some_and(|r| r.reconf_timed_out);
                match m.replicas.get(*rid).map(|r| r.reconf) {
                    Some(Reconf::Sent { .. }) => f.push("reconf_sent"),
                    Some(Reconf::InProgress) => f.push("reconf_inprog"),
                    Some(Reconf::Done) => f.push("reconf_done"),
                    _ => {}
                }
                if timed_out {
                    f.push("reconf_done");
                }
            }
        }
        if matches!(kind, Kind::Master) && m.failover.forced && m.failover.in_progress() {
            f.push("force_failover");
        }
        if node.script_kill_sent {
            f.push("script_kill_sent");
        }
        f
    }

    /// A master's map.
    pub(super) fn master_map(&self, now: Instant, mid: MasterId) -> Option<Frame> {
        let m = self.masters.get(mid)?;
        let kind = Kind::Master;
        let mut b = self.map_prefix(now, m, &kind, &m.node, m.params.name.clone(), 1);
        b.num("config-epoch", m.config_epoch);
        b.num("num-slaves", m.replicas.len());
        b.num("num-other-sentinels", m.sentinels.len());
        b.num("quorum", m.params.quorum);
        b.num("failover-timeout", m.params.failover_timeout.as_millis());
        b.num("parallel-syncs", m.params.parallel_syncs);
        if let Some(s) = &m.params.notification_script {
            b.text("notification-script", s);
        }
        if let Some(s) = &m.params.client_reconfig_script {
            b.text("client-reconfig-script", s);
        }
        Some(Frame::Map(b.0))
    }

    /// A replica's map.
    pub(super) fn replica_map(&self, now: Instant, mid: MasterId, rid: ReplicaId) -> Option<Frame> {
        let m = self.masters.get(mid)?;
        let r = m.replicas.get(rid)?;
        let kind = Kind::Replica(rid);
        let name = r.node.addr.display_name();
        let mut b = self.map_prefix(now, m, &kind, &r.node, name, 1);
        b.num("master-link-down-time", r.info.master_link_down_ms);
        b.text(
            "master-link-status",
            if r.info.master_link_up { "ok" } else { "err" },
        );
        b.text("master-host", r.info.master_host.as_deref().unwrap_or("?"));
        b.num("master-port", r.info.master_port);
        b.num("slave-priority", r.info.priority);
        b.num("slave-repl-offset", r.info.repl_offset);
        b.num("replica-announced", u8::from(r.info.announced));
        Some(Frame::Map(b.0))
    }

    /// Another sentinel's map, as master `mid` knows it.
    pub(super) fn sentinel_map(&self, now: Instant, mid: MasterId, runid: &str) -> Option<Frame> {
        let m = self.masters.get(mid)?;
        let entry = m.sentinels.get(runid)?;
        let peer = self.peers.get(entry.peer)?;
        let kind = Kind::Sentinel(runid.to_string());
        let mut b = self.map_prefix(
            now,
            m,
            &kind,
            &peer.node,
            runid.to_string(),
            peer.masters.len(),
        );
        // The address this master heard in the peer's hellos.
        b.0[1].1 = Frame::bulk(self.shown_host(&entry.addr.host));
        b.0[2].1 = bulk_num(entry.addr.port);
        b.num("last-hello-message", ms_since(now, entry.last_hello));
        b.text("voted-leader", self.peer_vote(now, entry).unwrap_or("?"));
        b.num("voted-leader-epoch", entry.voted_leader_epoch);
        Some(Frame::Map(b.0))
    }
}
