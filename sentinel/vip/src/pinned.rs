//! Pinning to bpffs, so a restarted sentinel re-adopts the attached program and its maps
//! without interrupting a healthy master's VIP.
//!
//! Layout of a pin directory (one per interface, e.g. `/sys/fs/bpf/sentinel/eth0`, on bpffs):
//! `VIPS` and `VIP_COUNTERS` (the maps) and `link-native` or `link-generic` (the XDP link,
//! named for its mode). While the link is pinned, the program stays attached after the process
//! exits, and the VIPs keep their state: an owned VIP stays owned until its lease runs out.

use std::io;
use std::path::{Path, PathBuf};

use aya::EbpfLoader;
use aya::programs::links::{FdLink, PinnedLink};
use aya::programs::xdp::XdpLink;
use sentinel_ebpf_common::{COUNTERS_MAP, VIPS_MAP, XDP_PROGRAM};

use crate::manager::{Attachment, xdp_mut};
use crate::{AttachMode, Interface, VipError, VipManager};

const LINKS: [(&str, AttachMode); 2] = [
    ("link-native", AttachMode::Native),
    ("link-generic", AttachMode::Generic),
];

/// Whether [`VipManager::attach_pinned`] found a running program to take over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adoption {
    /// Nothing was pinned: attached afresh, maps empty.
    Fresh,
    /// A pinned link and maps were there: the maps (VIP state, counters) were reused and the
    /// link's program was replaced in place by this binary's, atomically.
    Adopted,
}

/// The pins of one attachment.
pub(crate) struct Pins {
    dir: PathBuf,
    link_path: PathBuf,
    /// Our descriptor of a link this process created and pinned.
    _link: Option<PinnedLink>,
}

impl Pins {
    /// Unpins the link and maps; the program detaches once the last descriptor closes.
    pub(crate) fn remove(self) -> Result<(), VipError> {
        let files = [
            self.link_path.clone(),
            self.dir.join(VIPS_MAP),
            self.dir.join(COUNTERS_MAP),
        ];
        for path in files {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(VipError::PinDir { path, source: e });
                }
                _ => {}
            }
        }
        // Other interfaces' pins may share a parent; only this directory goes, if empty.
        let _ = std::fs::remove_dir(&self.dir);
        Ok(())
    }
}

impl VipManager {
    /// Like [`VipManager::attach`], with the link and maps pinned in `dir` (on bpffs, one
    /// directory per interface). When `dir` already holds them, from an earlier run, they are
    /// adopted: VIP state carries over and the running program is replaced in place.
    ///
    /// Dropping the manager leaves the program attached (that is the point: a restart does not
    /// drop the VIP); [`VipManager::detach`] unpins and detaches.
    pub fn attach_pinned(iface: &str, dir: &Path) -> Result<(Self, Adoption), VipError> {
        let iface = Interface::by_name(iface)?;
        std::fs::create_dir_all(dir).map_err(|source| VipError::PinDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let (vips_pin, counters_pin) = (dir.join(VIPS_MAP), dir.join(COUNTERS_MAP));
        let mut loader = EbpfLoader::new();
        loader
            .map_pin_path(VIPS_MAP, vips_pin.as_path())
            .map_pin_path(COUNTERS_MAP, counters_pin.as_path());
        let mut manager = Self::load_with(&mut loader, iface.mac)?;

        for (name, mode) in LINKS {
            let link_path = dir.join(name);
            if !link_path.exists() {
                continue;
            }
            let link_error = |source| VipError::PinnedLink {
                path: link_path.clone(),
                source: Box::new(source),
            };
            let pinned = PinnedLink::from_pin(&link_path).map_err(link_error)?;
            let link = XdpLink::try_from(FdLink::from(pinned)).map_err(link_error)?;
            let id = xdp_mut(&mut manager.ebpf, XDP_PROGRAM)?
                .attach_to_link(link)
                .map_err(|e| VipError::program(XDP_PROGRAM, e))?;
            tracing::info!(iface = %iface.name, ?mode, pins = %dir.display(),
                "re-adopted pinned XDP link and maps; program replaced in place");
            manager.attachment = Some(Attachment {
                iface,
                mode,
                link: Some(id),
                pin: Some(Pins {
                    dir: dir.to_path_buf(),
                    link_path,
                    _link: None,
                }),
            });
            return Ok((manager, Adoption::Adopted));
        }

        let (mode, id) = manager.attach_program(&iface)?;
        let link = xdp_mut(&mut manager.ebpf, XDP_PROGRAM)?
            .take_link(id)
            .map_err(|e| VipError::program(XDP_PROGRAM, e))?;
        let (name, _) = LINKS
            .iter()
            .find(|(_, m)| *m == mode)
            .copied()
            .unwrap_or(LINKS[0]);
        let link_path = dir.join(name);
        // A netlink attachment (kernels without XDP bpf_link) cannot be pinned.
        let fd_link = FdLink::try_from(link).map_err(|source| VipError::PinnedLink {
            path: link_path.clone(),
            source: Box::new(source),
        })?;
        let pinned = fd_link.pin(&link_path).map_err(|source| VipError::Pin {
            path: link_path.clone(),
            source: Box::new(source),
        })?;
        manager.attachment = Some(Attachment {
            iface,
            mode,
            link: None,
            pin: Some(Pins {
                dir: dir.to_path_buf(),
                link_path,
                _link: Some(pinned),
            }),
        });
        Ok((manager, Adoption::Fresh))
    }
}
