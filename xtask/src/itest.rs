//! `cargo xtask itest [name]`: privileged integration tests (network namespaces, XDP). They need
//! root; without it they are skipped with a message saying so. (Skeleton.)

use anyhow::Result;

pub fn run(_args: &[String]) -> Result<()> {
    eprintln!("itest: no privileged integration tests yet");
    Ok(())
}
