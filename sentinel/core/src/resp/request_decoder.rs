//! Streaming decoder for client requests, parsing as Redis 7.0's server does
//! (`networking.c: processInputBuffer`, `processMultibulkBuffer`, `processInlineBuffer`):
//!
//! * a request starting with `*` is a multibulk `*N\r\n` of `$len\r\n<bytes>\r\n` arguments;
//!   anything else is an inline line, ended by `\n` (an `\r` before it is dropped) and split
//!   with Redis's quoting rules;
//! * a count or length line is ended by its first `\r` (the byte after it is skipped unread,
//!   as Redis does), and so are the two bytes after a bulk payload;
//! * `*0`, `*-N` and an empty inline line are empty requests (an empty argument list);
//! * bounds: an inline line, count line or length line longer than `Limits::inline_len_max`
//!   is "too big", a count above `Limits::array_len_max` is an invalid multibulk length, a
//!   length above `Limits::bulk_len_max` an invalid bulk length.
//!
//! Redis applies the "too big" bounds to whatever is buffered when no line end is there yet,
//! which depends on how the bytes were split into reads; here a line is too big when its end
//! is (or would be) further than the bound from its start, which gives the same answer however
//! the bytes arrive.

use std::ops::Range;

use bytes::{Bytes, BytesMut};

use super::ProtocolError;
use super::inline::split_args;
use super::number::parse_i64;
use crate::Limits;

/// Most arguments an unauthenticated client may send (`processMultibulkBuffer`).
const UNAUTHENTICATED_ARGS_MAX: i64 = 10;
/// Longest argument an unauthenticated client may send (`processMultibulkBuffer`).
const UNAUTHENTICATED_BULK_MAX: usize = 16384;
/// Argument slots reserved up front, whatever count the client announces (Redis does the same).
const ARGS_PREALLOCATED_MAX: usize = 1024;

/// Decodes client requests: multibulk (`*N` of `$` strings) or inline lines.
///
/// Between two calls that return `Ok(None)` the caller may only append to the buffer; if it
/// discards input some other way it must call [`RequestDecoder::reset`].
#[derive(Debug, Clone)]
pub struct RequestDecoder {
    limits: Limits,
    auth_required: bool,
    /// Where the search for the current line's end resumes.
    scan: usize,
    /// Do not look again until the buffer holds this many bytes.
    need: usize,
    /// Buffer length at the last call, to notice a caller that discarded input.
    seen: usize,
    /// Progress through a multibulk request, once its count line was read.
    multibulk: Option<Multibulk>,
}

#[derive(Debug, Clone)]
struct Multibulk {
    /// Bytes of the request parsed so far.
    pos: usize,
    /// Arguments still to read.
    remaining: usize,
    /// Arguments read, as ranges of the request's bytes.
    args: Vec<Range<usize>>,
}

/// How one line search ended.
enum Line {
    /// The line end is at this index.
    At(usize),
    /// Not buffered yet.
    Incomplete,
    /// Longer than the bound.
    TooBig,
}

impl RequestDecoder {
    /// A decoder bounded by `limits`.
    pub fn new(limits: Limits) -> RequestDecoder {
        RequestDecoder {
            limits,
            auth_required: false,
            scan: 0,
            need: 0,
            seen: 0,
            multibulk: None,
        }
    }

    /// Whether the client still has to authenticate: then, as in Redis, a multibulk of more
    /// than 10 arguments or an argument above 16 KiB is refused before it is buffered.
    pub fn set_auth_required(&mut self, required: bool) {
        self.auth_required = required;
    }

    /// Forgets any partly parsed request (for a caller that discarded buffered input).
    pub fn reset(&mut self) {
        self.scan = 0;
        self.need = 0;
        self.seen = 0;
        self.multibulk = None;
    }

