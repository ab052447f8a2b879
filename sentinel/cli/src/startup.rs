//! The sentinel's life: start-up checks, the running shards, and shutdown.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use sentinel_core::Prng;
use sentinel_core::acl::{self, Acl};
use sentinel_core::config::{self, ConfigFile, LoadOptions, MYID_LEN, Supervised};
use sentinel_core::event::Level;
use sentinel_uring::log::{LocalTime, format_line};
use sentinel_uring::procinfo::ProcessFacts;
use sentinel_uring::{
    Clock, Logger, Persister, ProcessControl, ShardSpec, listen, persist, shard_of, spawn_all,
};

use crate::args::Args;
use crate::bridge;
use crate::process::{self, StopSignals};

/// Redis's pid file when daemonized without `pidfile` (`CONFIG_DEFAULT_PID_FILE`).
const DEFAULT_PID_FILE: &str = "/var/run/redis.pid";
/// How long a link's TCP connect may take (see `ShardSpec::connect_timeout`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// What a shard may ask of the process.
struct Process;

impl ProcessControl for Process {
    /// `SHUTDOWN` takes the same path as SIGTERM: the main thread's `sigwait` sees it.
    fn shutdown(&self) {
        // Safety: plain syscall; signalling our own process.
        unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
    }

    fn exit(&self, code: i32) {
        std::process::exit(code);
    }
}

/// How start-up failed.
pub enum Fatal {
    /// Already printed or logged the way Redis does; just exit 1.
    Reported,
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Fatal {
    fn from(e: anyhow::Error) -> Fatal {
        Fatal::Other(e)
    }
}

/// A warning in Redis's log format on stdout, for the time before the log file is open.
fn early_warning(message: &str) {
    print!(
        "{}",
        format_line(
            std::process::id(),
            &LocalTime::now(),
            Level::Warning,
            message
        )
    );
}

/// Who gets told about start-up and shutdown (server.c `redisIsSupervised`).
struct Supervision {
    /// Systemd gets `STATUS=`/`READY=1`/`STOPPING=1`: `supervised systemd`, or `auto` with
    /// $NOTIFY_SOCKET set. Like Redis, a configured `systemd` keeps trying (and logging why it
    /// cannot) even when the first message did not get through.
    systemd: bool,
    /// A supervisor was found, so `daemonize` is ignored (the supervisor tracks this pid).
    supervised: bool,
}

impl Supervision {
    /// Resolves `auto` from the environment and announces the start to the supervisor:
    /// upstart's `expect stop` wants a SIGSTOP, systemd a first status line.
    fn start(mode: Supervised, logger: &Logger) -> Supervision {
        let env_set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let mode = match mode {
            Supervised::Auto if env_set("UPSTART_JOB") => {
                logger.verbose("Upstart supervision detected.");
                Supervised::Upstart
            }
            Supervised::Auto if env_set("NOTIFY_SOCKET") => {
                logger.verbose("Systemd supervision detected.");
                Supervised::Systemd
            }
            other => other,
        };
        match mode {
            Supervised::Systemd => {
                let mut s = Supervision {
                    systemd: true,
                    supervised: false,
                };
                if s.notify("STATUS=Redis is loading...\n", logger) {
                    logger.notice(
                        "Supervised by systemd. Please make sure you set appropriate values for \
                         TimeoutStartSec and TimeoutStopSec in your service unit.",
                    );
                    s.supervised = true;
                }
                s
            }
            Supervised::Upstart if env_set("UPSTART_JOB") => {
                logger.notice("supervised by upstart, will stop to signal readiness.");
                process::stop_self();
                // Safety: no other thread exists yet (start-up runs before any is spawned),
                // so nothing reads the environment concurrently.
                unsafe { std::env::remove_var("UPSTART_JOB") };
                Supervision {
                    systemd: false,
                    supervised: true,
                }
            }
            Supervised::Upstart => {
                logger.warning("upstart supervision requested, but UPSTART_JOB not found!");
                Supervision::none()
            }
            Supervised::No | Supervised::Auto => Supervision::none(),
        }
    }

    /// INFO's `process_supervised`: the supervisor, if one was found.
    fn info_name(&self) -> &'static str {
        match (self.supervised, self.systemd) {
            (false, _) => "no",
            (true, true) => "systemd",
            (true, false) => "upstart",
        }
    }

    fn none() -> Supervision {
        Supervision {
            systemd: false,
            supervised: false,
        }
    }

