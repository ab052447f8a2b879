//! Request decoding as Redis's server does it: multibulk, inline, errors, bounds.

use bytes::{Bytes, BytesMut};

use super::{request_error, requests, requests_with};
use crate::Limits;
use crate::resp::RequestDecoder;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn multibulk_request() {
    let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n";
    assert_eq!(requests(input), vec![args(&["SET", "key", "va\r\nl"])]);
}

#[test]
fn multibulk_binary_and_empty_args() {
    let input = b"*2\r\n$0\r\n\r\n$3\r\n\x00\xff\n\r\n";
    let mut decoder = RequestDecoder::new(Limits::default());
    let mut buf = BytesMut::from(&input[..]);
    let got = decoder.decode(&mut buf).expect("valid");
    assert_eq!(
        got,
        Some(vec![Bytes::new(), Bytes::from_static(b"\x00\xff\n")])
    );
    assert!(buf.is_empty());
}

#[test]
fn pipelined_requests() {
    let input = b"*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO \"a b\"\n";
    assert_eq!(
        requests(input),
        vec![
            args(&["PING"]),
            args(&["PING"]),
            args(&["ECHO", "hi"]),
            args(&["ECHO", "a b"])
        ]
    );
}

#[test]
fn test_harness_ping() {
    // tests/instances.tcl sends exactly these bytes as its liveness probe.
    assert_eq!(requests(b"PING\r\n\n"), vec![args(&["PING"]), vec![]]);
}

#[test]
fn empty_requests() {
    assert_eq!(requests(b"\r\n"), vec![Vec::<String>::new()]);
    assert_eq!(requests(b"\n"), vec![Vec::<String>::new()]);
    assert_eq!(requests(b"   \t \r\n"), vec![Vec::<String>::new()]);
    assert_eq!(requests(b"*0\r\n"), vec![Vec::<String>::new()]);
    assert_eq!(requests(b"*-1\r\n"), vec![Vec::<String>::new()]);
    // tests/unit/protocol.tcl "Negative multibulk length": the connection stays usable.
    assert_eq!(requests(b"*-10\r\nPING\r\n"), vec![vec![], args(&["PING"])]);
}

#[test]
fn inline_line_ending_with_lf_alone() {
    assert_eq!(
        requests(b"SENTINEL masters\n"),
        vec![args(&["SENTINEL", "masters"])]
    );
}

#[test]
fn count_and_length_lines_end_at_cr_like_redis() {
    // processMultibulkBuffer skips the byte after the CR unread, and the two after a payload.
    assert_eq!(requests(b"*1\rX$4\r\nPINGxy"), vec![args(&["PING"])]);
}

#[test]
fn incomplete_requests_consume_nothing() {
    let mut decoder = RequestDecoder::new(Limits::default());
    for partial in [
        &b"*2\r\n$3\r\nGET\r\n$1"[..],
        b"*2\r\n$3\r\nGET\r\n$1\r\nk",
        b"PIN",
        b"PING\r",
    ] {
        let mut buf = BytesMut::from(partial);
        decoder.reset();
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        assert_eq!(&buf[..], partial);
    }
}

