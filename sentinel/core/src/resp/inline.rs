//! Splitting an inline request line into arguments with Redis's quoting rules
//! (`sds.c: sdssplitargs`, as `networking.c: processInlineBuffer` uses it).

use bytes::Bytes;

/// `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits `line` (without its line ending) into arguments; `None` for unbalanced quotes.
///
/// Unquoted arguments end at space, tab, CR or LF; a quote inside one starts a quoted part of
/// the same argument. Double quotes understand `\n \r \t \b \a \xHH` and `\<any>` for that
/// byte; single quotes only `\'`. A closing quote must be followed by whitespace or the end.
/// Redis parses the line as a C string, so a NUL byte ends it; so it does here.
pub(crate) fn split_args(line: &[u8]) -> Option<Vec<Bytes>> {
    let line = match memchr::memchr(0, line) {
        Some(nul) => &line[..nul],
        None => line,
    };
    let at = |i: usize| line.get(i).copied();
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while at(i).is_some_and(is_space) {
            i += 1;
        }
        if i >= line.len() {
            return Some(args);
        }
        let mut current = Vec::new();
        let mut quote: Option<u8> = None;
        loop {
            let Some(c) = at(i) else {
                if quote.is_some() {
                    return None;
                }
                break;
            };
            match quote {
                Some(b'"') => {
                    if c == b'\\' && at(i + 1) == Some(b'x') {
                        let hi = at(i + 2).and_then(hex_value);
                        let lo = at(i + 3).and_then(hex_value);
                        if let (Some(hi), Some(lo)) = (hi, lo) {
                            current.push(hi * 16 + lo);
                            i += 4;
                            continue;
                        }
                    }
                    if c == b'\\'
                        && let Some(escaped) = at(i + 1)
                    {
                        current.push(match escaped {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => b'\x08',
                            b'a' => b'\x07',
                            other => other,
                        });
                        i += 2;
                        continue;
                    }
                    if c == b'"' {
                        if at(i + 1).is_some_and(|n| !is_space(n)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    current.push(c);
                }
                Some(_) => {
                    if c == b'\\' && at(i + 1) == Some(b'\'') {
                        current.push(b'\'');
                        i += 2;
                        continue;
                    }
                    if c == b'\'' {
                        if at(i + 1).is_some_and(|n| !is_space(n)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    current.push(c);
                }
                None => match c {
                    b' ' | b'\n' | b'\r' | b'\t' => {
                        i += 1;
                        break;
                    }
                    b'"' | b'\'' => quote = Some(c),
                    _ => current.push(c),
                },
            }
            i += 1;
        }
        args.push(Bytes::from(current));
    }
}
