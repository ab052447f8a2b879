//! [`VipManager`]: the loaded program, its maps and its attachment to one interface.

use std::net::Ipv4Addr;
use std::time::Duration;

use aya::maps::{HashMap, MapData, MapError, PerCpuHashMap, PerCpuValues};
use aya::programs::{Xdp, XdpMode, xdp::XdpLinkId};
use aya::{Ebpf, EbpfLoader};
use sentinel_ebpf_common::{
    COUNTERS_MAP, GARP_PROGRAM, VIPS_MAP, VipCounters, VipKey, VipState, XDP_PROGRAM,
};

use crate::run::{self, XdpRun};
use crate::{Interface, MacAddr, VipError, clock, frames, object, packet_socket};

/// How the program ended up attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachMode {
    /// Native (driver) XDP.
    Native,
    /// Generic (skb) XDP: works on any device, after the skb is built.
    Generic,
}

/// How a burst of gratuitous ARPs left the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GarpPath {
    /// Built and transmitted in the kernel: `BPF_PROG_RUN` of the garp program, live frames.
    LiveFrames,
    /// Built in user space, sent through an AF_PACKET socket (live frames failed).
    PacketSocket,
}

/// One VIP's entry as the program sees it now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VipStatus {
    /// Owned and the lease has not run out.
    pub owned: bool,
    /// Time left on the lease (zero when expired or released).
    pub lease_left: Duration,
    /// The MAC the VIP is answered with.
    pub mac: MacAddr,
}

pub(crate) struct Attachment {
    pub(crate) iface: Interface,
    pub(crate) mode: AttachMode,
    /// The link as the program owns it (absent for a pinned link created by this process,
    /// which `pin` holds instead).
    pub(crate) link: Option<XdpLinkId>,
    /// Where the link and maps are pinned, for [`VipManager::attach_pinned`].
    pub(crate) pin: Option<crate::pinned::Pins>,
}

/// The XDP program loaded into the kernel, its maps, and (once attached) its interface.
///
/// Dropping the manager detaches the program and frees the maps, unless they are pinned
/// ([`VipManager::attach_pinned`]).
///
/// Interfaces are resolved in the network namespace of the calling thread: call `attach*` and
/// `send_gratuitous_arp*` from a thread in the interface's namespace (the map operations work
/// from anywhere).
pub struct VipManager {
    pub(crate) ebpf: Ebpf,
    vips: HashMap<MapData, VipKey, VipState>,
    counters: PerCpuHashMap<MapData, VipKey, VipCounters>,
    mac: MacAddr,
    pub(crate) attachment: Option<Attachment>,
}

impl VipManager {
    /// Loads the program into the kernel without attaching it; VIPs are answered with `mac`.
    /// Useful for self-checks with [`VipManager::run_xdp`] and for tests.
    pub fn load(mac: MacAddr) -> Result<Self, VipError> {
        Self::load_with(&mut EbpfLoader::new(), mac)
    }

    /// [`VipManager::load`] with a configured loader (map pin paths).
    pub(crate) fn load_with(loader: &mut EbpfLoader<'_>, mac: MacAddr) -> Result<Self, VipError> {
        let mut ebpf = loader
            .load(object::object()?)
            .map_err(|e| VipError::Load(Box::new(e)))?;
        for name in [XDP_PROGRAM, GARP_PROGRAM] {
            xdp_mut(&mut ebpf, name)?
                .load()
                .map_err(|e| VipError::program(name, e))?;
        }
        let vips = take_map(&mut ebpf, VIPS_MAP)
            .and_then(|m| HashMap::try_from(m).map_err(|e| VipError::map(VIPS_MAP, e)))?;
        let counters = take_map(&mut ebpf, COUNTERS_MAP)
            .and_then(|m| PerCpuHashMap::try_from(m).map_err(|e| VipError::map(COUNTERS_MAP, e)))?;
        Ok(Self {
            ebpf,
            vips,
            counters,
            mac,
            attachment: None,
        })
    }

    /// Loads the program and attaches it to `iface`: native XDP, else generic; VIPs are
    /// answered with the interface's MAC.
    pub fn attach(iface: &str) -> Result<Self, VipError> {
        let iface = Interface::by_name(iface)?;
        let mut manager = Self::load(iface.mac)?;
        let (mode, link) = manager.attach_program(&iface)?;
        manager.attachment = Some(Attachment {
            iface,
            mode,
            link: Some(link),
            pin: None,
        });
        Ok(manager)
    }

