//! The attached program on synthetic frames through BPF_PROG_TEST_RUN (root only): ARP
//! answers for owned VIPs, silence for fenced ones, and hands off everything else.

mod common;

use std::time::Duration;

use common::*;
use sentinel_vip::{VipCounters, XdpAction};

const LEASE: Duration = Duration::from_secs(600);

#[test]
fn arp_request_for_owned_vip_is_answered_in_place() {
    let Some(mut m) = manager("arp_request_for_owned_vip_is_answered_in_place") else {
        return;
    };
    m.set_owned(VIP, LEASE).unwrap();
    let request = arp_request(VIP);
    let run = m.run_xdp(&request).unwrap();
    assert_eq!(run.action, XdpAction::Tx);
    #[rustfmt::skip]
    let expected: [u8; 42] = [
        // Ethernet: to the requester, from us, ARP.
        0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,
        // Ethernet/IPv4, op = reply.
        0, 1, 0x08, 0, 6, 4, 0, 2,
        // Sender: our MAC, the VIP.
        0x02, 0, 0, 0, 0, 0x01, 10, 0, 0, 100,
        // Target: the requester's MAC and address.
        0x02, 0, 0, 0, 0, 0x02, 10, 0, 0, 2,
    ];
    assert_eq!(run.frame[..42], expected);
    assert_eq!(run.frame.len(), request.len());
    assert_eq!(run.frame[42..], request[42..], "padding untouched");
    let counters = m.counters(VIP).unwrap();
    assert_eq!(
        counters,
        VipCounters {
            arp_requests: 1,
            arp_replies: 1,
            fenced: 0,
            garps: 0
        }
    );
}

#[test]
fn arp_request_for_released_vip_is_dropped_unanswered() {
    let Some(mut m) = manager("arp_request_for_released_vip_is_dropped_unanswered") else {
        return;
    };
    m.set_owned(VIP, LEASE).unwrap();
    m.release(VIP).unwrap();
    let request = arp_request(VIP);
    let run = m.run_xdp(&request).unwrap();
    assert_eq!(run.action, XdpAction::Drop);
    assert_eq!(run.frame, request);
    let counters = m.counters(VIP).unwrap();
    assert_eq!((counters.arp_requests, counters.arp_replies), (1, 0));
    assert_eq!(counters.fenced, 1);
    assert!(!m.status(VIP).unwrap().unwrap().owned);
}

#[test]
fn never_owned_vip_is_fenced_after_release() {
    let Some(mut m) = manager("never_owned_vip_is_fenced_after_release") else {
        return;
    };
    m.release(VIP).unwrap();
    assert_eq!(
        m.run_xdp(&arp_request(VIP)).unwrap().action,
        XdpAction::Drop
    );
    assert_eq!(m.run_xdp(&ipv4_to(VIP)).unwrap().action, XdpAction::Drop);
}

#[test]
fn ipv4_to_fenced_vip_is_dropped_and_to_owned_vip_passes() {
    let Some(mut m) = manager("ipv4_to_fenced_vip_is_dropped_and_to_owned_vip_passes") else {
        return;
    };
    let packet = ipv4_to(VIP);
    m.release(VIP).unwrap();
    let run = m.run_xdp(&packet).unwrap();
    assert_eq!(run.action, XdpAction::Drop);
    assert_eq!(m.counters(VIP).unwrap().fenced, 1);

    m.set_owned(VIP, LEASE).unwrap();
    let run = m.run_xdp(&packet).unwrap();
    assert_eq!(run.action, XdpAction::Pass);
    assert_eq!(run.frame, packet);
    assert_eq!(m.counters(VIP).unwrap().fenced, 1);
}

#[test]
fn expired_lease_is_not_owned() {
    let Some(mut m) = manager("expired_lease_is_not_owned") else {
        return;
    };
    // A zero lease has run out by the time the program looks.
    m.set_owned(VIP, Duration::ZERO).unwrap();
    let status = m.status(VIP).unwrap().unwrap();
    assert!(!status.owned);
    assert_eq!(status.lease_left, Duration::ZERO);
    assert_eq!(
        m.run_xdp(&arp_request(VIP)).unwrap().action,
        XdpAction::Drop
    );
    assert_eq!(m.run_xdp(&ipv4_to(VIP)).unwrap().action, XdpAction::Drop);

    // Renewing makes it owned again.
    m.set_owned(VIP, LEASE).unwrap();
    let status = m.status(VIP).unwrap().unwrap();
    assert!(status.owned);
    assert!(status.lease_left > Duration::ZERO && status.lease_left <= LEASE);
    assert_eq!(m.run_xdp(&arp_request(VIP)).unwrap().action, XdpAction::Tx);
}

