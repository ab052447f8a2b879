//! The thread-per-core io_uring driver: turns completions into `handle_*` calls on the core and
//! the core's actions into submissions. Also owns durable persistence of `sentinel.conf`.
//!
//! - [`shard`]: one thread, one tokio-uring runtime, one core; the event loop.
//! - `link_task` / `client_task`: connections to instances and peers, and client connections.
//! - `clients` / [`pubsub`]: the shard's clients, their protocol and their subscriptions.
//! - [`persister`]: the config writer thread; [`persist`]: the atomic file write; `aclfile`:
//!   the `ACL LOAD` / `ACL SAVE` file worker.
//! - [`log`]: Redis-format logging; [`listen`]: binding the client port.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod aclfile;
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
mod router;
mod scripts;
pub mod shard;
mod stream;
pub mod tls;
pub mod vip;

pub use clock::Clock;
pub use error::DriverError;
pub use log::Logger;
pub use persister::Persister;
pub use router::FRONT;
pub use shard::{ProcessControl, ShardHandle, ShardSpec, spawn_all};
pub use tls::TlsContexts;
pub use vip::VipControl;

pub use sentinel_core::shard_of;
