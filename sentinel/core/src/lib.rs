//! The sans-IO core of the sentinel.
//!
//! Everything that decides lives here and nothing that touches the world does: inputs arrive as
//! `handle_*(now, ...)` calls, outputs are drained with `poll_*`, and the next deadline is
//! `poll_timeout()`. The io_uring driver and the simulator drive the very same code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod acl;
pub mod action;
pub mod addr;
pub mod command_table;
pub mod config;
pub mod epoch;
pub mod event;
pub mod hello;
pub mod info;
pub mod instance;
pub mod limits;
pub mod link;
pub mod ranking;
pub mod resp;
pub mod rng;
pub mod sentinel;
pub mod slab;
pub mod time;
pub mod timing;

pub use action::{Action, ClientId, ScriptExit};
pub use addr::Addr;
pub use epoch::{EpochCounter, shard_of};
pub use limits::Limits;
pub use rng::Prng;
pub use sentinel::{
    ClientOrigin, MasterView, MonitorError, ProcessInfo, Sentinel, SentinelOptions, SentinelParams,
    SimulateFailure, VipView,
};
pub use time::{Instant, WallMillis};
pub use timing::Timing;
