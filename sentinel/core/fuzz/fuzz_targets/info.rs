//! Fuzzes an INFO reply's text: `sentinel_core::info::fuzz` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sentinel_core::info::fuzz(data));
