//! `cargo xtask setup`. (Skeleton: implemented by the xtask work item.)

use anyhow::{Result, bail};

pub fn run(_args: &[String]) -> Result<()> {
    bail!("`cargo xtask setup` is not implemented yet")
}
