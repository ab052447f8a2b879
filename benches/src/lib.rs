//! Benchmarks: criterion micro-benchmarks of hot paths (`benches/`), the fleet emulator
//! (`fleet` binary) and the side-by-side detection and failover benchmark (`bench` binary,
//! driven by `cargo xtask bench`).

pub mod bench;
pub mod client;
pub mod fleet;
pub mod load;
pub mod scenario;
