//! VIP ownership (design.md §7, issue 4): which master groups' virtual IPs this host carries.
//!
//! The rule, per master with a `sentinel vip` line: this sentinel owns the VIP iff the group's
//! current master address is one of this host's addresses (`set_local_addresses`) and it has
//! heard from a majority of the group's sentinels, itself included, within the lease. "Heard"
//! is a hello from that sentinel or any reply on our link to it.
//!
//! Ownership is a lease: `Action::VipOwn` carries how long the kernel may keep answering for the
//! VIP, which is exactly until the rule stops holding if nothing more is heard (the
//! majority-th most recent contact plus the lease). Every contact pushes that point further and
//! the core renews; when the contacts stop (a partition), the XDP program stops answering by
//! itself at the deadline, and the core, woken at the same deadline, reports `+vip-fenced`.
//! Since the lease is shorter than down-after, the old master's host is fenced before the
//! majority can even agree that the master is down.
//!
//! Events (Redis style, payload `<master-name> <vip> <interface>`): `+vip-acquired`,
//! `-vip-released` (the master moved away), `+vip-fenced` (majority lost).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::Sentinel;
use crate::action::Action;
use crate::config::VipConfig;
use crate::event::{self, Level};
use crate::instance::{MasterId, PeerId};
use crate::time::Instant;

/// One master's VIP as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
struct VipSpec {
    addr: Ipv4Addr,
    interface: String,
    lease: Duration,
    garp_count: u32,
}

/// What this sentinel has told the driver about one VIP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ownership {
    /// Not claimed by this process (never was, released, or fenced).
    NotOwned,
    /// Claimed; the kernel answers for it until `until` unless renewed. `check` is when the
    /// core looks again by itself: a quarter lease early to renew, then at `until` to fence.
    Owned {
        since: Instant,
        until: Instant,
        check: Instant,
    },
}

#[derive(Clone, Debug)]
struct VipEntry {
    spec: VipSpec,
    ownership: Ownership,
    /// Why it is not owned now, for `INFO vip`.
    last_change: &'static str,
    acquired: u64,
    fenced: u64,
}

/// The VIP state of one shard's core.
#[derive(Debug, Default)]
pub(crate) struct Vips {
    /// This host's addresses, as the driver reports them.
    local: BTreeSet<String>,
    /// Last contact with each sentinel, by run id.
    heard: BTreeMap<String, Instant>,
    /// By master name.
    entries: BTreeMap<String, VipEntry>,
}

/// One VIP as [`Sentinel::vip_views`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VipView {
    pub master: String,
    pub addr: Ipv4Addr,
    pub interface: String,
    pub lease: Duration,
    pub owned: bool,
    /// When the current claim runs out unless renewed.
    pub owned_until: Option<Instant>,
}

impl Sentinel {
    /// The driver's list of this host's addresses (every interface, IPv4 and IPv6 as text).
    /// Configured VIPs themselves are ignored: they sit on `lo` on every host that can carry
    /// them.
    pub fn set_local_addresses(&mut self, now: Instant, addrs: impl IntoIterator<Item = String>) {
        let vips: BTreeSet<String> = self
            .vip
            .entries
            .values()
            .map(|e| e.spec.addr.to_string())
            .collect();
        self.vip.local = addrs.into_iter().filter(|a| !vips.contains(a)).collect();
        self.vip_evaluate_all(now);
    }

    /// Configures (or with `None` removes) the VIP of `master`. A removed or changed VIP that
    /// was owned is released first.
    pub fn set_vip(&mut self, now: Instant, master: &str, vip: Option<&VipConfig>) {
        let down_after =
            self.master(master)
                .map(|m| m.params.down_after)
                .unwrap_or(Duration::from_millis(
                    crate::config::model::DEFAULT_DOWN_AFTER_MS,
                ));
        let spec = vip.map(|v| VipSpec {
            addr: v.addr,
            interface: v.interface.clone(),
            lease: Duration::from_millis(
                v.effective_lease_ms(u64::try_from(down_after.as_millis()).unwrap_or(u64::MAX)),
            ),
            garp_count: v.effective_garp_count(),
        });
        if let Some(old) = self.vip.entries.get(master)
            && Some(&old.spec) != spec.as_ref()
        {
            self.vip_remove(master);
        }
        if let Some(spec) = spec {
            self.vip
                .entries
                .entry(master.to_string())
                .or_insert(VipEntry {
                    spec,
                    ownership: Ownership::NotOwned,
                    last_change: "configured",
                    acquired: 0,
                    fenced: 0,
                });
            self.vip_evaluate(now, master);
        }
    }

    /// Every configured VIP and whether this sentinel owns it, in master name order.
    pub fn vip_views(&self) -> Vec<VipView> {
        self.vip
            .entries
            .iter()
            .map(|(name, e)| VipView {
                master: name.clone(),
                addr: e.spec.addr,
                interface: e.spec.interface.clone(),
                lease: e.spec.lease,
                owned: matches!(e.ownership, Ownership::Owned { .. }),
                owned_until: match e.ownership {
                    Ownership::Owned { until, .. } => Some(until),
                    Ownership::NotOwned => None,
                },
            })
            .collect()
    }

