//! The dependency guard: sentinel-core is sans-IO, so nothing that can reach a socket, a
//! syscall or a runtime may enter its normal dependency tree, even transitively.

use anyhow::{Result, bail};

use crate::util::{capture, cargo};

/// Crates the core must never depend on (a name, or a prefix followed by `-`).
const BANNED: &[&str] = &[
    "tokio",
    "tokio-uring",
    "io-uring",
    "libc",
    "socket2",
    "aya",
    "mio",
    "nix",
];

pub fn check_core() -> Result<()> {
    let tree = capture(cargo().args([
        "tree",
        "-p",
        "sentinel-core",
        "-e",
        "normal",
        "--target",
        "all",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]))?;
    let bad = banned_in(&tree);
    if !bad.is_empty() {
        bail!(
            "sentinel-core must stay sans-IO, but its dependency tree has: {}\n\
             (see `cargo tree -p sentinel-core -e normal -i <crate>` for the path)",
            bad.join(", ")
        );
    }
    let count = tree.lines().filter(|l| !l.trim().is_empty()).count();
    eprintln!(
        "sentinel-core: {count} normal dependency entries, none of {}",
        BANNED.join(", ")
    );
    Ok(())
}

/// The banned crate names in `cargo tree --prefix none --format {p}` output, without repeats.
fn banned_in(tree: &str) -> Vec<String> {
    let mut bad: Vec<String> = Vec::new();
    for name in tree.lines().filter_map(|l| l.split_whitespace().next()) {
        let hit = BANNED.iter().any(|b| {
            name == *b
                || name
                    .strip_prefix(b)
                    .is_some_and(|rest| rest.starts_with('-'))
        });
        if hit && !bad.iter().any(|n| n == name) {
            bad.push(name.to_string());
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_banned_crates_and_their_families() {
        let tree = "sentinel-core v0.1.0 (/w/sentinel/core)\nbytes v1.10.1\nmemchr v2.7.4\n\
                    libc v0.2.170\naya-obj v0.2.1\nlibc v0.2.170 (*)\nmiotic v1.0.0\n";
        assert_eq!(banned_in(tree), ["libc", "aya-obj"]);
        assert!(banned_in("sentinel-core v0.1.0\nbytes v1.10.1\n").is_empty());
    }
}