    /// Sends one message to systemd if it is the supervisor; logs why not as Redis does.
    fn notify(&self, message: &str, logger: &Logger) -> bool {
        if !self.systemd {
            return false;
        }
        let socket = std::env::var("NOTIFY_SOCKET").unwrap_or_default();
        if socket.is_empty() {
            logger.warning("systemd supervision error: NOTIFY_SOCKET not found!");
            return false;
        }
        match process::notify_socket(&socket, message) {
            Ok(()) => true,
            Err(e) => {
                let code = e.raw_os_error().unwrap_or(libc::EIO);
                logger.warning(&format!("systemd supervision error: sd_notify: -{code}"));
                false
            }
        }
    }
}

fn is_executable(path: &str) -> bool {
    process::access(Path::new(path), libc::X_OK).is_ok()
}

/// Reads and loads the config (the file, then the command-line overrides).
fn load(path: &Path, overrides: &[String]) -> Result<(ConfigFile, String), Fatal> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "Fatal error, can't open config file '{}': {}",
                path.display(),
                process::strerror(&e)
            );
            return Err(Fatal::Reported);
        }
    };
    let mut full = text.clone();
    for line in overrides {
        if !full.is_empty() && !full.ends_with('\n') {
            full.push('\n');
        }
        full.push_str(line);
        full.push('\n');
    }
    // Redis applies `dir` (a chdir) while loading, before the queued `sentinel` lines, so a
    // relative script path is relative to `dir`. A first permissive pass finds `dir`.
    let dir = config::load(&full, &LoadOptions::permissive())
        .ok()
        .and_then(|c| c.server.dir)
        .map(PathBuf::from);
    let check = |script: &str| match &dir {
        Some(d) if Path::new(script).is_relative() => {
            is_executable(&d.join(script).to_string_lossy())
        }
        _ => is_executable(script),
    };
    let opts = LoadOptions {
        is_executable: &check,
    };
    match config::load(&full, &opts) {
        Ok(cfg) => Ok((cfg, text)),
        Err(e) => {
            eprintln!("{e}");
            Err(Fatal::Reported)
        }
    }
}

pub fn run(args: &Args) -> Result<(), Fatal> {
    let Some(config_arg) = &args.config else {
        early_warning("Sentinel needs config file on disk to save state. Exiting...");
        return Err(Fatal::Reported);
    };
    if config_arg == "-" {
        early_warning("Sentinel config from STDIN not allowed.");
        return Err(Fatal::Reported);
    }
    // Absolute before `dir` changes the working directory (Redis `getAbsolutePath`).
    let path: PathBuf = std::path::absolute(config_arg)
        .with_context(|| format!("cannot resolve config path {config_arg}"))?;
    let (mut cfg, file_text) = load(&path, &args.overrides)?;
    // Redis applies `dir` while loading, so everything after (the log file, the pid file,
    // scripts) is relative to it.
    if let Some(dir) = &cfg.server.dir
        && let Err(e) = std::env::set_current_dir(dir)
    {
        eprintln!("Can't chdir to '{dir}': {}", process::strerror(&e));
        return Err(Fatal::Reported);
    }
    let logger = match Logger::open(
        cfg.server.logfile.as_deref().map(Path::new),
        bridge::log_level(cfg.server.loglevel),
    ) {
        Ok(l) => Arc::new(l),
        Err(e) => {
            eprintln!("Can't open the log file: {}", process::strerror(&e));
            return Err(Fatal::Reported);
        }
    };
    if let Err(e) = process::access(&path, libc::W_OK) {
        logger.warning(&format!(
            "Sentinel config file {} is not writable: {}. Exiting...",
            path.display(),
            process::strerror(&e)
        ));
        return Err(Fatal::Reported);
    }
    let supervision = Supervision::start(cfg.server.supervised(), &logger);
    // Redis ignores `daemonize` under a supervisor: it must keep the pid it started.
    let background = cfg.server.daemonize && !supervision.supervised;
    if background {
        process::daemonize().context("daemonize")?;
    }
    if let Err(e) = process::ignore_sighup() {
        logger.warning(&format!("Could not ignore SIGHUP: {e}"));
    }
    logger.warning("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    logger.warning(&format!(
        "Redis version={}, bits=64, commit=00000000, modified=0, pid={}, just started",
        config::REDIS_VERSION,
        std::process::id()
    ));
    logger.warning(&format!(
        "Configuration loaded from {} (sentinel {})",
        path.display(),
        env!("CARGO_PKG_VERSION")
    ));
    match process::raise_nofile() {
        Ok(n) => logger.notice(&format!("Maximum number of open files: {n}")),
        Err(e) => logger.warning(&format!("Could not raise the open files limit: {e}")),
    }

    let pidfile = match (&cfg.server.pidfile, background) {
        (Some(p), _) => Some(PathBuf::from(p)),
        (None, true) => Some(PathBuf::from(DEFAULT_PID_FILE)),
        (None, false) => None,
    };
    if let Some(p) = &pidfile
        && let Err(e) = std::fs::write(p, format!("{}\n", std::process::id()))
    {
        // Redis only logs this and goes on.
        logger.warning(&format!("Failed to write PID file {}: {e}", p.display()));
    }

    let result = serve(&path, &mut cfg, &file_text, &logger, &supervision);
    if let Some(p) = &pidfile {
        logger.notice("Removing the pid file.");
        let _ = std::fs::remove_file(p);
    }
    result
}

