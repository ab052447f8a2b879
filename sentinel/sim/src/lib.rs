//! Deterministic simulator: drives many sentinel cores on virtual time over a modelled network
//! (delay, partitions) against modelled redis instances. The same seed gives the same run.

mod net;
mod redis;
mod world;

pub use net::NetConfig;
pub use redis::{ModelRedis, RedisRole};
pub use world::{Endpoint, LoggedEvent, RedisIdx, SentinelIdx, Sim};
