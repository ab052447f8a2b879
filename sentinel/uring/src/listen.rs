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

/// The bound `unixsocket`, with its path as configured (CLIENT LIST shows it).
#[derive(Debug)]
pub struct UnixListen {
    pub listener: std::os::unix::net::UnixListener,
    pub path: String,
}

/// Binds the `unixsocket` as Redis does: a stale file at `path` is removed first, and with
/// `perm` non-zero (`unixsocketperm`) the socket file gets those permissions. The error reads
/// as Redis logs it after "Failed opening Unix socket: " (`bind: No such file or directory`).
pub fn bind_unix(path: &str, perm: u32) -> std::io::Result<UnixListen> {
    // Whatever is there goes (Redis unlinks unconditionally); a missing file is fine.
    let _ = std::fs::remove_file(path);
    let step = |what: &'static str| {
        move |e: std::io::Error| std::io::Error::new(e.kind(), format!("{what}: {}", strerror(&e)))
    };
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None).map_err(step("socket"))?;
    let addr = socket2::SockAddr::unix(path).map_err(step("bind"))?;
    socket.bind(&addr).map_err(step("bind"))?;
    if perm != 0 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm))
            .map_err(step("chmod"))?;
    }
    socket.listen(BACKLOG).map_err(step("listen"))?;
    socket.set_nonblocking(true).map_err(step("fcntl"))?;
    Ok(UnixListen {
        listener: socket.into(),
        path: path.to_string(),
    })
}

/// An OS error's text without Rust's " (os error N)" suffix, as `strerror` gives it.
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match (e.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) => text[..at].to_string(),
        _ => text,
    }
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

    #[test]
    fn unix_socket_replaces_a_stale_file_and_takes_the_permissions() {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        let dir = std::env::temp_dir().join(format!("listen-unix-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("s.sock");
        std::fs::write(&path, b"stale").expect("stale file");
        let path_text = path.to_str().expect("utf-8 path");
        let bound = bind_unix(path_text, 0o700).expect("bind");
        let meta = std::fs::metadata(&path).expect("metadata");
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        assert_eq!(bound.path, path_text);
        std::os::unix::net::UnixStream::connect(&path).expect("connect");
        drop(bound);
        let err = bind_unix(&format!("{}/missing/s.sock", dir.display()), 0).expect_err("no dir");
        assert_eq!(err.to_string(), "bind: No such file or directory");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
