//! Fallback transmit path: an AF_PACKET raw socket, for devices that cannot send the frames an
//! XDP program builds with live frames.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use sentinel_ebpf_common::{BROADCAST_MAC, ETH_P_ARP};

/// Sends `frame` (a complete Ethernet frame) `count` times out of interface `ifindex`.
pub fn send(ifindex: u32, frame: &[u8], count: u32) -> io::Result<()> {
    // Protocol 0: this socket only sends, it never receives.
    // Safety: plain syscall with constant arguments; the result is checked below.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // Safety: `fd` is a freshly created descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };

    // Safety: sockaddr_ll is plain old data for which all-zero bytes are a valid value.
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_protocol = ETH_P_ARP.to_be();
    addr.sll_ifindex = i32::try_from(ifindex)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "ifindex out of range"))?;
    addr.sll_halen = 6;
    addr.sll_addr[..6].copy_from_slice(&BROADCAST_MAC);
    let addr_len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;

    for _ in 0..count {
        // Safety: `frame` is valid for `frame.len()` bytes and `addr` is a valid sockaddr_ll
        // of `addr_len` bytes; both outlive the call.
        let sent = unsafe {
            libc::sendto(
                fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&raw const addr).cast(),
                addr_len,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
