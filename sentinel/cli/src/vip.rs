//! VIP takeover on this host: one XDP attachment (`sentinel_vip::VipManager`) per interface
//! that a `sentinel vip` line names, driven by the core's `VipOwn` / `VipRelease` actions.
//!
//! Needs root (CAP_BPF, CAP_NET_ADMIN) and the embedded program (`cargo xtask setup`); without
//! them the sentinel logs a warning and runs without VIP takeover, like a plain Redis Sentinel.

use std::collections::BTreeMap;
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

/// The XDP attachments of this process, by interface.
pub struct XdpVips {
    managers: Mutex<BTreeMap<String, VipManager>>,
    logger: Arc<Logger>,
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
        managers.insert(iface.clone(), manager);
    }
    if managers.is_empty() {
        return None;
    }
    Some(Arc::new(XdpVips {
        managers: Mutex::new(managers),
        logger: logger.clone(),
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

impl VipControl for XdpVips {
    fn own(
        &self,
        vip: Ipv4Addr,
        interface: &str,
        lease: Duration,
        announce: u32,
    ) -> Result<(), String> {
        let mut managers = self.managers.lock().map_err(|_| "poisoned".to_string())?;
        let m = managers
            .get_mut(interface)
            .ok_or_else(|| format!("no VIP program on {interface}"))?;
        m.set_owned(vip, lease).map_err(|e| e.to_string())?;
        if announce > 0 {
            let path = m
                .send_gratuitous_arp(vip, announce)
                .map_err(|e| e.to_string())?;
            self.logger.notice(&format!(
                "VIP {vip} on {interface}: {announce} gratuitous ARP(s) sent ({path:?})"
            ));
        }
        Ok(())
    }

    fn release(&self, vip: Ipv4Addr, interface: &str) -> Result<(), String> {
        let mut managers = self.managers.lock().map_err(|_| "poisoned".to_string())?;
        let m = managers
            .get_mut(interface)
            .ok_or_else(|| format!("no VIP program on {interface}"))?;
        m.release(vip).map_err(|e| e.to_string())
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
