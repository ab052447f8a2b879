//! `cargo xtask setup`: installs what the project needs, checking first so that a second run
//! does nothing and takes well under a second. Also run by `cargo xtask test`.

use anyhow::{Result, bail};

use crate::util::{Step, is_root, on_path};
use crate::{apt, ebpf, toolchain};

pub fn run(args: &[String]) -> Result<()> {
    if let Some(arg) = args.first() {
        bail!("setup takes no arguments (got '{arg}')");
    }
    ensure()
}

/// Checks for every piece, installs the missing ones, and says which were there already.
pub fn ensure() -> Result<()> {
    let step = Step::new("setup");
    let mut did: Vec<String> = Vec::new();
    let mut had: Vec<String> = Vec::new();

    let pkgs = apt::missing();
    had.extend(
        apt::PACKAGES
            .iter()
            .filter(|p| !pkgs.contains(p))
            .map(|p| p.to_string()),
    );
    if pkgs.is_empty() {
        // nothing to do
    } else if !is_root() || !on_path("apt-get") {
        eprintln!(
            "warning: not root (or no apt-get): skipping apt. Missing Debian packages: {}\n\
             (install them with `sudo apt-get install {}`; tests that need them will fail)",
            pkgs.join(", "),
            pkgs.join(" ")
        );
    } else {
        apt::install(&pkgs)?;
        did.push(format!("apt: {}", pkgs.join(" ")));
    }

    let tc = toolchain::missing();
    if tc.nightly {
        did.push(format!(
            "rustup: {} (minimal, rust-src)",
            toolchain::NIGHTLY
        ));
    } else if tc.nightly_rust_src {
        did.push(format!("rustup: rust-src on {}", toolchain::NIGHTLY));
    } else if !tc.rustup {
        had.push(format!("{} + rust-src", toolchain::NIGHTLY));
    }
    for c in ["rustfmt", "clippy"] {
        if tc.components.contains(&c) {
            did.push(format!("rustup: {c}"));
        } else if !tc.rustup {
            had.push(c.to_string());
        }
    }
    toolchain::install(&tc)?;

    ebpf::setup()?;

    if on_path("cargo-fuzz") {
        had.push("cargo-fuzz".into());
    }
    eprintln!("already there: {}", list(&had));
    eprintln!("installed now: {}", list(&did));
    if !on_path("cargo-fuzz") {
        eprintln!("(cargo-fuzz is installed by the first `cargo xtask fuzz`)");
    }
    step.done();
    Ok(())
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}
