//! Frames built in user space: the gratuitous ARP for the packet-socket fallback, and the seed
//! frame handed to the garp program.

use std::net::Ipv4Addr;

use sentinel_ebpf_common::{
    ARP_TPA_OFF, ARPHRD_ETHER, ARPOP_REQUEST, BROADCAST_MAC, ETH_MIN_FRAME_LEN, ETH_P_ARP, ETH_P_IP,
};

use crate::MacAddr;

/// The gratuitous ARP the garp program writes (see ebpf/xdp/src/garp.rs): an `arping -U` style
/// announcement, broadcast, op = request, sender = target = `vip`, target MAC = broadcast,
/// padded with zeros to the 60-byte Ethernet minimum.
pub fn gratuitous_arp(vip: Ipv4Addr, mac: MacAddr) -> [u8; ETH_MIN_FRAME_LEN] {
    let mut f = [0u8; ETH_MIN_FRAME_LEN];
    let vip = vip.octets();
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        f[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(&BROADCAST_MAC);
    put(&mac.0);
    put(&ETH_P_ARP.to_be_bytes());
    put(&ARPHRD_ETHER.to_be_bytes());
    put(&ETH_P_IP.to_be_bytes());
    put(&[6, 4]);
    put(&ARPOP_REQUEST.to_be_bytes());
    put(&mac.0);
    put(&vip);
    put(&BROADCAST_MAC);
    put(&vip);
    f
}

/// The input the garp program fills: zeros except the VIP at the ARP target address.
pub fn garp_seed(vip: Ipv4Addr) -> [u8; ETH_MIN_FRAME_LEN] {
    let mut f = [0u8; ETH_MIN_FRAME_LEN];
    f[ARP_TPA_OFF..ARP_TPA_OFF + 4].copy_from_slice(&vip.octets());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gratuitous_arp_bytes() {
        let mac = MacAddr([2, 0, 0, 0, 0, 9]);
        let f = gratuitous_arp(Ipv4Addr::new(10, 1, 2, 3), mac);
        let expected: [u8; 42] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 9, 0x08, 0x06, // Ethernet
            0, 1, 0x08, 0, 6, 4, 0, 1, // htype, ptype, hlen, plen, op = request
            2, 0, 0, 0, 0, 9, 10, 1, 2, 3, // sender = us
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 10, 1, 2, 3, // target = the VIP
        ];
        assert_eq!(f[..42], expected);
        assert!(f[42..].iter().all(|&b| b == 0));
    }

    #[test]
    fn seed_names_the_vip_at_the_target_address() {
        let f = garp_seed(Ipv4Addr::new(10, 9, 8, 7));
        assert_eq!(f[38..42], [10, 9, 8, 7]);
        assert_eq!(f.iter().filter(|&&b| b != 0).count(), 4);
    }
}
