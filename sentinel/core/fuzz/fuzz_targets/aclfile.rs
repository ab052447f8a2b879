//! Fuzzes an ACL file: `sentinel_core::acl::file::fuzz` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sentinel_core::acl::file::fuzz(data));
