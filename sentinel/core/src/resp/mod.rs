//! RESP2 / RESP3: the frame type, a streaming decoder for replies and for client requests
//! (including the inline form), and an encoder that renders a frame for either protocol.
//!
//! The decoder works over a `bytes::BytesMut` the driver fills: it either returns a complete
//! frame (consuming its bytes), returns `Ok(None)` when more input is needed (consuming
//! nothing), or returns an error carrying the text Redis would send.
//!
//! Choices worth knowing (details in each file):
//! * decoders are resumable: a frame arriving in pieces is scanned once, and its strings are
//!   zero-copy slices of the input once it is complete (`reply_decoder.rs`);
//! * every count and length is checked against [`crate::Limits`] before anything is reserved,
//!   and nesting is bounded by an explicit stack, never recursion;
//! * RESP3 attributes (`|N`) are parsed and discarded; the value after them is the frame;
//! * requests follow Redis 7.0's `networking.c`, error texts included
//!   (`request_decoder.rs`, `inline.rs`);
//! * doubles are written as the shortest text that reads back as the same value, `inf`,
//!   `-inf` and `nan` as Redis writes them (`number.rs`).

use bytes::Bytes;

mod encode;
mod error;
mod fuzz;
mod inline;
mod number;
mod reply_decoder;
mod request_decoder;
#[cfg(test)]
mod tests;

pub use encode::{Protocol, encode, encode_request};
pub use error::ProtocolError;
pub use reply_decoder::ReplyDecoder;
pub use request_decoder::RequestDecoder;

/// One RESP value. RESP3-only kinds are rendered as their RESP2 equivalent when encoding for a
/// RESP2 client (see [`encode`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+OK`
    Simple(Bytes),
    /// `-ERR message` (the whole line after `-`, code included)
    Error(Bytes),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo`
    Bulk(Bytes),
    /// `$-1` in RESP2, `_` in RESP3
    NullBulk,
    /// `*-1` in RESP2, `_` in RESP3
    NullArray,
    /// `*N`
    Array(Vec<Frame>),
    /// RESP3 `%N`; flat array of 2N elements in RESP2
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~N`; array in RESP2
    Set(Vec<Frame>),
    /// RESP3 `>N` (pub/sub messages under RESP3); array in RESP2
    Push(Vec<Frame>),
    /// RESP3 `,1.5`; bulk string in RESP2
    Double(f64),
    /// RESP3 `#t` / `#f`; integer 1 / 0 in RESP2
    Boolean(bool),
    /// RESP3 `(123...`; bulk string in RESP2
    BigNumber(Bytes),
    /// RESP3 `=N\r\ntxt:...`; bulk string (without the format) in RESP2
    Verbatim { format: [u8; 3], text: Bytes },
    /// RESP3 `!N` blob error; simple error in RESP2
    BlobError(Bytes),
}

impl Frame {
    /// A simple string from a static text.
    pub fn ok() -> Frame {
        Frame::Simple(Bytes::from_static(b"OK"))
    }

    /// A bulk string copied from anything byte-like.
    pub fn bulk(data: impl AsRef<[u8]>) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(data.as_ref()))
    }

    /// An error reply; `text` is the full line, e.g. `ERR unknown command 'x'`.
    pub fn error(text: impl AsRef<[u8]>) -> Frame {
        Frame::Error(Bytes::copy_from_slice(text.as_ref()))
    }

    /// The bytes of a simple string, bulk string or verbatim string; `None` for other kinds.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Frame::Simple(b) | Frame::Bulk(b) | Frame::BigNumber(b) => Some(b),
            Frame::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }

    /// True for `Error` and `BlobError`.
    pub fn is_error(&self) -> bool {
        matches!(self, Frame::Error(_) | Frame::BlobError(_))
    }
}

/// Fuzz entry for the reply decoder: must never panic, and must hold its invariants.
#[doc(hidden)]
pub fn fuzz_reply(data: &[u8]) {
    fuzz::reply(data);
}

/// Fuzz entry for the request decoder: must never panic, and must hold its invariants.
#[doc(hidden)]
pub fn fuzz_request(data: &[u8]) {
    fuzz::request(data);
}
