//! The XDP object build.rs compiled (empty when the eBPF toolchain was missing).

use crate::VipError;

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/sentinel-vip.bpf.o"));

/// The embedded ELF object, or [`VipError::ProgramNotBuilt`].
pub fn object() -> Result<&'static [u8], VipError> {
    if OBJECT.is_empty() {
        Err(VipError::ProgramNotBuilt)
    } else {
        Ok(OBJECT)
    }
}
