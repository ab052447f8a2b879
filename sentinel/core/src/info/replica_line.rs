//! The `slaveN:` lines of a master's `INFO`, in both formats sentinel.c understands:
//! `slave0:<ip>,<port>,<state>` (before redis 2.8) and
//! `slave0:ip=<ip>,port=<port>,state=<state>,offset=<n>,lag=<n>`.

use super::host::is_valid_host;

/// One replica a master listed. Only `ip` and `port` matter to Sentinel (an unknown address
/// becomes a new replica, `+slave`); the rest is kept for display and diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaEntry {
    /// The address the master reports: the replica's TCP source address or its
    /// `replica-announce-ip`, possibly a host name. Always passes [`is_valid_host`].
    pub ip: String,
    /// The replica's listening port (1..=65535).
    pub port: u16,
    /// `state=` (`online`, `wait_bgsave`, `send_bulk`, ...), when given.
    pub state: Option<String>,
    /// `offset=` (new format only), when given and numeric.
    pub offset: Option<u64>,
    /// `lag=` in seconds (new format only), when given and numeric.
    pub lag: Option<i64>,
}

/// Whether an INFO key is `slave<digits>`.
pub(super) fn is_replica_key(key: &[u8]) -> bool {
    key.strip_prefix(b"slave")
        .is_some_and(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))
}

impl ReplicaEntry {
    /// Parses the value of a `slaveN:` line; `None` when it names no usable address.
    pub(super) fn parse_value(value: &[u8]) -> Option<ReplicaEntry> {
        let value = std::str::from_utf8(value).ok()?;
        // sentinel.c tells the formats apart by the presence of `ip=` in the line.
        if value.contains("ip=") {
            parse_new(value)
        } else {
            parse_old(value)
        }
    }

    fn new(ip: &str, port: &str) -> Option<ReplicaEntry> {
        let port = port.parse::<u16>().ok().filter(|&p| p != 0)?;
        is_valid_host(ip).then(|| ReplicaEntry {
            ip: ip.to_owned(),
            port,
            state: None,
            offset: None,
            lag: None,
        })
    }
}

/// `ip=..,port=..,state=..,offset=..,lag=..` in any order; unknown pairs are ignored and the
/// first occurrence of a key wins.
fn parse_new(value: &str) -> Option<ReplicaEntry> {
    let (mut ip, mut port, mut state, mut offset, mut lag) = (None, None, None, None, None);
    for pair in value.split(',') {
        let Some((key, val)) = pair.split_once('=') else {
            continue;
        };
        match key {
            "ip" => {
                ip.get_or_insert(val);
            }
            "port" => {
                port.get_or_insert(val);
            }
            "state" => {
                state.get_or_insert(val);
            }
            "offset" => {
                offset.get_or_insert(val);
            }
            "lag" => {
                lag.get_or_insert(val);
            }
            _ => {}
        }
    }
    let mut entry = ReplicaEntry::new(ip?, port?)?;
    entry.state = state.map(str::to_owned);
    entry.offset = offset.and_then(|o| o.parse().ok());
    entry.lag = lag.and_then(|l| l.parse().ok());
    Some(entry)
}

/// `<ip>,<port>,<state>`: like sentinel.c, both commas are required.
fn parse_old(value: &str) -> Option<ReplicaEntry> {
    let mut fields = value.splitn(3, ',');
    let (ip, port, state) = (fields.next()?, fields.next()?, fields.next()?);
    let mut entry = ReplicaEntry::new(ip, port)?;
    let state = state.split(',').next().unwrap_or(state);
    entry.state = Some(state.to_owned());
    Some(entry)
}
