//! The interface the program is attached to: index and MAC address, read from sysfs.

use std::fmt;
use std::path::PathBuf;

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
    /// Looks the interface up in /sys/class/net.
    pub fn by_name(name: &str) -> Result<Self, VipError> {
        let valid = !name.is_empty()
            && name.len() < libc::IFNAMSIZ
            && !name.contains('/')
            && name != "."
            && name != "..";
        if !valid {
            return Err(VipError::InterfaceName(name.to_string()));
        }
        let dir = PathBuf::from("/sys/class/net").join(name);
        let read = |file: &str| {
            std::fs::read_to_string(dir.join(file)).map_err(|source| VipError::Interface {
                iface: name.to_string(),
                source,
            })
        };
        let bad = |what: &str| VipError::Interface {
            iface: name.to_string(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string()),
        };
        let index = read("ifindex")?
            .trim()
            .parse()
            .map_err(|_| bad("unreadable ifindex"))?;
        let mac = MacAddr::parse(&read("address")?).ok_or_else(|| bad("not an Ethernet MAC"))?;
        Ok(Self {
            name: name.to_string(),
            index,
            mac,
        })
    }
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
    fn loopback_is_found() {
        let lo = Interface::by_name("lo").unwrap();
        assert_eq!(lo.index, 1);
        assert_eq!(lo.mac, MacAddr([0; 6]));
    }

    #[test]
    fn bad_names_are_rejected_before_touching_sysfs() {
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