    /// Hook: a hello from sentinel `runid` arrived.
    pub(crate) fn vip_sentinel_heard(&mut self, now: Instant, runid: &str) {
        if self.vip.entries.is_empty() {
            return;
        }
        self.vip.heard.insert(runid.to_string(), now);
        let names: Vec<String> = self
            .masters
            .iter()
            .filter(|(_, m)| m.sentinels.contains_key(runid))
            .map(|(_, m)| m.params.name.clone())
            .filter(|n| self.vip.entries.contains_key(n))
            .collect();
        for name in names {
            self.vip_evaluate(now, &name);
        }
    }

    /// Hook: any reply arrived on our link to peer `pid`.
    pub(crate) fn vip_peer_heard(&mut self, now: Instant, pid: PeerId) {
        if self.vip.entries.is_empty() {
            return;
        }
        if let Some(runid) = self.peers.get(pid).map(|p| p.runid.clone()) {
            self.vip_sentinel_heard(now, &runid);
        }
    }

    /// Hook: the master address of `mid` changed (`+switch-master`).
    pub(crate) fn vip_master_changed(&mut self, now: Instant, mid: MasterId) {
        if let Some(name) = self.masters.get(mid).map(|m| m.params.name.clone()) {
            self.vip_evaluate(now, &name);
        }
    }

    /// Hook: `master` is no longer monitored (`SENTINEL REMOVE`).
    pub(crate) fn vip_master_removed(&mut self, master: &str) {
        self.vip_remove(master);
    }

    /// Whether `master` has a VIP configured now (a removed one is not rewritten).
    pub(crate) fn vip_configured(&self, master: &str) -> bool {
        self.vip.entries.contains_key(master)
    }

    /// Takes `master`'s VIP out of service: released if owned (`-vip-released`), then the
    /// driver is told to forget it (map entry, address on `lo`, and the program once its
    /// interface carries no VIP any more).
    fn vip_remove(&mut self, master: &str) {
        self.vip_release(master, "-vip-released", "removed");
        if let Some(e) = self.vip.entries.remove(master) {
            self.actions.push_back(Action::VipForget {
                vip: e.spec.addr,
                interface: e.spec.interface,
            });
        }
    }

    /// When a claim must be renewed or found lost, whichever comes first.
    pub(crate) fn vip_next_deadline(&self) -> Option<Instant> {
        self.vip
            .entries
            .values()
            .filter_map(|e| match e.ownership {
                Ownership::Owned { check, .. } => Some(check),
                Ownership::NotOwned => None,
            })
            .min()
    }

    /// Hook: timers fired; renew or fence claims whose time has come.
    pub(crate) fn vip_tick(&mut self, now: Instant) {
        let due: Vec<String> = self
            .vip
            .entries
            .iter()
            .filter(|(_, e)| match e.ownership {
                Ownership::Owned { check, .. } => check <= now,
                Ownership::NotOwned => false,
            })
            .map(|(n, _)| n.clone())
            .collect();
        for name in due {
            self.vip_evaluate(now, &name);
            // Not renewed (nothing new heard): the next look is the fence check at the end of
            // the claim, so the core never asks to be woken in the past.
            if let Some(e) = self.vip.entries.get_mut(&name)
                && let Ownership::Owned { until, check, .. } = &mut e.ownership
                && *check <= now
            {
                *check = *until;
            }
        }
    }

    fn vip_evaluate_all(&mut self, now: Instant) {
        let names: Vec<String> = self.vip.entries.keys().cloned().collect();
        for name in names {
            self.vip_evaluate(now, &name);
        }
    }

    /// Until when the majority rule holds for `master` with what has been heard so far: the
    /// majority-th most recent contact (ours is `now`) plus the lease. `None` when it no longer
    /// holds.
    fn vip_majority_until(&self, now: Instant, master: &str, lease: Duration) -> Option<Instant> {
        let m = self.master(master)?;
        // The group is at least `quorum` strong even before its members are discovered, so a
        // freshly started sentinel that knows no peers yet is not a majority of one.
        let quorum = usize::try_from(m.params.quorum).unwrap_or(usize::MAX);
        let group = (m.sentinels.len() + 1).max(quorum);
        let need = group / 2 + 1;
        let mut contacts: Vec<Instant> = std::iter::once(now)
            .chain(
                m.sentinels
                    .keys()
                    .filter_map(|runid| self.vip.heard.get(runid).copied()),
            )
            .collect();
        contacts.sort_unstable_by(|a, b| b.cmp(a));
        let kth = *contacts.get(need - 1)?;
        let until = kth + lease;
        (until > now).then_some(until)
    }

