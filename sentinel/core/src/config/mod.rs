//! `sentinel.conf`: the model, loading (three passes, Redis-style fatal errors) and the in-place
//! rewrite that keeps comments and order. Pure text in, text out: the file IO lives in the
//! driver. (Skeleton: implemented by the config work item.)

/// Fuzz entry: must never panic, and must hold the loader's invariants.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let _ = data;
}
