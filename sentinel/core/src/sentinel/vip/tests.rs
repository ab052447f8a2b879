//! The ownership rule driven by hand: hellos from peers, the master address, time.

use std::net::Ipv4Addr;
use std::time::Duration;

use bytes::Bytes;

use super::super::*;
use crate::config::{KnownSentinel, MasterConfig, SentinelConfig, VipConfig};
use crate::hello::Hello;
use crate::sentinel::ClientOrigin;
use crate::timing::Timing;

const MYID: &str = "0000000000000000000000000000000000000001";
const PEERS: [&str; 2] = [
    "0000000000000000000000000000000000000002",
    "0000000000000000000000000000000000000003",
];
const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 100);

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

/// A sentinel on host 10.0.0.1 watching `mymaster` at `master_host`, with two known peers, a
/// VIP with a 500 ms lease and down-after 1000 ms.
fn sentinel(master_host: &str) -> Sentinel {
    let mut s = Sentinel::new(SentinelParams {
        myid: MYID.to_string(),
        port: 26379,
        announce_ip: None,
        current_epoch: 0,
        timing: Timing::default(),
        limits: Limits::default(),
        seed: 1,
    });
    let mut m = MasterConfig::new("mymaster", master_host, 6379, 2);
    m.down_after_ms = 1000;
    m.vip = Some(VipConfig {
        addr: VIP,
        interface: "eth0".into(),
        lease_ms: Some(500),
        garp_count: Some(5),
    });
    for (i, runid) in PEERS.iter().enumerate() {
        m.known_sentinels.push(KnownSentinel {
            host: format!("10.0.0.{}", i + 2),
            port: 26379,
            runid: runid.to_string(),
        });
    }
    let cfg = SentinelConfig {
        masters: vec![m],
        ..SentinelConfig::default()
    };
    s.load_config(ms(0), &cfg).unwrap();
    s.set_local_addresses(ms(0), ["10.0.0.1".to_string(), VIP.to_string()]);
    s
}

fn hello(s: &mut Sentinel, now: Instant, from: &str, master_host: &str, epoch: u64) {
    let h = Hello {
        sentinel_ip: "10.0.0.9".into(),
        sentinel_port: 26379,
        sentinel_runid: from.to_string(),
        current_epoch: epoch,
        master_name: "mymaster".into(),
        master_ip: master_host.into(),
        master_port: 6379,
        master_config_epoch: epoch,
    };
    s.process_hello(now, h.format().as_bytes());
}

fn vip_actions(s: &mut Sentinel) -> Vec<Action> {
    std::iter::from_fn(|| s.poll_action())
        .filter(|a| {
            matches!(
                a,
                Action::VipOwn { .. } | Action::VipRelease { .. } | Action::VipForget { .. }
            )
        })
        .collect()
}

fn vip_events(s: &mut Sentinel) -> Vec<String> {
    std::iter::from_fn(|| s.poll_action())
        .filter_map(|a| match a {
            Action::Publish(e) if e.channel.contains("vip") => Some(e.to_string()),
            _ => None,
        })
        .collect()
}

fn owned(s: &Sentinel) -> bool {
    s.vip_views()[0].owned
}

#[test]
fn no_majority_heard_no_ownership() {
    let mut s = sentinel("10.0.0.1");
    assert!(!owned(&s), "only itself heard: 1 of 3");
    assert!(vip_actions(&mut s).is_empty());
    hello(&mut s, ms(10), PEERS[0], "10.0.0.1", 0);
    assert!(owned(&s), "itself and one peer: 2 of 3");
}

#[test]
fn master_on_this_host_and_majority_heard_takes_the_vip_with_an_announcement() {
    let mut s = sentinel("10.0.0.1");
    hello(&mut s, ms(100), PEERS[0], "10.0.0.1", 0);
    let actions = vip_actions(&mut s);
    assert_eq!(
        actions,
        vec![Action::VipOwn {
            vip: VIP,
            interface: "eth0".into(),
            // Until the peer's contact is one lease old.
            lease: Duration::from_millis(500),
            announce: 5,
        }]
    );
    hello(&mut s, ms(150), PEERS[0], "10.0.0.1", 0);
    hello(&mut s, ms(200), PEERS[1], "10.0.0.1", 0);
    assert_eq!(
        vip_events(&mut s),
        Vec::<String>::new(),
        "no event on renewal"
    );
}

#[test]
fn event_payloads_are_redis_style() {
    let mut s = sentinel("10.0.0.1");
    hello(&mut s, ms(100), PEERS[0], "10.0.0.1", 0);
    assert_eq!(
        vip_events(&mut s),
        vec!["+vip-acquired mymaster 10.0.0.100 eth0".to_string()]
    );
}

