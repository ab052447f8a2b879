//! Parsing the values of `sentinel` directives, with Redis's messages where it has them.

use std::net::IpAddr;

/// Redis's message for a time that must be positive (`atoi` makes non-numbers 0, hence the
/// same message).
pub(crate) const BAD_TIME: &str = "negative or zero time parameter.";

pub(crate) fn yes_no(v: &str, what: &str) -> Result<bool, String> {
    if v.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err(format!("Please specify yes or no for the {what} option."))
    }
}

pub(crate) fn number(v: &str) -> Result<u64, String> {
    v.parse()
        .map_err(|_| format!("Invalid argument '{v}', expected a non-negative integer."))
}

pub(crate) fn positive_ms(v: &str) -> Result<u64, String> {
    match v.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n.unsigned_abs()),
        _ => Err(BAD_TIME.into()),
    }
}

pub(crate) fn port(v: &str) -> Option<u16> {
    v.parse().ok()
}

pub(crate) fn non_empty(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_owned())
}

pub(crate) fn addr_ok(cfg_resolve: bool, host: &str) -> bool {
    (cfg_resolve && !host.is_empty()) || host.parse::<IpAddr>().is_ok()
}
