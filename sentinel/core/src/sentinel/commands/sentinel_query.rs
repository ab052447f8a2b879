//! Read-only SENTINEL subcommands: MASTERS, MASTER, REPLICAS/SLAVES, SENTINELS,
//! GET-MASTER-ADDR-BY-NAME, CKQUORUM, INFO-CACHE.

use std::collections::BTreeSet;

use bytes::Bytes;

use super::{Sentinel, bulk_num, text};
use crate::instance::MasterId;
use crate::resp::Frame;
use crate::time::Instant;

pub(crate) fn no_such_master() -> Frame {
    Frame::error("ERR No such master with that name")
}

impl Sentinel {
    pub(super) fn master_id(&self, name: &[u8]) -> Option<MasterId> {
        self.master_by_name.get(&text(name)).copied()
    }

    pub(super) fn sentinel_masters(&self, now: Instant) -> Frame {
        Frame::Array(
            self.master_by_name
                .values()
                .filter_map(|mid| self.master_map(now, *mid))
                .collect(),
        )
    }

    pub(super) fn sentinel_master(&self, now: Instant, name: &[u8]) -> Frame {
        self.master_id(name)
            .and_then(|mid| self.master_map(now, mid))
            .unwrap_or_else(no_such_master)
    }

    /// Replicas whose INFO says `replica_announced:0` are left out.
    pub(super) fn sentinel_replicas(&self, now: Instant, name: &[u8]) -> Frame {
        let Some(mid) = self.master_id(name) else {
            return no_such_master();
        };
        let Some(m) = self.masters.get(mid) else {
            return no_such_master();
        };
        Frame::Array(
            m.replica_by_addr
                .values()
                .filter(|rid| m.replicas.get(**rid).is_some_and(|r| r.info.announced))
                .filter_map(|rid| self.replica_map(now, mid, *rid))
                .collect(),
        )
    }

    pub(super) fn sentinel_sentinels(&self, now: Instant, name: &[u8]) -> Frame {
        let Some(mid) = self.master_id(name) else {
            return no_such_master();
        };
        let Some(m) = self.masters.get(mid) else {
            return no_such_master();
        };
        Frame::Array(
            m.sentinels
                .keys()
                .filter_map(|runid| self.sentinel_map(now, mid, runid))
                .collect(),
        )
    }

    /// `[ip, port]` (port as a bulk string), or a null array for an unknown name.
    pub(super) fn get_master_addr_by_name(&self, name: &[u8]) -> Frame {
        match self
            .master_id(name)
            .and_then(|mid| self.current_master_addr(mid))
        {
            Some(addr) => Frame::Array(vec![
                Frame::bulk(self.shown_host(&addr.host)),
                bulk_num(addr.port),
            ]),
            None => Frame::NullArray,
        }
    }

    /// sentinel.c `sentinelIsQuorumReachable`: usable = self + known sentinels not down.
    pub(super) fn ckquorum(&self, name: &[u8]) -> Frame {
        let Some(m) = self.master_id(name).and_then(|mid| self.masters.get(mid)) else {
            return no_such_master();
        };
        let voters = m.sentinels.len() + 1;
        let usable = 1 + m
            .sentinels
            .values()
            .filter(|e| self.peers.contains(e.peer) && !e.health.is_sdown())
            .count();
        let no_quorum = usable < m.params.quorum as usize;
        let no_auth = usable < voters / 2 + 1;
        if !no_quorum && !no_auth {
            return Frame::Simple(Bytes::from(format!(
                "OK {usable} usable Sentinels. Quorum and failover authorization can be reached"
            )));
        }
        let mut e = format!("NOQUORUM {usable} usable Sentinels. ");
        if no_quorum {
            e.push_str(
                "Not enough available Sentinels to reach the specified quorum for this master",
            );
        }
        if no_auth {
            if no_quorum {
                e.push_str(". ");
            }
            e.push_str(
                "Not enough available Sentinels to reach the majority and authorize a failover",
            );
        }
        Frame::error(e)
    }

    /// `name, [[age-ms, info-or-null], ...]` per known name (master first, then replicas);
    /// unknown names are skipped.
    pub(super) fn info_cache(&self, now: Instant, names: &[Bytes]) -> Frame {
        let wanted: BTreeSet<String> = names.iter().map(|n| text(n)).collect();
        let mut out = Vec::new();
        for name in wanted {
            let Some(m) = self
                .master_by_name
                .get(&name)
                .and_then(|id| self.masters.get(*id))
            else {
                continue;
            };
            let age = |t: Option<Instant>| {
                Frame::Integer(t.map_or(0, |t| {
                    i64::try_from(now.millis_since(t)).unwrap_or(i64::MAX)
                }))
            };
            let mut entries = vec![Frame::Array(vec![
                age(m.node.info_refreshed),
                m.node
                    .info_text
                    .clone()
                    .map_or(Frame::NullBulk, Frame::Bulk),
            ])];
            for rid in m.replica_by_addr.values() {
                let Some(r) = m.replicas.get(*rid) else {
                    continue;
                };
                // sentinel.c guards the replica's age with the master's refresh time, not the
                // replica's: a replica never refreshed under a refreshed master shows its age
                // from 0, i.e. the current Unix time in ms (as 7.0.15 does).
                let replica_age = match (m.node.info_refreshed, r.node.info_refreshed) {
                    (None, _) => Frame::Integer(0),
                    (Some(_), Some(t)) => age(Some(t)),
                    (Some(_), None) => {
                        Frame::Integer(self.wall_millis_at(now).unwrap_or_else(|| {
                            i64::try_from(now.millis_since(Instant::ZERO)).unwrap_or(i64::MAX)
                        }))
                    }
                };
                entries.push(Frame::Array(vec![
                    replica_age,
                    r.node
                        .info_text
                        .clone()
                        .map_or(Frame::NullBulk, Frame::Bulk),
                ]));
            }
            out.push(Frame::bulk(&name));
            out.push(Frame::Array(entries));
        }
        Frame::Array(out)
    }
}