/// Makes sure there is a `myid`, persisting a new one (sentinel.c `sentinelIsRunning`).
fn ensure_myid(
    path: &Path,
    cfg: &mut ConfigFile,
    file_text: &str,
    logger: &Logger,
) -> Result<String, Fatal> {
    if let Some(id) = &cfg.sentinel.myid {
        return Ok(id.clone());
    }
    let seed = process::random_u64().context("reading /dev/urandom")?;
    let id = Prng::new(seed).hex_id(MYID_LEN);
    cfg.sentinel.myid = Some(id.clone());
    let text = config::rewrite(file_text, cfg);
    if let Err(e) = persist::write_config_atomically(path, text.as_bytes()) {
        logger.warning(&format!(
            "WARNING: Sentinel was not able to save the new configuration on disk!!!: {e}"
        ));
    }
    Ok(id)
}

/// With `aclfile`, the users it declares (acl.c `ACLLoadUsersAtStartup`): `user` lines in the
/// config as well, a file that cannot be read, or any error in it, is fatal, as in Redis. The
/// path is relative to `dir`, where we already are.
fn load_acl_file(cfg: &ConfigFile, logger: &Logger) -> Result<Option<Acl>, Fatal> {
    let Some(path) = &cfg.server.aclfile else {
        return Ok(None);
    };
    if !cfg.server.users.is_empty() {
        logger.warning(acl::file::USERS_AND_ACLFILE);
        return Err(Fatal::Reported);
    }
    let loaded = match std::fs::read(path) {
        Ok(bytes) => acl::file::parse(path, &String::from_utf8_lossy(&bytes)),
        Err(e) => Err(acl::file::open_error(path, &process::strerror(&e))),
    };
    match loaded {
        Ok(users) => Ok(Some(users)),
        Err(errors) => {
            logger.warning(&format!("{}{errors}", acl::file::STARTUP_ABORT));
            Err(Fatal::Reported)
        }
    }
}

/// Binds the `bind` addresses on `port` (none for port 0), or logs why not as Redis does.
fn listen_on(
    cfg: &ConfigFile,
    port: u16,
    kind: &str,
    logger: &Logger,
) -> Result<Vec<std::net::TcpListener>, Fatal> {
    if port == 0 {
        return Ok(Vec::new());
    }
    let specs = listen::parse_bind(&cfg.server.bind).map_err(anyhow::Error::from)?;
    match listen::bind_all(&specs, port) {
        Ok((listeners, skipped)) => {
            for s in skipped {
                logger.verbose(&format!("Skipping optional bind address {s}"));
            }
            Ok(listeners)
        }
        Err(e) => {
            logger.warning(&format!("Warning: {e}"));
            logger.warning(&format!(
                "Failed listening on port {port} ({kind}), aborting."
            ));
            Err(Fatal::Reported)
        }
    }
}

/// Binds the `unixsocket`, if one is configured, or logs why not as Redis does.
fn listen_unix(cfg: &ConfigFile, logger: &Logger) -> Result<Option<listen::UnixListen>, Fatal> {
    let Some(path) = cfg.server.unixsocket() else {
        return Ok(None);
    };
    match listen::bind_unix(path, cfg.server.unixsocketperm()) {
        Ok(l) => Ok(Some(l)),
        Err(e) => {
            logger.warning(&format!("Failed opening Unix socket: {e}"));
            Err(Fatal::Reported)
        }
    }
}