#[test]
fn multibulk_error_texts() {
    let limits = Limits::default();
    let table: &[(&[u8], &str)] = &[
        (b"*x\r\n", "ERR Protocol error: invalid multibulk length"),
        (b"*\r\n", "ERR Protocol error: invalid multibulk length"),
        (b"*01\r\n", "ERR Protocol error: invalid multibulk length"),
        (
            b"*1048577\r\n",
            "ERR Protocol error: invalid multibulk length",
        ),
        (
            b"*20000000\r\n",
            "ERR Protocol error: invalid multibulk length",
        ),
        (
            b"*99999999999999999999\r\n",
            "ERR Protocol error: invalid multibulk length",
        ),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
            "ERR Protocol error: expected '$', got 'f'",
        ),
        (b"*1\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"),
        (b"*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '"),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
            "ERR Protocol error: invalid bulk length",
        ),
        (b"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$x\r\n", "ERR Protocol error: invalid bulk length"),
        (
            b"*1\r\n$536870913\r\n",
            "ERR Protocol error: invalid bulk length",
        ),
    ];
    for (input, text) in table {
        assert_eq!(
            request_error(input, &limits),
            *text,
            "{}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn bulk_length_at_the_bound_is_accepted() {
    let limits = Limits {
        bulk_len_max: 4,
        ..Limits::default()
    };
    assert_eq!(
        requests_with(b"*1\r\n$4\r\nPING\r\n", &limits),
        vec![args(&["PING"])]
    );
    assert_eq!(
        request_error(b"*1\r\n$5\r\n", &limits),
        "ERR Protocol error: invalid bulk length"
    );
}

#[test]
fn multibulk_count_bound() {
    let limits = Limits {
        array_len_max: 2,
        ..Limits::default()
    };
    assert_eq!(
        requests_with(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n", &limits),
        vec![args(&["a", "b"])]
    );
    assert_eq!(
        request_error(b"*3\r\n", &limits),
        "ERR Protocol error: invalid multibulk length"
    );
    // A legal but huge count reserves nothing up front and waits for its arguments.
    let mut decoder = RequestDecoder::new(Limits::default());
    let mut buf = BytesMut::from(&b"*1048576\r\n$1\r\na\r\n"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
}

#[test]
fn too_big_inline_request() {
    let limits = Limits {
        inline_len_max: 8,
        ..Limits::default()
    };
    assert_eq!(
        request_error(b"PINGPINGP", &limits),
        "ERR Protocol error: too big inline request"
    );
    assert_eq!(
        request_error(b"PINGPINGP\r\n", &limits),
        "ERR Protocol error: too big inline request"
    );
    // Eight bytes then CR LF is within the bound (the CR is part of what Redis buffers).
    assert_eq!(
        requests_with(b"PING PIN\n", &limits),
        vec![args(&["PING", "PIN"])]
    );
    let big = vec![b'a'; 64 * 1024 + 1];
    assert_eq!(
        request_error(&big, &Limits::default()),
        "ERR Protocol error: too big inline request"
    );
}

#[test]
fn too_big_count_strings() {
    let limits = Limits {
        inline_len_max: 8,
        ..Limits::default()
    };
    assert_eq!(
        request_error(b"*00000000000", &limits),
        "ERR Protocol error: too big mbulk count string"
    );
    assert_eq!(
        request_error(b"*1\r\n$00000000000", &limits),
        "ERR Protocol error: too big bulk count string"
    );
    let mut big = b"*1\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'1', 64 * 1024 + 1));
    assert_eq!(
        request_error(&big, &Limits::default()),
        "ERR Protocol error: too big bulk count string"
    );
}

#[test]
fn unauthenticated_bounds() {
    let mut decoder = RequestDecoder::new(Limits::default());
    decoder.set_auth_required(true);
    let mut buf = BytesMut::from(&b"*11\r\n"[..]);
    assert_eq!(
        decoder.decode(&mut buf).map_err(|e| e.to_string()),
        Err("ERR Protocol error: unauthenticated multibulk length".to_string())
    );
    let mut buf = BytesMut::from(&b"*1\r\n$16385\r\n"[..]);
    assert_eq!(
        decoder.decode(&mut buf).map_err(|e| e.to_string()),
        Err("ERR Protocol error: unauthenticated bulk length".to_string())
    );
    let mut buf = BytesMut::from(&b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"[..]);
    assert_eq!(
        decoder.decode(&mut buf).map(|a| a.map(|a| a.len())),
        Ok(Some(2))
    );
    decoder.set_auth_required(false);
    let mut buf = BytesMut::from(&b"*11\r\n"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
}

#[test]
fn unbalanced_quotes_error() {
    let limits = Limits::default();
    for input in [
        &b"SET \"a\n"[..],
        b"SET 'a\r\n",
        b"SET \"a\"b\n",
        b"SET 'a'b\n",
        b"SET \"a\\\"\n",
    ] {
        assert_eq!(
            request_error(input, &limits),
            "ERR Protocol error: unbalanced quotes in request",
            "{}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn error_texts_are_redis_texts() {
    use crate::resp::ProtocolError as E;
    let table = [
        (
            E::InvalidMultibulkLength,
            "ERR Protocol error: invalid multibulk length",
        ),
        (
            E::InvalidBulkLength,
            "ERR Protocol error: invalid bulk length",
        ),
        (
            E::ExpectedDollar(b'f'),
            "ERR Protocol error: expected '$', got 'f'",
        ),
        (
            E::ExpectedDollar(b'\n'),
            "ERR Protocol error: expected '$', got ' '",
        ),
        (
            E::ExpectedDollar(0xe9),
            "ERR Protocol error: expected '$', got '?'",
        ),
        (
            E::InlineTooBig,
            "ERR Protocol error: too big inline request",
        ),
        (
            E::MbulkCountTooBig,
            "ERR Protocol error: too big mbulk count string",
        ),
        (
            E::BulkCountTooBig,
            "ERR Protocol error: too big bulk count string",
        ),
        (
            E::UnbalancedQuotes,
            "ERR Protocol error: unbalanced quotes in request",
        ),
        (
            E::UnauthenticatedMultibulkLength,
            "ERR Protocol error: unauthenticated multibulk length",
        ),
        (
            E::UnauthenticatedBulkLength,
            "ERR Protocol error: unauthenticated bulk length",
        ),
    ];
    for (error, text) in table {
        assert_eq!(error.to_string(), text);
    }
}

#[test]
fn restarts_when_the_caller_discards_input() {
    let mut decoder = RequestDecoder::new(Limits::default());
    let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    buf.clear();
    buf.extend_from_slice(b"PING\r\n");
    assert_eq!(
        decoder.decode(&mut buf),
        Ok(Some(vec![Bytes::from_static(b"PING")]))
    );
}

#[test]
fn large_argument_in_small_pieces() {
    let mut input = b"*2\r\n$3\r\nSET\r\n$70000\r\n".to_vec();
    input.extend(std::iter::repeat_n(b'v', 70_000));
    input.extend_from_slice(b"\r\n");
    let mut decoder = RequestDecoder::new(Limits::default());
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for chunk in input.chunks(100) {
        buf.extend_from_slice(chunk);
        while let Some(args) = decoder.decode(&mut buf).expect("valid") {
            got.push(args);
        }
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0][1].len(), 70_000);
}
