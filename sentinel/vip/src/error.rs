//! The loader's error type.

use std::io;
use std::net::Ipv4Addr;

/// Errors from loading, attaching and driving the XDP program.
#[derive(Debug, thiserror::Error)]
pub enum VipError {
    /// This binary was built without the XDP object (the eBPF toolchain was missing at build
    /// time): VIP support is unavailable.
    #[error(
        "the XDP program was not built into this binary (run `cargo xtask setup`, then rebuild)"
    )]
    ProgramNotBuilt,
    #[error("loading the XDP object: {0}")]
    Load(#[source] Box<aya::EbpfError>),
    #[error("XDP program {name}: {source}")]
    Program {
        name: &'static str,
        #[source]
        source: Box<aya::programs::ProgramError>,
    },
    #[error("the XDP object has no {0}")]
    Missing(&'static str),
    #[error("BPF map {name}: {source}")]
    Map {
        name: &'static str,
        #[source]
        source: Box<aya::maps::MapError>,
    },
    #[error("interface {iface}: {source}")]
    Interface {
        iface: String,
        #[source]
        source: io::Error,
    },
    #[error("interface name {0:?} is not valid")]
    InterfaceName(String),
    #[error(
        "attaching XDP to {iface} failed in native mode ({native}) and in generic mode ({generic})"
    )]
    Attach {
        iface: String,
        native: Box<aya::programs::ProgramError>,
        generic: Box<aya::programs::ProgramError>,
    },
    #[error("the XDP program is not attached to an interface")]
    NotAttached,
    #[error("VIP {0} is not configured")]
    UnknownVip(Ipv4Addr),
    #[error("VIP {0} is not owned by this host")]
    NotOwned(Ipv4Addr),
    #[error("lease is too long")]
    LeaseTooLong,
    #[error("reading CLOCK_MONOTONIC: {0}")]
    Clock(#[source] io::Error),
    #[error("pin directory {path}: {source}")]
    PinDir {
        path: std::path::PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("pinning {path}: {source}")]
    Pin {
        path: std::path::PathBuf,
        #[source]
        source: Box<aya::pin::PinError>,
    },
    #[error("pinned XDP link {path}: {source}")]
    PinnedLink {
        path: std::path::PathBuf,
        #[source]
        source: Box<aya::programs::links::LinkError>,
    },
    #[error("{what}: {source}")]
    Host {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("sending gratuitous ARP for {vip} through a packet socket: {source}")]
    PacketSocket {
        vip: Ipv4Addr,
        #[source]
        source: io::Error,
    },
}

impl VipError {
    pub(crate) fn program(name: &'static str, e: aya::programs::ProgramError) -> Self {
        Self::Program {
            name,
            source: Box::new(e),
        }
    }

    pub(crate) fn map(name: &'static str, e: aya::maps::MapError) -> Self {
        Self::Map {
            name,
            source: Box::new(e),
        }
    }
}