#[test]
fn unrelated_traffic_passes_untouched() {
    let Some(mut m) = manager("unrelated_traffic_passes_untouched") else {
        return;
    };
    m.release(VIP).unwrap(); // fenced: the strictest state for the VIP
    let mut not_ipv4_arp = arp_request(VIP);
    not_ipv4_arp[16] = 0x86; // ptype 0x86dd
    not_ipv4_arp[17] = 0xdd;
    let mut not_ethernet_arp = arp_request(VIP);
    not_ethernet_arp[15] = 6; // htype 6 (IEEE 802)
    let mut odd_lengths = arp_request(VIP);
    odd_lengths[18] = 8; // hlen 8
    let mut not_v4 = ipv4_to(VIP);
    not_v4[14] = 0x65; // version 6 in an IPv4 EtherType
    let frames = [
        ("ARP request for another address", arp_request(OTHER_IP)),
        ("ARP reply for the VIP", arp(2, PEER_IP, VIP)),
        ("gratuitous ARP for the VIP", arp(1, VIP, VIP)),
        ("ARP with a non-IPv4 protocol", not_ipv4_arp),
        ("ARP with a non-Ethernet hardware type", not_ethernet_arp),
        ("ARP with odd address lengths", odd_lengths),
        ("IPv4 to another address", ipv4_to(OTHER_IP)),
        ("IPv4 EtherType, version 6 header", not_v4),
        ("IPv6", ipv6()),
    ];
    for (what, frame) in frames {
        let run = m.run_xdp(&frame).unwrap();
        assert_eq!(run.action, XdpAction::Pass, "{what}");
        assert_eq!(run.frame, frame, "{what} must be untouched");
    }
    assert_eq!(m.counters(VIP).unwrap(), VipCounters::default());
}

#[test]
fn forgotten_vip_is_passed() {
    let Some(mut m) = manager("forgotten_vip_is_passed") else {
        return;
    };
    m.release(VIP).unwrap();
    m.forget(VIP).unwrap();
    assert_eq!(m.status(VIP).unwrap(), None);
    assert!(m.counters(VIP).is_err());
    assert_eq!(
        m.run_xdp(&arp_request(VIP)).unwrap().action,
        XdpAction::Pass
    );
    assert_eq!(m.run_xdp(&ipv4_to(VIP)).unwrap().action, XdpAction::Pass);
}

#[test]
fn every_truncation_of_an_arp_request_passes() {
    let Some(mut m) = manager("every_truncation_of_an_arp_request_passes") else {
        return;
    };
    m.set_owned(VIP, LEASE).unwrap();
    let request = arp_request(VIP);
    // The kernel refuses test frames shorter than an Ethernet header.
    for len in 0..14 {
        assert!(m.run_xdp(&request[..len]).is_err(), "len {len}");
    }
    for len in 14..42 {
        let run = m.run_xdp(&request[..len]).unwrap();
        assert_eq!(run.action, XdpAction::Pass, "len {len}");
        assert_eq!(run.frame, request[..len], "len {len}");
    }
    // 42 bytes (no padding) is a whole ARP packet: answered.
    assert_eq!(m.run_xdp(&request[..42]).unwrap().action, XdpAction::Tx);
    assert_eq!(m.counters(VIP).unwrap().arp_requests, 1);
}

#[test]
fn every_truncation_of_an_ipv4_packet_to_a_fenced_vip_passes() {
    let Some(mut m) = manager("every_truncation_of_an_ipv4_packet_to_a_fenced_vip_passes") else {
        return;
    };
    m.release(VIP).unwrap();
    let packet = ipv4_to(VIP);
    for len in 14..34 {
        let run = m.run_xdp(&packet[..len]).unwrap();
        assert_eq!(run.action, XdpAction::Pass, "len {len}");
    }
    assert_eq!(m.run_xdp(&packet[..34]).unwrap().action, XdpAction::Drop);
}
