//! `cargo xtask test`. (Skeleton: implemented by the xtask work item.)

use anyhow::{Result, bail};

pub fn run(_args: &[String]) -> Result<()> {
    bail!("`cargo xtask test` is not implemented yet")
}
