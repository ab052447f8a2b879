//! Test certificates for TLS runs, made with the openssl command: a CA, a server-only and a
//! client-only certificate signed by it (the file names the official suite's `--tls` mode
//! reads from `tests/tls`), and DH parameters for redis-server's `tls-dh-params-file`.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use crate::util::run;

/// Extensions that mark a certificate for server or client use only.
const EXTENSIONS: &str = "[ server_cert ]\nkeyUsage = digitalSignature, keyEncipherment\n\
                          nsCertType = server\n\n[ client_cert ]\n\
                          keyUsage = digitalSignature, keyEncipherment\nnsCertType = client\n";

fn openssl(dir: &Path) -> Command {
    let mut c = Command::new("openssl");
    c.current_dir(dir).stdin(Stdio::null());
    c
}

/// Writes `ca.{key,crt}`, `server.{key,crt}`, `client.{key,crt}` and `redis.dh` to `dir`,
/// unless they are all there already.
pub fn ensure(dir: &Path) -> Result<()> {
    let files = [
        "ca.crt",
        "server.crt",
        "server.key",
        "client.crt",
        "client.key",
        "redis.dh",
    ];
    if files.iter().all(|f| dir.join(f).is_file()) {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    run(openssl(dir).args(["genrsa", "-out", "ca.key", "2048"]))?;
    run(openssl(dir).args([
        "req",
        "-x509",
        "-new",
        "-nodes",
        "-sha256",
        "-key",
        "ca.key",
        "-days",
        "3650",
        "-subj",
        "/O=Sentinel Test/CN=Certificate Authority",
        "-out",
        "ca.crt",
    ]))?;
    std::fs::write(dir.join("ext.cnf"), EXTENSIONS)?;
    for (name, cn, section) in [
        ("server", "Server-only", "server_cert"),
        ("client", "Client-only", "client_cert"),
    ] {
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        run(openssl(dir).args(["genrsa", "-out", &key, "2048"]))?;
        run(openssl(dir).args([
            "req",
            "-new",
            "-sha256",
            "-subj",
            &format!("/O=Sentinel Test/CN={cn}"),
            "-key",
            &key,
            "-out",
            &csr,
        ]))?;
        run(openssl(dir).args([
            "x509",
            "-req",
            "-sha256",
            "-in",
            &csr,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "365",
            "-extfile",
            "ext.cnf",
            "-extensions",
            section,
            "-out",
            &format!("{name}.crt"),
        ]))?;
    }
    // A named RFC 7919 group: instant, where generating 2048-bit parameters takes minutes.
    run(openssl(dir).args([
        "genpkey",
        "-genparam",
        "-algorithm",
        "DH",
        "-pkeyopt",
        "group:ffdhe2048",
        "-out",
        "redis.dh",
    ]))
    .context("openssl genpkey (DH parameters)")?;
    Ok(())
}
