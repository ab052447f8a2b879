//! Instance addresses as operators write them: an IP or a hostname, and a port.

use std::fmt;

/// `host:port`; the host is kept as written (an IP, or a hostname with `resolve-hostnames`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Addr {
    pub host: String,
    pub port: u16,
}

impl Addr {
    pub fn new(host: impl Into<String>, port: u16) -> Addr {
        Addr {
            host: host.into(),
            port,
        }
    }

    /// The replica name Redis shows: `ip:port`, or `[ipv6]:port`.
    pub fn display_name(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_bracket_ipv6() {
        assert_eq!(Addr::new("10.0.0.1", 6379).display_name(), "10.0.0.1:6379");
        assert_eq!(Addr::new("::1", 6379).display_name(), "[::1]:6379");
    }
}
