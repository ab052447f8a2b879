//! Gratuitous ARP writer, run by user space with `BPF_PROG_RUN` and live frames.
//!
//! Input: a frame of at least 42 bytes (60 for the wire) whose ARP target address (offset 38)
//! names the VIP; the rest may be anything. Output: the frame rewritten, in place, into an ARP
//! announcement like `arping -U` sends (an unsolicited ARP *request*, as RFC 5227 §2.4 and the
//! kernel's own gratuitous ARP do, since some hosts ignore unsolicited replies):
//! Ethernet broadcast from the VIP's MAC, op = request, sender = target = VIP,
//! target hardware = ff:ff:ff:ff:ff:ff. The target address is rewritten to the same VIP, so a
//! frame the kernel recycles between runs without resetting its bytes stays correct.
//!
//! Returns XDP_TX (transmit) only while the VIP is owned, so a stale caller cannot announce a
//! VIP this host has lost; XDP_DROP otherwise; XDP_ABORTED for a frame too short to fill.

use aya_ebpf::{bindings::xdp_action, programs::XdpContext};
use sentinel_ebpf_common::{
    ARPHRD_ETHER, ARPOP_REQUEST, BROADCAST_MAC, ETH_P_ARP, ETH_P_IP, VipKey,
};

use crate::frame::{ArpFrame, ptr_at};
use crate::vips::{self, Counter, Vip};

#[inline(always)]
pub fn fill(ctx: &XdpContext) -> u32 {
    let Some(f) = ptr_at::<ArpFrame>(ctx, 0) else {
        return xdp_action::XDP_ABORTED;
    };
    // Safety: `ptr_at` checked that a whole ArpFrame lies inside the frame; alignment 1.
    let f = unsafe { &mut *f };
    let vip = f.tpa;
    let key = VipKey::from_octets(vip);
    let Some(Vip::Owned { mac }) = vips::lookup(&key) else {
        return xdp_action::XDP_DROP;
    };
    f.eth_dst = BROADCAST_MAC;
    f.eth_src = mac;
    f.eth_type = ETH_P_ARP.to_be_bytes();
    f.htype = ARPHRD_ETHER.to_be_bytes();
    f.ptype = ETH_P_IP.to_be_bytes();
    f.hlen = 6;
    f.plen = 4;
    f.op = ARPOP_REQUEST.to_be_bytes();
    f.sha = mac;
    f.spa = vip;
    f.tha = BROADCAST_MAC;
    f.tpa = vip;
    vips::count(&key, Counter::Garp);
    xdp_action::XDP_TX
}