#[test]
fn master_elsewhere_is_never_owned() {
    let mut s = sentinel("10.0.0.2");
    hello(&mut s, ms(100), PEERS[0], "10.0.0.2", 0);
    hello(&mut s, ms(100), PEERS[1], "10.0.0.2", 0);
    assert!(!owned(&s));
    assert!(vip_actions(&mut s).is_empty());
}

#[test]
fn the_vip_itself_does_not_make_a_master_local() {
    let mut s = sentinel(&VIP.to_string());
    hello(&mut s, ms(100), PEERS[0], &VIP.to_string(), 0);
    assert!(!owned(&s));
}

#[test]
fn renewals_follow_contacts_and_silence_fences_at_the_lease() {
    let mut s = sentinel("10.0.0.1");
    let mut now = 0;
    // Contacts every 200 ms keep the claim alive and renewed.
    for _ in 0..10 {
        now += 200;
        hello(&mut s, ms(now), PEERS[0], "10.0.0.1", 0);
        s.handle_timeout(ms(now));
    }
    assert!(owned(&s));
    let renewals = vip_actions(&mut s)
        .into_iter()
        .filter(|a| matches!(a, Action::VipOwn { announce: 0, .. }))
        .count();
    assert!(renewals >= 5, "renewed on contacts: {renewals}");
    let last = now;
    // Silence: the core asks to be woken before the claim runs out...
    assert!(s.poll_timeout().unwrap() <= ms(last + 500));
    // ...and, driven by its timers only, gives it up exactly one lease after the last contact.
    let _ = vip_events(&mut s);
    let mut t = last;
    while owned(&s) && t < last + 2000 {
        t += 1;
        s.handle_timeout(ms(t));
    }
    assert_eq!(t, last + 500, "fenced at the lease");
    assert_eq!(
        vip_events(&mut s),
        vec!["+vip-fenced mymaster 10.0.0.100 eth0".to_string()]
    );
}

#[test]
fn the_kernel_lease_never_outlives_the_majority_rule() {
    let mut s = sentinel("10.0.0.1");
    let mut now = 0;
    let mut last_contact = 0;
    for i in 0..40u64 {
        now += 37;
        if i % 3 != 2 {
            hello(&mut s, ms(now), PEERS[(i % 2) as usize], "10.0.0.1", 0);
            last_contact = now;
        }
        s.handle_timeout(ms(now));
        for a in vip_actions(&mut s) {
            if let Action::VipOwn { lease, .. } = a {
                assert!(ms(now) + lease <= ms(last_contact + 500), "at {now}");
            }
        }
    }
}

#[test]
fn switch_master_moves_the_vip() {
    // Old master's host: releases at once on +switch-master.
    let mut old = sentinel("10.0.0.1");
    hello(&mut old, ms(100), PEERS[0], "10.0.0.1", 0);
    assert!(owned(&old));
    let _ = vip_actions(&mut old);
    hello(&mut old, ms(200), PEERS[0], "10.0.0.2", 1);
    assert!(!owned(&old));
    assert_eq!(
        vip_actions(&mut old),
        vec![Action::VipRelease {
            vip: VIP,
            interface: "eth0".into()
        }]
    );

    // New master's host (this sentinel on 10.0.0.1, master moving here).
    let mut new = sentinel("10.0.0.2");
    hello(&mut new, ms(100), PEERS[0], "10.0.0.2", 0);
    assert!(!owned(&new));
    hello(&mut new, ms(200), PEERS[0], "10.0.0.1", 1);
    assert!(owned(&new));
    let actions = vip_actions(&mut new);
    assert!(
        matches!(actions.as_slice(), [Action::VipOwn { announce: 5, .. }]),
        "{actions:?}"
    );
}

#[test]
fn a_sentinel_that_knows_no_peers_yet_is_not_a_majority_when_quorum_says_more() {
    let mut s = Sentinel::new(SentinelParams {
        myid: MYID.to_string(),
        port: 26379,
        announce_ip: None,
        current_epoch: 0,
        timing: Timing::default(),
        limits: Limits::default(),
        seed: 1,
    });
    let mut m = MasterConfig::new("mymaster", "10.0.0.1", 6379, 2);
    m.down_after_ms = 1000;
    m.vip = Some(VipConfig {
        addr: VIP,
        interface: "eth0".into(),
        lease_ms: None,
        garp_count: None,
    });
    let cfg = SentinelConfig {
        masters: vec![m],
        ..SentinelConfig::default()
    };
    s.load_config(ms(0), &cfg).unwrap();
    s.set_local_addresses(ms(0), ["10.0.0.1".to_string()]);
    assert!(!s.vip_views()[0].owned, "quorum 2: a group of at least two");
    // The first peer is discovered by its hello: now two of two.
    hello(&mut s, ms(10), PEERS[0], "10.0.0.1", 0);
    assert!(s.vip_views()[0].owned);
}

