//! A device without native XDP (a bridge) gets the program in generic mode (root
//! only; in a namespace of its own, deleted however the test ends).

mod common;

use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::Duration;

use sentinel_vip::{AttachMode, VipError, VipManager, XdpAction};

struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn ip(args: &[&str]) -> String {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(out.status.success(), "ip {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn device_without_native_xdp_falls_back_to_generic_mode() {
    if !common::is_root() {
        eprintln!(
            "SKIP device_without_native_xdp_falls_back_to_generic_mode: needs root (netns, XDP)"
        );
        return;
    }
    let pid = std::process::id();
    let ns = Netns(format!("vipg-{pid}"));
    let dev = format!("vipg{pid}");
    ip(&["netns", "add", &ns.0]);
    ip(&["-n", &ns.0, "link", "add", &dev, "type", "bridge"]);
    ip(&["-n", &ns.0, "link", "set", &dev, "up"]);
    let name = ns.0.clone();
    let result = std::thread::spawn(move || {
        let f = std::fs::File::open(format!("/run/netns/{name}")).unwrap();
        // Safety: `f` is an open namespace descriptor for the duration of the call; setns only
        // moves this thread.
        assert_eq!(unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) }, 0);
        let mut m = match VipManager::attach(&dev) {
            Err(VipError::ProgramNotBuilt) if std::env::var("SENTINEL_EBPF_REQUIRED").is_err() => {
                eprintln!(
                    "SKIP device_without_native_xdp_falls_back_to_generic_mode: program not built"
                );
                return;
            }
            other => other.unwrap(),
        };
        assert_eq!(m.attach_mode(), Some(AttachMode::Generic));
        assert!(ip(&["-n", &name, "link", "show", &dev]).contains("xdpgeneric"));
        m.set_owned(common::VIP, Duration::from_secs(600)).unwrap();
        let run = m.run_xdp(&common::arp_request(common::VIP)).unwrap();
        assert_eq!(run.action, XdpAction::Tx);
        // The reply is sent from the interface's own MAC.
        let mac = m.interface().unwrap().mac;
        assert_eq!(run.frame[6..12], mac.0);
        assert_eq!(run.frame[22..28], mac.0);
        m.detach().unwrap();
        assert!(!ip(&["-n", &name, "link", "show", &dev]).contains("xdp"));
    })
    .join();
    drop(ns);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