    /// Applies the ownership rule to `master`'s VIP and tells the driver what changed.
    fn vip_evaluate(&mut self, now: Instant, master: &str) {
        let Some(entry) = self.vip.entries.get(master) else {
            return;
        };
        let spec = entry.spec.clone();
        let ownership = entry.ownership;
        let Some(&mid) = self.master_by_name.get(master) else {
            self.vip_master_removed(master);
            return;
        };
        // The master the group advertises: the promoted replica as soon as the leader has
        // promoted it (what our hellos carry), so the leader on the old master's host lets go
        // then rather than after reconfiguring every replica. The VIP itself is on `lo` of
        // every host that can carry it: never "local" for this.
        let Some(current) = self.current_master_addr(mid) else {
            return;
        };
        let local = self.vip.local.contains(&current.host) && current.host != spec.addr.to_string();
        if !local {
            self.vip_release(master, "-vip-released", "master-not-local");
            return;
        }
        let Some(until) = self.vip_majority_until(now, master, spec.lease) else {
            self.vip_release(master, "+vip-fenced", "no-majority");
            return;
        };
        match ownership {
            Ownership::NotOwned => {
                self.actions.push_back(Action::VipOwn {
                    vip: spec.addr,
                    interface: spec.interface.clone(),
                    lease: until - now,
                    announce: spec.garp_count,
                });
                if let Some(e) = self.vip.entries.get_mut(master) {
                    e.ownership = Ownership::Owned {
                        since: now,
                        until,
                        check: renew_point(until, spec.lease),
                    };
                    e.last_change = "acquired";
                    e.acquired += 1;
                }
                self.vip_event(Level::Warning, "+vip-acquired", master, &spec);
            }
            Ownership::Owned {
                since, until: old, ..
            } => {
                // Renew when the claim grows by a meaningful step (or is about to run out):
                // one map write per peer reply would be harmless but pointless.
                let step = spec.lease / 4;
                let renew = until > old && (until - old >= step || old - now <= step);
                if renew {
                    self.actions.push_back(Action::VipOwn {
                        vip: spec.addr,
                        interface: spec.interface.clone(),
                        lease: until - now,
                        announce: 0,
                    });
                    if let Some(e) = self.vip.entries.get_mut(master) {
                        e.ownership = Ownership::Owned {
                            since,
                            until,
                            check: renew_point(until, spec.lease),
                        };
                    }
                }
            }
        }
    }

    /// Gives up `master`'s VIP if owned, with `channel` as the event.
    fn vip_release(&mut self, master: &str, channel: &'static str, why: &'static str) {
        let Some(e) = self.vip.entries.get_mut(master) else {
            return;
        };
        if e.ownership == Ownership::NotOwned {
            return;
        }
        e.ownership = Ownership::NotOwned;
        e.last_change = why;
        if channel == "+vip-fenced" {
            e.fenced += 1;
        }
        let spec = e.spec.clone();
        self.actions.push_back(Action::VipRelease {
            vip: spec.addr,
            interface: spec.interface.clone(),
        });
        self.vip_event(Level::Warning, channel, master, &spec);
    }

    fn vip_event(&mut self, level: Level, channel: &'static str, master: &str, spec: &VipSpec) {
        self.emit(event::plain(
            level,
            channel,
            format!("{master} {} {}", spec.addr, spec.interface),
        ));
    }

    /// Whether an INFO request names the `vip` section explicitly (`all`/`everything` do not
    /// include it: the 7.0 INFO contract stays as it is).
    pub(crate) fn info_wants_vip(args: &[bytes::Bytes]) -> bool {
        args.iter().any(|a| a.eq_ignore_ascii_case(b"vip"))
    }

    /// The `# VIP` section of INFO.
    pub(crate) fn info_vip(&self, now: Instant, out: &mut String) {
        out.push_str("# VIP\r\n");
        let _ = write!(out, "vip_local_addresses:{}\r\n", self.vip.local.len());
        for (i, (name, e)) in self.vip.entries.iter().enumerate() {
            let (status, left) = match e.ownership {
                Ownership::Owned { until, .. } => ("owned", until.millis_since(now)),
                Ownership::NotOwned => ("not-owned", 0),
            };
            let _ = write!(
                out,
                "vip{i}:name={name},vip={},interface={},status={status},lease_ms={},\
                 lease_left_ms={left},last_change={},acquired={},fenced={}\r\n",
                e.spec.addr,
                e.spec.interface,
                e.spec.lease.as_millis(),
                e.last_change,
                e.acquired,
                e.fenced,
            );
        }
    }
}

/// A quarter lease before the claim runs out: renew there, so the kernel never sees a gap.
fn renew_point(until: Instant, lease: Duration) -> Instant {
    let early = u64::try_from((lease / 4).as_nanos()).unwrap_or(u64::MAX);
    Instant::from_nanos(until.as_nanos().saturating_sub(early))
}

#[cfg(test)]
mod tests;
