//! The ARP responder: answer requests for owned VIPs in place, swallow those for fenced ones.

use aya_ebpf::{bindings::xdp_action, programs::XdpContext};
use sentinel_ebpf_common::{ARPHRD_ETHER, ARPOP_REPLY, ARPOP_REQUEST, ETH_P_IP, VipKey};

use crate::frame::{ArpFrame, ptr_at};
use crate::vips::{self, Counter, Vip};

#[inline(always)]
pub fn handle(ctx: &XdpContext) -> u32 {
    let Some(f) = ptr_at::<ArpFrame>(ctx, 0) else {
        return xdp_action::XDP_PASS;
    };
    // Safety: `ptr_at` checked that a whole ArpFrame lies inside the frame, and ArpFrame has
    // alignment 1; nothing else references the frame while the program runs.
    let f = unsafe { &mut *f };
    if u16::from_be_bytes(f.htype) != ARPHRD_ETHER
        || u16::from_be_bytes(f.ptype) != ETH_P_IP
        || f.hlen != 6
        || f.plen != 4
        || u16::from_be_bytes(f.op) != ARPOP_REQUEST
    {
        return xdp_action::XDP_PASS;
    }
    // A gratuitous ARP (sender = target) is another host announcing the address, not a
    // question to answer: leave it to the kernel.
    if f.spa == f.tpa {
        return xdp_action::XDP_PASS;
    }
    let key = VipKey::from_octets(f.tpa);
    let Some(vip) = vips::lookup(&key) else {
        return xdp_action::XDP_PASS;
    };
    vips::count(&key, Counter::ArpRequest);
    match vip {
        Vip::Owned { mac } => {
            reply_in_place(f, mac);
            vips::count(&key, Counter::ArpReply);
            xdp_action::XDP_TX
        }
        Vip::Fenced => {
            vips::count(&key, Counter::Fenced);
            xdp_action::XDP_DROP
        }
    }
}

/// Turns the request into the reply the kernel's `arp_send` would build: to the requester's
/// hardware address, from `mac`, saying "target address is at `mac`".
#[inline(always)]
fn reply_in_place(f: &mut ArpFrame, mac: [u8; 6]) {
    let requester_mac = f.sha;
    let requester_ip = f.spa;
    let vip = f.tpa;
    f.eth_dst = requester_mac;
    f.eth_src = mac;
    f.op = ARPOP_REPLY.to_be_bytes();
    f.sha = mac;
    f.spa = vip;
    f.tha = requester_mac;
    f.tpa = requester_ip;
}
