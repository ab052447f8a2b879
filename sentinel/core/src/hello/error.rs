//! Why a hello payload was rejected.

use std::fmt;

use thiserror::Error;

/// A hello payload that is not 8 well-formed fields. Redis ignores such a message (or the
/// unusable part of it); so do we, and the error says why for the debug log.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum HelloError {
    /// Not exactly 8 comma-separated fields.
    #[error("hello has {found} comma-separated fields, expected 8")]
    FieldCount {
        /// Fields found (an empty payload has 1, an empty field).
        found: usize,
    },
    /// A field is empty.
    #[error("hello field {0} is empty")]
    Empty(HelloField),
    /// A field is not UTF-8, not a number in range, or not a valid host / run id.
    #[error("hello field {0} is malformed")]
    Malformed(HelloField),
}

/// The eight fields of a hello, in payload order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelloField {
    /// Field 1.
    SentinelIp,
    /// Field 2.
    SentinelPort,
    /// Field 3.
    SentinelRunid,
    /// Field 4.
    CurrentEpoch,
    /// Field 5.
    MasterName,
    /// Field 6.
    MasterIp,
    /// Field 7.
    MasterPort,
    /// Field 8.
    MasterConfigEpoch,
}

impl HelloField {
    /// All fields, in payload order.
    pub const ALL: [HelloField; 8] = [
        HelloField::SentinelIp,
        HelloField::SentinelPort,
        HelloField::SentinelRunid,
        HelloField::CurrentEpoch,
        HelloField::MasterName,
        HelloField::MasterIp,
        HelloField::MasterPort,
        HelloField::MasterConfigEpoch,
    ];

    /// The name sentinel.c gives the field in `sentinelSendHello`.
    pub fn name(self) -> &'static str {
        match self {
            HelloField::SentinelIp => "sentinel_ip",
            HelloField::SentinelPort => "sentinel_port",
            HelloField::SentinelRunid => "sentinel_runid",
            HelloField::CurrentEpoch => "current_epoch",
            HelloField::MasterName => "master_name",
            HelloField::MasterIp => "master_ip",
            HelloField::MasterPort => "master_port",
            HelloField::MasterConfigEpoch => "master_config_epoch",
        }
    }
}

impl fmt::Display for HelloField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
