//! Bodies of the fuzz entries (`fuzz_reply`, `fuzz_request`): decode arbitrary bytes under
//! small limits and check the invariants that must hold whatever the input.
//!
//! The checks are `assert!`s on purpose: a fuzzer reports a panic, and these run nowhere else
//! but in fuzzing and tests.

use bytes::{Bytes, BytesMut};

use super::{Frame, Protocol, ReplyDecoder, RequestDecoder, encode, encode_request};
use crate::Limits;

/// Limits small enough that a fuzzer reaches every bound.
pub(crate) fn small_limits() -> Limits {
    Limits {
        bulk_len_max: 64,
        array_len_max: 8,
        nesting_depth_max: 4,
        inline_len_max: 32,
        ..Limits::default()
    }
}

/// Equality of frames where any NaN equals any NaN (a double's other bits must match, so
/// `-0.0` and `0.0` differ).
pub(crate) fn same_frame(a: &Frame, b: &Frame) -> bool {
    let all_same = |x: &[Frame], y: &[Frame]| {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_frame(p, q))
    };
    match (a, b) {
        (Frame::Double(x), Frame::Double(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Frame::Array(x), Frame::Array(y))
        | (Frame::Set(x), Frame::Set(y))
        | (Frame::Push(x), Frame::Push(y)) => all_same(x, y),
        (Frame::Map(x), Frame::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same_frame(k1, k2) && same_frame(v1, v2))
        }
        _ => a == b,
    }
}

/// Decodes every frame of `data` at once, then again fed in pieces of `step` bytes.
fn replies(data: &[u8], step: usize) -> (Vec<Frame>, bool) {
    let mut decoder = ReplyDecoder::new(small_limits());
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for chunk in data.chunks(step.max(1)) {
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(_) => return (frames, true),
            }
        }
    }
    (frames, false)
}

pub(crate) fn reply(data: &[u8]) {
    let (frames, failed) = replies(data, data.len());
    // However the bytes are split, the same frames (and the same failure) come out.
    let step = data.first().map_or(1, |&b| usize::from(b % 7) + 1);
    let (pieces, pieces_failed) = replies(data, step);
    assert_eq!(failed, pieces_failed, "error depends on how input is split");
    assert!(
        frames.len() == pieces.len() && frames.iter().zip(&pieces).all(|(a, b)| same_frame(a, b)),
        "frames depend on how input is split"
    );
    for frame in &frames {
        let mut out = BytesMut::new();
        encode(frame, Protocol::Resp3, &mut out);
        let mut decoder = ReplyDecoder::new(small_limits());
        let again = decoder.decode(&mut out);
        let Ok(Some(again)) = again else {
            panic!("re-encoded frame does not decode: {frame:?} gave {again:?}");
        };
        assert!(
            same_frame(&normalize_resp3(frame), &again),
            "{frame:?} != {again:?}"
        );
        assert!(out.is_empty(), "re-encoded frame left bytes behind");
        // RESP2 rendering must at least decode to something.
        out.clear();
        encode(frame, Protocol::Resp2, &mut out);
        let mut decoder = ReplyDecoder::new(Limits::default());
        assert!(matches!(decoder.decode(&mut out), Ok(Some(_))));
    }
}

/// What a frame reads back as after a RESP3 round trip: both nulls are `_`.
pub(crate) fn normalize_resp3(frame: &Frame) -> Frame {
    let all = |items: &[Frame]| items.iter().map(normalize_resp3).collect();
    match frame {
        Frame::NullArray => Frame::NullBulk,
        Frame::Array(items) => Frame::Array(all(items)),
        Frame::Set(items) => Frame::Set(all(items)),
        Frame::Push(items) => Frame::Push(all(items)),
        Frame::Map(entries) => Frame::Map(
            entries
                .iter()
                .map(|(k, v)| (normalize_resp3(k), normalize_resp3(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn requests(data: &[u8], step: usize) -> (Vec<Vec<Bytes>>, bool) {
    let mut decoder = RequestDecoder::new(small_limits());
    let mut buf = BytesMut::new();
    let mut all = Vec::new();
    for chunk in data.chunks(step.max(1)) {
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(args)) => all.push(args),
                Ok(None) => break,
                Err(_) => return (all, true),
            }
        }
    }
    (all, false)
}

pub(crate) fn request(data: &[u8]) {
    let (all, failed) = requests(data, data.len());
    let step = data.first().map_or(1, |&b| usize::from(b % 7) + 1);
    assert_eq!(
        requests(data, step),
        (all.clone(), failed),
        "result depends on how input is split"
    );
    for args in &all {
        let mut out = BytesMut::new();
        encode_request(args, &mut out);
        // Inline requests have no argument count bound, so re-read with the default limits.
        let mut decoder = RequestDecoder::new(Limits::default());
        let again = decoder.decode(&mut out);
        assert_eq!(again, Ok(Some(args.clone())), "re-encoded request differs");
        assert!(out.is_empty(), "re-encoded request left bytes behind");
    }
}
