//! Small helpers shared by tasks: running commands, finding the workspace root, probing tools.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// The workspace root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Runs `cmd`, echoing it, and fails if it does not exit 0.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("+ {}", show(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("could not start {}", show(cmd)))?;
    if !status.success() {
        bail!("`{}` failed: {status}", show(cmd));
    }
    Ok(())
}

/// Runs `cmd` quietly and returns its stdout if it exits 0, `None` otherwise (or if it cannot
/// start). For probes: "is this installed?".
pub fn probe(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `cmd` quietly and returns its stdout; fails with its stderr if it does not exit 0.
pub fn capture(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not start {}", show(cmd)))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!("`{}` failed: {}\n{}", show(cmd), out.status, err.trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `cargo` as a command: the one that runs this task (so the same toolchain), from the
/// workspace root.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// `cargo +<toolchain>` through the rustup proxy, with the variables of the running cargo
/// removed so that they cannot pin the outer toolchain.
pub fn cargo_on(toolchain: &str, dir: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg(format!("+{toolchain}"))
        .current_dir(dir)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC");
    cmd
}

/// True when running as root (uid 0), read from /proc so no libc is needed.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| uid_from_status(&s))
        == Some(0)
}

fn uid_from_status(status: &str) -> Option<u32> {
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Whether an executable named `name` is on PATH (or in ~/.cargo/bin, where cargo installs).
pub fn on_path(name: &str) -> bool {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.iter().any(|d| d.join(name).is_file())
}

/// A step banner, and the step's elapsed time when it ends.
pub struct Step {
    name: String,
    start: Instant,
}

impl Step {
    pub fn new(name: &str) -> Step {
        eprintln!("\n==== {name} ====");
        Step {
            name: name.to_string(),
            start: Instant::now(),
        }
    }

    pub fn done(self) {
        let secs = self.start.elapsed().as_secs_f64();
        eprintln!("==== {}: ok ({secs:.1} s)", self.name);
    }
}

/// A command line as a person would type it.
pub fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_is_read_from_proc_status() {
        let status = "Name:\tx\nUmask:\t0022\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\n";
        assert_eq!(uid_from_status(status), Some(1000));
        assert_eq!(uid_from_status("Name:\tx\n"), None);
    }

    #[test]
    fn show_joins_program_and_args() {
        let mut cmd = Command::new("cargo");
        cmd.args(["fmt", "--all"]);
        assert_eq!(show(&cmd), "cargo fmt --all");
    }
}
