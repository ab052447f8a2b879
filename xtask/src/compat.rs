//! `cargo xtask compat`: the official Redis Sentinel test suite (Debian's redis 7.0.15 source
//! package) against a sentinel binary, with Debian's redis-server (spec §5.3).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bins::{Bin, REDIS_SERVER, require_redis, target_dir};
use crate::compat_fetch::{installed_upstream_version, orig_tarball};
use crate::procs::{detach, interrupted, signal_group, trap_interrupts};
use crate::util::{on_path, run as run_cmd};

const USAGE: &str = "usage: cargo xtask compat [--reference | --sentinel-bin PATH] \
                     [--single PATTERN]... [--tls] [--timeout SECS] [--dont-clean] [--ci]";
const PASS_LINE: &str = "GOOD! No errors.";
/// The whole suite takes 2-3 min here; a failing unit can wait minutes on its own timeouts.
const DEFAULT_LIMIT: Duration = Duration::from_secs(20 * 60);

struct Opts {
    bin: Bin,
    singles: Vec<String>,
    limit: Duration,
    dont_clean: bool,
    ci: bool,
    /// The suite's `--tls` mode: every instance and the test client speak TLS only.
    tls: bool,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut o = Opts {
        bin: Bin::Ours,
        singles: Vec::new(),
        limit: DEFAULT_LIMIT,
        dont_clean: false,
        ci: false,
        tls: false,
    };
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| {
            args.get(i + 1)
                .cloned()
                .with_context(|| format!("{} needs a value\n{USAGE}", args[i]))
        };
        if let Some(b) = Bin::parse(args, &mut i)? {
            o.bin = b;
        } else {
            match args[i].as_str() {
                "--single" => {
                    o.singles.push(value(i)?);
                    i += 1;
                }
                "--timeout" => {
                    o.limit = Duration::from_secs(value(i)?.parse().context("--timeout SECS")?);
                    i += 1;
                }
                "--dont-clean" => o.dont_clean = true,
                "--tls" => o.tls = true,
                "--ci" => o.ci = true,
                other => bail!("unexpected '{other}'\n{USAGE}"),
            }
        }
        i += 1;
    }
    compat(o)
}

/// For `cargo xtask test` in CI: our release binary, the whole suite (2-3 min here) under a
/// 15 min limit, instance logs printed on failure.
#[allow(dead_code)] // wired into `cargo xtask test` by its owner
pub fn ci() -> Result<()> {
    run(&["--ci".into(), "--timeout".into(), "900".into()])
}

/// The same in the suite's TLS mode.
pub fn ci_tls() -> Result<()> {
    run(&[
        "--ci".into(),
        "--tls".into(),
        "--timeout".into(),
        "900".into(),
    ])
}

fn compat(mut o: Opts) -> Result<()> {
    if o.ci {
        // Keep the instances' dirs so a failure can show their logs.
        o.dont_clean = true;
    }
    require_redis()?;
    if !on_path("tclsh8.6") {
        bail!("tclsh8.6 is missing: run `cargo xtask setup` (or apt-get install tcl8.6)");
    }
    trap_interrupts();
    let bin = o.bin.resolve()?;
    let version = installed_upstream_version()?;
    let cache = target_dir().join("compat");
    std::fs::create_dir_all(&cache)?;
    let tarball = orig_tarball(&cache, &version)?;
    let suite = extract(&cache, &tarball, &version, &bin)?;
    if o.tls {
        if !tcl_has_tls() {
            bail!(
                "the Tcl tls package is missing: run `cargo xtask setup` (or apt-get install tcl-tls)"
            );
        }
        // Made once per cache, copied where the suite looks (`tests/tls`).
        let certs = cache.join("tls");
        crate::test_certs::ensure(&certs)?;
        let to = suite.join("tests/tls");
        std::fs::create_dir_all(&to)?;
        for e in std::fs::read_dir(&certs)? {
            let e = e?;
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }

    let mut cmd = Command::new("tclsh8.6");
    cmd.current_dir(&suite).args([
        "tests/sentinel/run.tcl",
        "--config",
        "bind",
        "127.0.0.1 -::1",
    ]);
    for s in &o.singles {
        cmd.args(["--single", s]);
    }
    if o.dont_clean {
        cmd.arg("--dont-clean");
    }
    if o.tls {
        cmd.arg("--tls");
    }
    eprintln!("sentinel under test: {}", bin.display());
    eprintln!("+ (cd {}; {})", suite.display(), crate::util::show(&cmd));
    let start = Instant::now();
    let outcome = run_suite(&mut cmd, o.limit, &cache.join("last-run.log"));
    let secs = start.elapsed().as_secs_f64();
    match outcome {
        Ok(()) => {
            eprintln!("compat: {PASS_LINE} ({} in {secs:.0} s)", bin.display());
            Ok(())
        }
        Err(e) => {
            if o.ci {
                print_instance_logs(&suite.join("tests/sentinel/tmp"));
            }
            Err(e.context(format!(
                "the Sentinel suite failed against {} after {secs:.0} s (log: {})",
                bin.display(),
                cache.join("last-run.log").display()
            )))
        }
    }
}

/// Whether tclsh8.6 can load the `tls` package the suite's `--tls` mode needs.
fn tcl_has_tls() -> bool {
    let mut child = match Command::new("tclsh8.6")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => return false,
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"package require tls\nexit 0\n");
    }
    child.wait().is_ok_and(|s| s.success())
}

