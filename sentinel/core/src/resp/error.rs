//! Protocol errors, carrying the texts Redis replies with.
//!
//! The request-side variants reproduce `networking.c` (`processInlineBuffer`,
//! `processMultibulkBuffer`) word for word: the driver sends `-<Display>` and closes the
//! connection, as Redis does. The reply-side variants are ours (Redis has no server-side reply
//! parser); they use the same `ERR Protocol error: ...` shape so logs read alike.

use std::fmt;

use thiserror::Error;

/// A malformed or oversize frame. `Display` gives the error reply text Redis would send.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    /// `*N` count that is not a number or is above `Limits::array_len_max`.
    #[error("ERR Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    /// `$N` length that is not a number, negative (requests), or above `Limits::bulk_len_max`.
    #[error("ERR Protocol error: invalid bulk length")]
    InvalidBulkLength,
    /// A multibulk argument that does not start with `$`.
    #[error("ERR Protocol error: expected '$', got '{}'", PrintableByte(*.0))]
    ExpectedDollar(u8),
    /// An inline request line longer than `Limits::inline_len_max`.
    #[error("ERR Protocol error: too big inline request")]
    InlineTooBig,
    /// A `*N` count line longer than `Limits::inline_len_max`.
    #[error("ERR Protocol error: too big mbulk count string")]
    MbulkCountTooBig,
    /// A `$N` length line longer than `Limits::inline_len_max`.
    #[error("ERR Protocol error: too big bulk count string")]
    BulkCountTooBig,
    /// An inline request with an unterminated quote, or a closing quote not followed by space.
    #[error("ERR Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    /// More than 10 arguments before `AUTH` (only when the decoder is told auth is required).
    #[error("ERR Protocol error: unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    /// An argument above 16 KiB before `AUTH` (only when the decoder is told auth is required).
    #[error("ERR Protocol error: unauthenticated bulk length")]
    UnauthenticatedBulkLength,
    /// A reply frame starting with a byte that is no RESP2/RESP3 type.
    #[error("ERR Protocol error: invalid frame type '{}'", PrintableByte(*.0))]
    InvalidFrameType(u8),
    /// An aggregate (`* % ~ > |`) count that is not a number or is above
    /// `Limits::array_len_max`.
    #[error("ERR Protocol error: invalid aggregate length")]
    InvalidAggregateLength,
    /// Aggregates nested deeper than `Limits::nesting_depth_max`.
    #[error("ERR Protocol error: nesting too deep")]
    NestingTooDeep,
    /// A reply line longer than its bound (`Limits::inline_len_max` for numbers and lengths,
    /// `Limits::bulk_len_max` for simple strings, errors and big numbers).
    #[error("ERR Protocol error: too big line")]
    LineTooLong,
    /// A lone CR or LF inside a reply line, or a bulk payload not followed by CRLF.
    #[error("ERR Protocol error: expected CRLF")]
    ExpectedCrlf,
    /// A reply line whose content does not parse as its type (the type is named).
    #[error("ERR Protocol error: invalid {0}")]
    InvalidValue(&'static str),
}

/// Renders the offending byte the way Redis's `%c` would, except that bytes a UTF-8 reply line
/// cannot carry verbatim become `?`, and CR/LF become a space (Redis replaces newlines in error
/// replies with spaces, `addReplyErrorLength`).
struct PrintableByte(u8);

impl fmt::Display for PrintableByte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = match self.0 {
            b'\r' | b'\n' => ' ',
            0x01..=0x7f => char::from(self.0),
            _ => '?',
        };
        write!(f, "{c}")
    }
}
