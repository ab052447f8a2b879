//! The fleet emulator: many redis-server instances in a few processes, speaking enough Redis
//! for a sentinel (spec §3.1-§3.4), with faults on command.
//!
//! * [`instance`]: one instance's identity, role and fault state;
//! * [`model`]: the groups a worker owns and the topology operations;
//! * [`render`]: INFO and ROLE replies;
//! * [`commands`]: request dispatch (MULTI/EXEC, SLAVEOF, pub/sub, CLIENT KILL ...);
//! * [`conn`]: one connection's I/O loop;
//! * [`control`]: the fault command language;
//! * [`worker`]: a worker process; [`supervisor`]: the front process that starts workers.

pub mod commands;
pub mod conn;
pub mod control;
pub mod instance;
pub mod model;
pub mod render;
pub mod supervisor;
pub mod worker;
