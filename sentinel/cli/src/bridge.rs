//! From the loaded `sentinel.conf` model to what the core runs: the sentinel's identity and
//! limits, and each master's parameters.

use std::collections::BTreeMap;
use std::time::Duration;

use sentinel_core::config::{ConfigFile, LogLevel, MasterConfig};
use sentinel_core::event::Level;
use sentinel_core::instance::MasterParams;
use sentinel_core::{Addr, Limits, SentinelParams, Timing};

/// The core's parameters for this sentinel.
pub fn sentinel_params(cfg: &ConfigFile, myid: &str, seed: u64) -> SentinelParams {
    let s = &cfg.sentinel;
    let port = if s.announce_port != 0 {
        s.announce_port
    } else {
        cfg.server.port
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

/// The core's parameters for one master.
pub fn master_params(m: &MasterConfig) -> MasterParams {
    let mut p = MasterParams::new(m.name.clone(), Addr::new(m.host.clone(), m.port), m.quorum);
    p.down_after = Duration::from_millis(m.down_after_ms);
    p.failover_timeout = Duration::from_millis(m.failover_timeout_ms);
    p.parallel_syncs = m.parallel_syncs;
    p.ping_period = m.ping_period_ms.map(Duration::from_millis);
    p.auth_user = m.auth_user.clone();
    p.auth_pass = m.auth_pass.clone();
    p.renamed_commands = m
        .rename_commands
        .iter()
        .map(|(from, to)| (from.to_ascii_uppercase(), to.clone()))
        .collect::<BTreeMap<_, _>>();
    p
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
    fn master_settings_carry_over() {
        let mut m = MasterConfig::new("mymaster", "127.0.0.1", 6379, 2);
        m.down_after_ms = 5000;
        m.rename_commands.push(("config".into(), "xconfig".into()));
        m.auth_pass = Some("secret".into());
        let p = master_params(&m);
        assert_eq!(p.name, "mymaster");
        assert_eq!(p.addr, Addr::new("127.0.0.1", 6379));
        assert_eq!(p.quorum, 2);
        assert_eq!(p.down_after, Duration::from_millis(5000));
        assert_eq!(
            p.renamed_commands.get("CONFIG").map(String::as_str),
            Some("xconfig")
        );
        assert_eq!(p.auth_pass.as_deref(), Some("secret"));
    }

    #[test]
    fn announce_port_wins() {
        let mut cfg = ConfigFile::default();
        cfg.server.port = 26380;
        assert_eq!(sentinel_params(&cfg, "x", 1).port, 26380);
        cfg.sentinel.announce_port = 5000;
        assert_eq!(sentinel_params(&cfg, "x", 1).port, 5000);
    }
}
