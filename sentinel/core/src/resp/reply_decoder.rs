//! Streaming decoder for reply frames (RESP2 and RESP3) from instances and peers.
//!
//! The decoder is resumable: what it has parsed of an incomplete frame is kept as a flat
//! "tape" of nodes holding byte ranges, so a large frame arriving in small pieces is scanned
//! once, not once per piece. Nothing is copied until the frame is complete; then its bytes are
//! split off the buffer and the frame's strings are zero-copy slices of them.
//!
//! Attributes (`|N`, RESP3) are parsed and discarded: the value that follows takes the
//! attribute's place and nothing is attached to it. Redis only sends attributes when asked to
//! by `DEBUG PROTOCOL attrib`; skipping them keeps us compatible with any server that does.

use std::ops::Range;

use bytes::{Bytes, BytesMut};

use super::number::{parse_double, parse_i64};
use super::{Frame, ProtocolError};
use crate::Limits;

/// Decodes reply frames (RESP2 and RESP3) from an instance or a peer.
///
/// Between two calls that return `Ok(None)` the caller may only append to the buffer (the
/// decoder remembers how far it got). If the caller discards input some other way, it must
/// call [`ReplyDecoder::reset`]; a buffer that shrank is detected and restarts the frame.
#[derive(Debug, Clone)]
pub struct ReplyDecoder {
    limits: Limits,
    /// Bytes of the current frame already parsed into `tape`.
    pos: usize,
    /// Where the search for the current line's end resumes (nothing before it is CR or LF).
    scan: usize,
    /// Do not look again until the buffer holds this many bytes.
    need: usize,
    /// Buffer length at the last call, to notice a caller that discarded input.
    seen: usize,
    /// Parsed nodes of the current frame, in prefix order.
    tape: Vec<Node>,
    /// Aggregates (and attributes) of the current frame still waiting for children.
    open: Vec<Open>,
}

/// One parsed element; strings are ranges into the frame's bytes.
#[derive(Debug, Clone)]
enum Node {
    Simple(Range<usize>),
    Error(Range<usize>),
    Integer(i64),
    Bulk(Range<usize>),
    NullBulk,
    NullArray,
    Double(f64),
    Boolean(bool),
    BigNumber(Range<usize>),
    Verbatim {
        format: [u8; 3],
        text: Range<usize>,
    },
    BlobError(Range<usize>),
    /// An aggregate header followed by `children` nodes (for a map: 2 per entry).
    Aggregate {
        kind: AggregateKind,
        children: usize,
    },
}

#[derive(Debug, Clone, Copy)]
enum AggregateKind {
    Array,
    Map,
    Set,
    Push,
}

#[derive(Debug, Clone)]
struct Open {
    remaining: usize,
    /// For an attribute: the tape length to cut back to once it is complete.
    attribute_mark: Option<usize>,
}

/// What one line (plus payload) at the current position turned out to be.
enum Item {
    Leaf(Node),
    Aggregate(AggregateKind, usize),
    Attribute(usize),
}

/// Longest line a type may have: strings are bounded like bulk strings, numbers and lengths
/// like Redis bounds count strings.
fn line_max(limits: &Limits, kind: u8) -> usize {
    match kind {
        b'+' | b'-' | b'(' => limits.bulk_len_max,
        _ => limits.inline_len_max,
    }
}

impl ReplyDecoder {
    /// A decoder bounded by `limits`.
    pub fn new(limits: Limits) -> ReplyDecoder {
        ReplyDecoder {
            limits,
            pos: 0,
            scan: 0,
            need: 0,
            seen: 0,
            tape: Vec::new(),
            open: Vec::new(),
        }
    }