#[test]
fn lone_sentinel_renews_on_its_own_timers() {
    let mut s = Sentinel::new(SentinelParams {
        myid: MYID.to_string(),
        port: 26379,
        announce_ip: None,
        current_epoch: 0,
        timing: Timing::default(),
        limits: Limits::default(),
        seed: 1,
    });
    let mut m = MasterConfig::new("solo", "10.0.0.1", 6379, 1);
    m.down_after_ms = 1000;
    m.vip = Some(VipConfig {
        addr: VIP,
        interface: "eth0".into(),
        lease_ms: None,
        garp_count: None,
    });
    let cfg = SentinelConfig {
        masters: vec![m],
        ..SentinelConfig::default()
    };
    s.load_config(ms(0), &cfg).unwrap();
    s.set_local_addresses(ms(0), ["10.0.0.1".to_string()]);
    assert_eq!(s.vip_views()[0].lease, Duration::from_millis(500));
    assert!(s.vip_views()[0].owned, "a group of one is its own majority");
    for _ in 0..50 {
        let at = s.poll_timeout().unwrap();
        s.handle_timeout(at);
    }
    assert!(s.vip_views()[0].owned);
}

fn release_and_forget() -> Vec<Action> {
    vec![
        Action::VipRelease {
            vip: VIP,
            interface: "eth0".into(),
        },
        Action::VipForget {
            vip: VIP,
            interface: "eth0".into(),
        },
    ]
}

#[test]
fn removing_the_vip_releases_and_forgets() {
    let mut s = sentinel("10.0.0.1");
    hello(&mut s, ms(100), PEERS[0], "10.0.0.1", 0);
    let _ = vip_actions(&mut s);
    s.set_vip(ms(150), "mymaster", None);
    assert!(s.vip_views().is_empty());
    assert_eq!(vip_actions(&mut s), release_and_forget());
    // Nothing left to renew or fence.
    hello(&mut s, ms(200), PEERS[1], "10.0.0.1", 0);
    assert!(s.vip_next_deadline().is_none());
    assert!(vip_actions(&mut s).is_empty());
}

#[test]
fn removing_a_vip_not_owned_only_forgets() {
    let mut s = sentinel("10.0.0.2");
    let _ = vip_actions(&mut s);
    s.set_vip(ms(150), "mymaster", None);
    assert_eq!(
        vip_actions(&mut s),
        vec![Action::VipForget {
            vip: VIP,
            interface: "eth0".into()
        }]
    );
}

/// Runs one client command and returns the VIP actions and published VIP events it caused.
fn command(s: &mut Sentinel, now: Instant, args: &[&str]) -> (Vec<Action>, Vec<String>) {
    let client = crate::action::ClientId(9);
    s.handle_client_connected(now, client, ClientOrigin::Unknown);
    let args: Vec<Bytes> = args.iter().map(|a| Bytes::from(a.to_string())).collect();
    s.handle_client_command(now, client, args);
    let mut actions = Vec::new();
    let mut events = Vec::new();
    for a in std::iter::from_fn(|| s.poll_action()) {
        match a {
            Action::VipOwn { .. } | Action::VipRelease { .. } | Action::VipForget { .. } => {
                actions.push(a)
            }
            Action::Publish(e) if e.channel.contains("vip") => events.push(e.to_string()),
            _ => {}
        }
    }
    (actions, events)
}

#[test]
fn sentinel_remove_releases_and_forgets() {
    let mut s = sentinel("10.0.0.1");
    hello(&mut s, ms(100), PEERS[0], "10.0.0.1", 0);
    let _ = vip_actions(&mut s);
    let (actions, events) = command(&mut s, ms(150), &["SENTINEL", "REMOVE", "mymaster"]);
    assert_eq!(actions, release_and_forget());
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].contains("-vip-released"), "{events:?}");
    assert!(s.vip_views().is_empty());
}

