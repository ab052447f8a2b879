//! Fuzzes a sentinel.conf: `sentinel_core::config::fuzz` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sentinel_core::config::fuzz(data));
