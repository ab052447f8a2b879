//! SENTINEL subcommands that change what is monitored: MONITOR, REMOVE, RESET, FAILOVER, and
//! the peer-facing IS-MASTER-DOWN-BY-ADDR.

use bytes::Bytes;

use super::sentinel_query::no_such_master;
use super::{Sentinel, has_control, parse_int, save_failed, text};
use crate::acl::glob::glob_match;
use crate::action::ClientId;
use crate::addr::Addr;
use crate::event::Level;
use crate::instance::{MasterId, MasterParams, Owner, PeerId};
use crate::link::LinkId;
use crate::resp::Frame;
use crate::sentinel::MonitorError;
use crate::sentinel::election::FailoverRefusal;
use crate::time::Instant;

/// A host as `SENTINEL MONITOR` accepts it: an IP, or with `resolve-hostnames` a name that
/// `resolve` can resolve now (sentinel.c `createSentinelAddr` refuses an unresolved name here,
/// though it keeps one read from the config file).
fn valid_host(host: &str, resolve_hostnames: bool, resolve: fn(&str) -> Option<String>) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    resolve_hostnames
        && !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && resolve(host).is_some()
}

impl Sentinel {
    /// `SENTINEL MONITOR <name> <ip> <port> <quorum>`: validates in sentinel.c's order, starts
    /// monitoring, replies once the config is written, and emits `+monitor`.
    pub(super) fn monitor_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Option<Frame> {
        let Some(quorum) = parse_int(&args[5]) else {
            return Some(Frame::error("ERR Invalid quorum"));
        };
        let Some(port) = parse_int(&args[4]) else {
            return Some(Frame::error("ERR Invalid port"));
        };
        if quorum <= 0 {
            return Some(Frame::error("ERR Quorum must be 1 or greater."));
        }
        if has_control(&args[2]) {
            return Some(Frame::error(
                "ERR Master name must not contain control characters",
            ));
        }
        let host = text(&args[3]);
        if !valid_host(
            &host,
            self.front.options.resolve_hostnames,
            self.front.resolver,
        ) {
            return Some(Frame::error("ERR Invalid IP address or hostname specified"));
        }
        let Ok(port) = u16::try_from(port) else {
            return Some(Frame::error("ERR Invalid port number."));
        };
        let quorum = u32::try_from(quorum).unwrap_or(u32::MAX);
        let mut params = MasterParams::new(text(&args[2]), Addr::new(host, port), quorum);
        params.down_after = self.params.timing.default_down_after;
        params.failover_timeout = self.params.timing.default_failover_timeout;
        let mid = match self.monitor(now, params) {
            Ok(mid) => mid,
            Err(e @ (MonitorError::DuplicateName | MonitorError::BadQuorum)) => {
                return Some(Frame::error(e.to_string()));
            }
        };
        // The reply is queued before the event (sentinel.c flushes and replies, then emits),
        // so a client subscribed to `+monitor` on this connection gets `+OK` first.
        self.reply_after_persist(client, Frame::ok(), save_failed());
        self.emit_about(
            Owner::Master(mid),
            Level::Warning,
            "+monitor",
            &format!("quorum {quorum}"),
        );
        None
    }

    /// `SENTINEL REMOVE <name>`: `-monitor`, forget the master and its group, flush.
    pub(super) fn remove_command(
        &mut self,
        now: Instant,
        client: ClientId,
        name: &[u8],
    ) -> Option<Frame> {
        let Some(mid) = self.master_id(name) else {
            return Some(no_such_master());
        };
        self.emit_about(Owner::Master(mid), Level::Warning, "-monitor", "");
        self.forget_master(now, mid);
        self.reply_after_persist(client, Frame::ok(), save_failed());
        None
    }

    /// `SENTINEL RESET <pattern>`: resets every master whose name matches; no flush.
    pub(super) fn reset_command(&mut self, now: Instant, pattern: &[u8]) -> Frame {
        let matching: Vec<MasterId> = self
            .master_by_name
            .iter()
            .filter(|(name, _)| glob_match(pattern, name.as_bytes(), false))
            .map(|(_, mid)| *mid)
            .collect();
        for mid in &matching {
            self.reset_master_by_command(now, *mid);
        }
        Frame::Integer(i64::try_from(matching.len()).unwrap_or(i64::MAX))
    }

