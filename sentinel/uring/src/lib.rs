//! The thread-per-core io_uring driver: turns completions into `handle_*` calls on the core and
//! the core's actions into submissions. Also owns durable persistence of `sentinel.conf`.
//!
//! - [`shard`]: one thread, one tokio-uring runtime, one core; the event loop.
//! - `link_task` / `client_task`: connections to instances and peers, and client connections.
//! - `clients` / [`pubsub`]: the shard's clients, their protocol and their subscriptions.
//! - [`persister`]: the config writer thread; [`persist`]: the atomic file write.
//! - [`log`]: Redis-format logging; [`listen`]: binding the client port.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod client_task;
mod clients;
pub mod clock;
pub mod error;
pub mod input;
mod link_task;
pub mod listen;
pub mod log;
mod outbox;
pub mod persist;
pub mod persister;
pub mod procinfo;
pub mod shard;

pub use clock::Clock;
pub use error::DriverError;
pub use log::Logger;
pub use persister::Persister;
pub use shard::{ProcessControl, ShardHandle, ShardSpec};

/// The shard that owns `master` when there are `shards` of them (FNV-1a of the name: stable
/// across runs and platforms).
pub fn shard_of(master: &str, shards: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in master.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    usize::try_from(hash % u64::try_from(shards.max(1)).unwrap_or(1)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::shard_of;

    #[test]
    fn shard_of_is_stable_and_in_range() {
        assert_eq!(shard_of("mymaster", 1), 0);
        for n in 1..8 {
            assert!(shard_of("mymaster", n) < n);
            assert_eq!(shard_of("mymaster", n), shard_of("mymaster", n));
        }
    }
}
