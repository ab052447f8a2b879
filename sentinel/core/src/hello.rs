//! The hello message sentinels publish on `__sentinel__:hello` (spec §3.4): parser and formatter.
//! (Skeleton: implemented by the INFO/hello work item.)

/// Fuzz entry: must never panic, and must hold the parser's invariants.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let _ = data;
}
