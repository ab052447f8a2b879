//! Bounds-checked access to the frame, written so the verifier can follow every check.

use aya_ebpf::programs::XdpContext;
use sentinel_ebpf_common::{
    ARP_FRAME_LEN, ARP_HLEN_OFF, ARP_HTYPE_OFF, ARP_OP_OFF, ARP_PLEN_OFF, ARP_PTYPE_OFF,
    ARP_SHA_OFF, ARP_SPA_OFF, ARP_THA_OFF, ARP_TPA_OFF, ETH_TYPE_OFF,
};

/// An Ethernet frame carrying an Ethernet/IPv4 ARP packet. Only byte arrays, so alignment 1:
/// fields can be read and written through a pointer to any packet offset.
#[repr(C)]
pub struct ArpFrame {
    pub eth_dst: [u8; 6],
    pub eth_src: [u8; 6],
    pub eth_type: [u8; 2],
    pub htype: [u8; 2],
    pub ptype: [u8; 2],
    pub hlen: u8,
    pub plen: u8,
    pub op: [u8; 2],
    pub sha: [u8; 6],
    pub spa: [u8; 4],
    pub tha: [u8; 6],
    pub tpa: [u8; 4],
}

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(size_of::<ArpFrame>() == ARP_FRAME_LEN);
    assert!(align_of::<ArpFrame>() == 1);
    assert!(offset_of!(ArpFrame, eth_type) == ETH_TYPE_OFF);
    assert!(offset_of!(ArpFrame, htype) == ARP_HTYPE_OFF);
    assert!(offset_of!(ArpFrame, ptype) == ARP_PTYPE_OFF);
    assert!(offset_of!(ArpFrame, hlen) == ARP_HLEN_OFF);
    assert!(offset_of!(ArpFrame, plen) == ARP_PLEN_OFF);
    assert!(offset_of!(ArpFrame, op) == ARP_OP_OFF);
    assert!(offset_of!(ArpFrame, sha) == ARP_SHA_OFF);
    assert!(offset_of!(ArpFrame, spa) == ARP_SPA_OFF);
    assert!(offset_of!(ArpFrame, tha) == ARP_THA_OFF);
    assert!(offset_of!(ArpFrame, tpa) == ARP_TPA_OFF);
};

/// A pointer to a `T` at `offset` in the frame, or `None` when the frame is too short.
/// `T` must have alignment 1 (byte arrays), as packet offsets carry no alignment.
#[inline(always)]
pub fn ptr_at<T>(ctx: &XdpContext, offset: usize) -> Option<*mut T> {
    let start = ctx.data();
    let end = ctx.data_end();
    if start + offset + core::mem::size_of::<T>() > end {
        return None;
    }
    Some((start + offset) as *mut T)
}

/// The EtherType, or `None` for a frame shorter than an Ethernet header.
#[inline(always)]
pub fn eth_type(ctx: &XdpContext) -> Option<u16> {
    let p: *mut [u8; 2] = ptr_at(ctx, ETH_TYPE_OFF)?;
    // Safety: `ptr_at` checked that the two bytes lie inside the frame; [u8; 2] has alignment 1.
    Some(u16::from_be_bytes(unsafe { *p }))
}
