//! The maps shared with user space and the ownership check.

use aya_ebpf::{
    bindings::BPF_F_NO_PREALLOC,
    helpers::bpf_ktime_get_ns,
    macros::map,
    maps::{HashMap, PerCpuHashMap},
};
use sentinel_ebpf_common::{VIPS_MAX, VipCounters, VipKey, VipState};

// BPF_F_NO_PREALLOC: an updated or deleted element is freed only after an RCU grace period,
// so the program never reads an element the kernel has already recycled for another key (with
// preallocation it could, and see another VIP's fields). Updates are rare; the cost is nil.
#[map(name = "VIPS")]
static VIPS: HashMap<VipKey, VipState> =
    HashMap::with_max_entries(VIPS_MAX, BPF_F_NO_PREALLOC as u32);

#[map(name = "VIP_COUNTERS")]
static VIP_COUNTERS: PerCpuHashMap<VipKey, VipCounters> =
    PerCpuHashMap::with_max_entries(VIPS_MAX, BPF_F_NO_PREALLOC as u32);

/// What this host knows about a VIP right now.
pub enum Vip {
    /// Owned and the lease is running: answer with `mac`.
    Owned { mac: [u8; 6] },
    /// In the map but not owned or the lease has expired: fence it.
    Fenced,
}

/// Looks the address up; `None` means the VIP is not ours to judge.
#[inline(always)]
pub fn lookup(key: &VipKey) -> Option<Vip> {
    let state = VIPS.get_ptr(key)?;
    // Safety: the kernel returned a pointer to a VipState element that stays allocated until
    // this program returns (RCU, BPF_F_NO_PREALLOC); user space replaces elements whole rather
    // than writing into them, and any bit pattern is a valid VipState.
    let state = unsafe { *state };
    // Safety: bpf_ktime_get_ns has no preconditions.
    let now_ns = unsafe { bpf_ktime_get_ns() };
    if state.is_owned_at(now_ns) {
        Some(Vip::Owned { mac: state.mac })
    } else {
        Some(Vip::Fenced)
    }
}

/// Which counter to bump.
#[derive(Clone, Copy)]
pub enum Counter {
    ArpRequest,
    ArpReply,
    Fenced,
    Garp,
}

/// Adds one to a VIP's counter on this CPU; a VIP without a counters entry is not counted.
#[inline(always)]
pub fn count(key: &VipKey, counter: Counter) {
    let Some(c) = VIP_COUNTERS.get_ptr_mut(key) else {
        return;
    };
    // Safety: a per-CPU map value belongs to this CPU while the program runs (XDP runs with
    // migration disabled), so nothing else writes it concurrently.
    let c = unsafe { &mut *c };
    match counter {
        Counter::ArpRequest => c.arp_requests += 1,
        Counter::ArpReply => c.arp_replies += 1,
        Counter::Fenced => c.fenced += 1,
        Counter::Garp => c.garps += 1,
    }
}
