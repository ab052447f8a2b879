//! Streaming decoders. (Skeleton: implemented by the RESP work item.)

use bytes::{Bytes, BytesMut};

use super::{Frame, ProtocolError};
use crate::Limits;

/// Decodes reply frames (RESP2 and RESP3) from an instance or a peer.
#[derive(Debug, Clone)]
pub struct ReplyDecoder {
    limits: Limits,
}

impl ReplyDecoder {
    /// A decoder bounded by `limits`.
    pub fn new(limits: Limits) -> ReplyDecoder {
        ReplyDecoder { limits }
    }

    /// Takes one complete frame off the front of `buf`; `Ok(None)` if more bytes are needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, ProtocolError> {
        let _ = (&self.limits, buf);
        Err(ProtocolError::Unimplemented)
    }
}

/// Decodes client requests: multibulk (`*N` of `$` strings) or inline lines.
#[derive(Debug, Clone)]
pub struct RequestDecoder {
    limits: Limits,
}

impl RequestDecoder {
    /// A decoder bounded by `limits`.
    pub fn new(limits: Limits) -> RequestDecoder {
        RequestDecoder { limits }
    }

    /// Takes one complete request (its arguments) off the front of `buf`; `Ok(None)` if more
    /// bytes are needed. An empty inline line yields an empty argument list.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let _ = (&self.limits, buf);
        Err(ProtocolError::Unimplemented)
    }
}
