//! Tests of the RESP module: table tests per frame kind, every split of every input, error
//! texts, bounds, and property tests.

mod encode;
mod fuzz_corpus;
mod inline;
mod props;
mod reply;
mod request;

use bytes::BytesMut;

use super::fuzz::same_frame;
use super::{Frame, ReplyDecoder, RequestDecoder};
use crate::Limits;

/// Decodes all frames of `input`, checking that every split point gives the same result:
/// the prefix alone decodes to nothing (or to the frames wholly inside it), and the rest
/// completes it.
pub(super) fn replies_every_split(input: &[u8], limits: &Limits) -> Vec<Frame> {
    let whole = decode_replies(input, limits, &[input.len()]);
    let same = |a: &[Frame], b: &[Frame]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_frame(x, y))
    };
    for split in 0..input.len() {
        let pieces = decode_replies(input, limits, &[split, input.len()]);
        assert!(
            same(&pieces, &whole),
            "split at {split}: {pieces:?} != {whole:?}"
        );
    }
    let byte_by_byte: Vec<usize> = (1..=input.len()).collect();
    let pieces = decode_replies(input, limits, &byte_by_byte);
    assert!(
        same(&pieces, &whole),
        "byte by byte: {pieces:?} != {whole:?}"
    );
    whole
}

/// Feeds `input` up to each of `cuts` in turn, decoding after each; all frames in order.
fn decode_replies(input: &[u8], limits: &Limits, cuts: &[usize]) -> Vec<Frame> {
    let mut decoder = ReplyDecoder::new(limits.clone());
    let mut buf = BytesMut::new();
    let mut fed = 0;
    let mut frames = Vec::new();
    for &cut in cuts {
        buf.extend_from_slice(&input[fed..cut]);
        fed = cut;
        let before = buf.len();
        while let Some(frame) = decoder.decode(&mut buf).expect("valid input") {
            frames.push(frame);
        }
        assert!(buf.len() <= before);
    }
    assert!(buf.is_empty(), "bytes left over: {buf:?}");
    frames
}

/// The single frame `input` holds, checked at every split.
pub(super) fn reply(input: &[u8]) -> Frame {
    let frames = replies_every_split(input, &Limits::default());
    assert_eq!(frames.len(), 1, "{frames:?}");
    frames.into_iter().next().expect("one frame")
}

/// The error decoding `input` gives (whole, and checked to be the same at every split).
pub(super) fn reply_error(input: &[u8], limits: &Limits) -> String {
    let mut errors = Vec::new();
    for split in 0..=input.len() {
        let mut decoder = ReplyDecoder::new(limits.clone());
        let mut buf = BytesMut::from(&input[..split]);
        let mut result = decoder.decode(&mut buf);
        if let Ok(None) = result {
            buf.extend_from_slice(&input[split..]);
            result = decoder.decode(&mut buf);
        }
        let given = if buf.len() == split {
            split
        } else {
            input.len()
        };
        match result {
            Err(e) => errors.push(e.to_string()),
            other => panic!("expected an error for {input:?} split at {split}, got {other:?}"),
        }
        assert_eq!(buf.len(), given, "an error must consume nothing");
    }
    errors.dedup();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.remove(0)
}

/// All requests in `input` (as strings), checked at every split.
pub(super) fn requests(input: &[u8]) -> Vec<Vec<String>> {
    requests_with(input, &Limits::default())
}

pub(super) fn requests_with(input: &[u8], limits: &Limits) -> Vec<Vec<String>> {
    let run = |cuts: &[usize]| {
        let mut decoder = RequestDecoder::new(limits.clone());
        let mut buf = BytesMut::new();
        let mut fed = 0;
        let mut all = Vec::new();
        for &cut in cuts {
            buf.extend_from_slice(&input[fed..cut]);
            fed = cut;
            while let Some(args) = decoder.decode(&mut buf).expect("valid request") {
                all.push(
                    args.iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect(),
                );
            }
        }
        assert!(buf.is_empty(), "bytes left over: {buf:?}");
        all
    };
    let whole: Vec<Vec<String>> = run(&[input.len()]);
    for split in 0..input.len() {
        assert_eq!(run(&[split, input.len()]), whole, "split at {split}");
    }
    let byte_by_byte: Vec<usize> = (1..=input.len()).collect();
    assert_eq!(run(&byte_by_byte), whole, "byte by byte");
    whole
}

/// The error `input` gives as a request (checked to be the same at every split).
pub(super) fn request_error(input: &[u8], limits: &Limits) -> String {
    let mut errors = Vec::new();
    for split in 0..=input.len() {
        let mut decoder = RequestDecoder::new(limits.clone());
        let mut buf = BytesMut::from(&input[..split]);
        let mut result = decoder.decode(&mut buf);
        if let Ok(None) = result {
            buf.extend_from_slice(&input[split..]);
            result = decoder.decode(&mut buf);
        }
        match result {
            Err(e) => errors.push(e.to_string()),
            other => panic!("expected an error for {input:?} split at {split}, got {other:?}"),
        }
    }
    errors.dedup();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.remove(0)
}
