//! Fuzzes a client request (RESP array or inline): `sentinel_core::resp::fuzz_request` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sentinel_core::resp::fuzz_request(data));
