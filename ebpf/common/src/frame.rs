//! Ethernet and ARP frame layout, shared so the program and the loader's frame builders and
//! tests agree on every offset.

pub const ETH_HLEN: usize = 14;
pub const ETH_P_IP: u16 = 0x0800;
pub const ETH_P_ARP: u16 = 0x0806;
/// Offset of the EtherType in an Ethernet header.
pub const ETH_TYPE_OFF: usize = 12;

/// Length of an Ethernet/IPv4 ARP packet (after the Ethernet header).
pub const ARP_LEN: usize = 28;
/// An ARP frame as the program reads it: Ethernet header plus ARP packet.
pub const ARP_FRAME_LEN: usize = ETH_HLEN + ARP_LEN;
/// Shortest Ethernet frame on the wire (without FCS); gratuitous ARPs are padded to it.
pub const ETH_MIN_FRAME_LEN: usize = 60;

pub const ARPHRD_ETHER: u16 = 1;
pub const ARPOP_REQUEST: u16 = 1;
pub const ARPOP_REPLY: u16 = 2;

/// Offsets inside an ARP frame (from the start of the Ethernet header).
pub const ARP_HTYPE_OFF: usize = ETH_HLEN;
pub const ARP_PTYPE_OFF: usize = ETH_HLEN + 2;
pub const ARP_HLEN_OFF: usize = ETH_HLEN + 4;
pub const ARP_PLEN_OFF: usize = ETH_HLEN + 5;
pub const ARP_OP_OFF: usize = ETH_HLEN + 6;
pub const ARP_SHA_OFF: usize = ETH_HLEN + 8;
pub const ARP_SPA_OFF: usize = ETH_HLEN + 14;
pub const ARP_THA_OFF: usize = ETH_HLEN + 18;
pub const ARP_TPA_OFF: usize = ETH_HLEN + 24;

/// Shortest IPv4 header, and the offset of its destination address in a frame.
pub const IPV4_MIN_HLEN: usize = 20;
pub const IPV4_DST_OFF: usize = ETH_HLEN + 16;

pub const BROADCAST_MAC: [u8; 6] = [0xff; 6];
