//! The side-by-side benchmark: sentinel binaries against a fleet, one after the other in one
//! run, with detection and failover latencies, CPU and memory (see `benches/README.md`).
//!
//! * [`run`]: one binary's run; [`conf`]: generated sentinel.conf; [`procs`]: processes;
//! * [`events`]: the `PSUBSCRIBE *` event clock; [`procstat`]: CPU and RSS from /proc;
//! * [`stats`], [`result`], [`report`], [`svg`]: numbers, the table, JSON and the plot.

pub mod conf;
pub mod events;
pub mod procs;
pub mod procstat;
pub mod report;
pub mod result;
pub mod run;
pub mod stats;
pub mod svg;
