//! The hello message sentinels publish on `__sentinel__:hello` (spec §3.4): parser and
//! formatter, mirroring sentinel.c `sentinelSendHello` / `sentinelProcessHelloMessage`.
//!
//! Payload: `<ip>,<port>,<runid>,<current_epoch>,<master_name>,<master_ip>,<master_port>,<master_config_epoch>`.
//!
//! sentinel.c splits on commas, drops anything but exactly 8 tokens, and then reads numbers
//! with `atoi`/`strtoull` (garbage and empty become 0, `-1` becomes 2^64-1) and uses strings as
//! they are. We are stricter, for input no sentinel sends: a hello is taken whole or not at
//! all, and it is rejected when
//! * a field is empty (Redis would adopt the epochs of such a hello but fail to create the
//!   sentinel for an empty address, or create one with an empty run id);
//! * a number is not all decimal digits (no sign, no spaces; leading zeros are fine) or out of
//!   range (ports are `u16`, 0 included as Redis accepts it; epochs are `u64`);
//! * an address fails [`is_valid_host`], or the run id has a byte outside printable ASCII
//!   (both end up in `sentinel.conf` lines and event payloads, which split on spaces);
//! * a field is not UTF-8.
//!
//! The master name is only required to be non-empty UTF-8: Redis names may contain spaces
//! (quoted in `sentinel.conf`), and the name is looked up, not trusted.

mod error;

pub use error::{HelloError, HelloField};

use crate::info::is_valid_host;

/// The pub/sub channel hellos travel on.
pub const HELLO_CHANNEL: &str = "__sentinel__:hello";

/// One hello: who the sender is and what it believes about one master.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hello {
    /// `announce-ip`, else the local address of the link the hello was sent on.
    pub sentinel_ip: String,
    /// `announce-port`, else `tls-port` with `tls-replication`, else `port`.
    pub sentinel_port: u16,
    /// The sender's `myid`.
    pub sentinel_runid: String,
    /// The sender's current epoch.
    pub current_epoch: u64,
    /// The master's name as configured by the sender.
    pub master_name: String,
    /// The master's current address (the promoted replica once a failover reached
    /// `reconf_slaves`); a host name with `announce-hostnames yes`.
    pub master_ip: String,
    /// The master's current port.
    pub master_port: u16,
    /// The master's config epoch as the sender knows it.
    pub master_config_epoch: u64,
}

impl Hello {
    /// Parses a hello payload (the third element of a `message` frame).
    pub fn parse(payload: &[u8]) -> Result<Hello, HelloError> {
        let found = payload
            .iter()
            .filter(|&&b| b == b',')
            .count()
            .saturating_add(1);
        if found != HelloField::ALL.len() {
            return Err(HelloError::FieldCount { found });
        }
        let mut fields = payload.split(|&b| b == b',');
        let mut next = |field: HelloField| -> Result<&str, HelloError> {
            let raw = fields.next().ok_or(HelloError::FieldCount { found })?;
            if raw.is_empty() {
                return Err(HelloError::Empty(field));
            }
            std::str::from_utf8(raw).map_err(|_| HelloError::Malformed(field))
        };
        Ok(Hello {
            sentinel_ip: host(next(HelloField::SentinelIp)?, HelloField::SentinelIp)?,
            sentinel_port: number(next(HelloField::SentinelPort)?, HelloField::SentinelPort)?,
            sentinel_runid: runid(next(HelloField::SentinelRunid)?)?,
            current_epoch: number(next(HelloField::CurrentEpoch)?, HelloField::CurrentEpoch)?,
            master_name: next(HelloField::MasterName)?.to_owned(),
            master_ip: host(next(HelloField::MasterIp)?, HelloField::MasterIp)?,
            master_port: number(next(HelloField::MasterPort)?, HelloField::MasterPort)?,
            master_config_epoch: number(
                next(HelloField::MasterConfigEpoch)?,
                HelloField::MasterConfigEpoch,
            )?,
        })
    }

    /// The payload to `PUBLISH` on [`HELLO_CHANNEL`], as `sentinelSendHello` writes it.
    pub fn format(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{}",
            self.sentinel_ip,
            self.sentinel_port,
            self.sentinel_runid,
            self.current_epoch,
            self.master_name,
            self.master_ip,
            self.master_port,
            self.master_config_epoch
        )
    }
}

fn host(value: &str, field: HelloField) -> Result<String, HelloError> {
    if is_valid_host(value) {
        Ok(value.to_owned())
    } else {
        Err(HelloError::Malformed(field))
    }
}

fn runid(value: &str) -> Result<String, HelloError> {
    if value.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(value.to_owned())
    } else {
        Err(HelloError::Malformed(HelloField::SentinelRunid))
    }
}

/// All decimal digits (no sign, no spaces; leading zeros allowed), in range for `T`.
fn number<T: std::str::FromStr>(value: &str, field: HelloField) -> Result<T, HelloError> {
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HelloError::Malformed(field));
    }
    value.parse().map_err(|_| HelloError::Malformed(field))
}

/// Fuzz entry: must never panic, and must hold the parser's invariants.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    match Hello::parse(data) {
        Ok(hello) => {
            // What we accept, we can say again, and say it the same way.
            let payload = hello.format();
            assert_eq!(Hello::parse(payload.as_bytes()).as_ref(), Ok(&hello));
            assert_eq!(hello.format(), payload);
        }
        Err(HelloError::FieldCount { found }) => assert_ne!(found, 8),
        Err(HelloError::Empty(_) | HelloError::Malformed(_)) => {}
    }
}

#[cfg(test)]
mod tests;