/// A fresh copy of `runtest-sentinel` and `tests/` with `src/redis-server` and
/// `src/redis-sentinel` pointing at the binaries to run.
fn extract(cache: &Path, tarball: &Path, version: &str, bin: &Path) -> Result<PathBuf> {
    let top = format!("redis-{version}");
    let suite = cache.join(&top);
    if suite.exists() {
        std::fs::remove_dir_all(&suite).with_context(|| format!("removing {}", suite.display()))?;
    }
    run_cmd(
        Command::new("tar")
            .current_dir(cache)
            .arg("-xzf")
            .arg(tarball)
            .args([format!("{top}/runtest-sentinel"), format!("{top}/tests")]),
    )?;
    let src = suite.join("src");
    std::fs::create_dir_all(&src)?;
    symlink(REDIS_SERVER, src.join("redis-server"))?;
    symlink(bin, src.join("redis-sentinel"))?;
    Ok(suite)
}

/// Runs the suite, streaming its output to ours and to `log`, and succeeds only if it exits 0
/// having printed the pass line. Kills the whole process group (tclsh and the instances it
/// started) on timeout or Ctrl-C.
fn run_suite(cmd: &mut Command, limit: Duration, log: &Path) -> Result<()> {
    let mut child = detach(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .spawn()
    .context("starting tclsh8.6")?;
    let pgid = child.id();
    let (tx, rx) = channel::<String>();
    let pipes: Vec<Box<dyn Read + Send>> = vec![
        Box::new(child.stdout.take().expect("piped")),
        Box::new(child.stderr.take().expect("piped")),
    ];
    let readers: Vec<_> = pipes
        .into_iter()
        .map(|p| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(p).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            })
        })
        .collect();
    drop(tx);
    let mut log = std::fs::File::create(log)?;
    let deadline = Instant::now() + limit;
    let mut passed = false;
    let mut failures: Vec<String> = Vec::new();
    let status = loop {
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            println!("{line}");
            writeln!(log, "{line}")?;
            passed |= line.contains(PASS_LINE);
            if ["FAILED", "ERROR", "WARNING", "LEAK"]
                .iter()
                .any(|w| line.contains(w))
            {
                failures.push(line);
            }
        }
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if interrupted() || Instant::now() >= deadline {
            signal_group(pgid, libc::SIGKILL);
            let _ = child.wait();
            bail!(if interrupted() {
                "interrupted".to_string()
            } else {
                format!("the suite did not finish within {limit:?}")
            });
        }
    };
    for r in readers {
        let _ = r.join();
    }
    for line in rx.try_iter() {
        println!("{line}");
        writeln!(log, "{line}")?;
        passed |= line.contains(PASS_LINE);
    }
    if status.success() && passed {
        return Ok(());
    }
    bail!(
        "tclsh exited with {status}{}; failures:\n  {}",
        if passed {
            ""
        } else {
            " without `GOOD! No errors.`"
        },
        failures.join("\n  ")
    )
}

/// The last lines of every instance's log and err.txt (kept by `--dont-clean`).
fn print_instance_logs(tmp: &Path) {
    let Ok(rd) = std::fs::read_dir(tmp) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = rd.filter_map(|e| Some(e.ok()?.path())).collect();
    dirs.sort();
    for d in dirs.iter().filter(|d| d.is_dir()) {
        for f in ["log.txt", "err.txt"] {
            let Ok(text) = std::fs::read_to_string(d.join(f)) else {
                continue;
            };
            let lines: Vec<&str> = text.lines().collect();
            eprintln!("---- {}/{f} (last 40 lines)", d.display());
            for l in &lines[lines.len().saturating_sub(40)..] {
                eprintln!("{l}");
            }
        }
    }
}