    /// Takes one complete request (its arguments) off the front of `buf`; `Ok(None)` if more
    /// bytes are needed (nothing is consumed). An empty inline line, `*0` or `*-1` yields an
    /// empty argument list, which the caller ignores. On error nothing is consumed, the decoder
    /// is reset, and the caller sends `-<error>` and closes the connection.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        if buf.len() < self.seen {
            self.reset();
        }
        self.seen = buf.len();
        if buf.len() < self.need {
            return Ok(None);
        }
        let result = match buf.first() {
            None => Ok(None),
            Some(b'*') => self.decode_multibulk(buf),
            Some(_) => self.decode_inline(buf),
        };
        match result {
            Ok(Some(_)) | Err(_) => self.reset(),
            Ok(None) => {}
        }
        result
    }

    /// Finds `end` (a byte) in the line starting at `from`, within `Limits::inline_len_max`.
    fn find(&mut self, buf: &[u8], from: usize, end: u8) -> Line {
        let max = self.limits.inline_len_max;
        let search = self.scan.max(from);
        match buf.get(search..).and_then(|rest| memchr::memchr(end, rest)) {
            Some(offset) if search + offset - from > max => Line::TooBig,
            Some(offset) => Line::At(search + offset),
            None if buf.len().saturating_sub(from) > max => Line::TooBig,
            None => {
                self.scan = buf.len();
                self.need = buf.len() + 1;
                Line::Incomplete
            }
        }
    }

    fn decode_inline(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let newline = match self.find(buf, 0, b'\n') {
            Line::At(at) => at,
            Line::Incomplete => return Ok(None),
            Line::TooBig => return Err(ProtocolError::InlineTooBig),
        };
        let content_end = if newline > 0 && buf[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        let args = split_args(&buf[..content_end]).ok_or(ProtocolError::UnbalancedQuotes)?;
        let _ = buf.split_to(newline + 1);
        Ok(Some(args))
    }

    fn decode_multibulk(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let mut state = match self.multibulk.take() {
            Some(state) => state,
            None => match self.read_count(buf)? {
                Some(Ok(state)) => state,
                Some(Err(consumed)) => {
                    let _ = buf.split_to(consumed);
                    return Ok(Some(Vec::new()));
                }
                None => return Ok(None),
            },
        };
        while state.remaining > 0 {
            if !self.read_bulk(buf, &mut state)? {
                self.multibulk = Some(state);
                return Ok(None);
            }
        }
        let bytes = buf.split_to(state.pos).freeze();
        Ok(Some(
            state.args.into_iter().map(|r| bytes.slice(r)).collect(),
        ))
    }

    /// Reads `*N\r`: `Ok(state)` to read N arguments, `Err(consumed)` for an empty request.
    fn read_count(
        &mut self,
        buf: &[u8],
    ) -> Result<Option<Result<Multibulk, usize>>, ProtocolError> {
        let cr = match self.find(buf, 0, b'\r') {
            Line::At(at) => at,
            Line::Incomplete => return Ok(None),
            Line::TooBig => return Err(ProtocolError::MbulkCountTooBig),
        };
        if cr + 1 >= buf.len() {
            self.scan = cr;
            self.need = cr + 2;
            return Ok(None);
        }
        let count = parse_i64(&buf[1..cr])
            .filter(|&n| n <= i64::try_from(self.limits.array_len_max).unwrap_or(i64::MAX))
            .ok_or(ProtocolError::InvalidMultibulkLength)?;
        if self.auth_required && count > UNAUTHENTICATED_ARGS_MAX {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        let pos = cr + 2;
        self.scan = pos;
        let Ok(remaining) = usize::try_from(count) else {
            return Ok(Some(Err(pos)));
        };
        if remaining == 0 {
            return Ok(Some(Err(pos)));
        }
        let args = Vec::with_capacity(remaining.min(ARGS_PREALLOCATED_MAX));
        Ok(Some(Ok(Multibulk {
            pos,
            remaining,
            args,
        })))
    }

    /// Reads one `$len\r<payload>`; `false` if it is not all buffered yet.
    fn read_bulk(&mut self, buf: &[u8], state: &mut Multibulk) -> Result<bool, ProtocolError> {
        let start = state.pos;
        let cr = match self.find(buf, start, b'\r') {
            Line::At(at) => at,
            Line::Incomplete => return Ok(false),
            Line::TooBig => return Err(ProtocolError::BulkCountTooBig),
        };
        if cr + 1 >= buf.len() {
            self.scan = cr;
            self.need = cr + 2;
            return Ok(false);
        }
        if buf[start] != b'$' {
            return Err(ProtocolError::ExpectedDollar(buf[start]));
        }
        let len = parse_i64(&buf[start + 1..cr])
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= self.limits.bulk_len_max)
            .ok_or(ProtocolError::InvalidBulkLength)?;
        if self.auth_required && len > UNAUTHENTICATED_BULK_MAX {
            return Err(ProtocolError::UnauthenticatedBulkLength);
        }
        let data = cr + 2;
        let end = data
            .checked_add(len)
            .and_then(|e| e.checked_add(2))
            .ok_or(ProtocolError::InvalidBulkLength)?;
        if buf.len() < end {
            self.scan = cr;
            self.need = end;
            return Ok(false);
        }
        state.args.push(data..data + len);
        state.remaining -= 1;
        state.pos = end;
        self.scan = end;
        Ok(true)
    }
}