    /// Forgets any partly parsed frame (for a caller that discarded buffered input).
    pub fn reset(&mut self) {
        self.pos = 0;
        self.scan = 0;
        self.need = 0;
        self.seen = 0;
        self.tape.clear();
        self.open.clear();
        // A huge frame should not pin its tape's memory for the life of the link.
        const KEEP_NODES: usize = 1024;
        if self.tape.capacity() > KEEP_NODES {
            self.tape.shrink_to(KEEP_NODES);
        }
    }

    /// Takes one complete frame off the front of `buf`; `Ok(None)` if more bytes are needed
    /// (nothing is consumed). On error nothing is consumed and the decoder is reset; the link
    /// should be closed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, ProtocolError> {
        if buf.len() < self.seen {
            self.reset();
        }
        self.seen = buf.len();
        if buf.len() < self.need {
            return Ok(None);
        }
        match self.advance(buf) {
            Ok(true) => {
                let bytes = buf.split_to(self.pos).freeze();
                let frame = build(&self.tape, &bytes);
                self.reset();
                Ok(Some(frame))
            }
            Ok(false) => Ok(None),
            Err(e) => {
                self.reset();
                Err(e)
            }
        }
    }

    /// Parses as far as `buf` allows; `true` once a whole top-level value is on the tape.
    fn advance(&mut self, buf: &[u8]) -> Result<bool, ProtocolError> {
        loop {
            let Some(item) = self.parse_item(buf)? else {
                return Ok(false);
            };
            match item {
                Item::Leaf(node) => self.tape.push(node),
                Item::Aggregate(kind, children) => {
                    self.enter()?;
                    self.tape.push(Node::Aggregate { kind, children });
                    if children > 0 {
                        self.open.push(Open {
                            remaining: children,
                            attribute_mark: None,
                        });
                        continue;
                    }
                }
                Item::Attribute(children) => {
                    self.enter()?;
                    if children > 0 {
                        let mark = Some(self.tape.len());
                        self.open.push(Open {
                            remaining: children,
                            attribute_mark: mark,
                        });
                    }
                    // An attribute is not a value: the next item fills the same slot.
                    continue;
                }
            }
            if self.complete_value() {
                return Ok(true);
            }
        }
    }

    /// Checks that opening one more aggregate stays within the nesting bound.
    fn enter(&self) -> Result<(), ProtocolError> {
        if self.open.len() >= self.limits.nesting_depth_max {
            return Err(ProtocolError::NestingTooDeep);
        }
        Ok(())
    }

    /// Accounts one finished value to the enclosing aggregates; `true` if it was top level.
    fn complete_value(&mut self) -> bool {
        while let Some(top) = self.open.last_mut() {
            top.remaining -= 1;
            if top.remaining > 0 {
                return false;
            }
            let done = self.open.pop();
            if let Some(mark) = done.and_then(|d| d.attribute_mark) {
                // A finished attribute is dropped and fills no slot of its parent.
                self.tape.truncate(mark);
                return false;
            }
        }
        true
    }

    /// Parses the item at `self.pos`, advancing past it; `None` if it is incomplete.
    fn parse_item(&mut self, buf: &[u8]) -> Result<Option<Item>, ProtocolError> {
        let start = self.pos;
        let Some(&kind) = buf.get(start) else {
            self.need = start + 1;
            return Ok(None);
        };
        if !b"+-:$*_%~>,#(=!|".contains(&kind) {
            return Err(ProtocolError::InvalidFrameType(kind));
        }
        let Some(cr) = self.find_line_end(buf, start + 1, line_max(&self.limits, kind))? else {
            return Ok(None);
        };
        let line = start + 1..cr;
        let text = &buf[line.clone()];
        let after = cr + 2;
        let item = match kind {
            b'+' => Item::Leaf(Node::Simple(line)),
            b'-' => Item::Leaf(Node::Error(line)),
            b'(' => {
                let digits = text.strip_prefix(b"-").unwrap_or(text);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(ProtocolError::InvalidValue("big number"));
                }
                Item::Leaf(Node::BigNumber(line))
            }
            b':' => {
                let value = parse_i64(text).ok_or(ProtocolError::InvalidValue("integer"))?;
                Item::Leaf(Node::Integer(value))
            }
            b',' => {
                let value = parse_double(text).ok_or(ProtocolError::InvalidValue("double"))?;
                Item::Leaf(Node::Double(value))
            }
            b'#' => match text {
                b"t" => Item::Leaf(Node::Boolean(true)),
                b"f" => Item::Leaf(Node::Boolean(false)),
                _ => return Err(ProtocolError::InvalidValue("boolean")),
            },
            b'_' if text.is_empty() => Item::Leaf(Node::NullBulk),
            b'_' => return Err(ProtocolError::InvalidValue("null")),
            b'$' if text == b"-1" => Item::Leaf(Node::NullBulk),
            b'*' if text == b"-1" => Item::Leaf(Node::NullArray),
            b'$' | b'=' | b'!' => {
                let Some(payload) = self.payload(buf, text, after, cr)? else {
                    return Ok(None);
                };
                let node = match kind {
                    b'$' => Node::Bulk(payload.range),
                    b'!' => Node::BlobError(payload.range),
                    _ => verbatim(buf, payload.range)?,
                };
                self.pos = payload.end;
                self.scan = payload.end;
                return Ok(Some(Item::Leaf(node)));
            }
            _ => {
                let count = self.aggregate_len(text)?;
                match kind {
                    b'*' => Item::Aggregate(AggregateKind::Array, count),
                    b'~' => Item::Aggregate(AggregateKind::Set, count),
                    b'>' => Item::Aggregate(AggregateKind::Push, count),
                    b'%' => Item::Aggregate(AggregateKind::Map, pairs(count)?),
                    _ => Item::Attribute(pairs(count)?),
                }
            }
        };
        self.pos = after;
        self.scan = after;
        Ok(Some(item))
    }

    /// Finds the CR of a CRLF ending the line that starts at `from`; `None` if not yet
    /// buffered. A lone CR or LF is an error, as is a line longer than `max`.
    fn find_line_end(
        &mut self,
        buf: &[u8],
        from: usize,
        max: usize,
    ) -> Result<Option<usize>, ProtocolError> {
        let search = self.scan.max(from);
        let found = buf
            .get(search..)
            .and_then(|rest| memchr::memchr2(b'\r', b'\n', rest));
        let Some(offset) = found else {
            if buf.len().saturating_sub(from) > max {
                return Err(ProtocolError::LineTooLong);
            }
            self.scan = buf.len();
            self.need = buf.len() + 1;
            return Ok(None);
        };
        let at = search + offset;
        if at - from > max {
            return Err(ProtocolError::LineTooLong);
        }
        if buf[at] == b'\n' {
            return Err(ProtocolError::ExpectedCrlf);
        }
        match buf.get(at + 1) {
            None => {
                self.scan = at;
                self.need = at + 2;
                Ok(None)
            }
            Some(b'\n') => Ok(Some(at)),
            Some(_) => Err(ProtocolError::ExpectedCrlf),
        }
    }

    /// The payload of a `$`, `=` or `!` frame whose length line is `text`; `None` if the
    /// payload is not all buffered yet (the header is re-read next time; it is short).
    fn payload(
        &mut self,
        buf: &[u8],
        text: &[u8],
        start: usize,
        cr: usize,
    ) -> Result<Option<Payload>, ProtocolError> {
        let len = parse_i64(text)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= self.limits.bulk_len_max)
            .ok_or(ProtocolError::InvalidBulkLength)?;
        let data_end = start
            .checked_add(len)
            .ok_or(ProtocolError::InvalidBulkLength)?;
        let end = data_end
            .checked_add(2)
            .ok_or(ProtocolError::InvalidBulkLength)?;
        if buf.len() < end {
            // Keep the header's CR as the resume point so the header is found at once.
            self.scan = cr;
            self.need = end;
            return Ok(None);
        }
        if &buf[data_end..end] != b"\r\n" {
            return Err(ProtocolError::ExpectedCrlf);
        }
        Ok(Some(Payload {
            range: start..data_end,
            end,
        }))
    }

    /// An aggregate count within `Limits::array_len_max`.
    fn aggregate_len(&self, text: &[u8]) -> Result<usize, ProtocolError> {
        parse_i64(text)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= self.limits.array_len_max)
            .ok_or(ProtocolError::InvalidAggregateLength)
    }
}

