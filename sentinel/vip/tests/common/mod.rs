//! Shared by the privileged program tests: synthetic frames and a loader that skips (with a
//! message) when not root or when the XDP object was not built.
#![allow(dead_code)] // each test binary uses a different part

use std::net::Ipv4Addr;

use sentinel_vip::{MacAddr, VipError, VipManager};

pub const OUR_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x01]);
pub const PEER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
pub const PEER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
pub const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 100);
pub const OTHER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 3);

pub fn is_root() -> bool {
    // Safety: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A loaded (not attached) manager answering with [`OUR_MAC`], or `None` (after saying why)
/// when the test cannot run here. With SENTINEL_EBPF_REQUIRED=1 a missing object fails.
pub fn manager(test: &str) -> Option<VipManager> {
    if !is_root() {
        eprintln!("SKIP {test}: loading XDP programs needs root (CAP_BPF, CAP_NET_ADMIN)");
        return None;
    }
    match VipManager::load(OUR_MAC) {
        Ok(m) => Some(m),
        Err(VipError::ProgramNotBuilt) if std::env::var("SENTINEL_EBPF_REQUIRED").is_err() => {
            eprintln!("SKIP {test}: the XDP program was not built (run `cargo xtask setup`)");
            None
        }
        Err(e) => panic!("loading the XDP program: {e}"),
    }
}

fn eth(dst: [u8; 6], src: [u8; 6], eth_type: u16) -> Vec<u8> {
    let mut f = Vec::with_capacity(64);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&eth_type.to_be_bytes());
    f
}

/// An ARP packet of `op` from PEER, padded to the 60-byte minimum as on the wire.
pub fn arp(op: u16, sender_ip: Ipv4Addr, target_ip: Ipv4Addr) -> Vec<u8> {
    let mut f = eth([0xff; 6], PEER_MAC, 0x0806);
    f.extend_from_slice(&[0, 1, 0x08, 0, 6, 4]);
    f.extend_from_slice(&op.to_be_bytes());
    f.extend_from_slice(&PEER_MAC);
    f.extend_from_slice(&sender_ip.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&target_ip.octets());
    // Recognisable padding, to check the program leaves it alone.
    f.resize(60, 0xa5);
    f
}

/// "Who has `target`? Tell PEER_IP."
pub fn arp_request(target: Ipv4Addr) -> Vec<u8> {
    arp(1, PEER_IP, target)
}

/// A UDP-over-IPv4 packet from PEER to `dst`.
pub fn ipv4_to(dst: Ipv4Addr) -> Vec<u8> {
    let mut f = eth(OUR_MAC.0, PEER_MAC, 0x0800);
    let total_len: u16 = 20 + 8 + 4;
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total_len.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0]);
    f.extend_from_slice(&PEER_IP.octets());
    f.extend_from_slice(&dst.octets());
    f.extend_from_slice(&[0x30, 0x39, 0x18, 0xeb, 0, 12, 0, 0]);
    f.extend_from_slice(b"ping");
    f
}

/// An IPv6 packet (UDP, no payload) from PEER.
pub fn ipv6() -> Vec<u8> {
    let mut f = eth(OUR_MAC.0, PEER_MAC, 0x86dd);
    f.extend_from_slice(&[0x60, 0, 0, 0, 0, 8, 17, 64]);
    f.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    f.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    f.extend_from_slice(&[0x30, 0x39, 0x18, 0xeb, 0, 8, 0, 0]);
    f
}
