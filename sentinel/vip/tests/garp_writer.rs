//! The gratuitous ARP writer on synthetic frames through BPF_PROG_TEST_RUN (root only).

mod common;

use std::time::Duration;

use common::*;
use sentinel_vip::{XdpAction, gratuitous_arp};

#[test]
fn garp_program_writes_an_announcement_for_an_owned_vip() {
    let Some(mut m) = manager("garp_program_writes_an_announcement_for_an_owned_vip") else {
        return;
    };
    m.set_owned(VIP, Duration::from_secs(600)).unwrap();
    // Junk everywhere but the target address, which names the VIP.
    let mut seed = vec![0x5au8; 60];
    seed[38..42].copy_from_slice(&VIP.octets());
    let run = m.run_garp(&seed).unwrap();
    assert_eq!(run.action, XdpAction::Tx);
    #[rustfmt::skip]
    let expected: [u8; 42] = [
        // Broadcast, from us, ARP.
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,
        // Ethernet/IPv4, op = request (arping -U).
        0, 1, 0x08, 0, 6, 4, 0, 1,
        // Sender: our MAC, the VIP; target: broadcast MAC, the VIP.
        0x02, 0, 0, 0, 0, 0x01, 10, 0, 0, 100,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 10, 0, 0, 100,
    ];
    assert_eq!(run.frame[..42], expected);
    // The user-space builder (the AF_PACKET fallback) writes the same frame.
    assert_eq!(run.frame[..42], gratuitous_arp(VIP, OUR_MAC)[..42]);
    // Running it again on its own output (live frames may recycle pages) is stable.
    assert_eq!(m.run_garp(&run.frame).unwrap().frame, run.frame);
    assert_eq!(m.counters(VIP).unwrap().garps, 2);
}

#[test]
fn garp_program_refuses_vips_not_owned() {
    let Some(mut m) = manager("garp_program_refuses_vips_not_owned") else {
        return;
    };
    let seed = gratuitous_arp(VIP, OUR_MAC);
    assert_eq!(
        m.run_garp(&seed).unwrap().action,
        XdpAction::Drop,
        "unknown"
    );
    m.release(VIP).unwrap();
    assert_eq!(
        m.run_garp(&seed).unwrap().action,
        XdpAction::Drop,
        "released"
    );
    m.set_owned(VIP, Duration::ZERO).unwrap();
    assert_eq!(
        m.run_garp(&seed).unwrap().action,
        XdpAction::Drop,
        "expired"
    );
    assert_eq!(m.counters(VIP).unwrap().garps, 0);
}

#[test]
fn garp_program_aborts_on_a_frame_too_short_to_fill() {
    let Some(mut m) = manager("garp_program_aborts_on_a_frame_too_short_to_fill") else {
        return;
    };
    m.set_owned(VIP, Duration::from_secs(600)).unwrap();
    let seed = gratuitous_arp(VIP, OUR_MAC);
    for len in 14..42 {
        assert_eq!(
            m.run_garp(&seed[..len]).unwrap().action,
            XdpAction::Aborted,
            "len {len}"
        );
    }
}

#[test]
fn send_gratuitous_arp_needs_an_attached_interface() {
    let Some(mut m) = manager("send_gratuitous_arp_needs_an_attached_interface") else {
        return;
    };
    m.set_owned(VIP, Duration::from_secs(600)).unwrap();
    assert!(matches!(
        m.send_gratuitous_arp(VIP, 1),
        Err(sentinel_vip::VipError::NotAttached)
    ));
}
