//! From the loaded `sentinel.conf` model to what the core runs: the sentinel's identity and
//! limits, and each master's parameters.

use sentinel_core::config::{ConfigFile, LogLevel};
use sentinel_core::event::Level;
use sentinel_core::{Limits, SentinelParams, Timing};

/// The core's parameters for this sentinel.
pub fn sentinel_params(cfg: &ConfigFile, myid: &str, seed: u64) -> SentinelParams {
    let s = &cfg.sentinel;
    let port = if s.announce_port != 0 {
        s.announce_port
    } else {
        cfg.server.peer_port()
    };
    SentinelParams {
        myid: myid.to_string(),
        port,
        announce_ip: s.announce_ip.clone(),
        current_epoch: s.current_epoch,
        timing: Timing::default(),
        limits: Limits {
            clients_max: usize::try_from(cfg.server.maxclients).unwrap_or(usize::MAX),
            ..Limits::default()
        },
        seed,
    }
}

/// `loglevel` as the logger's threshold.
pub fn log_level(level: LogLevel) -> Level {
    match level {
        LogLevel::Debug => Level::Debug,
        LogLevel::Verbose => Level::Verbose,
        LogLevel::Notice => Level::Notice,
        LogLevel::Warning => Level::Warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announce_port_wins() {
        let mut cfg = ConfigFile::default();
        cfg.server.port = 26380;
        assert_eq!(sentinel_params(&cfg, "x", 1).port, 26380);
        cfg.server
            .other
            .push(("tls-port".into(), vec!["26381".into()]));
        // A TLS port alone is not announced: the peers' links are plain.
        assert_eq!(sentinel_params(&cfg, "x", 1).port, 26380);
        cfg.server
            .other
            .push(("tls-replication".into(), vec!["yes".into()]));
        assert_eq!(sentinel_params(&cfg, "x", 1).port, 26381);
        cfg.sentinel.announce_port = 5000;
        assert_eq!(sentinel_params(&cfg, "x", 1).port, 5000);
    }
}
