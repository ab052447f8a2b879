//! Building the XDP program: the pinned nightly, rust-src and bpf-linker.
//! (Skeleton: implemented by the VIP work item.)

use anyhow::Result;

/// Installs what building the eBPF program needs; idempotent.
pub fn setup() -> Result<()> {
    Ok(())
}
