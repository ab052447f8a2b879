//! Reply decoding: every frame kind, pipelining, splits, attributes, errors and bounds.

use bytes::{Bytes, BytesMut};

use super::{replies_every_split, reply, reply_error};
use crate::Limits;
use crate::resp::{Frame, ReplyDecoder};

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

#[test]
fn decodes_every_frame_kind() {
    let table: Vec<(&[u8], Frame)> = vec![
        (b"+OK\r\n", Frame::ok()),
        (b"+\r\n", Frame::Simple(b(""))),
        (
            b"-ERR unknown command 'x'\r\n",
            Frame::error("ERR unknown command 'x'"),
        ),
        (b":0\r\n", Frame::Integer(0)),
        (b":-42\r\n", Frame::Integer(-42)),
        (b":9223372036854775807\r\n", Frame::Integer(i64::MAX)),
        (b":-9223372036854775808\r\n", Frame::Integer(i64::MIN)),
        (b"$3\r\nfoo\r\n", Frame::bulk("foo")),
        (b"$0\r\n\r\n", Frame::bulk("")),
        (b"$4\r\na\r\nb\r\n", Frame::bulk("a\r\nb")),
        (b"$-1\r\n", Frame::NullBulk),
        (b"*-1\r\n", Frame::NullArray),
        (b"_\r\n", Frame::NullBulk),
        (b"*0\r\n", Frame::Array(vec![])),
        (
            b"*2\r\n:1\r\n$1\r\na\r\n",
            Frame::Array(vec![Frame::Integer(1), Frame::bulk("a")]),
        ),
        (
            b"%2\r\n+a\r\n:1\r\n+b\r\n_\r\n",
            Frame::Map(vec![
                (Frame::Simple(b("a")), Frame::Integer(1)),
                (Frame::Simple(b("b")), Frame::NullBulk),
            ]),
        ),
        (b"%0\r\n", Frame::Map(vec![])),
        (
            b"~2\r\n:1\r\n:2\r\n",
            Frame::Set(vec![Frame::Integer(1), Frame::Integer(2)]),
        ),
        (
            b">2\r\n+message\r\n$2\r\nhi\r\n",
            Frame::Push(vec![Frame::Simple(b("message")), Frame::bulk("hi")]),
        ),
        (b",1.5\r\n", Frame::Double(1.5)),
        (b",-0.25\r\n", Frame::Double(-0.25)),
        (b",1e300\r\n", Frame::Double(1e300)),
        (b",10\r\n", Frame::Double(10.0)),
        (b",inf\r\n", Frame::Double(f64::INFINITY)),
        (b",-inf\r\n", Frame::Double(f64::NEG_INFINITY)),
        (b"#t\r\n", Frame::Boolean(true)),
        (b"#f\r\n", Frame::Boolean(false)),
        (
            b"(3492890328409238509324850943850943825024385\r\n",
            Frame::BigNumber(b("3492890328409238509324850943850943825024385")),
        ),
        (b"(-12\r\n", Frame::BigNumber(b("-12"))),
        (
            b"=15\r\ntxt:Some string\r\n",
            Frame::Verbatim {
                format: *b"txt",
                text: b("Some string"),
            },
        ),
        (
            b"=4\r\nmkd:\r\n",
            Frame::Verbatim {
                format: *b"mkd",
                text: b(""),
            },
        ),
        (
            b"!21\r\nSYNTAX invalid syntax\r\n",
            Frame::BlobError(b("SYNTAX invalid syntax")),
        ),
    ];
    for (input, expected) in table {
        assert_eq!(reply(input), expected, "{}", String::from_utf8_lossy(input));
    }
}

#[test]
fn decodes_nan() {
    let Frame::Double(d) = reply(b",nan\r\n") else {
        panic!("not a double")
    };
    assert!(d.is_nan());
}

#[test]
fn decodes_nested_aggregates() {
    let input = b"*3\r\n*2\r\n:1\r\n%1\r\n+k\r\n~1\r\n#t\r\n*0\r\n>1\r\n*1\r\n$-1\r\n";
    let expected = Frame::Array(vec![
        Frame::Array(vec![
            Frame::Integer(1),
            Frame::Map(vec![(
                Frame::Simple(b("k")),
                Frame::Set(vec![Frame::Boolean(true)]),
            )]),
        ]),
        Frame::Array(vec![]),
        Frame::Push(vec![Frame::Array(vec![Frame::NullBulk])]),
    ]);
    assert_eq!(reply(input), expected);
}

#[test]
fn pipelined_frames_come_out_in_order() {
    let input = b"+PONG\r\n$5\r\nhello\r\n*2\r\n:1\r\n:2\r\n-ERR x\r\n_\r\n";
    let frames = replies_every_split(input, &Limits::default());
    assert_eq!(
        frames,
        vec![
            Frame::Simple(b("PONG")),
            Frame::bulk("hello"),
            Frame::Array(vec![Frame::Integer(1), Frame::Integer(2)]),
            Frame::error("ERR x"),
            Frame::NullBulk,
        ]
    );
}

