//! Building the XDP program needs the pinned nightly with rust-src and a bpf-linker built
//! against that nightly's own libLLVM (toolchain.md). `setup` installs both, idempotently: a
//! warm run only checks (a few rustup/ldd calls) and returns.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util;

/// The project's pinned nightly; ebpf/xdp/rust-toolchain.toml and sentinel/vip/build.rs name it
/// too and must match.
pub const TOOLCHAIN: &str = crate::toolchain::NIGHTLY;
const BPF_LINKER_VERSION: &str = "0.13.0";

/// Installs what building the eBPF program needs; idempotent.
pub fn setup() -> Result<()> {
    let sysroot = match toolchain_sysroot()? {
        Some(sysroot) => sysroot,
        None => {
            util::run(rustup().args([
                "toolchain",
                "install",
                TOOLCHAIN,
                "--profile",
                "minimal",
                "-c",
                "rust-src",
                "--no-self-update",
            ]))?;
            toolchain_sysroot()?
                .with_context(|| format!("{TOOLCHAIN} still lacks rust-src after installing"))?
        }
    };
    let libllvm = find_libllvm(&sysroot)?;
    let linker = cargo_home()?.join("bin").join("bpf-linker");
    if let Err(why) = check_bpf_linker(&linker, &libllvm) {
        eprintln!("ebpf setup: building bpf-linker {BPF_LINKER_VERSION} ({why})");
        build_bpf_linker(&libllvm)?;
        check_bpf_linker(&linker, &libllvm).context("bpf-linker after building it")?;
    }
    eprintln!(
        "ebpf setup: {TOOLCHAIN} with rust-src, {} linked to {}",
        linker.display(),
        libllvm.display()
    );
    Ok(())
}

fn rustup() -> Command {
    let mut cmd = Command::new("rustup");
    scrub_env(&mut cmd);
    cmd
}

/// The toolchain's sysroot if it is installed with rust-src, else `None`.
fn toolchain_sysroot() -> Result<Option<PathBuf>> {
    let out = rustup()
        .args(["run", TOOLCHAIN, "rustc", "--print", "sysroot"])
        .output()
        .context("could not run rustup")?;
    if !out.status.success() {
        return Ok(None);
    }
    let sysroot = PathBuf::from(String::from_utf8(out.stdout)?.trim());
    let has_src = sysroot
        .join("lib/rustlib/src/rust/library/core/Cargo.toml")
        .is_file();
    Ok(has_src.then_some(sysroot))
}

/// The toolchain's own libLLVM (`libLLVM.so.<major>.<minor>-rust-...`).
fn find_libllvm(sysroot: &Path) -> Result<PathBuf> {
    let lib = sysroot.join("lib");
    for entry in std::fs::read_dir(&lib).with_context(|| format!("reading {}", lib.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("libLLVM.so.") {
            return Ok(path);
        }
    }
    bail!("no libLLVM.so.* in {}", lib.display())
}

/// The LLVM major version, from the library name (`libLLVM.so.22.1-rust-...` → 22).
fn llvm_major(libllvm: &Path) -> Result<u32> {
    let name = libllvm
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.strip_prefix("libLLVM.so.")
        .and_then(|v| v.split('.').next())
        .and_then(|major| major.parse().ok())
        .with_context(|| format!("no LLVM version in {name}"))
}

fn cargo_home() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home));
    }
    let home = std::env::var_os("HOME").context("neither CARGO_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".cargo"))
}

/// Ok when `linker` is bpf-linker of the pinned version, runs, and loads exactly `libllvm`.
fn check_bpf_linker(linker: &Path, libllvm: &Path) -> Result<()> {
    if !linker.is_file() {
        bail!("{} is missing", linker.display());
    }
    let out = Command::new(linker)
        .arg("--version")
        .output()
        .with_context(|| format!("running {}", linker.display()))?;
    let version = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !version.contains(BPF_LINKER_VERSION) {
        bail!(
            "{} is not bpf-linker {BPF_LINKER_VERSION}",
            linker.display()
        );
    }
    let ldd = Command::new("ldd")
        .arg(linker)
        .output()
        .context("running ldd")?;
    let wanted = std::fs::canonicalize(libllvm)?;
    let ldd = String::from_utf8_lossy(&ldd.stdout);
    let loads_it = ldd
        .lines()
        .filter(|l| l.contains("libLLVM"))
        .filter_map(|l| l.split("=>").nth(1))
        .filter_map(|rhs| rhs.split_whitespace().next())
        .any(|path| std::fs::canonicalize(path).is_ok_and(|p| p == wanted));
    if !loads_it {
        bail!(
            "{} is not linked to {}",
            linker.display(),
            libllvm.display()
        );
    }
    Ok(())
}

/// `cargo install bpf-linker` against the toolchain's libLLVM, through a prefix holding two
/// symlinks to it (`libLLVM.so` for the linker, the original name for the loader). The
/// binary finds the library through that prefix at run time, so the prefix is kept, in
/// CARGO_HOME next to the binary.
fn build_bpf_linker(libllvm: &Path) -> Result<()> {
    let major = llvm_major(libllvm)?;
    let prefix = cargo_home()?.join("sentinel-bpf-llvm").join(TOOLCHAIN);
    let lib = prefix.join("lib");
    std::fs::create_dir_all(&lib).with_context(|| format!("creating {}", lib.display()))?;
    let original = libllvm.file_name().context("libLLVM has no file name")?;
    for link in [lib.join("libLLVM.so"), lib.join(original)] {
        if link.symlink_metadata().is_ok() {
            std::fs::remove_file(&link)?;
        }
        std::os::unix::fs::symlink(libllvm, &link)
            .with_context(|| format!("linking {}", link.display()))?;
    }
    util::run(
        rustup()
            .args(["run", TOOLCHAIN, "cargo", "install", "--locked", "--force"])
            .arg(format!("bpf-linker@{BPF_LINKER_VERSION}"))
            .args(["--no-default-features", "--features"])
            .arg(format!("llvm-{major}"))
            .env("LLVM_PREFIX", &prefix),
    )
}

/// Settings of the cargo running xtask (toolchain override, target dir, flags) must not leak
/// into rustup or `cargo install`.
fn scrub_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let keep = matches!(key, "CARGO_HOME" | "RUSTUP_HOME");
        if (key.starts_with("CARGO") || key.starts_with("RUST")) && !keep {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUSTUP_AUTO_INSTALL", "0");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llvm_major_from_library_name() {
        let p = Path::new("/x/lib/libLLVM.so.22.1-rust-1.97.0-nightly");
        assert_eq!(llvm_major(p).unwrap(), 22);
        assert!(llvm_major(Path::new("/x/lib/libLLVM-22-rust.so")).is_err());
    }
}

/// `cargo test -p xtask -- --ignored ebpf_setup` runs the real thing (installs toolchains).
#[cfg(test)]
mod setup_tests {
    #[test]
    #[ignore = "installs a toolchain and builds bpf-linker; run explicitly"]
    fn ebpf_setup_is_idempotent() {
        super::setup().unwrap();
        let start = std::time::Instant::now();
        super::setup().unwrap();
        eprintln!("warm ebpf setup took {:?}", start.elapsed());
    }
}
