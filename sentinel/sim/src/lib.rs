//! Deterministic simulator: drives many sentinel cores on virtual time over a modelled network
//! (delay, partitions) against modelled redis instances. The same seed gives the same run.

mod invariants;
mod net;
mod redis;
pub mod swarm;
mod world;

pub use invariants::Checker;
pub use net::NetConfig;
pub use redis::{ModelRedis, RedisRole};
pub use world::{Endpoint, LoggedEvent, RedisIdx, SentinelIdx, Sim};
