//! Types shared between the XDP program (`ebpf/xdp`) and its loader (`sentinel/vip`).
//!
//! Everything here is `#[repr(C)]` plain old data with explicit padding, so the bytes the
//! kernel stores in a map are exactly the bytes either side reads. The `user` feature adds the
//! `aya::Pod` impls the loader needs.
#![no_std]

mod frame;
mod vip;

pub use frame::*;
pub use vip::*;
