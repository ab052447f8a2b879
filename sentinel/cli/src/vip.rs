//! VIP takeover on this host: one XDP attachment (`sentinel_vip::VipManager`) per interface
//! that a `sentinel vip` line names, driven by the core's `VipOwn` / `VipRelease` actions.
//!
//! Needs root (CAP_BPF, CAP_NET_ADMIN) and the embedded program (`cargo xtask setup`); without
//! them the sentinel logs a warning and runs without VIP takeover, like a plain Redis Sentinel.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sentinel_core::config::ConfigFile;
use sentinel_uring::{Logger, VipControl};
use sentinel_vip::{Adoption, VipManager, host};

/// Where attachments are pinned (one directory per interface) when bpffs is mounted there, so
/// a restarted sentinel re-adopts them without interrupting a healthy master's VIP.
const PIN_ROOT: &str = "/sys/fs/bpf/sentinel";

/// The XDP attachments of this process, by interface, driven by one worker thread: a burst of
/// gratuitous ARPs through BPF_PROG_RUN with live frames can take a while (the kernel tears
/// down its page pool after the run), and the shard's event loop must not stall meanwhile, or
/// it would stop hearing its peers and fence the VIP it has just taken.
pub struct XdpVips {
    ops: Mutex<std::sync::mpsc::Sender<Op>>,
}

/// One job for the worker. Claims carry an absolute deadline taken when the core decided, so a
/// claim that waited in the queue never reaches past what the core granted.
enum Op {
    Own {
        vip: Ipv4Addr,
        interface: String,
        until: std::time::Instant,
        announce: u32,
    },
    Release {
        vip: Ipv4Addr,
        interface: String,
    },
    Forget {
        vip: Ipv4Addr,
        interface: String,
    },
}

/// One interface's attachment and the VIPs configured on it.
struct Attached {
    manager: VipManager,
    vips: BTreeSet<Ipv4Addr>,
}

/// A VIP that is no longer configured: its map entry goes (the program passes its traffic
/// again, it answers no ARP for it), so does its address on `lo`, and the program leaves the
/// interface (pins included) once no VIP is left on it.
fn forget(
    attached: &mut BTreeMap<String, Attached>,
    vip: Ipv4Addr,
    interface: &str,
    logger: &Logger,
) -> Result<(), String> {
    let a = attached
        .get_mut(interface)
        .ok_or_else(|| format!("no VIP program on {interface}"))?;
    a.manager.release(vip).map_err(|e| e.to_string())?;
    a.manager.forget(vip).map_err(|e| e.to_string())?;
    a.vips.remove(&vip);
    if let Err(e) = host::remove_from_loopback(vip) {
        logger.warning(&format!("VIP: can't remove {vip} from lo: {e}"));
    }
    logger.notice(&format!("VIP {vip} on {interface} removed"));
    if a.vips.is_empty()
        && let Some(mut a) = attached.remove(interface)
    {
        a.manager.detach().map_err(|e| e.to_string())?;
        logger.notice(&format!(
            "VIP program detached from {interface}: no VIP left on it"
        ));
    }
    Ok(())
}

fn worker(
    mut attached: BTreeMap<String, Attached>,
    ops: std::sync::mpsc::Receiver<Op>,
    logger: Arc<Logger>,
) {
    // Ends when the process drops the sender (shutdown).
    for op in ops {
        let result = match op {
            Op::Own {
                vip,
                interface,
                until,
                announce,
            } => attached
                .get_mut(&interface)
                .map(|a| &mut a.manager)
                .ok_or_else(|| format!("no VIP program on {interface}"))
                .and_then(|m| {
                    let lease = until.saturating_duration_since(std::time::Instant::now());
                    if lease.is_zero() {
                        // Decided too long ago: the claim has already run out.
                        return m.release(vip).map_err(|e| e.to_string());
                    }
                    m.set_owned(vip, lease).map_err(|e| e.to_string())?;
                    if announce > 0 {
                        let path = m
                            .send_gratuitous_arp(vip, announce)
                            .map_err(|e| e.to_string())?;
                        logger.notice(&format!(
                            "VIP {vip} on {interface}: {announce} gratuitous ARP(s) sent \
                             ({path:?})"
                        ));
                    }
                    Ok(())
                })
                .map_err(|e| format!("can't claim VIP {vip}: {e}")),
            Op::Release { vip, interface } => attached
                .get_mut(&interface)
                .ok_or_else(|| format!("no VIP program on {interface}"))
                .and_then(|a| a.manager.release(vip).map_err(|e| e.to_string()))
                .map_err(|e| format!("can't release VIP {vip}: {e}")),
            Op::Forget { vip, interface } => forget(&mut attached, vip, &interface, &logger)
                .map_err(|e| format!("can't remove VIP {vip}: {e}")),
        };
        if let Err(e) = result {
            logger.warning(&e);
        }
    }
}

