//! The driver's typed errors.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DriverError {
    #[error("Invalid bind address '{0}'")]
    BadBind(String),
    #[error("Could not create server TCP listening socket {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    /// A TLS setting or file that cannot be used; Redis logs it and exits at start-up.
    #[error("{0}")]
    Tls(String),
    #[error("Could not start thread {name}: {source}")]
    Thread {
        name: String,
        source: std::io::Error,
    },
}
