//! Loads and drives the XDP program that owns master groups' virtual IPs on this host
//! (design.md §7).
//!
//! [`VipManager::attach`] loads the embedded program and attaches it to the interface that
//! carries the VIPs (native XDP, else generic). Per VIP, [`VipManager::set_owned`] claims it
//! for a lease (renew by calling it again), [`VipManager::release`] fences it, and
//! [`VipManager::send_gratuitous_arp`] announces it from the kernel. The program checks the
//! lease itself against the kernel's monotonic clock, so a sentinel that dies or stalls stops
//! owning the VIP when the lease runs out, with no user-space action.
//!
//! [`VipManager::attach_pinned`] pins the link and maps to bpffs, so a restarted sentinel
//! re-adopts them without interrupting the VIP; [`host`] puts the VIP on `lo` and sets the
//! interface's ARP sysctls. What the program does per frame: ebpf/README.md.

mod clock;
mod error;
mod frames;
pub mod host;
mod iface;
mod manager;
mod object;
mod packet_socket;
mod pinned;
mod run;

pub use clock::monotonic_now;
pub use error::VipError;
pub use frames::gratuitous_arp;
pub use iface::{Interface, MacAddr};
pub use manager::{AttachMode, GarpPath, VipManager, VipStatus};
pub use pinned::Adoption;
pub use run::{XdpAction, XdpRun};
pub use sentinel_ebpf_common::VipCounters;
