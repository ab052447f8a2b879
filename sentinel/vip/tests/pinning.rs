//! Pinning to bpffs: a "restarted" manager re-adopts the attached program and its maps (root
//! only; uses its own namespace, veth and bpffs mount, removed however the test ends).

mod common;

use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use sentinel_vip::{Adoption, AttachMode, VipError, VipManager, XdpAction};

const VIP: Ipv4Addr = Ipv4Addr::new(10, 78, 0, 100);

struct Scratch {
    netns: String,
    bpffs: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.bpffs).status();
        let _ = std::fs::remove_dir(&self.bpffs);
        let _ = Command::new("ip")
            .args(["netns", "del", &self.netns])
            .status();
    }
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().expect("run");
    assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The id of the XDP program attached to `dev`, from `ip link show`.
fn xdp_prog_id(netns: &str, dev: &str) -> Option<String> {
    let shown = run("ip", &["-n", netns, "link", "show", dev]);
    let (_, rest) = shown.split_once("prog/xdp id ")?;
    rest.split_whitespace().next().map(str::to_string)
}

#[test]
fn restart_readopts_pinned_program_and_maps() {
    if !common::is_root() {
        eprintln!("SKIP restart_readopts_pinned_program_and_maps: needs root (bpffs, XDP)");
        return;
    }
    let pid = std::process::id();
    let scratch = Scratch {
        netns: format!("vipp-{pid}"),
        bpffs: std::env::temp_dir().join(format!("vip-bpffs-{pid}")),
    };
    let (dev, peer) = (format!("vipp{pid}"), format!("vipq{pid}"));
    run("ip", &["netns", "add", &scratch.netns]);
    run(
        "ip",
        &[
            "-n",
            &scratch.netns,
            "link",
            "add",
            &dev,
            "type",
            "veth",
            "peer",
            "name",
            &peer,
        ],
    );
    run("ip", &["-n", &scratch.netns, "link", "set", &dev, "up"]);
    run("ip", &["-n", &scratch.netns, "link", "set", &peer, "up"]);
    std::fs::create_dir_all(&scratch.bpffs).unwrap();
    run(
        "mount",
        &["-t", "bpf", "bpf", scratch.bpffs.to_str().unwrap()],
    );
    let pins = scratch.bpffs.join(&dev);

    let netns = scratch.netns.clone();
    let result = std::thread::spawn(move || {
        let f = std::fs::File::open(format!("/run/netns/{netns}")).unwrap();
        // Safety: `f` is an open namespace descriptor for the duration of the call; setns only
        // moves this thread.
        assert_eq!(unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) }, 0);

        let (mut first, adoption) = match VipManager::attach_pinned(&dev, &pins) {
            Err(VipError::ProgramNotBuilt) if std::env::var("SENTINEL_EBPF_REQUIRED").is_err() => {
                eprintln!("SKIP restart_readopts_pinned_program_and_maps: program not built");
                return;
            }
            other => other.unwrap(),
        };
        assert_eq!(adoption, Adoption::Fresh);
        assert_eq!(first.attach_mode(), Some(AttachMode::Native));
        first.set_owned(VIP, Duration::from_secs(600)).unwrap();
        let request = common::arp(1, Ipv4Addr::new(10, 78, 0, 2), VIP);
        assert_eq!(first.run_xdp(&request).unwrap().action, XdpAction::Tx);
        let first_prog = xdp_prog_id(&netns, &dev).expect("attached");
        drop(first); // the "crash": every descriptor closes

        let after_exit = xdp_prog_id(&netns, &dev);
        assert_eq!(
            after_exit.as_ref(),
            Some(&first_prog),
            "stays attached while pinned"
        );

        let (mut second, adoption) = VipManager::attach_pinned(&dev, &pins).unwrap();
        assert_eq!(adoption, Adoption::Adopted);
        assert_eq!(second.attach_mode(), Some(AttachMode::Native));
        let status = second.status(VIP).unwrap().expect("VIP state carried over");
        assert!(status.owned);
        assert_eq!(second.counters(VIP).unwrap().arp_replies, 1);
        assert_eq!(second.run_xdp(&request).unwrap().action, XdpAction::Tx);
        let second_prog = xdp_prog_id(&netns, &dev).expect("still attached");
        assert_ne!(second_prog, first_prog, "program replaced in place");

        second.detach().unwrap();
        assert_eq!(xdp_prog_id(&netns, &dev), None, "detached");
        assert!(!pins.exists(), "pins removed");
    })
    .join();
    drop(scratch);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
