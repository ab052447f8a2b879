//! `sentinel.conf`: the model, loading (three passes, Redis-style fatal errors) and the in-place
//! rewrite that keeps comments and order. Pure text in, text out: the file IO lives in the
//! driver (`sentinel-uring::persist`).

mod directives;
mod error;
mod lines;
mod master;
pub mod model;
mod parse;
mod render;
mod rewrite;
mod sentinel;
mod server;
mod tls;
mod tokens;
mod values;

pub use error::{ConfigError, REDIS_VERSION};
pub use model::{
    ConfigFile, KnownReplica, KnownSentinel, LogLevel, MasterConfig, SentinelConfig, ServerConfig,
    Supervised, VipConfig,
};
pub use parse::load;
pub use rewrite::{SIGNATURE, rewrite};
pub use sentinel::{LoadOptions, MYID_LEN};
pub use tls::{AuthClients, TlsSettings};

/// Fuzz entry: must never panic, and must hold the loader's invariants: whatever loads
/// rewrites to text that loads to the same model, and rewriting that text again changes nothing.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let opts = LoadOptions::permissive();
    let Ok(cfg) = load(&text, &opts) else {
        return;
    };
    let once = rewrite(&text, &cfg);
    match load(&once, &opts) {
        Ok(again) => assert_eq!(again, cfg, "rewrite changed the model:\n{once}"),
        Err(e) => panic!("rewrite output does not load: {e}\n{once}"),
    }
    assert_eq!(rewrite(&once, &cfg), once, "rewrite is not idempotent");
}
