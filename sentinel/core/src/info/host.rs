//! What counts as a host in `INFO` `slaveN:` lines and hello messages.

/// Longest host accepted: a DNS name is at most 253 characters; IPv6 with a zone id is far
/// shorter (`NET_HOST_STR_LEN` in Redis is 256).
pub const HOST_LEN_MAX: usize = 255;

/// Whether `host` is plausibly an IPv4/IPv6 address or a host name: non-empty, at most
/// [`HOST_LEN_MAX`] bytes, only ASCII letters, digits and `.` `-` `_` `:` `%` (the last two
/// for IPv6 and zone ids).
///
/// This is a syntactic gate, not resolution: it keeps spaces, commas and control characters
/// out of addresses that end up in `sentinel.conf` lines and event payloads. Whether a host
/// name is acceptable (`resolve-hostnames`) is decided where the address is used.
pub fn is_valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= HOST_LEN_MAX
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'%'))
}
