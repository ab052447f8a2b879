//! Rust toolchains by rustup: the pinned nightly (fuzzing, eBPF) and stable's rustfmt/clippy.

use std::process::Command;

use anyhow::Result;

use crate::util::{on_path, probe, run};

/// The nightly that fuzzing and the eBPF build use. Pinned: bpf-linker is built against its
/// LLVM, so moving it means rebuilding bpf-linker.
pub const NIGHTLY: &str = "nightly-2026-05-19";

/// Components the active (stable) toolchain needs for `cargo xtask test`.
const STABLE_COMPONENTS: &[&str] = &["rustfmt", "clippy"];

/// What is missing from the toolchains.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Missing {
    pub rustup: bool,
    pub nightly: bool,
    pub nightly_rust_src: bool,
    pub components: Vec<&'static str>,
}

pub fn missing() -> Missing {
    if !on_path("rustup") {
        return Missing {
            rustup: true,
            ..Missing::default()
        };
    }
    let toolchains = probe(Command::new("rustup").args(["toolchain", "list"])).unwrap_or_default();
    let nightly = has_toolchain(&toolchains, NIGHTLY);
    let nightly_rust_src = nightly && !has_component(&components(Some(NIGHTLY)), "rust-src");
    let active = components(None);
    Missing {
        rustup: false,
        nightly: !nightly,
        nightly_rust_src,
        components: STABLE_COMPONENTS
            .iter()
            .copied()
            .filter(|c| !has_component(&active, c))
            .collect(),
    }
}

/// Installs what `missing` found absent.
pub fn install(m: &Missing) -> Result<()> {
    if m.rustup {
        eprintln!(
            "warning: rustup not found: install {NIGHTLY} (with rust-src), rustfmt and clippy yourself"
        );
        return Ok(());
    }
    if m.nightly {
        run(rustup().args(["toolchain", "install", NIGHTLY]).args([
            "--profile",
            "minimal",
            "-c",
            "rust-src",
            "--no-self-update",
        ]))?;
    } else if m.nightly_rust_src {
        run(rustup().args(["component", "add", "rust-src", "--toolchain", NIGHTLY]))?;
    }
    if !m.components.is_empty() {
        // The active toolchain: the one running this task (RUSTUP_TOOLCHAIN is inherited).
        run(rustup().args(["component", "add"]).args(&m.components))?;
    }
    Ok(())
}

fn rustup() -> Command {
    let mut cmd = Command::new("rustup");
    cmd.stdin(std::process::Stdio::null());
    cmd
}

fn components(toolchain: Option<&str>) -> String {
    let mut cmd = Command::new("rustup");
    cmd.args(["component", "list", "--installed"]);
    if let Some(t) = toolchain {
        cmd.args(["--toolchain", t]);
    }
    probe(&mut cmd).unwrap_or_default()
}

/// `rustup toolchain list` prints `nightly-2026-05-19-x86_64-unknown-linux-gnu (..)`.
fn has_toolchain(list: &str, name: &str) -> bool {
    list.lines()
        .filter_map(|l| l.split_whitespace().next())
        .any(|t| names(t, name))
}

/// `rustup component list --installed` prints `clippy-x86_64-unknown-linux-gnu`, `rust-src`.
fn has_component(list: &str, name: &str) -> bool {
    list.lines().map(str::trim).any(|c| names(c, name))
}

/// Whether rustup's `entry` is `name`, bare or followed by a target triple: `stable` names
/// `stable-x86_64-unknown-linux-gnu` but `nightly` does not name `nightly-2026-05-19-...`, nor
/// `rust` name `rust-src`.
fn names(entry: &str, name: &str) -> bool {
    if entry == name {
        return true;
    }
    let Some(triple) = entry.strip_prefix(name).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    !triple.starts_with(|c: char| c.is_ascii_digit()) && triple.matches('-').count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOOLCHAINS: &str = "stable-x86_64-unknown-linux-gnu (active, default)\n\
        nightly-x86_64-unknown-linux-gnu\n\
        nightly-2026-05-19-x86_64-unknown-linux-gnu\n";

    #[test]
    fn pinned_nightly_is_found_and_plain_nightly_is_not_it() {
        assert!(has_toolchain(TOOLCHAINS, NIGHTLY));
        assert!(has_toolchain(TOOLCHAINS, "stable"));
        assert!(!has_toolchain(TOOLCHAINS, "nightly-2026-05-20"));
        assert!(!has_toolchain(
            "nightly-2026-05-19-x86_64-unknown-linux-gnu\n",
            "nightly"
        ));
    }

    #[test]
    fn components_match_with_or_without_target_suffix() {
        let list = "cargo-x86_64-unknown-linux-gnu\nclippy-x86_64-unknown-linux-gnu\nrust-src\n";
        assert!(has_component(list, "clippy"));
        assert!(has_component(list, "rust-src"));
        assert!(!has_component(list, "rustfmt"));
        assert!(!has_component(list, "rust"));
    }
}
