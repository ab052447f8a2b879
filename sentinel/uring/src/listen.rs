//! Binding the client port the way Redis does (`bind` directive, default `* -::*`): `*` is every
//! IPv4 address, `::*` every IPv6 address, and a leading `-` makes an address optional (a
//! failure to bind it is not fatal).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use socket2::{Domain, Protocol, Socket, Type};

use crate::error::DriverError;

/// Redis's default listen backlog (`tcp-backlog`).
const BACKLOG: i32 = 511;

/// One `bind` entry, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindSpec {
    pub ip: IpAddr,
    pub optional: bool,
    /// As written, for error messages.
    pub text: String,
}

/// Parses `bind` arguments; an empty list means Redis's default `* -::*`.
pub fn parse_bind(entries: &[String]) -> Result<Vec<BindSpec>, DriverError> {
    let default = ["*".to_string(), "-::*".to_string()];
    let entries = if entries.is_empty() {
        &default[..]
    } else {
        entries
    };
    entries
        .iter()
        .map(|entry| {
            let (optional, addr) = match entry.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, entry.as_str()),
            };
            let ip = match addr {
                "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                "::*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                other => other
                    .parse()
                    .map_err(|_| DriverError::BadBind(entry.clone()))?,
            };
            Ok(BindSpec {
                ip,
                optional,
                text: addr.to_string(),
            })
        })
        .collect()
}

fn bind_one(ip: IpAddr, port: u16) -> std::io::Result<std::net::TcpListener> {
    let domain = if ip.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let socket = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
    if ip.is_ipv6() {
        // `::` must not take the IPv4 port too: `*` binds that one (Redis sets IPV6_V6ONLY).
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddr::new(ip, port).into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// Binds every address on `port`. Optional addresses that fail are skipped (and reported in
/// the second list, for the log); a required one that fails is an error.
pub fn bind_all(
    specs: &[BindSpec],
    port: u16,
) -> Result<(Vec<std::net::TcpListener>, Vec<String>), DriverError> {
    let mut listeners = Vec::new();
    let mut skipped = Vec::new();
    for spec in specs {
        match bind_one(spec.ip, port) {
            Ok(l) => listeners.push(l),
            Err(e) if spec.optional => skipped.push(format!("{}:{port}: {e}", spec.text)),
            Err(source) => {
                return Err(DriverError::Bind {
                    addr: format!("{}:{port}", spec.text),
                    source,
                });
            }
        }
    }
    Ok((listeners, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_all_v4_and_optional_all_v6() {
        let specs = parse_bind(&[]).expect("default");
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].ip, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert!(!specs[0].optional);
        assert_eq!(specs[1].ip, IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        assert!(specs[1].optional);
    }

    #[test]
    fn explicit_addresses() {
        let specs = parse_bind(&["127.0.0.1".to_string(), "-::1".to_string()]).expect("explicit");
        assert_eq!(specs[0].ip, "127.0.0.1".parse::<IpAddr>().expect("ip"));
        assert!(specs[1].optional);
        assert!(parse_bind(&["nonsense".to_string()]).is_err());
    }
}