    /// Attaches the loaded XDP program to `iface`: native, else generic.
    pub(crate) fn attach_program(
        &mut self,
        iface: &Interface,
    ) -> Result<(AttachMode, XdpLinkId), VipError> {
        let prog = xdp_mut(&mut self.ebpf, XDP_PROGRAM)?;
        let (mode, link) = match prog.attach_to_if_index(iface.index, XdpMode::Driver) {
            Ok(link) => (AttachMode::Native, link),
            Err(native) => match prog.attach_to_if_index(iface.index, XdpMode::Skb) {
                Ok(link) => {
                    tracing::warn!(iface = %iface.name, error = %native,
                        "native XDP unavailable, attached in generic mode");
                    (AttachMode::Generic, link)
                }
                Err(generic) => {
                    return Err(VipError::Attach {
                        iface: iface.name.clone(),
                        native: Box::new(native),
                        generic: Box::new(generic),
                    });
                }
            },
        };
        tracing::info!(iface = %iface.name, ?mode, mac = %iface.mac, "XDP VIP program attached");
        Ok((mode, link))
    }

    /// How the program is attached, if it is.
    pub fn attach_mode(&self) -> Option<AttachMode> {
        self.attachment.as_ref().map(|a| a.mode)
    }

    /// The interface the program is attached to, if it is.
    pub fn interface(&self) -> Option<&Interface> {
        self.attachment.as_ref().map(|a| &a.iface)
    }

    /// Detaches the program from its interface (it stays loaded; VIPs keep their entries in
    /// this process). A pinned attachment loses its pins too: this is the clean shutdown for a
    /// VIP that is going away (`SENTINEL REMOVE`, directive removed).
    pub fn detach(&mut self) -> Result<(), VipError> {
        let Some(a) = self.attachment.take() else {
            return Ok(());
        };
        if let Some(pins) = a.pin {
            pins.remove()?;
        }
        if let Some(link) = a.link {
            xdp_mut(&mut self.ebpf, XDP_PROGRAM)?
                .detach(link)
                .map_err(|e| VipError::program(XDP_PROGRAM, e))?;
        }
        Ok(())
    }

    /// Claims `vip` until `lease` from now (kernel monotonic time); call again to renew. The
    /// program stops answering for it by itself when the lease runs out.
    pub fn set_owned(&mut self, vip: Ipv4Addr, lease: Duration) -> Result<(), VipError> {
        let deadline = clock::deadline_ns(lease)?;
        self.put(vip, true, deadline)
    }

    /// Gives up `vip` and fences it: no ARP answers, IPv4 to it dropped. Idempotent; also how
    /// a VIP this host has never owned is fenced.
    pub fn release(&mut self, vip: Ipv4Addr) -> Result<(), VipError> {
        self.put(vip, false, 0)
    }

    /// Forgets `vip`: the program passes everything for it again, and its counters are gone.
    pub fn forget(&mut self, vip: Ipv4Addr) -> Result<(), VipError> {
        let key = key(vip);
        ignore_missing(self.vips.remove(&key)).map_err(|e| VipError::map(VIPS_MAP, e))?;
        ignore_missing(self.counters.remove(&key)).map_err(|e| VipError::map(COUNTERS_MAP, e))
    }

    /// The VIP's entry as the program sees it now, or `None` when it is not configured.
    pub fn status(&self, vip: Ipv4Addr) -> Result<Option<VipStatus>, VipError> {
        let state = match self.vips.get(&key(vip), 0) {
            Ok(state) => state,
            Err(MapError::KeyNotFound) => return Ok(None),
            Err(e) => return Err(VipError::map(VIPS_MAP, e)),
        };
        let now = u64::try_from(clock::monotonic_now()?.as_nanos()).unwrap_or(u64::MAX);
        let owned = state.is_owned_at(now);
        let lease_left = if owned {
            Duration::from_nanos(state.lease_deadline_ns - now)
        } else {
            Duration::ZERO
        };
        Ok(Some(VipStatus {
            owned,
            lease_left,
            mac: MacAddr(state.mac),
        }))
    }

    /// The VIP's counters, summed over CPUs.
    pub fn counters(&self, vip: Ipv4Addr) -> Result<VipCounters, VipError> {
        let per_cpu = match self.counters.get(&key(vip), 0) {
            Ok(values) => values,
            Err(MapError::KeyNotFound) => return Err(VipError::UnknownVip(vip)),
            Err(e) => return Err(VipError::map(COUNTERS_MAP, e)),
        };
        let mut total = VipCounters::default();
        for cpu in per_cpu.iter() {
            total.add(cpu);
        }
        Ok(total)
    }