#[test]
fn sentinel_set_vip_empty_removes_it_and_the_rewrite_drops_it() {
    let mut s = sentinel("10.0.0.1");
    hello(&mut s, ms(100), PEERS[0], "10.0.0.1", 0);
    let _ = vip_actions(&mut s);
    let (actions, _) = command(
        &mut s,
        ms(150),
        &["SENTINEL", "SET", "mymaster", "vip", "x"],
    );
    assert!(actions.is_empty(), "only removal at run time");
    assert!(owned(&s));
    let (actions, _) = command(&mut s, ms(160), &["SENTINEL", "SET", "mymaster", "vip", ""]);
    assert_eq!(actions, release_and_forget());
    assert!(s.vip_views().is_empty());
    let mut base = MasterConfig::new("mymaster", "10.0.0.1", 6379, 2);
    base.vip = Some(VipConfig {
        addr: VIP,
        interface: "eth0".into(),
        lease_ms: Some(500),
        garp_count: Some(5),
    });
    let base = SentinelConfig {
        masters: vec![base],
        ..SentinelConfig::default()
    };
    assert_eq!(s.config_snapshot(&base).masters[0].vip, None);
}

#[test]
fn the_rewrite_keeps_a_configured_vip() {
    let s = sentinel("10.0.0.1");
    let mut base = MasterConfig::new("mymaster", "10.0.0.1", 6379, 2);
    let vip = VipConfig {
        addr: VIP,
        interface: "eth0".into(),
        lease_ms: Some(500),
        garp_count: Some(5),
    };
    base.vip = Some(vip.clone());
    let base = SentinelConfig {
        masters: vec![base],
        ..SentinelConfig::default()
    };
    assert_eq!(s.config_snapshot(&base).masters[0].vip, Some(vip));
}

#[test]
fn a_master_address_added_to_the_host_later_is_recognised() {
    let mut s = sentinel("10.0.0.7");
    hello(&mut s, ms(100), PEERS[0], "10.0.0.7", 0);
    assert!(!owned(&s));
    let _ = vip_actions(&mut s);
    // The driver's periodic refresh finds the address added since start.
    s.set_local_addresses(
        ms(120),
        [
            "10.0.0.1".to_string(),
            "10.0.0.7".to_string(),
            VIP.to_string(),
        ],
    );
    assert!(owned(&s));
    assert!(matches!(
        vip_actions(&mut s).as_slice(),
        [Action::VipOwn { announce: 5, .. }]
    ));
    // And taken away again: released.
    s.set_local_addresses(ms(130), ["10.0.0.1".to_string()]);
    assert!(!owned(&s));
    assert_eq!(
        vip_actions(&mut s),
        vec![Action::VipRelease {
            vip: VIP,
            interface: "eth0".into()
        }]
    );
}

#[test]
fn info_vip_only_when_asked() {
    let mut s = sentinel("10.0.0.1");
    hello(&mut s, ms(100), PEERS[0], "10.0.0.1", 0);
    let client = crate::action::ClientId(7);
    s.handle_client_connected(ms(150), client, ClientOrigin::Unknown);
    let _ = std::iter::from_fn(|| s.poll_action()).count();
    let info = |s: &mut Sentinel, args: &[&str]| -> String {
        let args: Vec<Bytes> = args.iter().map(|a| Bytes::from(a.to_string())).collect();
        s.handle_client_command(ms(200), client, args);
        let replies: Vec<String> = std::iter::from_fn(|| s.poll_action())
            .filter_map(|a| match a {
                Action::Reply {
                    frame: crate::resp::Frame::Bulk(b),
                    ..
                } => Some(String::from_utf8(b.to_vec()).unwrap()),
                _ => None,
            })
            .collect();
        replies.concat()
    };
    assert!(!info(&mut s, &["INFO"]).contains("# VIP"));
    assert!(!info(&mut s, &["INFO", "all"]).contains("# VIP"));
    let vip = info(&mut s, &["INFO", "vip"]);
    assert!(vip.starts_with("# VIP\r\n"), "{vip}");
    assert!(
        vip.contains("vip0:name=mymaster,vip=10.0.0.100,interface=eth0,status=owned,lease_ms=500,lease_left_ms=400,"),
        "{vip}"
    );
}

#[test]
fn a_silent_claim_never_asks_to_be_woken_in_the_past() {
    let mut s = sentinel("10.0.0.1");
    hello(&mut s, ms(100), PEERS[0], "10.0.0.1", 0);
    let mut checks = Vec::new();
    for _ in 0..5 {
        let Some(at) = s.vip_next_deadline() else {
            break;
        };
        checks.push(at);
        s.handle_timeout(at);
    }
    // Renewal point (a quarter lease early), then the fence at the end of the claim.
    assert_eq!(checks, vec![ms(475), ms(600)]);
    assert!(!owned(&s));
}
