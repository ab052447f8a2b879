//! The per-VIP map entries: key, ownership state and counters.

/// Name of the `HASH` map of [`VipKey`] → [`VipState`].
pub const VIPS_MAP: &str = "VIPS";
/// Name of the `PERCPU_HASH` map of [`VipKey`] → [`VipCounters`].
pub const COUNTERS_MAP: &str = "VIP_COUNTERS";
/// Name of the XDP program attached to the interface.
pub const XDP_PROGRAM: &str = "vip_xdp";
/// Name of the XDP program run with `BPF_PROG_RUN` to write gratuitous ARPs.
pub const GARP_PROGRAM: &str = "vip_garp";
/// How many VIPs one host can carry (both maps).
pub const VIPS_MAX: u32 = 1024;

/// Key of both maps: an IPv4 address.
///
/// `addr` holds the four address octets in network order as they sit in memory, i.e.
/// `u32::from_ne_bytes(octets)`: the program compares it with a `u32` read straight out of the
/// packet, with no byte swapping on either side.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VipKey {
    pub addr: u32,
}

impl VipKey {
    pub const fn from_octets(octets: [u8; 4]) -> Self {
        Self {
            addr: u32::from_ne_bytes(octets),
        }
    }

    pub const fn octets(self) -> [u8; 4] {
        self.addr.to_ne_bytes()
    }
}

/// Ownership of one VIP on this host.
///
/// A VIP present in the map and not owned is fenced: its ARP requests go unanswered and IPv4
/// traffic to it is dropped. Absent VIPs are none of the program's business.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VipState {
    /// Kernel `CLOCK_MONOTONIC` time (what `bpf_ktime_get_ns` returns) at which ownership
    /// lapses; owned means `owned != 0 && now < lease_deadline_ns`.
    pub lease_deadline_ns: u64,
    /// Non-zero when this host claims the VIP (until the lease deadline).
    pub owned: u32,
    /// The MAC address ARP replies and gratuitous ARPs announce for the VIP.
    pub mac: [u8; 6],
    /// Explicit padding so the struct has no uninitialised bytes (24 bytes in all).
    pub _pad: [u8; 6],
}

impl VipState {
    /// Whether the VIP is owned at kernel monotonic time `now_ns`.
    #[inline(always)]
    pub const fn is_owned_at(&self, now_ns: u64) -> bool {
        self.owned != 0 && now_ns < self.lease_deadline_ns
    }
}

/// Per-CPU counters for one VIP; user space sums them over the CPUs.
///
/// They live in a separate per-CPU map because 64-bit atomic adds are not available to the
/// program on the bpf target (toolchain.md).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VipCounters {
    /// ARP requests asking for the VIP (owned or not).
    pub arp_requests: u64,
    /// ARP replies this host sent for the VIP.
    pub arp_replies: u64,
    /// ARP requests and IPv4 packets dropped because the VIP was not owned.
    pub fenced: u64,
    /// Gratuitous ARP frames written by the garp program.
    pub garps: u64,
}

impl VipCounters {
    /// Adds `other` into `self` (summing the per-CPU values).
    pub fn add(&mut self, other: &Self) {
        self.arp_requests = self.arp_requests.wrapping_add(other.arp_requests);
        self.arp_replies = self.arp_replies.wrapping_add(other.arp_replies);
        self.fenced = self.fenced.wrapping_add(other.fenced);
        self.garps = self.garps.wrapping_add(other.garps);
    }
}

#[cfg(feature = "user")]
mod pod {
    // Safety: all three are #[repr(C)], made only of integers and byte arrays, with no implicit
    // padding (asserted below), so every bit pattern is valid and every byte is initialised.
    unsafe impl aya::Pod for super::VipKey {}
    // Safety: as above.
    unsafe impl aya::Pod for super::VipState {}
    // Safety: as above.
    unsafe impl aya::Pod for super::VipCounters {}
}

// The layouts are part of the kernel/user contract: fail the build if they drift.
const _: () = assert!(core::mem::size_of::<VipKey>() == 4);
const _: () = assert!(core::mem::size_of::<VipState>() == 24);
const _: () = assert!(core::mem::size_of::<VipCounters>() == 32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_holds_the_octets_in_network_order() {
        let key = VipKey::from_octets([10, 0, 0, 100]);
        assert_eq!(key.octets(), [10, 0, 0, 100]);
        // The in-memory bytes are the packet's bytes, whatever the host's endianness.
        assert_eq!(key.addr.to_ne_bytes(), [10, 0, 0, 100]);
    }

    #[test]
    fn owned_only_with_the_flag_and_before_the_deadline() {
        let state = VipState {
            lease_deadline_ns: 1_000,
            owned: 1,
            ..VipState::default()
        };
        assert!(state.is_owned_at(0));
        assert!(state.is_owned_at(999));
        assert!(!state.is_owned_at(1_000), "the deadline itself is expired");
        assert!(!state.is_owned_at(5_000));
        let released = VipState { owned: 0, ..state };
        assert!(!released.is_owned_at(0));
    }

    #[test]
    fn counters_sum() {
        let mut total = VipCounters::default();
        let one_cpu = VipCounters {
            arp_requests: 3,
            arp_replies: 2,
            fenced: 1,
            garps: 4,
        };
        total.add(&one_cpu);
        total.add(&one_cpu);
        assert_eq!(
            total,
            VipCounters {
                arp_requests: 6,
                arp_replies: 4,
                fenced: 2,
                garps: 8
            }
        );
    }
}
