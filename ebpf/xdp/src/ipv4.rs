//! The fence: drop IPv4 packets addressed to a VIP this host does not own.

use aya_ebpf::{bindings::xdp_action, programs::XdpContext};
use sentinel_ebpf_common::{ETH_HLEN, IPV4_DST_OFF, IPV4_MIN_HLEN, VipKey};

use crate::frame::ptr_at;
use crate::vips::{self, Counter, Vip};

#[inline(always)]
pub fn handle(ctx: &XdpContext) -> u32 {
    let Some(header) = ptr_at::<[u8; IPV4_MIN_HLEN]>(ctx, ETH_HLEN) else {
        return xdp_action::XDP_PASS;
    };
    // Safety: `ptr_at` checked the 20 header bytes lie inside the frame; alignment 1.
    let version_ihl = unsafe { (*header)[0] };
    if version_ihl >> 4 != 4 {
        return xdp_action::XDP_PASS;
    }
    let Some(dst) = ptr_at::<[u8; 4]>(ctx, IPV4_DST_OFF) else {
        return xdp_action::XDP_PASS;
    };
    // Safety: bounds checked by `ptr_at`; alignment 1.
    let key = VipKey::from_octets(unsafe { *dst });
    match vips::lookup(&key) {
        Some(Vip::Fenced) => {
            vips::count(&key, Counter::Fenced);
            xdp_action::XDP_DROP
        }
        Some(Vip::Owned { .. }) | None => xdp_action::XDP_PASS,
    }
}
