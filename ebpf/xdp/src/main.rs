//! XDP programs that own master groups' virtual IPs on this host.
//!
//! `vip_xdp` is attached to the interface: per VIP in [`VIPS`], owned (flag set and lease not
//! expired against the kernel's monotonic clock) ⇒ answer ARP requests for it in place with
//! XDP_TX and pass its IPv4 traffic; not owned ⇒ drop ARP requests for it (so the kernel cannot
//! answer either) and drop IPv4 packets addressed to it (fence). Everything else, and every
//! frame too short or malformed to judge, is passed untouched.
//!
//! `vip_garp` is never attached: user space runs it with `BPF_PROG_RUN` and live frames to
//! transmit gratuitous ARPs for a VIP from the kernel.
#![no_std]
#![no_main]

mod arp;
mod frame;
mod garp;
mod ipv4;
mod vips;

use aya_ebpf::{bindings::xdp_action, macros::xdp, programs::XdpContext};
use sentinel_ebpf_common::{ETH_HLEN, ETH_P_ARP, ETH_P_IP};

#[xdp]
pub fn vip_xdp(ctx: XdpContext) -> u32 {
    let Some(eth_type) = frame::eth_type(&ctx) else {
        return xdp_action::XDP_PASS;
    };
    match eth_type {
        ETH_P_ARP => arp::handle(&ctx),
        ETH_P_IP => ipv4::handle(&ctx),
        _ => xdp_action::XDP_PASS,
    }
}

#[xdp]
pub fn vip_garp(ctx: XdpContext) -> u32 {
    garp::fill(&ctx)
}

// Keeps ETH_HLEN in use for readers checking the layout against `frame`.
const _: () = assert!(ETH_HLEN == 14);

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // No reachable panics: every packet access goes through a bounds-checked pointer.
    loop {}
}
