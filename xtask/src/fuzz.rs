//! `cargo xtask fuzz`. (Skeleton: implemented by the xtask work item.)

use anyhow::{Result, bail};

pub fn run(_args: &[String]) -> Result<()> {
    bail!("`cargo xtask fuzz` is not implemented yet")
}