    /// `SENTINEL FAILOVER <name>`.
    pub(super) fn failover_command(&mut self, now: Instant, name: &[u8]) -> Frame {
        let Some(mid) = self.master_id(name) else {
            return no_such_master();
        };
        match self.force_failover(now, mid) {
            Ok(()) => Frame::ok(),
            Err(FailoverRefusal::InProgress) => Frame::error("INPROG Failover already in progress"),
            Err(FailoverRefusal::NoGoodReplica) => {
                Frame::error("NOGOODSLAVE No suitable replica to promote")
            }
            Err(FailoverRefusal::EpochExhausted) => {
                Frame::error("ERR The current epoch is at its maximum, no failover can start")
            }
        }
    }

    /// `SENTINEL IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>`; the reply comes
    /// from the election code (maybe after persisting a vote).
    pub(super) fn is_master_down_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Option<Frame> {
        // Like Redis, any integer port parses; one no master can have just finds nothing. A
        // negative epoch is refused (Redis would cast it to a huge unsigned epoch).
        let port = parse_int(&args[3]);
        let epoch = parse_int(&args[4]).and_then(|e| u64::try_from(e).ok());
        let (Some(port), Some(epoch)) = (port, epoch) else {
            return Some(Frame::error("ERR value is not an integer or out of range"));
        };
        let Ok(port) = u16::try_from(port) else {
            return Some(Frame::Array(vec![
                Frame::Integer(0),
                Frame::bulk("*"),
                Frame::Integer(0),
            ]));
        };
        let addr = Addr::new(text(&args[2]), port);
        let runid = text(&args[5]);
        self.is_master_down_by_addr(now, client, &addr, epoch, &runid);
        None
    }

    fn close_links(&mut self, now: Instant, links: [Option<LinkId>; 2]) {
        for link in links.into_iter().flatten() {
            self.close_link(now, link);
        }
    }

    /// Drops master `mid` from peer `pid`; a peer no master references is forgotten and its
    /// link closed.
    pub(crate) fn release_peer(&mut self, now: Instant, pid: PeerId, mid: MasterId) {
        let Some(p) = self.peers.get_mut(pid) else {
            return;
        };
        p.masters.retain(|m| *m != mid);
        if !p.masters.is_empty() {
            return;
        }
        if let Some(p) = self.peers.remove(pid) {
            self.peer_by_runid.remove(&p.runid);
            self.schedule.remove(Owner::Peer(pid));
            self.close_links(now, [p.node.cmd, p.node.pubsub]);
        }
    }

    /// Forgets a master, its replicas and its share of the peers, closing their links.
    fn forget_master(&mut self, now: Instant, mid: MasterId) {
        let Some(m) = self.masters.remove(mid) else {
            return;
        };
        self.master_by_name.remove(&m.params.name);
        self.unindex_master_addr(mid, &m.node.addr);
        self.vip_master_removed(&m.params.name);
        self.schedule.remove(Owner::Master(mid));
        self.close_links(now, [m.node.cmd, m.node.pubsub]);
        for (rid, r) in m.replicas.iter() {
            self.schedule.remove(Owner::Replica(mid, rid));
            self.close_links(now, [r.node.cmd, r.node.pubsub]);
        }
        for e in m.sentinels.values() {
            self.release_peer(now, e.peer, mid);
        }
    }

    /// `SENTINEL RESET` of one master (sentinel.c `sentinelResetMaster` with sentinels
    /// forgotten too): the failover code's reset, then the sentinels go and `+reset-master` is
    /// emitted. The cached INFO and its refresh time stay (7.0.15's INFO-CACHE and
    /// `info-refresh` still show them right after a RESET).
    fn reset_master_by_command(&mut self, now: Instant, mid: MasterId) {
        self.reset_master(now, mid);
        let Some(m) = self.masters.get_mut(mid) else {
            return;
        };
        let sentinels = std::mem::take(&mut m.sentinels);
        for e in sentinels.values() {
            self.release_peer(now, e.peer, mid);
        }
        self.emit_about(Owner::Master(mid), Level::Warning, "+reset-master", "");
        self.schedule.set(Owner::Master(mid), now);
    }
}
