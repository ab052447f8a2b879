//! The interface the program is attached to: index and MAC address.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::VipError;

/// An Ethernet MAC address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MacAddr(pub [u8; 6]);

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl MacAddr {
    /// Parses `aa:bb:cc:dd:ee:ff` (as in /sys/class/net/*/address).
    pub fn parse(s: &str) -> Option<Self> {
        let mut mac = [0u8; 6];
        let mut parts = s.trim().split(':');
        for byte in &mut mac {
            let part = parts.next()?;
            if part.len() != 2 {
                return None;
            }
            *byte = u8::from_str_radix(part, 16).ok()?;
        }
        parts.next().is_none().then_some(Self(mac))
    }
}

/// A network interface by name, with its index and MAC address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub index: u32,
    pub mac: MacAddr,
}

impl Interface {
    /// Looks an Ethernet interface up in the calling thread's network namespace (ioctls on a
    /// socket, not sysfs: /sys/class/net shows the namespace sysfs was mounted in).
    pub fn by_name(name: &str) -> Result<Self, VipError> {
        let valid = !name.is_empty()
            && name.len() < libc::IFNAMSIZ
            && !name.contains(['/', '\0'])
            && name != "."
            && name != "..";
        if !valid {
            return Err(VipError::InterfaceName(name.to_string()));
        }
        let fail = |source: io::Error| VipError::Interface {
            iface: name.to_string(),
            source,
        };
        // Safety: plain syscall with constant arguments; the result is checked below.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(fail(io::Error::last_os_error()));
        }
        // Safety: `fd` is a freshly created descriptor that nothing else owns.
        let sock = unsafe { OwnedFd::from_raw_fd(fd) };

        let index = ifreq_ioctl(&sock, name, libc::SIOCGIFINDEX).map_err(fail)?;
        // Safety: SIOCGIFINDEX filled the ifindex member of the union.
        let index = unsafe { index.ifr_ifru.ifru_ifindex };
        let hw = ifreq_ioctl(&sock, name, libc::SIOCGIFHWADDR).map_err(fail)?;
        // Safety: SIOCGIFHWADDR filled the hwaddr member of the union.
        let hw = unsafe { hw.ifr_ifru.ifru_hwaddr };
        if hw.sa_family != libc::ARPHRD_ETHER {
            return Err(fail(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not an Ethernet interface",
            )));
        }
        let mut mac = [0u8; 6];
        for (m, &b) in mac.iter_mut().zip(&hw.sa_data) {
            *m = b as u8;
        }
        Ok(Self {
            name: name.to_string(),
            index: u32::try_from(index).map_err(|_| fail(io::ErrorKind::InvalidData.into()))?,
            mac: MacAddr(mac),
        })
    }
}

/// Runs an interface ioctl that reads into a `struct ifreq` named `name` (validated shorter
/// than IFNAMSIZ and without NUL by the caller).
fn ifreq_ioctl(sock: &OwnedFd, name: &str, request: libc::c_ulong) -> io::Result<libc::ifreq> {
    // Safety: ifreq is plain old data (a name array and a union of plain fields) for which
    // all-zero bytes are a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, &src) in req.ifr_name.iter_mut().zip(name.as_bytes()) {
        *dst = src as libc::c_char;
    }
    // Safety: `req` is a valid, NUL-terminated ifreq that outlives the call, as both requests
    // expect.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), request, &mut req) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_macs() {
        let mac = MacAddr::parse("02:00:0a:ff:00:01\n").unwrap();
        assert_eq!(mac.0, [2, 0, 10, 0xff, 0, 1]);
        assert_eq!(mac.to_string(), "02:00:0a:ff:00:01");
        assert_eq!(MacAddr::parse("02:00:0a:ff:00"), None);
        assert_eq!(MacAddr::parse("02:00:0a:ff:00:01:02"), None);
        assert_eq!(MacAddr::parse("2:00:0a:ff:00:01"), None);
        assert_eq!(MacAddr::parse("zz:00:0a:ff:00:01"), None);
    }

    #[test]
    fn loopback_is_found_but_is_not_ethernet() {
        let err = Interface::by_name("lo").unwrap_err();
        assert!(
            err.to_string().contains("not an Ethernet interface"),
            "{err}"
        );
    }

    #[test]
    fn bad_names_are_rejected() {
        for name in ["", "..", "a/b", "a-very-long-interface-name"] {
            assert!(matches!(
                Interface::by_name(name),
                Err(VipError::InterfaceName(_))
            ));
        }
        assert!(matches!(
            Interface::by_name("no-such-if0"),
            Err(VipError::Interface { .. })
        ));
    }
}
