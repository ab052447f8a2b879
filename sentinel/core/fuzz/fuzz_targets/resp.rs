//! Fuzzes a RESP2/RESP3 reply: `sentinel_core::resp::fuzz_reply` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sentinel_core::resp::fuzz_reply(data));
