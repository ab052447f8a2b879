//! Host setup for a VIP: the address on `lo` and the NIC's ARP sysctls (root only; in a
//! namespace of its own, deleted however the test ends).

mod common;

use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::process::Command;

use sentinel_vip::host;

const VIP: Ipv4Addr = Ipv4Addr::new(10, 79, 0, 100);

struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn run(args: &[&str]) -> String {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(out.status.success(), "ip {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn vip_on_loopback_and_arp_sysctls() {
    if !common::is_root() {
        eprintln!("SKIP vip_on_loopback_and_arp_sysctls: needs root (netns, netlink, sysctl)");
        return;
    }
    let pid = std::process::id();
    let ns = Netns(format!("viph-{pid}"));
    let (dev, peer) = (format!("viph{pid}"), format!("vipi{pid}"));
    run(&["netns", "add", &ns.0]);
    run(&[
        "-n", &ns.0, "link", "add", &dev, "type", "veth", "peer", "name", &peer,
    ]);
    let name = ns.0.clone();
    let result = std::thread::spawn(move || {
        let f = std::fs::File::open(format!("/run/netns/{name}")).unwrap();
        // Safety: `f` is an open namespace descriptor for the duration of the call; setns only
        // moves this thread.
        assert_eq!(unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) }, 0);
        let on_lo = || run(&["-n", &name, "-4", "addr", "show", "dev", "lo"]);

        host::add_to_loopback(VIP).unwrap();
        host::add_to_loopback(VIP).unwrap(); // idempotent
        assert!(on_lo().contains("10.79.0.100/32"), "{}", on_lo());
        host::remove_from_loopback(VIP).unwrap();
        assert!(!on_lo().contains("10.79.0.100"), "{}", on_lo());
        host::remove_from_loopback(VIP).unwrap(); // idempotent

        host::set_arp_sysctls(&dev).unwrap();
        for (sysctl, want) in [("arp_ignore", "1"), ("arp_announce", "2")] {
            let path = format!("/proc/sys/net/ipv4/conf/{dev}/{sysctl}");
            assert_eq!(std::fs::read_to_string(path).unwrap().trim(), want);
        }
        assert!(host::set_arp_sysctls("no-such-if0").is_err());
    })
    .join();
    drop(ns);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
