//! Fetching the official Sentinel test suite: Debian's source package of the installed redis
//! (7.0.15), through a private apt configuration (own sources list, lists and cache dirs) so
//! the system's apt state is never touched. Cached: a second run downloads nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{capture, run};

/// The upstream version the suite must come from: the one of the installed redis-server.
pub fn installed_upstream_version() -> Result<String> {
    let v = capture(Command::new("dpkg-query").args(["-W", "-f", "${Version}", "redis-server"]))
        .context("redis-server is not installed (run `cargo xtask setup`)")?;
    upstream(&v).with_context(|| format!("odd redis-server version {v:?}"))
}

/// "5:7.0.15-1~deb12u3" -> "7.0.15".
fn upstream(debian_version: &str) -> Option<String> {
    let no_epoch = debian_version
        .split_once(':')
        .map_or(debian_version, |(_, v)| v);
    let up = no_epoch.rsplit_once('-').map_or(no_epoch, |(u, _)| u);
    (!up.is_empty()).then(|| up.to_string())
}

/// Returns the path of `redis_<version>.orig.tar.gz` in `cache`, downloading it if needed.
pub fn orig_tarball(cache: &Path, version: &str) -> Result<PathBuf> {
    let tarball = cache.join(format!("redis_{version}.orig.tar.gz"));
    if tarball.is_file() {
        eprintln!("using cached {}", tarball.display());
        return Ok(tarball);
    }
    let apt_dir = cache.join("apt");
    for d in ["lists/partial", "cache/archives/partial", "sources.list.d"] {
        std::fs::create_dir_all(apt_dir.join(d))?;
    }
    let list = apt_dir.join("sources.list");
    std::fs::write(&list, deb_src_lines(&system_sources()?)?)?;
    let apt = |args: &[&str]| {
        let mut cmd = Command::new("apt-get");
        cmd.current_dir(cache)
            .args(["-q", "-o", "APT::Sandbox::User=root"])
            .arg("-o")
            .arg(format!("Dir::Etc::sourcelist={}", list.display()))
            .arg("-o")
            .arg(format!(
                "Dir::Etc::sourceparts={}",
                apt_dir.join("sources.list.d").display()
            ))
            .arg("-o")
            .arg(format!(
                "Dir::State::Lists={}",
                apt_dir.join("lists").display()
            ))
            .arg("-o")
            .arg(format!("Dir::Cache={}", apt_dir.join("cache").display()))
            .args(args);
        cmd
    };
    run(&mut apt(&["update"])).context("apt-get update with the private deb-src list")?;
    run(&mut apt(&["source", "--download-only", "redis"]))?;
    if !tarball.is_file() {
        bail!(
            "apt-get source did not produce {} (is the archive's redis a different version \
             from the installed {version}?)",
            tarball.display()
        );
    }
    Ok(tarball)
}

/// The system's apt sources as (uri, suite, components, signed-by) of `deb` entries, from
/// both the one-line `sources.list` format and deb822 `*.sources` files.
fn system_sources() -> Result<String> {
    let mut all = String::new();
    let etc = Path::new("/etc/apt");
    if let Ok(s) = std::fs::read_to_string(etc.join("sources.list")) {
        all.push_str(&s);
        all.push('\n');
    }
    if let Ok(rd) = std::fs::read_dir(etc.join("sources.list.d")) {
        let mut paths: Vec<PathBuf> = rd.filter_map(|e| Some(e.ok()?.path())).collect();
        paths.sort();
        for p in paths {
            let ext = p.extension().and_then(|e| e.to_str());
            if matches!(ext, Some("list" | "sources")) {
                all.push_str(&std::fs::read_to_string(&p)?);
                all.push_str("\n\n");
            }
        }
    }
    Ok(all)
}

/// `deb-src` lines for the Debian archives among the system's `deb` sources (an entry counts
/// when one of its suites starts with the release's codename, which skips third-party repos).
fn deb_src_lines(sources: &str) -> Result<String> {
    let codename = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VERSION_CODENAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
        .unwrap_or_else(|| "bookworm".into());
    let out = deb_src_for(sources, &codename);
    if out.is_empty() {
        bail!("no Debian `deb` source for {codename} found in /etc/apt");
    }
    Ok(out)
}

fn deb_src_for(sources: &str, codename: &str) -> String {
    let mut out = String::new();
    let mut push = |uri: &str, suite: &str, comps: &str, signed: Option<&str>| {
        if !suite.starts_with(codename) {
            return;
        }
        let opt = signed
            .map(|s| format!("[signed-by={s}] "))
            .unwrap_or_default();
        out.push_str(&format!("deb-src {opt}{uri} {suite} {comps}\n"));
    };
    // One-line format: `deb [opts] uri suite comps...`.
    for l in sources.lines().map(str::trim) {
        let Some(rest) = l.strip_prefix("deb ") else {
            continue;
        };
        let mut rest = rest.trim();
        let mut signed = None;
        if let Some(o) = rest.strip_prefix('[') {
            let (opts, after) = o.split_once(']').unwrap_or((o, ""));
            signed = opts
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix("signed-by="));
            rest = after.trim();
        }
        let mut f = rest.split_whitespace();
        if let (Some(uri), Some(suite)) = (f.next(), f.next()) {
            push(uri, suite, &f.collect::<Vec<_>>().join(" "), signed);
        }
    }
    // deb822: blank-line separated stanzas of `Key: value`.
    for stanza in sources.split("\n\n") {
        let get = |k: &str| {
            stanza.lines().find_map(|l| {
                let (key, v) = l.split_once(':')?;
                key.trim().eq_ignore_ascii_case(k).then(|| v.trim())
            })
        };
        let (Some(types), Some(uris), Some(suites)) = (get("Types"), get("URIs"), get("Suites"))
        else {
            continue;
        };
        if !types.split_whitespace().any(|t| t == "deb") {
            continue;
        }
        let comps = get("Components").unwrap_or("main");
        for uri in uris.split_whitespace() {
            for suite in suites.split_whitespace() {
                push(uri, suite, comps, get("Signed-By"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_version_drops_epoch_and_revision() {
        assert_eq!(upstream("5:7.0.15-1~deb12u3").as_deref(), Some("7.0.15"));
        assert_eq!(upstream("7.0.15").as_deref(), Some("7.0.15"));
    }

    #[test]
    fn deb_src_from_both_formats_only_for_the_release() {
        let sources = "deb [arch=amd64 signed-by=/k.gpg] http://a/debian bookworm main contrib\n\
                       deb https://cloud/apt cloud-sdk-bookworm main\n\
                       # deb http://x bookworm main\n\n\
                       Types: deb\nURIs: http://deb.debian.org/debian\n\
                       Suites: bookworm bookworm-updates\nComponents: main\n\
                       Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n";
        let got = deb_src_for(sources, "bookworm");
        let k = "/usr/share/keyrings/debian-archive-keyring.gpg";
        assert_eq!(
            got,
            format!(
                "deb-src [signed-by=/k.gpg] http://a/debian bookworm main contrib\n\
                 deb-src [signed-by={k}] http://deb.debian.org/debian bookworm main\n\
                 deb-src [signed-by={k}] http://deb.debian.org/debian bookworm-updates main\n"
            )
        );
    }
}