struct Payload {
    range: Range<usize>,
    end: usize,
}

/// Children of a map or attribute of `count` entries.
fn pairs(count: usize) -> Result<usize, ProtocolError> {
    count
        .checked_mul(2)
        .ok_or(ProtocolError::InvalidAggregateLength)
}

/// `=N\r\nfmt:text`: three format bytes, a colon, the text.
fn verbatim(buf: &[u8], range: Range<usize>) -> Result<Node, ProtocolError> {
    let data = &buf[range.clone()];
    match data {
        [a, b, c, b':', ..] => Ok(Node::Verbatim {
            format: [*a, *b, *c],
            text: range.start + 4..range.end,
        }),
        _ => Err(ProtocolError::InvalidValue("verbatim string")),
    }
}

/// Turns a complete tape into its frame; strings are slices of `bytes` (no copy).
fn build(tape: &[Node], bytes: &Bytes) -> Frame {
    struct Building {
        kind: AggregateKind,
        items: Vec<Frame>,
        remaining: usize,
    }
    let mut stack: Vec<Building> = Vec::new();
    for (index, node) in tape.iter().enumerate() {
        let mut frame = match node {
            Node::Simple(r) => Frame::Simple(bytes.slice(r.clone())),
            Node::Error(r) => Frame::Error(bytes.slice(r.clone())),
            Node::Integer(n) => Frame::Integer(*n),
            Node::Bulk(r) => Frame::Bulk(bytes.slice(r.clone())),
            Node::NullBulk => Frame::NullBulk,
            Node::NullArray => Frame::NullArray,
            Node::Double(d) => Frame::Double(*d),
            Node::Boolean(b) => Frame::Boolean(*b),
            Node::BigNumber(r) => Frame::BigNumber(bytes.slice(r.clone())),
            Node::Verbatim { format, text } => Frame::Verbatim {
                format: *format,
                text: bytes.slice(text.clone()),
            },
            Node::BlobError(r) => Frame::BlobError(bytes.slice(r.clone())),
            Node::Aggregate { kind, children } if *children > 0 => {
                // The children are all on the tape, so this capacity is backed by input.
                let capacity = (*children).min(tape.len() - index);
                stack.push(Building {
                    kind: *kind,
                    items: Vec::with_capacity(capacity),
                    remaining: *children,
                });
                continue;
            }
            Node::Aggregate { kind, .. } => finish(*kind, Vec::new()),
        };
        loop {
            let Some(mut top) = stack.pop() else {
                return frame;
            };
            top.items.push(frame);
            top.remaining -= 1;
            if top.remaining > 0 {
                stack.push(top);
                break;
            }
            frame = finish(top.kind, top.items);
        }
    }
    // A complete tape always returns from inside the loop; a broken one yields a null
    // rather than a panic.
    Frame::NullBulk
}

fn finish(kind: AggregateKind, items: Vec<Frame>) -> Frame {
    match kind {
        AggregateKind::Array => Frame::Array(items),
        AggregateKind::Set => Frame::Set(items),
        AggregateKind::Push => Frame::Push(items),
        AggregateKind::Map => {
            let mut entries = Vec::with_capacity(items.len() / 2);
            let mut items = items.into_iter();
            while let (Some(key), Some(value)) = (items.next(), items.next()) {
                entries.push((key, value));
            }
            Frame::Map(entries)
        }
    }
}