#[test]
fn consumes_exactly_one_frame() {
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut buf = BytesMut::from(&b"+OK\r\n:1"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(Some(Frame::ok())));
    assert_eq!(&buf[..], b":1");
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    assert_eq!(&buf[..], b":1", "an incomplete frame consumes nothing");
    buf.extend_from_slice(b"\r\n");
    assert_eq!(decoder.decode(&mut buf), Ok(Some(Frame::Integer(1))));
    assert!(buf.is_empty());
    assert_eq!(decoder.decode(&mut buf), Ok(None));
}

#[test]
fn empty_buffer_needs_more() {
    let mut decoder = ReplyDecoder::new(Limits::default());
    assert_eq!(decoder.decode(&mut BytesMut::new()), Ok(None));
}

#[test]
fn attributes_are_skipped() {
    // Top level: the attribute is dropped, the value after it is the frame.
    let input = b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2\r\n:3\r\n";
    assert_eq!(
        reply(input),
        Frame::Array(vec![Frame::Integer(2), Frame::Integer(3)])
    );
    // Inside an aggregate the attribute takes no slot.
    let input = b"*2\r\n:1\r\n|1\r\n+a\r\n*1\r\n|0\r\n:9\r\n:2\r\n";
    assert_eq!(
        reply(input),
        Frame::Array(vec![Frame::Integer(1), Frame::Integer(2)])
    );
}

#[test]
fn restarts_when_the_caller_discards_input() {
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut buf = BytesMut::from(&b"*2\r\n:1\r\n"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    buf.clear();
    buf.extend_from_slice(b"+OK\r\n");
    assert_eq!(decoder.decode(&mut buf), Ok(Some(Frame::ok())));
}

#[test]
fn large_bulk_in_small_pieces() {
    let payload = vec![b'x'; 100_000];
    let mut input = b"*2\r\n$100000\r\n".to_vec();
    input.extend_from_slice(&payload);
    input.extend_from_slice(b"\r\n+done\r\n");
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for chunk in input.chunks(1000) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = decoder.decode(&mut buf).expect("valid") {
            frames.push(frame);
        }
    }
    assert_eq!(
        frames,
        vec![Frame::Array(vec![
            Frame::Bulk(payload.into()),
            Frame::Simple(b("done"))
        ])]
    );
}

#[test]
fn large_array_in_small_pieces() {
    let mut input = b"*5000\r\n".to_vec();
    for i in 0..5000 {
        input.extend_from_slice(format!(":{i}\r\n").as_bytes());
    }
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for chunk in input.chunks(7) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = decoder.decode(&mut buf).expect("valid") {
            frames.push(frame);
        }
    }
    let expected: Vec<Frame> = (0..5000).map(Frame::Integer).collect();
    assert_eq!(frames, vec![Frame::Array(expected)]);
}

