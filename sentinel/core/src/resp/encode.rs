//! Encoder. (Skeleton: implemented by the RESP work item.)

use bytes::BytesMut;

use super::Frame;

/// The protocol a client negotiated (`HELLO 2` / `HELLO 3`); RESP2 until it says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

/// Appends `frame` to `out` as `proto` renders it.
pub fn encode(frame: &Frame, proto: Protocol, out: &mut BytesMut) {
    let _ = (frame, proto, out);
}

/// Appends a command as a multibulk array of bulk strings (what a client sends).
pub fn encode_request<A: AsRef<[u8]>>(args: &[A], out: &mut BytesMut) {
    let _ = (args, out);
}