/// Sets up VIP takeover for the VIPs `cfg` configures, or says why it cannot.
pub fn setup(cfg: &ConfigFile, logger: &Arc<Logger>) -> Option<Arc<dyn VipControl>> {
    let mut by_iface: BTreeMap<String, Vec<Ipv4Addr>> = BTreeMap::new();
    for m in &cfg.sentinel.masters {
        if let Some(v) = &m.vip {
            by_iface
                .entry(v.interface.clone())
                .or_default()
                .push(v.addr);
        }
    }
    if by_iface.is_empty() {
        return None;
    }
    // Safety: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        logger.warning(
            "WARNING: sentinel vip is configured but this process is not root (XDP needs \
             CAP_BPF and CAP_NET_ADMIN): running WITHOUT VIP takeover",
        );
        return None;
    }
    let mut managers = BTreeMap::new();
    for (iface, vips) in &by_iface {
        if let Err(e) = host::set_arp_sysctls(iface) {
            logger.warning(&format!("VIP: can't set the ARP sysctls on {iface}: {e}"));
        }
        for vip in vips {
            if let Err(e) = host::add_to_loopback(*vip) {
                logger.warning(&format!("VIP: can't put {vip} on lo: {e}"));
            }
        }
        let mut manager = match attach(iface, logger) {
            Ok(m) => m,
            Err(sentinel_vip::VipError::ProgramNotBuilt) => {
                logger.warning(
                    "WARNING: sentinel vip is configured but this binary was built without \
                     the XDP program (run `cargo xtask setup` and rebuild): running WITHOUT \
                     VIP takeover",
                );
                return None;
            }
            Err(e) => {
                logger.warning(&format!(
                    "WARNING: can't attach the VIP program to {iface}: {e}; VIPs on it are \
                     not handled"
                ));
                continue;
            }
        };
        // A VIP the program does not know yet starts fenced, until the core claims it; one
        // adopted from a previous run keeps its state and lease.
        for vip in vips {
            match manager.status(*vip) {
                Ok(Some(_)) => {}
                _ => {
                    if let Err(e) = manager.release(*vip) {
                        logger.warning(&format!("VIP: can't fence {vip}: {e}"));
                    }
                }
            }
        }
        managers.insert(
            iface.clone(),
            Attached {
                manager,
                vips: vips.iter().copied().collect(),
            },
        );
    }
    if managers.is_empty() {
        return None;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let worker_logger = logger.clone();
    if let Err(e) = std::thread::Builder::new()
        .name("vip".into())
        .spawn(move || worker(managers, rx, worker_logger))
    {
        logger.warning(&format!(
            "WARNING: can't start the VIP thread ({e}): running WITHOUT VIP takeover"
        ));
        return None;
    }
    Some(Arc::new(XdpVips {
        ops: Mutex::new(tx),
    }))
}

/// Pinned when bpffs is there, else a plain attachment (detached when the process exits).
fn attach(iface: &str, logger: &Logger) -> Result<VipManager, sentinel_vip::VipError> {
    let dir = Path::new(PIN_ROOT).join(iface);
    match VipManager::attach_pinned(iface, &dir) {
        Ok((m, adoption)) => {
            let how = match adoption {
                Adoption::Fresh => "attached",
                Adoption::Adopted => "re-adopted",
            };
            logger.notice(&format!(
                "VIP program {how} on {iface} ({:?} mode), pinned in {}",
                m.attach_mode(),
                dir.display()
            ));
            Ok(m)
        }
        Err(sentinel_vip::VipError::ProgramNotBuilt) => {
            Err(sentinel_vip::VipError::ProgramNotBuilt)
        }
        Err(pin_error) => {
            let m = VipManager::attach(iface)?;
            logger.notice(&format!(
                "VIP program attached on {iface} ({:?} mode), not pinned ({pin_error}): a \
                 restart of this sentinel drops the VIP until it claims it again",
                m.attach_mode()
            ));
            Ok(m)
        }
    }
}

impl XdpVips {
    fn send(&self, op: Op) -> Result<(), String> {
        self.ops
            .lock()
            .map_err(|_| "VIP queue poisoned".to_string())?
            .send(op)
            .map_err(|_| "the VIP thread is gone".to_string())
    }
}

impl VipControl for XdpVips {
    fn own(
        &self,
        vip: Ipv4Addr,
        interface: &str,
        lease: Duration,
        announce: u32,
    ) -> Result<(), String> {
        self.send(Op::Own {
            vip,
            interface: interface.to_string(),
            until: std::time::Instant::now() + lease,
            announce,
        })
    }

    fn release(&self, vip: Ipv4Addr, interface: &str) -> Result<(), String> {
        self.send(Op::Release {
            vip,
            interface: interface.to_string(),
        })
    }

    fn forget(&self, vip: Ipv4Addr, interface: &str) -> Result<(), String> {
        self.send(Op::Forget {
            vip,
            interface: interface.to_string(),
        })
    }
}

/// `sentinel --xdp-pass <iface>...` (tests): attaches the program with no VIPs (it passes
/// everything) to each interface and holds it until killed. On veth, frames sent with XDP_TX
/// only arrive when the peer end runs an XDP program too: this is that program for the bridge
/// side of a test network.
pub fn hold_pass(ifaces: &[String]) -> Result<(), String> {
    let mut held = Vec::new();
    for iface in ifaces {
        held.push(VipManager::attach(iface).map_err(|e| format!("{iface}: {e}"))?);
    }
    eprintln!("XDP pass program attached to {}", ifaces.join(", "));
    // Bounded: a test fixture never needs more than an hour.
    for _ in 0..3600 {
        std::thread::sleep(Duration::from_secs(1));
    }
    drop(held);
    Ok(())
}
