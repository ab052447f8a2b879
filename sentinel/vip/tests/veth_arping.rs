//! Two network namespaces joined by a veth pair; the program attached on one end, `arping`
//! from the other (root only; needs `ip` and iputils `arping`). The VIP gets no ARP answer
//! while fenced, is answered while owned, and a gratuitous ARP from the kernel (live frames)
//! moves a neighbour entry on the peer.
//!
//! Native XDP_TX on veth only delivers when the peer end runs an XDP program too
//! (toolchain.md): the peer gets a second copy of our program with no VIPs, which passes
//! everything.

mod common;

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sentinel_vip::{AttachMode, GarpPath, MacAddr, VipError, VipManager};

const VIP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 100);

/// The namespaces of one test run; deleted (with their veths) however the test ends.
struct Netns {
    ours: String,
    peer: String,
}

impl Drop for Netns {
    fn drop(&mut self) {
        for ns in [&self.ours, &self.peer] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

fn ip(args: &[&str]) {
    let status = Command::new("ip").args(args).status().expect("run ip");
    assert!(status.success(), "ip {args:?} failed: {status}");
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Moves the calling thread into network namespace `ns`.
fn enter(ns: &str) {
    let f = File::open(format!("/run/netns/{ns}")).expect("open netns");
    // Safety: `f` is an open namespace file descriptor for the duration of the call; setns
    // only changes this thread's network namespace.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns {ns}: {}", std::io::Error::last_os_error());
}

/// How many replies `arping` from the peer namespace got, and its output. Handles both
/// iputils arping ("Received N response(s)", `-I iface`) and Thomas Habets' arping, which
/// Debian installs as `arping` ("N packets received", `-i iface`).
/// `deadline_s` bounds the run; arping exits as soon as `count` replies are in.
fn arping(peer_ns: &str, peer_if: &str, count: u32, deadline_s: u32) -> (u32, String) {
    let habets = Command::new("arping")
        .arg("--help")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("Habets"));
    let iface_flag = if habets { "-i" } else { "-I" };
    let out = Command::new("ip")
        .args(["netns", "exec", peer_ns, "arping", "-c"])
        .arg(count.to_string())
        .arg("-w")
        .arg(deadline_s.to_string())
        .args([iface_flag, peer_if])
        .arg(VIP.to_string())
        .output()
        .expect("run arping");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let received = stdout
        .lines()
        .find_map(|l| {
            if let Some(rest) = l.strip_prefix("Received ") {
                return rest.split_whitespace().next();
            }
            let (_, rest) = l.split_once(" packets transmitted, ")?;
            rest.split_whitespace().next()
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary in arping output:\n{stdout}"));
    (received, stdout)
}

/// The peer's neighbour entry MAC for the VIP, waiting up to `within` for it to show `want`.
fn peer_neighbour_becomes(peer_ns: &str, want: &str, within: Duration) -> String {
    let start = Instant::now();
    loop {
        let out = Command::new("ip")
            .args(["-n", peer_ns, "neigh", "show"])
            .arg(VIP.to_string())
            .output()
            .expect("ip neigh");
        let shown = String::from_utf8_lossy(&out.stdout).into_owned();
        if shown.contains(want) || start.elapsed() > within {
            return shown;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn arping_sees_the_vip_only_while_owned() {
    if !common::is_root() {
        eprintln!("SKIP arping_sees_the_vip_only_while_owned: needs root (netns, XDP)");
        return;
    }
    for tool in ["ip", "arping"] {
        if !have(tool) {
            eprintln!("SKIP arping_sees_the_vip_only_while_owned: `{tool}` is not installed");
            return;
        }
    }
    let pid = std::process::id();
    let ns = Netns {
        ours: format!("vipt-a-{pid}"),
        peer: format!("vipt-b-{pid}"),
    };
    let (our_if, peer_if) = (format!("vipa{pid}"), format!("vipb{pid}"));
    ip(&["netns", "add", &ns.ours]);
    ip(&["netns", "add", &ns.peer]);
    ip(&[
        "link", "add", &our_if, "netns", &ns.ours, "type", "veth", "peer", "name", &peer_if,
        "netns", &ns.peer,
    ]);
    ip(&[
        "-n",
        &ns.ours,
        "addr",
        "add",
        "10.77.0.1/24",
        "dev",
        &our_if,
    ]);
    ip(&[
        "-n",
        &ns.peer,
        "addr",
        "add",
        "10.77.0.2/24",
        "dev",
        &peer_if,
    ]);
    ip(&["-n", &ns.ours, "link", "set", &our_if, "up"]);
    ip(&["-n", &ns.peer, "link", "set", &peer_if, "up"]);

    // The peer end's pass-everything program, held until the test is done.
    let (ready_tx, ready_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (peer_ns, peer_if_name) = (ns.peer.clone(), peer_if.clone());
    let peer = std::thread::spawn(move || {
        enter(&peer_ns);
        let attached = VipManager::attach(&peer_if_name).map(|_m| {
            let _ = ready_tx.send(Ok(()));
            let _ = done_rx.recv();
        });
        if let Err(e) = attached {
            let _ = ready_tx.send(Err(e));
        }
    });
    match ready_rx.recv().expect("peer thread") {
        Ok(()) => {}
        Err(VipError::ProgramNotBuilt) if std::env::var("SENTINEL_EBPF_REQUIRED").is_err() => {
            eprintln!("SKIP arping_sees_the_vip_only_while_owned: XDP program not built");
            return;
        }
        Err(e) => panic!("attaching on the peer: {e}"),
    }

    // Our side runs in its own thread inside our namespace: interface lookups and live-frame
    // runs resolve interfaces in the calling thread's namespace.
    let (our_ns, peer_ns, our_if_name) = (ns.ours.clone(), ns.peer.clone(), our_if.clone());
    let ours = std::thread::spawn(move || {
        enter(&our_ns);
        let mut m = VipManager::attach(&our_if_name).expect("attach");
        assert_eq!(
            m.attach_mode(),
            Some(AttachMode::Native),
            "veth supports native XDP"
        );
        let our_mac: MacAddr = m.interface().expect("attached").mac;

        m.release(VIP).unwrap();
        let (received, out) = arping(&peer_ns, &peer_if, 2, 3);
        assert_eq!(received, 0, "fenced VIP answered:\n{out}");
        let c = m.counters(VIP).unwrap();
        assert!(
            c.arp_requests >= 2 && c.fenced >= 2 && c.arp_replies == 0,
            "{c:?}"
        );

        m.set_owned(VIP, Duration::from_secs(600)).unwrap();
        let (received, out) = arping(&peer_ns, &peer_if, 3, 10);
        assert_eq!(received, 3, "owned VIP not answered:\n{out}");
        let mac = our_mac.to_string();
        assert!(
            out.to_lowercase().contains(&mac),
            "replies not from {mac}:\n{out}"
        );
        assert!(m.counters(VIP).unwrap().arp_replies >= 3);

        // A stale neighbour entry on the peer pointing elsewhere; the announcement moves it.
        ip(&[
            "-n",
            &peer_ns,
            "neigh",
            "replace",
            &VIP.to_string(),
            "lladdr",
            "02:00:00:00:00:99",
            "dev",
            &peer_if,
            "nud",
            "stale",
        ]);
        let path = m.send_gratuitous_arp(VIP, 3).unwrap();
        assert_eq!(path, GarpPath::LiveFrames);
        assert_eq!(m.counters(VIP).unwrap().garps, 3);
        let lower_mac = our_mac.to_string();
        let shown = peer_neighbour_becomes(&peer_ns, &lower_mac, Duration::from_secs(3));
        assert!(
            shown.contains(&lower_mac),
            "peer neighbour not moved: {shown}"
        );

        // The AF_PACKET fallback sends the same announcement.
        ip(&[
            "-n",
            &peer_ns,
            "neigh",
            "replace",
            &VIP.to_string(),
            "lladdr",
            "02:00:00:00:00:98",
            "dev",
            &peer_if,
            "nud",
            "stale",
        ]);
        m.send_gratuitous_arp_from_user_space(VIP, 3).unwrap();
        let shown = peer_neighbour_becomes(&peer_ns, &lower_mac, Duration::from_secs(3));
        assert!(
            shown.contains(&lower_mac),
            "fallback did not move it: {shown}"
        );

        m.release(VIP).unwrap();
        assert!(matches!(
            m.send_gratuitous_arp(VIP, 1),
            Err(VipError::NotOwned(_))
        ));
        let (received, out) = arping(&peer_ns, &peer_if, 2, 3);
        assert_eq!(received, 0, "released VIP answered:\n{out}");
    });
    let result = ours.join();
    let _ = done_tx.send(());
    let _ = peer.join();
    drop(ns);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
