//! Parser for the `INFO` reply of a monitored redis-server (spec §3.3).
//! (Skeleton: implemented by the INFO/hello work item.)

/// Fuzz entry: must never panic, and must hold the parser's invariants.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let _ = data;
}
