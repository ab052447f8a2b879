//! Inline argument splitting (`sdssplitargs` rules).

use bytes::Bytes;

use crate::resp::inline::split_args;

fn split(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    split_args(line).map(|args| args.iter().map(|a| a.to_vec()).collect())
}

fn v(list: &[&[u8]]) -> Option<Vec<Vec<u8>>> {
    Some(list.iter().map(|a| a.to_vec()).collect())
}

#[test]
fn splits_on_whitespace() {
    assert_eq!(split(b"  SET  key\tvalue "), v(&[b"SET", b"key", b"value"]));
    assert_eq!(split(b""), v(&[]));
    assert_eq!(split(b" \x0b\x0c "), v(&[]));
}

#[test]
fn double_quote_escapes() {
    assert_eq!(
        split(br#""a\n\r\t\b\a\\\"z" "\x41\x7a\xzz" """#),
        v(&[b"a\n\r\t\x08\x07\\\"z", b"Azxzz", b""])
    );
    assert_eq!(split(br#""\q""#), v(&[b"q"]));
}

#[test]
fn single_quotes() {
    assert_eq!(split(br"'it\'s' 'a\nb' 'x\'"), None);
    assert_eq!(split(br"'it\'s' 'a\nb'"), v(&[b"it's", b"a\\nb"]));
}

#[test]
fn quotes_inside_a_word_join_it() {
    assert_eq!(split(br#"ab"c d" x'y z'"#), v(&[b"abc d", b"xy z"]));
}

#[test]
fn closing_quote_must_be_followed_by_space() {
    assert_eq!(split(br#""a"b"#), None);
    assert_eq!(split(br"'a'b"), None);
    assert_eq!(split(b"\"a\"\x0bb"), v(&[b"a", b"b"]));
}

#[test]
fn unterminated_quotes() {
    assert_eq!(split(br#""abc"#), None);
    assert_eq!(split(br"'abc"), None);
    assert_eq!(split(br#""abc\"#), None);
}

#[test]
fn nul_ends_the_line_as_in_c() {
    assert_eq!(split(b"PING\x00 ignored"), v(&[b"PING"]));
    assert_eq!(split_args(b"\x00"), Some(Vec::<Bytes>::new()));
}
