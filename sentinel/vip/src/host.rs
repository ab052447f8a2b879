//! Host setup for a VIP (design.md §7): the VIP lives on `lo` permanently, so the host accepts
//! its traffic whenever the program lets it through, and the NIC's ARP sysctls keep the kernel
//! from ever answering or announcing it; only the XDP program speaks ARP for the VIP.

use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::VipError;

/// The loopback device is the first device of every network namespace.
const LOOPBACK_IFINDEX: u32 = 1;

/// `arp_ignore=1` (answer only for addresses on the asking interface: never for the VIP on
/// `lo`) and `arp_announce=2` (never use the VIP as an ARP source) on `iface`. The kernel
/// applies the stricter of `all` and the interface's value, so setting the interface's is
/// enough.
pub fn set_arp_sysctls(iface: &str) -> Result<(), VipError> {
    crate::Interface::by_name(iface)?;
    for (name, value) in [("arp_ignore", "1"), ("arp_announce", "2")] {
        let path = format!("/proc/sys/net/ipv4/conf/{iface}/{name}");
        std::fs::write(&path, value).map_err(|source| VipError::Host {
            what: path.clone(),
            source,
        })?;
    }
    Ok(())
}

/// Adds `vip/32` to `lo`; idempotent.
pub fn add_to_loopback(vip: Ipv4Addr) -> Result<(), VipError> {
    const FLAGS: u16 =
        (libc::NLM_F_REQUEST | libc::NLM_F_ACK | libc::NLM_F_CREATE | libc::NLM_F_REPLACE) as u16;
    address_request(libc::RTM_NEWADDR, FLAGS, vip).map_err(|source| VipError::Host {
        what: format!("adding {vip}/32 to lo"),
        source,
    })
}

/// Removes `vip/32` from `lo`; idempotent.
pub fn remove_from_loopback(vip: Ipv4Addr) -> Result<(), VipError> {
    const FLAGS: u16 = (libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16;
    match address_request(libc::RTM_DELADDR, FLAGS, vip) {
        Err(e) if e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => Ok(()),
        other => other.map_err(|source| VipError::Host {
            what: format!("removing {vip}/32 from lo"),
            source,
        }),
    }
}

/// One rtnetlink address request for `vip/32` on `lo`, waiting for the kernel's ack.
fn address_request(kind: u16, flags: u16, vip: Ipv4Addr) -> io::Result<()> {
    let msg = address_message(kind, flags, vip);
    // Safety: plain syscall with constant arguments; the result is checked below.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_ROUTE,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // Safety: `fd` is a freshly created descriptor that nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    // Safety: sockaddr_nl is plain old data; all zeros is a valid value (pid 0 = the kernel).
    let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    kernel.nl_family = libc::AF_NETLINK as u16;
    // Safety: `msg` and `kernel` are valid for the lengths given and outlive the call.
    let sent = unsafe {
        libc::sendto(
            sock.as_raw_fd(),
            msg.as_ptr().cast(),
            msg.len(),
            0,
            (&raw const kernel).cast(),
            std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut reply = [0u8; 1024];
    // Safety: `reply` is writable for its whole length for the duration of the call.
    let got = unsafe { libc::recv(sock.as_raw_fd(), reply.as_mut_ptr().cast(), reply.len(), 0) };
    let got = usize::try_from(got).map_err(|_| io::Error::last_os_error())?;
    ack_status(&reply[..got])
}

/// nlmsghdr + ifaddrmsg + IFA_LOCAL + IFA_ADDRESS for `vip/32` on `lo`, scope global.
fn address_message(kind: u16, flags: u16, vip: Ipv4Addr) -> Vec<u8> {
    let mut msg = Vec::with_capacity(40);
    msg.extend_from_slice(&40u32.to_ne_bytes()); // nlmsg_len
    msg.extend_from_slice(&kind.to_ne_bytes());
    msg.extend_from_slice(&flags.to_ne_bytes());
    msg.extend_from_slice(&1u32.to_ne_bytes()); // seq
    msg.extend_from_slice(&0u32.to_ne_bytes()); // pid: the kernel fills it in
    msg.extend_from_slice(&[libc::AF_INET as u8, 32, 0, 0]); // family, prefixlen, flags, scope
    msg.extend_from_slice(&LOOPBACK_IFINDEX.to_ne_bytes());
    for attr in [libc::IFA_LOCAL, libc::IFA_ADDRESS] {
        msg.extend_from_slice(&8u16.to_ne_bytes());
        msg.extend_from_slice(&attr.to_ne_bytes());
        msg.extend_from_slice(&vip.octets());
    }
    msg
}

/// The result carried by an NLMSG_ERROR reply (error 0 is the ack).
fn ack_status(reply: &[u8]) -> io::Result<()> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "unexpected netlink reply");
    let kind = reply.get(4..6).ok_or_else(bad)?;
    if u16::from_ne_bytes([kind[0], kind[1]]) != libc::NLMSG_ERROR as u16 {
        return Err(bad());
    }
    let errno = reply.get(16..20).ok_or_else(bad)?;
    let errno = i32::from_ne_bytes([errno[0], errno[1], errno[2], errno[3]]);
    if errno == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(-errno))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_message_layout() {
        let msg = address_message(20, 0x505, Ipv4Addr::new(10, 1, 2, 3));
        assert_eq!(msg.len(), 40);
        assert_eq!(msg[0..4], 40u32.to_ne_bytes());
        assert_eq!(msg[4..6], 20u16.to_ne_bytes());
        assert_eq!(msg[16..18], [2, 32]);
        assert_eq!(msg[20..24], 1u32.to_ne_bytes());
        assert_eq!(msg[26..28], 2u16.to_ne_bytes()); // IFA_LOCAL
        assert_eq!(msg[28..32], [10, 1, 2, 3]);
        assert_eq!(msg[34..36], 1u16.to_ne_bytes()); // IFA_ADDRESS
        assert_eq!(msg[36..40], [10, 1, 2, 3]);
    }

    #[test]
    fn ack_status_reads_the_errno() {
        let mut reply = [0u8; 36];
        reply[4..6].copy_from_slice(&2u16.to_ne_bytes());
        assert!(ack_status(&reply).is_ok());
        reply[16..20].copy_from_slice(&(-libc::EPERM).to_ne_bytes());
        assert_eq!(
            ack_status(&reply).unwrap_err().raw_os_error(),
            Some(libc::EPERM)
        );
        assert!(ack_status(&reply[..10]).is_err());
        reply[4..6].copy_from_slice(&3u16.to_ne_bytes());
        assert!(ack_status(&reply).is_err());
    }
}
