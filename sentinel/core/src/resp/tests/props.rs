//! Property tests: round trips through the encoder and decoders, and garbage never panics.

use bytes::{Bytes, BytesMut};
use proptest::collection::vec;
use proptest::prelude::*;

use crate::Limits;
use crate::resp::fuzz::{normalize_resp3, same_frame};
use crate::resp::{
    Frame, Protocol, ReplyDecoder, RequestDecoder, encode, encode_request, fuzz_reply, fuzz_request,
};

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

fn line() -> impl Strategy<Value = Bytes> {
    "[^\r\n]{0,16}".prop_map(Bytes::from)
}

fn resp2_leaf() -> impl Strategy<Value = Frame> {
    prop_oneof![
        line().prop_map(Frame::Simple),
        line().prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        bytes(32).prop_map(Frame::Bulk),
        Just(Frame::NullBulk),
        Just(Frame::NullArray),
    ]
}

fn resp3_leaf() -> impl Strategy<Value = Frame> {
    prop_oneof![
        resp2_leaf(),
        any::<f64>().prop_map(Frame::Double),
        any::<bool>().prop_map(Frame::Boolean),
        "-?[1-9][0-9]{0,40}|0".prop_map(|s| Frame::BigNumber(Bytes::from(s))),
        (any::<[u8; 3]>(), bytes(16)).prop_map(|(format, text)| Frame::Verbatim { format, text }),
        bytes(16).prop_map(Frame::BlobError),
    ]
}

fn resp3_frame() -> impl Strategy<Value = Frame> {
    resp3_leaf().prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Frame::Array),
            vec(inner.clone(), 0..6).prop_map(Frame::Set),
            vec(inner.clone(), 0..6).prop_map(Frame::Push),
            vec((inner.clone(), inner), 0..4).prop_map(Frame::Map),
        ]
    })
}

fn resp2_frame() -> impl Strategy<Value = Frame> {
    resp2_leaf().prop_recursive(4, 64, 6, |inner| vec(inner, 0..6).prop_map(Frame::Array))
}

/// Decodes `wire` fed in two pieces cut at `cut` (modulo its length).
fn decode_in_two(wire: &[u8], cut: usize) -> Frame {
    let cut = cut % (wire.len() + 1);
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut buf = BytesMut::from(&wire[..cut]);
    let first = decoder.decode(&mut buf).expect("valid prefix");
    assert!(first.is_none() || cut == wire.len());
    if let Some(frame) = first {
        return frame;
    }
    buf.extend_from_slice(&wire[cut..]);
    let frame = decoder.decode(&mut buf).expect("valid").expect("complete");
    assert!(buf.is_empty());
    frame
}

proptest! {
    #[test]
    fn resp3_round_trip(frame in resp3_frame(), cut in any::<usize>()) {
        let mut wire = BytesMut::new();
        encode(&frame, Protocol::Resp3, &mut wire);
        let decoded = decode_in_two(&wire, cut);
        prop_assert!(same_frame(&normalize_resp3(&frame), &decoded), "{:?} != {:?}", frame, decoded);
    }

    #[test]
    fn resp2_round_trip(frame in resp2_frame(), cut in any::<usize>()) {
        let mut wire = BytesMut::new();
        encode(&frame, Protocol::Resp2, &mut wire);
        prop_assert_eq!(decode_in_two(&wire, cut), frame);
    }

    #[test]
    fn resp2_rendering_of_any_frame_is_valid_resp2(frame in resp3_frame()) {
        let mut wire = BytesMut::new();
        encode(&frame, Protocol::Resp2, &mut wire);
        // Only RESP2 type bytes appear at the start of each element.
        let mut decoder = ReplyDecoder::new(Limits::default());
        let decoded = decoder.decode(&mut wire).expect("valid").expect("complete");
        prop_assert!(wire.is_empty());
        let mut again = BytesMut::new();
        encode(&decoded, Protocol::Resp2, &mut again);
        let mut first = BytesMut::new();
        encode(&frame, Protocol::Resp2, &mut first);
        prop_assert_eq!(first, again);
    }

    #[test]
    fn request_round_trip(args in vec(bytes(40), 0..8), cut in any::<usize>()) {
        let mut wire = BytesMut::new();
        encode_request(&args, &mut wire);
        let cut = cut % (wire.len() + 1);
        let mut decoder = RequestDecoder::new(Limits::default());
        let mut buf = BytesMut::from(&wire[..cut]);
        let mut got = decoder.decode(&mut buf).expect("valid");
        if got.is_none() {
            buf.extend_from_slice(&wire[cut..]);
            got = decoder.decode(&mut buf).expect("valid");
        }
        prop_assert_eq!(got, Some(args));
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn inline_words_round_trip(words in vec("[a-zA-Z0-9_.:-]{1,10}", 0..8), crlf in any::<bool>()) {
        let mut line = words.join(" ").into_bytes();
        line.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        let mut decoder = RequestDecoder::new(Limits::default());
        let mut buf = BytesMut::from(&line[..]);
        let got = decoder.decode(&mut buf).expect("valid").expect("complete");
        let expected: Vec<Bytes> = words.into_iter().map(Bytes::from).collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn garbage_never_panics(data in vec(any::<u8>(), 0..256)) {
        fuzz_reply(&data);
        fuzz_request(&data);
    }

    #[test]
    fn resp_like_garbage_never_panics(
        data in vec(prop::sample::select(b"+-:$*_%~>,#(=!|\r\n\r\n0123-1atf\"' \\x".to_vec()), 0..128)
    ) {
        fuzz_reply(&data);
        fuzz_request(&data);
    }
}
