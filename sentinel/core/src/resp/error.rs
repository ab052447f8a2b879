//! Protocol errors, carrying the texts Redis replies with.

use thiserror::Error;

/// A malformed or oversize frame. `Display` gives the error reply text Redis would send.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    /// Placeholder until the decoder lands.
    #[error("ERR Protocol error: not implemented")]
    Unimplemented,
}
