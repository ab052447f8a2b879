//! Encoder: renders a [`Frame`] for a RESP2 or a RESP3 client.
//!
//! RESP3 renders every kind natively (both nulls as `_`). RESP2 renders what it lacks the way
//! Redis's `addReply*` functions do for a RESP2 client: a map as a flat array of 2N, a set or
//! push as an array, a double as a bulk string (format in `number.rs`), a boolean as `:1` /
//! `:0`, a big number as a bulk string, a verbatim string as a bulk of its text (format
//! dropped), a blob error as a simple error.
//!
//! Line-based kinds (simple strings, errors, big numbers) cannot carry CR or LF without
//! corrupting the stream; like Redis does for error texts, such bytes are replaced by spaces.

use bytes::{BufMut, BytesMut};

use super::Frame;
use super::number::{put_i64, put_len, with_double_text};

/// The protocol a client negotiated (`HELLO 2` / `HELLO 3`); RESP2 until it says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

/// Appends `frame` to `out` as `proto` renders it.
pub fn encode(frame: &Frame, proto: Protocol, out: &mut BytesMut) {
    let resp3 = proto == Protocol::Resp3;
    match frame {
        Frame::Simple(text) => put_line(out, b'+', text),
        Frame::Error(text) => put_line(out, b'-', text),
        Frame::Integer(n) => {
            out.put_u8(b':');
            put_i64(out, *n);
            out.put_slice(b"\r\n");
        }
        Frame::Bulk(data) => put_blob(out, b'$', data),
        Frame::NullBulk | Frame::NullArray if resp3 => out.put_slice(b"_\r\n"),
        Frame::NullBulk => out.put_slice(b"$-1\r\n"),
        Frame::NullArray => out.put_slice(b"*-1\r\n"),
        Frame::Array(items) => put_items(out, b'*', items, proto),
        Frame::Set(items) => put_items(out, if resp3 { b'~' } else { b'*' }, items, proto),
        Frame::Push(items) => put_items(out, if resp3 { b'>' } else { b'*' }, items, proto),
        Frame::Map(entries) => {
            if resp3 {
                put_header(out, b'%', entries.len());
            } else {
                put_header(out, b'*', entries.len().saturating_mul(2));
            }
            for (key, value) in entries {
                encode(key, proto, out);
                encode(value, proto, out);
            }
        }
        Frame::Double(value) => with_double_text(*value, |text| {
            if resp3 {
                put_line(out, b',', text);
            } else {
                put_blob(out, b'$', text);
            }
        }),
        Frame::Boolean(value) if resp3 => out.put_slice(if *value { b"#t\r\n" } else { b"#f\r\n" }),
        Frame::Boolean(value) => out.put_slice(if *value { b":1\r\n" } else { b":0\r\n" }),
        Frame::BigNumber(digits) if resp3 => put_line(out, b'(', digits),
        Frame::BigNumber(digits) => put_blob(out, b'$', digits),
        Frame::Verbatim { format, text } if resp3 => {
            put_header(out, b'=', text.len().saturating_add(4));
            out.put_slice(format);
            out.put_u8(b':');
            out.put_slice(text);
            out.put_slice(b"\r\n");
        }
        Frame::Verbatim { text, .. } => put_blob(out, b'$', text),
        Frame::BlobError(text) if resp3 => put_blob(out, b'!', text),
        Frame::BlobError(text) => put_line(out, b'-', text),
    }
}

/// Appends a command as a multibulk array of bulk strings (what a client sends).
pub fn encode_request<A: AsRef<[u8]>>(args: &[A], out: &mut BytesMut) {
    put_header(out, b'*', args.len());
    for arg in args {
        put_blob(out, b'$', arg.as_ref());
    }
}

/// `<kind><len>\r\n`
fn put_header(out: &mut BytesMut, kind: u8, len: usize) {
    out.put_u8(kind);
    put_len(out, len);
    out.put_slice(b"\r\n");
}

/// `<kind><len>\r\n<data>\r\n`
fn put_blob(out: &mut BytesMut, kind: u8, data: &[u8]) {
    put_header(out, kind, data.len());
    out.put_slice(data);
    out.put_slice(b"\r\n");
}

/// `<kind><text>\r\n`, CR and LF in `text` replaced by spaces.
fn put_line(out: &mut BytesMut, kind: u8, text: &[u8]) {
    out.put_u8(kind);
    if memchr::memchr2(b'\r', b'\n', text).is_none() {
        out.put_slice(text);
    } else {
        out.extend(
            text.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
    }
    out.put_slice(b"\r\n");
}

fn put_items(out: &mut BytesMut, kind: u8, items: &[Frame], proto: Protocol) {
    put_header(out, kind, items.len());
    for item in items {
        encode(item, proto, out);
    }
}
