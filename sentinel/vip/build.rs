//! Compiles the XDP program (`ebpf/xdp`) with the pinned nightly and bpf-linker, and leaves the
//! object at `$OUT_DIR/sentinel-vip.bpf.o` for `include_bytes!`.
//!
//! Missing toolchain or bpf-linker (setup not run) is not an error: the build warns, embeds an
//! empty object, and the loader reports `VipError::ProgramNotBuilt`. A failing eBPF build is a
//! warning too, unless `SENTINEL_EBPF_REQUIRED=1` (set by CI / `cargo xtask test`) makes it an
//! error.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Must match ebpf/xdp/rust-toolchain.toml (and xtask's setup).
const TOOLCHAIN: &str = "nightly-2026-05-19";
const OBJECT: &str = "sentinel-vip.bpf.o";
const TARGET: &str = "bpfel-unknown-none";

fn main() {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env("OUT_DIR"));
    let ebpf_dir = manifest_dir.join("../../ebpf");
    let watched = [
        "xdp/src",
        "xdp/Cargo.toml",
        "xdp/Cargo.lock",
        "xdp/rust-toolchain.toml",
        "xdp/.cargo/config.toml",
        "common/src",
        "common/Cargo.toml",
    ];
    for watched in watched {
        println!(
            "cargo:rerun-if-changed={}",
            ebpf_dir.join(watched).display()
        );
    }
    println!("cargo:rerun-if-env-changed=SENTINEL_EBPF_REQUIRED");
    println!("cargo:rerun-if-env-changed=SENTINEL_EBPF_SKIP");

    let object = out_dir.join(OBJECT);
    let required = std::env::var("SENTINEL_EBPF_REQUIRED").is_ok_and(|v| v == "1");
    let result = if std::env::var("SENTINEL_EBPF_SKIP").is_ok_and(|v| v == "1") {
        Err("SENTINEL_EBPF_SKIP=1".to_string())
    } else {
        build(&ebpf_dir.join("xdp"), &ebpf_target_dir(&out_dir), &object)
    };
    if let Err(why) = result {
        if required {
            panic!("building the XDP program failed: {why}");
        }
        for line in why.lines() {
            println!("cargo:warning={line}");
        }
        println!(
            "cargo:warning=XDP program not built; VIP support disabled (run `cargo xtask setup`)"
        );
        std::fs::write(&object, []).expect("write empty object");
    }
}

/// One eBPF target directory per workspace target directory, shared by every profile and by
/// check/clippy (OUT_DIR is `<target>/[<triple>/]<profile>/build/<pkg>-<hash>/out`): the eBPF
/// build is always `--release` for bpfel, whatever the outer profile. The nested cargo locks
/// it, so concurrent outer builds take turns.
fn ebpf_target_dir(out_dir: &Path) -> PathBuf {
    out_dir.ancestors().nth(4).map_or_else(
        || out_dir.join("ebpf-target"),
        |target| target.join("sentinel-ebpf"),
    )
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} not set by cargo"))
}

fn build(xdp_dir: &Path, target_dir: &Path, object: &Path) -> Result<(), String> {
    preflight()?;
    let mut cmd = Command::new("rustup");
    cmd.args(["run", TOOLCHAIN, "cargo", "build", "--release", "--locked"])
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(xdp_dir);
    scrub_env(&mut cmd);
    let output = cmd
        .output()
        .map_err(|e| format!("could not run rustup: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "cargo build of ebpf/xdp failed ({}):\n{}",
            output.status,
            tail.join("\n")
        ));
    }
    let built = target_dir
        .join(TARGET)
        .join("release")
        .join("sentinel-ebpf-xdp");
    std::fs::copy(&built, object).map_err(|e| format!("copy {}: {e}", built.display()))?;
    Ok(())
}

/// The toolchain and bpf-linker must be there already: installing them is setup's job.
fn preflight() -> Result<(), String> {
    let rustc = Command::new("rustup")
        .args(["run", TOOLCHAIN, "rustc", "--version"])
        .env("RUSTUP_AUTO_INSTALL", "0")
        .output();
    match rustc {
        Ok(o) if o.status.success() => {}
        _ => return Err(format!("toolchain {TOOLCHAIN} is not installed")),
    }
    let sysroot = Command::new("rustup")
        .args(["run", TOOLCHAIN, "rustc", "--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let has_src = sysroot.is_some_and(|s| s.join("lib/rustlib/src/rust/library/core").is_dir());
    if !has_src {
        return Err(format!(
            "toolchain {TOOLCHAIN} lacks the rust-src component"
        ));
    }
    match Command::new("bpf-linker").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "bpf-linker does not run: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("bpf-linker not found on PATH: {e}")),
    }
}

/// The outer cargo's settings (target dir, rustc, wrappers, flags, toolchain override) must
/// not leak into the nested build of a different target with a different toolchain.
fn scrub_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let keep = matches!(key, "CARGO_HOME" | "RUSTUP_HOME");
        let cargo_or_rust = key.starts_with("CARGO") || key.starts_with("RUST");
        if cargo_or_rust && !keep {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUSTUP_AUTO_INSTALL", "0");
}