#[test]
fn malformed_lines_give_clear_errors() {
    let limits = Limits::default();
    let table: &[(&[u8], &str)] = &[
        (b"x\r\n", "ERR Protocol error: invalid frame type 'x'"),
        (b"\r\n", "ERR Protocol error: invalid frame type ' '"),
        (b"\xff", "ERR Protocol error: invalid frame type '?'"),
        (b":12a\r\n", "ERR Protocol error: invalid integer"),
        (b":\r\n", "ERR Protocol error: invalid integer"),
        (b":+1\r\n", "ERR Protocol error: invalid integer"),
        (b":007\r\n", "ERR Protocol error: invalid integer"),
        (
            b":9223372036854775808\r\n",
            "ERR Protocol error: invalid integer",
        ),
        (b",abc\r\n", "ERR Protocol error: invalid double"),
        (b",\r\n", "ERR Protocol error: invalid double"),
        (b"#x\r\n", "ERR Protocol error: invalid boolean"),
        (b"(12a\r\n", "ERR Protocol error: invalid big number"),
        (b"(\r\n", "ERR Protocol error: invalid big number"),
        (b"_x\r\n", "ERR Protocol error: invalid null"),
        (
            b"=3\r\ntxt\r\n",
            "ERR Protocol error: invalid verbatim string",
        ),
        (
            b"=5\r\ntxt-a\r\n",
            "ERR Protocol error: invalid verbatim string",
        ),
        (b"$-2\r\n", "ERR Protocol error: invalid bulk length"),
        (b"$x\r\n", "ERR Protocol error: invalid bulk length"),
        (b"!-1\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*-2\r\n", "ERR Protocol error: invalid aggregate length"),
        (b"%-1\r\n", "ERR Protocol error: invalid aggregate length"),
        (b"~x\r\n", "ERR Protocol error: invalid aggregate length"),
        (b"$3\r\nfooXY", "ERR Protocol error: expected CRLF"),
        (b"+a\rb\r\n", "ERR Protocol error: expected CRLF"),
        (b"+a\nb\r\n", "ERR Protocol error: expected CRLF"),
        (b"*1\r\n+ok\n", "ERR Protocol error: expected CRLF"),
    ];
    for (input, text) in table {
        assert_eq!(
            reply_error(input, &limits),
            *text,
            "{}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn an_error_resets_the_decoder() {
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut buf = BytesMut::from(&b"*2\r\n:1\r\n:x\r\n"[..]);
    assert!(decoder.decode(&mut buf).is_err());
    let mut fresh = BytesMut::from(&b":5\r\n"[..]);
    assert_eq!(decoder.decode(&mut fresh), Ok(Some(Frame::Integer(5))));
}

fn small() -> Limits {
    Limits {
        bulk_len_max: 10,
        array_len_max: 3,
        nesting_depth_max: 2,
        inline_len_max: 8,
        ..Limits::default()
    }
}

#[test]
fn bulk_bound() {
    assert_eq!(
        reply_error(b"$11\r\n", &small()),
        "ERR Protocol error: invalid bulk length"
    );
    assert_eq!(
        reply_error(b"!11\r\n", &small()),
        "ERR Protocol error: invalid bulk length"
    );
    assert_eq!(
        reply_error(b"=11\r\n", &small()),
        "ERR Protocol error: invalid bulk length"
    );
    assert_eq!(
        reply_error(b"$99999999999999999999\r\n", &Limits::default()),
        "ERR Protocol error: invalid bulk length"
    );
    // At the bound it is fine.
    let frames = replies_every_split(b"$10\r\n0123456789\r\n", &small());
    assert_eq!(frames, vec![Frame::bulk("0123456789")]);
}

#[test]
fn aggregate_bound() {
    for kind in ["*", "%", "~", ">", "|"] {
        let input = format!("{kind}4\r\n");
        assert_eq!(
            reply_error(input.as_bytes(), &small()),
            "ERR Protocol error: invalid aggregate length",
            "{kind}"
        );
    }
    // A huge count is refused before anything is reserved for it.
    let limits = Limits {
        array_len_max: 1024 * 1024,
        ..Limits::default()
    };
    assert_eq!(
        reply_error(b"*1048577\r\n", &limits),
        "ERR Protocol error: invalid aggregate length"
    );
    let mut decoder = ReplyDecoder::new(limits);
    let mut buf = BytesMut::from(&b"*1048576\r\n:1\r\n"[..]);
    assert_eq!(
        decoder.decode(&mut buf),
        Ok(None),
        "a big but legal count waits for its items"
    );
}

#[test]
fn nesting_bound() {
    assert_eq!(
        reply(b"*1\r\n*1\r\n*0\r\n"),
        Frame::Array(vec![Frame::Array(vec![Frame::Array(vec![])])])
    );
    let frames = replies_every_split(b"*1\r\n*1\r\n:1\r\n", &small());
    assert_eq!(
        frames,
        vec![Frame::Array(vec![Frame::Array(vec![Frame::Integer(1)])])]
    );
    assert_eq!(
        reply_error(b"*1\r\n*1\r\n*0\r\n", &small()),
        "ERR Protocol error: nesting too deep"
    );
    assert_eq!(
        reply_error(b"%1\r\n~1\r\n>1\r\n", &small()),
        "ERR Protocol error: nesting too deep"
    );
    assert_eq!(
        reply_error(b"*1\r\n|1\r\n*0\r\n", &small()),
        "ERR Protocol error: nesting too deep"
    );
    // Deep input with the default bound: an error, not a stack overflow.
    let deep = "*1\r\n".repeat(100_000);
    assert_eq!(
        reply_error_whole(deep.as_bytes(), &Limits::default()),
        "ERR Protocol error: nesting too deep"
    );
}

fn reply_error_whole(input: &[u8], limits: &Limits) -> String {
    let mut decoder = ReplyDecoder::new(limits.clone());
    let mut buf = BytesMut::from(input);
    match decoder.decode(&mut buf) {
        Err(e) => e.to_string(),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn line_bound() {
    // Numbers and lengths are bounded by inline_len_max (8 here) ...
    assert_eq!(
        reply_error(b":123456789\r\n", &small()),
        "ERR Protocol error: too big line"
    );
    assert_eq!(
        reply_error(b"*000000000", &small()),
        "ERR Protocol error: too big line"
    );
    // ... strings by bulk_len_max (10 here), even without a line end in sight.
    assert_eq!(
        reply_error(b"+01234567890", &small()),
        "ERR Protocol error: too big line"
    );
    assert_eq!(
        replies_every_split(b"+0123456789\r\n", &small()),
        vec![Frame::Simple(b("0123456789"))]
    );
}

#[test]
fn strings_are_slices_of_the_input() {
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut buf = BytesMut::from(&b"*2\r\n$5\r\nhello\r\n+world\r\n"[..]);
    let start = buf.as_ptr() as usize;
    let end = start + buf.len();
    let frame = decoder.decode(&mut buf).expect("valid").expect("complete");
    let Frame::Array(items) = frame else {
        panic!("not an array")
    };
    for item in &items {
        let data = item.as_bytes().expect("a string");
        let at = data.as_ptr() as usize;
        assert!(start <= at && at + data.len() <= end, "{item:?} was copied");
    }
}

#[test]
fn attribute_alone_is_incomplete() {
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut buf = BytesMut::from(&b"|1\r\n+a\r\n+b\r\n"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    assert_eq!(buf.len(), 12);
}
