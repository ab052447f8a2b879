//! Splitting a config line into arguments the way Redis's `sdssplitargs` does, and the reverse:
//! rendering an argument so that splitting it again gives back the same bytes.

/// C-locale `isspace`: what `sdssplitargs` skips between arguments.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Why a line could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SplitError {
    /// Unterminated quotes, or a closing quote not followed by a space (`sdssplitargs` → NULL).
    Unbalanced,
    /// An escape produced bytes that are not UTF-8 (Redis would accept them; we keep `String`s).
    NotUtf8,
}

/// Split one line into arguments with `sdssplitargs` rules: double quotes with `\n \r \t \b \a
/// \xHH \"` escapes, single quotes with only `\'`, a quote inside a bare word opens a quoted part,
/// and a closing quote must be followed by a space or the end. A NUL ends the line, as in C.
pub(crate) fn split_args(line: &str) -> Result<Vec<String>, SplitError> {
    let bytes = line.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let bytes = &bytes[..end];
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let mut current: Vec<u8> = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let c = bytes.get(i).copied();
            if in_double {
                match c {
                    None => return Err(SplitError::Unbalanced),
                    Some(b'\\') => {
                        let next = bytes.get(i + 1).copied();
                        let hex = (
                            bytes.get(i + 2).copied().and_then(hex_value),
                            bytes.get(i + 3).copied().and_then(hex_value),
                        );
                        match (next, hex) {
                            (Some(b'x'), (Some(hi), Some(lo))) => {
                                current.push(hi * 16 + lo);
                                i += 3;
                            }
                            (Some(n), _) => {
                                current.push(match n {
                                    b'n' => b'\n',
                                    b'r' => b'\r',
                                    b't' => b'\t',
                                    b'b' => 0x08,
                                    b'a' => 0x07,
                                    other => other,
                                });
                                i += 1;
                            }
                            // A lone backslash at the very end: the quote is never closed.
                            (None, _) => return Err(SplitError::Unbalanced),
                        }
                    }
                    Some(b'"') => {
                        if bytes.get(i + 1).is_some_and(|&b| !is_space(b)) {
                            return Err(SplitError::Unbalanced);
                        }
                        i += 1;
                        break;
                    }
                    Some(b) => current.push(b),
                }
            } else if in_single {
                match c {
                    None => return Err(SplitError::Unbalanced),
                    Some(b'\\') if bytes.get(i + 1) == Some(&b'\'') => {
                        current.push(b'\'');
                        i += 1;
                    }
                    Some(b'\'') => {
                        if bytes.get(i + 1).is_some_and(|&b| !is_space(b)) {
                            return Err(SplitError::Unbalanced);
                        }
                        i += 1;
                        break;
                    }
                    Some(b) => current.push(b),
                }
            } else {
                match c {
                    None | Some(b' ' | b'\n' | b'\r' | b'\t') => break,
                    Some(b'"') => in_double = true,
                    Some(b'\'') => in_single = true,
                    Some(b) => current.push(b),
                }
            }
            i += 1;
        }
        args.push(String::from_utf8(current).map_err(|_| SplitError::NotUtf8)?);
    }
    Ok(args)
}

/// Whether an argument can be written bare and still split back to itself.
fn is_bare_safe(arg: &str) -> bool {
    !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b >= 0x80 || (b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\')))
}

/// Append `arg` to `out` in double quotes with `sdscatrepr` escapes (non-ASCII kept raw).
pub(crate) fn push_quoted(out: &mut String, arg: &str) {
    out.push('"');
    for ch in arg.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Append `arg` bare when that is safe (how Redis prints sentinel values with `%s`), else quoted.
pub(crate) fn push_arg(out: &mut String, arg: &str) {
    if is_bare_safe(arg) {
        out.push_str(arg);
    } else {
        push_quoted(out, arg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_args(s).unwrap()
    }

    #[test]
    fn splits_bare_words_and_collapses_spaces() {
        assert_eq!(split("  port   26379 \t"), ["port", "26379"]);
        assert!(split("   ").is_empty());
    }

    #[test]
    fn double_quotes_take_escapes() {
        assert_eq!(split(r#"a "b c\n\x41\"" d"#), ["a", "b c\nA\"", "d"]);
        assert_eq!(split(r#""\q""#), ["q"]);
    }

    #[test]
    fn single_quotes_only_escape_the_quote() {
        assert_eq!(split(r"'it\'s \n'"), [r"it's \n"]);
    }

    #[test]
    fn quote_inside_bare_word_opens_a_quoted_part() {
        assert_eq!(split(r#"ab"c d""#), ["abc d"]);
    }

    #[test]
    fn unbalanced_quotes_are_errors() {
        for bad in [r#""abc"#, "'abc", r#""a"b"#, "'a'b", r#""abc\"#] {
            assert_eq!(split_args(bad), Err(SplitError::Unbalanced), "{bad}");
        }
    }

    #[test]
    fn nul_ends_the_line() {
        assert_eq!(split("a b\0c d"), ["a", "b"]);
    }

    #[test]
    fn non_utf8_escape_is_reported() {
        assert_eq!(split_args(r#""\xff""#), Err(SplitError::NotUtf8));
    }

    #[test]
    fn rendering_round_trips() {
        for arg in [
            "plain",
            "",
            "with space",
            "q\"uote",
            "it's",
            "back\\slash",
            "tab\tnl\nbell\u{7}\u{1}",
            "ünï",
            "#hash",
        ] {
            let mut line = String::from("x ");
            push_arg(&mut line, arg);
            assert_eq!(split(&line), ["x", arg], "{line}");
        }
    }
}
