//! Number texts on the wire: Redis's strict integer grammar, decimal output without heap
//! churn, and the double representation.
//!
//! Doubles are written as the shortest text that parses back to the same `f64` (Rust's
//! shortest round-trip digits), in plain notation when the decimal exponent is in `-5..17` and
//! in exponent notation (`1.5e300`) otherwise, the same switch-over `%.17g` makes. So `1.5` is
//! `1.5` where Redis 7.0 writes `1.5` too, but `0.1` is `0.1` where Redis writes
//! `0.10000000000000001`; both parse back to the same value. Infinities are `inf` / `-inf` and
//! NaN is `nan`, as Redis writes them.

use std::fmt::{self, Write};

use bytes::{BufMut, BytesMut};

/// Parses a signed decimal the way Redis's `string2ll` does: optional `-`, no `+`, no leading
/// zeros (except `0` itself), no spaces, no overflow. `None` when the text is not such a number.
pub(crate) fn parse_i64(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text {
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    // Accumulate as a negative number so that i64::MIN is representable.
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

/// Appends the decimal text of `value`.
pub(crate) fn put_i64(out: &mut BytesMut, value: i64) {
    if value < 0 {
        out.put_u8(b'-');
    }
    put_u64(out, value.unsigned_abs());
}

/// Appends the decimal text of `value`.
pub(crate) fn put_u64(out: &mut BytesMut, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        // `value % 10` is below 10, so the cast cannot truncate.
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.put_slice(&digits[start..]);
}

/// Appends the decimal text of a length.
pub(crate) fn put_len(out: &mut BytesMut, len: usize) {
    put_u64(out, len as u64);
}

/// A small stack buffer that formatted text is written into (no heap for a double).
struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl StackText {
    fn new() -> StackText {
        StackText {
            bytes: [0; 64],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Calls `emit` with the wire text of `value` (see the module docs for the format).
pub(crate) fn with_double_text<R>(value: f64, emit: impl FnOnce(&[u8]) -> R) -> R {
    if value.is_nan() {
        return emit(b"nan");
    }
    if value.is_infinite() {
        return emit(if value > 0.0 { b"inf" } else { b"-inf" });
    }
    let mut text = StackText::new();
    // The longest shortest-round-trip text of a finite f64 is 24 bytes, well inside 64, so
    // these writes cannot fail; should one ever, the heap fallback below still renders it.
    if write!(text, "{value:e}").is_err() {
        return emit(format!("{value:e}").as_bytes());
    }
    let exponent = text
        .as_bytes()
        .iter()
        .position(|&b| b == b'e')
        .and_then(|e| std::str::from_utf8(&text.as_bytes()[e + 1..]).ok())
        .and_then(|e| e.parse::<i32>().ok())
        .unwrap_or(0);
    if (-5..17).contains(&exponent) {
        let mut plain = StackText::new();
        if write!(plain, "{value}").is_ok() {
            return emit(plain.as_bytes());
        }
        return emit(format!("{value}").as_bytes());
    }
    emit(text.as_bytes())
}

/// Parses a RESP3 double: `inf`, `-inf`, `nan` (any case) or a decimal with optional fraction
/// and exponent. `None` when it is none of these.
pub(crate) fn parse_double(text: &[u8]) -> Option<f64> {
    // Rust's grammar is close to the RESP3 one; reject what it would take but RESP3 has no
    // business sending (empty text, whitespace is already rejected by `parse`).
    if text.is_empty() {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse::<f64>().ok()
}
