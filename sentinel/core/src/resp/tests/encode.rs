//! Encoding every frame kind for RESP2 and RESP3.

use bytes::{Bytes, BytesMut};

use crate::resp::{Frame, Protocol, encode, encode_request};

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn render(frame: &Frame, proto: Protocol) -> String {
    let mut out = BytesMut::new();
    encode(frame, proto, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn encodes_every_kind_in_both_protocols() {
    let map = Frame::Map(vec![
        (Frame::bulk("a"), Frame::Integer(1)),
        (Frame::bulk("b"), Frame::NullBulk),
    ]);
    // (frame, RESP2, RESP3)
    let table: Vec<(Frame, &str, &str)> = vec![
        (Frame::ok(), "+OK\r\n", "+OK\r\n"),
        (Frame::error("ERR no"), "-ERR no\r\n", "-ERR no\r\n"),
        (Frame::Integer(-7), ":-7\r\n", ":-7\r\n"),
        (
            Frame::Integer(i64::MIN),
            ":-9223372036854775808\r\n",
            ":-9223372036854775808\r\n",
        ),
        (Frame::bulk("foo"), "$3\r\nfoo\r\n", "$3\r\nfoo\r\n"),
        (Frame::bulk(""), "$0\r\n\r\n", "$0\r\n\r\n"),
        (Frame::NullBulk, "$-1\r\n", "_\r\n"),
        (Frame::NullArray, "*-1\r\n", "_\r\n"),
        (Frame::Array(vec![]), "*0\r\n", "*0\r\n"),
        (
            Frame::Array(vec![Frame::Integer(1), Frame::bulk("x")]),
            "*2\r\n:1\r\n$1\r\nx\r\n",
            "*2\r\n:1\r\n$1\r\nx\r\n",
        ),
        (
            map,
            "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n",
            "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n",
        ),
        (
            Frame::Set(vec![Frame::Integer(1)]),
            "*1\r\n:1\r\n",
            "~1\r\n:1\r\n",
        ),
        (
            Frame::Push(vec![Frame::bulk("message")]),
            "*1\r\n$7\r\nmessage\r\n",
            ">1\r\n$7\r\nmessage\r\n",
        ),
        (Frame::Double(1.5), "$3\r\n1.5\r\n", ",1.5\r\n"),
        (Frame::Double(f64::INFINITY), "$3\r\ninf\r\n", ",inf\r\n"),
        (
            Frame::Double(f64::NEG_INFINITY),
            "$4\r\n-inf\r\n",
            ",-inf\r\n",
        ),
        (Frame::Double(f64::NAN), "$3\r\nnan\r\n", ",nan\r\n"),
        (Frame::Boolean(true), ":1\r\n", "#t\r\n"),
        (Frame::Boolean(false), ":0\r\n", "#f\r\n"),
        (Frame::BigNumber(b("-123")), "$4\r\n-123\r\n", "(-123\r\n"),
        (
            Frame::Verbatim {
                format: *b"txt",
                text: b("hi"),
            },
            "$2\r\nhi\r\n",
            "=6\r\ntxt:hi\r\n",
        ),
        (
            Frame::BlobError(b("ERR x")),
            "-ERR x\r\n",
            "!5\r\nERR x\r\n",
        ),
    ];
    for (frame, resp2, resp3) in table {
        assert_eq!(render(&frame, Protocol::Resp2), resp2, "{frame:?} in RESP2");
        assert_eq!(render(&frame, Protocol::Resp3), resp3, "{frame:?} in RESP3");
    }
}

#[test]
fn doubles_are_shortest_round_trip() {
    let table: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (1e16, "10000000000000000"),
        (1e17, "1e17"),
        (1.5e300, "1.5e300"),
        (0.0001, "0.0001"),
        (0.00001, "0.00001"),
        (0.000001, "1e-6"),
        (f64::MAX, "1.7976931348623157e308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "5e-324"),
    ];
    for &(value, text) in table {
        assert_eq!(
            render(&Frame::Double(value), Protocol::Resp3),
            format!(",{text}\r\n")
        );
        assert_eq!(text.parse::<f64>().map(f64::to_bits), Ok(value.to_bits()));
    }
}

#[test]
fn line_kinds_cannot_break_the_stream() {
    assert_eq!(
        render(&Frame::Simple(b("a\r\nb")), Protocol::Resp3),
        "+a  b\r\n"
    );
    assert_eq!(
        render(&Frame::error("ERR a\nb\rc"), Protocol::Resp2),
        "-ERR a b c\r\n"
    );
    assert_eq!(
        render(&Frame::BlobError(b("ERR a\r\nb")), Protocol::Resp2),
        "-ERR a  b\r\n"
    );
    assert_eq!(
        render(&Frame::BlobError(b("ERR a\r\nb")), Protocol::Resp3),
        "!8\r\nERR a\r\nb\r\n"
    );
    assert_eq!(
        render(&Frame::BigNumber(b("1\r\n2")), Protocol::Resp3),
        "(1  2\r\n"
    );
}

#[test]
fn encodes_requests() {
    let mut out = BytesMut::new();
    encode_request(&["SENTINEL", "is-master-down-by-addr", ""], &mut out);
    assert_eq!(
        &out[..],
        b"*3\r\n$8\r\nSENTINEL\r\n$22\r\nis-master-down-by-addr\r\n$0\r\n\r\n"
    );
    out.clear();
    encode_request::<&[u8]>(&[], &mut out);
    assert_eq!(&out[..], b"*0\r\n");
    out.clear();
    encode_request(&[Bytes::from_static(b"a\r\nb")], &mut out);
    assert_eq!(&out[..], b"*1\r\n$4\r\na\r\nb\r\n");
}

#[test]
fn encode_appends() {
    let mut out = BytesMut::from(&b"+x\r\n"[..]);
    encode(&Frame::Integer(1), Protocol::Resp2, &mut out);
    assert_eq!(&out[..], b"+x\r\n:1\r\n");
}
