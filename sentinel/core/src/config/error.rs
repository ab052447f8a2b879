//! The fatal config error, printed exactly as Redis 7.0 prints it (`config.c: loadServerConfig`
//! and `sentinel.c: loadSentinelConfigFromQueue`, label `loaderr`).

/// The Redis version named in the fatal banner (the generation we are a drop-in for).
pub const REDIS_VERSION: &str = "7.0.15";

/// A line of the file that cannot be loaded. `Display` is Redis's block without its final
/// newline: `eprintln!("{err}")` writes the very bytes Redis writes before `exit(1)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{reason}"
)]
pub struct ConfigError {
    /// 1-based line number.
    pub line: usize,
    /// The line as written (trimmed of surrounding blanks, as Redis shows it).
    pub text: String,
    /// Redis's message where it has one.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_redis_banner() {
        let err = ConfigError {
            line: 3,
            text: "sentinel monitor m 1.2.3.4 6379 0".into(),
            reason: "Quorum must be 1 or greater.".into(),
        };
        assert_eq!(
            err.to_string(),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
             Reading the configuration file, at line 3\n\
             >>> 'sentinel monitor m 1.2.3.4 6379 0'\n\
             Quorum must be 1 or greater."
        );
    }
}
