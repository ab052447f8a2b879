//! Fuzzes a hello message payload: `sentinel_core::hello::fuzz` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sentinel_core::hello::fuzz(data));