fn serve(
    path: &Path,
    cfg: &mut ConfigFile,
    file_text: &str,
    logger: &Arc<Logger>,
    supervision: &Supervision,
) -> Result<(), Fatal> {
    let tls_settings = cfg.server.tls();
    let tls = match sentinel_uring::tls::configure(&tls_settings) {
        Ok(t) => t,
        Err(e) => {
            logger.warning(&e.to_string());
            logger.warning("Failed to configure TLS. Check logs for more info.");
            return Err(Fatal::Reported);
        }
    };
    for w in tls.iter().flat_map(|t| &t.warnings) {
        logger.warning(w);
    }
    let listeners = listen_on(cfg, cfg.server.port, "TCP", logger)?;
    let tls_listeners = listen_on(cfg, tls_settings.port, "TLS", logger)?;
    let unix_listener = listen_unix(cfg, logger)?;
    if listeners.is_empty() && tls_listeners.is_empty() && unix_listener.is_none() {
        logger.warning("Configured to not listen anywhere, exiting.");
        return Err(Fatal::Reported);
    }
    let unix_path = unix_listener.as_ref().map(|u| u.path.clone());
    let mut unix_listener = unix_listener;
    logger.notice(&format!("Running mode=sentinel, port={}.", cfg.server.port));
    // `user` lines plus an `aclfile` are refused, then the file is read (acl.c
    // `ACLLoadUsersAtStartup`); a `user` line's rule naming an unknown command or category
    // passed the load-time checks and is refused here, as Redis refuses it.
    let acl = load_acl_file(cfg, logger)?;
    if let Err(e) = Acl::default().load_configured_users(&cfg.server.users) {
        logger.warning(&e);
        logger.warning("Critical error while loading ACLs. Exiting.");
        return Err(Fatal::Reported);
    }
    let myid = ensure_myid(path, cfg, file_text, logger)?;
    logger.warning(&format!("Sentinel ID is {myid}"));
    // The process's own run id (INFO `run_id`), distinct from the sentinel id, as in Redis.
    let run_id = format!(
        "{:016x}{:016x}{:08x}",
        process::random_u64().context("reading /dev/urandom")?,
        process::random_u64().context("reading /dev/urandom")?,
        process::random_u64().context("reading /dev/urandom")? as u32
    );

    let signals = StopSignals::block().context("blocking SIGTERM/SIGINT")?;
    let clock = Clock::new();
    let vip = crate::vip::setup(cfg, logger);
    let mut listeners = Some(listeners);
    let mut tls_listeners = Some(tls_listeners);
    let (count, bad_count) = crate::shards::from_environment();
    if let Some(e) = bad_count {
        logger.warning(&e.to_string());
    }
    logger.notice(&format!("Running {count} shard(s)"));
    let persister = Persister::spawn(path.to_path_buf(), cfg.clone(), count, logger.clone())
        .map_err(anyhow::Error::from)?;
    // One current epoch for the process, whichever shard raises it.
    let epoch = sentinel_core::EpochCounter::new(cfg.sentinel.current_epoch);
    let mut specs = Vec::with_capacity(count);
    for index in 0..count {
        let mine: Vec<_> = cfg
            .sentinel
            .masters
            .iter()
            .filter(|m| shard_of(&m.name, count) == index)
            .cloned()
            .collect();
        let seed = process::random_u64().context("reading /dev/urandom")?;
        let spec = ShardSpec {
            index,
            params: bridge::sentinel_params(cfg, &myid, seed),
            config: sentinel_core::config::SentinelConfig {
                masters: mine,
                ..cfg.sentinel.clone()
            },
            file: cfg.clone(),
            acl: acl.clone(),
            process_facts: ProcessFacts {
                run_id: run_id.clone(),
                tcp_port: cfg.server.port,
                config_file: path.display().to_string(),
                started: std::time::Instant::now(),
                supervised: supervision.info_name(),
            },
            // Shard 0 serves clients.
            listeners: if index == 0 {
                listeners.take().unwrap_or_default()
            } else {
                Vec::new()
            },
            tls_listeners: if index == 0 {
                tls_listeners.take().unwrap_or_default()
            } else {
                Vec::new()
            },
            unix_listener: if index == 0 {
                unix_listener.take()
            } else {
                None
            },
            tls: tls.clone(),
            connect_timeout: CONNECT_TIMEOUT,
            logger: logger.clone(),
            persister: Some(persister.sender()),
            clock,
            process: Arc::new(Process),
            vip: vip.clone(),
            epoch: epoch.clone(),
        };
        specs.push(spec);
    }
    let shards = spawn_all(specs).map_err(anyhow::Error::from)?;
    // The listeners are bound and the shards own them: connections are taken from here on.
    supervision.notify("STATUS=Ready to accept connections\n", logger);
    supervision.notify("READY=1\n", logger);

    let signal = signals.wait();
    logger.warning(&format!("Received {signal} scheduling shutdown..."));
    logger.warning("User requested shutdown...");
    supervision.notify("STOPPING=1\n", logger);
    for s in shards {
        s.shutdown();
    }
    persister.finish();
    if let Some(path) = unix_path {
        logger.notice("Removing the unix socket file.");
        if let Err(e) = std::fs::remove_file(&path) {
            logger.warning(&format!("Error removing the unix socket file: {e}"));
        }
    }
    logger.warning("Sentinel is now ready to exit, bye bye...");
    Ok(())
}