    /// Announces `vip` with `count` gratuitous ARPs out of the attached interface, built and
    /// sent in the kernel by the garp program with live frames; falls back to an AF_PACKET
    /// socket when the kernel or device refuses. Only while the VIP is owned.
    ///
    /// On veth, live-frame (XDP_TX) frames only arrive if the peer also runs an XDP program.
    pub fn send_gratuitous_arp(&mut self, vip: Ipv4Addr, count: u32) -> Result<GarpPath, VipError> {
        let ifindex = self
            .attachment
            .as_ref()
            .map(|a| a.iface.index)
            .ok_or(VipError::NotAttached)?;
        match self.status(vip)? {
            Some(s) if s.owned => {}
            Some(_) => return Err(VipError::NotOwned(vip)),
            None => return Err(VipError::UnknownVip(vip)),
        }
        let prog = xdp(&self.ebpf, GARP_PROGRAM)?;
        match run::live_run(prog, &frames::garp_seed(vip), ifindex, count) {
            Ok(()) => Ok(GarpPath::LiveFrames),
            Err(error) => {
                tracing::warn!(%vip, %error, "live frames failed, sending gratuitous ARP via AF_PACKET");
                self.send_gratuitous_arp_from_user_space(vip, count)?;
                Ok(GarpPath::PacketSocket)
            }
        }
    }

    /// The fallback of [`VipManager::send_gratuitous_arp`]: the same frames, built in user
    /// space and sent through an AF_PACKET socket. Only while the VIP is owned.
    pub fn send_gratuitous_arp_from_user_space(
        &self,
        vip: Ipv4Addr,
        count: u32,
    ) -> Result<(), VipError> {
        let ifindex = self
            .attachment
            .as_ref()
            .map(|a| a.iface.index)
            .ok_or(VipError::NotAttached)?;
        match self.status(vip)? {
            Some(s) if s.owned => {}
            Some(_) => return Err(VipError::NotOwned(vip)),
            None => return Err(VipError::UnknownVip(vip)),
        }
        let frame = frames::gratuitous_arp(vip, self.mac);
        packet_socket::send(ifindex, &frame, count)
            .map_err(|source| VipError::PacketSocket { vip, source })
    }

    /// Runs the attached-side program once on `frame` with `BPF_PROG_TEST_RUN` against the
    /// live maps; nothing is transmitted. For self-checks and tests.
    pub fn run_xdp(&self, frame: &[u8]) -> Result<XdpRun, VipError> {
        run::test_run(xdp(&self.ebpf, XDP_PROGRAM)?, frame)
            .map_err(|e| VipError::program(XDP_PROGRAM, e))
    }

    /// Runs the garp program once on `frame` (see [`crate::gratuitous_arp`] for what it
    /// writes); nothing is transmitted.
    pub fn run_garp(&self, frame: &[u8]) -> Result<XdpRun, VipError> {
        run::test_run(xdp(&self.ebpf, GARP_PROGRAM)?, frame)
            .map_err(|e| VipError::program(GARP_PROGRAM, e))
    }

    fn put(&mut self, vip: Ipv4Addr, owned: bool, deadline_ns: u64) -> Result<(), VipError> {
        let key = key(vip);
        // Counters first, so the program counts from the first packet it judges.
        match self.counters.get(&key, 0) {
            Ok(_) => {}
            Err(MapError::KeyNotFound) => {
                let nr_cpus = aya::util::nr_cpus()
                    .map_err(|(_, e)| VipError::map(COUNTERS_MAP, MapError::from(e)))?;
                let zeros = PerCpuValues::try_from(vec![VipCounters::default(); nr_cpus])
                    .map_err(|e| VipError::map(COUNTERS_MAP, MapError::from(e)))?;
                self.counters
                    .insert(key, zeros, 0)
                    .map_err(|e| VipError::map(COUNTERS_MAP, e))?;
            }
            Err(e) => return Err(VipError::map(COUNTERS_MAP, e)),
        }
        let state = VipState {
            lease_deadline_ns: deadline_ns,
            owned: u32::from(owned),
            mac: self.mac.0,
            _pad: [0; 6],
        };
        // One map update: the program sees the old entry or the new one.
        self.vips
            .insert(key, state, 0)
            .map_err(|e| VipError::map(VIPS_MAP, e))
    }
}

fn key(vip: Ipv4Addr) -> VipKey {
    VipKey::from_octets(vip.octets())
}

fn ignore_missing(r: Result<(), MapError>) -> Result<(), MapError> {
    match r {
        Err(MapError::KeyNotFound) => Ok(()),
        other => other,
    }
}

fn take_map(ebpf: &mut Ebpf, name: &'static str) -> Result<aya::maps::Map, VipError> {
    ebpf.take_map(name).ok_or(VipError::Missing(name))
}

fn xdp<'a>(ebpf: &'a Ebpf, name: &'static str) -> Result<&'a Xdp, VipError> {
    let prog = ebpf.program(name).ok_or(VipError::Missing(name))?;
    prog.try_into().map_err(|e| VipError::program(name, e))
}

pub(crate) fn xdp_mut<'a>(ebpf: &'a mut Ebpf, name: &'static str) -> Result<&'a mut Xdp, VipError> {
    let prog = ebpf.program_mut(name).ok_or(VipError::Missing(name))?;
    prog.try_into().map_err(|e| VipError::program(name, e))
}
