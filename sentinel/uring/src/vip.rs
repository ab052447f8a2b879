//! The VIP side of the driver: the core decides who owns a VIP (`Action::VipOwn` /
//! `Action::VipRelease`); a [`VipControl`] carries that out in the kernel. The binary provides
//! one backed by the XDP loader (`sentinel-vip`), so this crate stays free of eBPF.

use std::net::Ipv4Addr;
use std::time::Duration;

/// Carries out the core's VIP decisions on this host.
pub trait VipControl: Send + Sync {
    /// Claim or renew `vip` on `interface` for `lease` from now; `announce` > 0 is a takeover
    /// that sends that many gratuitous ARPs.
    fn own(
        &self,
        vip: Ipv4Addr,
        interface: &str,
        lease: Duration,
        announce: u32,
    ) -> Result<(), String>;
    /// Give up `vip` at once (fenced).
    fn release(&self, vip: Ipv4Addr, interface: &str) -> Result<(), String>;
    /// `vip` is no longer configured: remove its state from the kernel and undo its host
    /// setup (the program leaves `interface` when no VIP is left on it).
    fn forget(&self, vip: Ipv4Addr, interface: &str) -> Result<(), String>;
}

/// How often the driver reads this host's addresses again, so that a master address added
/// (or removed) after start is seen without a restart.
pub const LOCAL_ADDRESSES_REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// Every address of this host's interfaces (IPv4 and IPv6, as text), from `getifaddrs`.
pub fn local_addresses() -> Vec<String> {
    let mut out = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // Safety: `head` is a valid out-pointer; the list is freed below with freeifaddrs.
    if unsafe { libc::getifaddrs(&raw mut head) } != 0 {
        return out;
    }
    let mut cur = head;
    // Bounded: interface lists are short; stop at a generous cap in any case.
    let mut guard = 0;
    while !cur.is_null() && guard < 4096 {
        guard += 1;
        // Safety: `cur` is a non-null node of the list getifaddrs returned, not yet freed.
        let ifa = unsafe { &*cur };
        if !ifa.ifa_addr.is_null() {
            // Safety: `ifa_addr` is non-null and points at a sockaddr whose family says which
            // larger struct it is.
            let family = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
            if family == libc::AF_INET {
                // Safety: AF_INET addresses are sockaddr_in.
                let sin = unsafe { &*ifa.ifa_addr.cast::<libc::sockaddr_in>() };
                out.push(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)).to_string());
            } else if family == libc::AF_INET6 {
                // Safety: AF_INET6 addresses are sockaddr_in6.
                let sin6 = unsafe { &*ifa.ifa_addr.cast::<libc::sockaddr_in6>() };
                out.push(std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr).to_string());
            }
        }
        cur = ifa.ifa_next;
    }
    // Safety: `head` came from a successful getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(head) };
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_is_local() {
        let addrs = super::local_addresses();
        assert!(addrs.iter().any(|a| a == "127.0.0.1"), "{addrs:?}");
    }
}
