//! The thread-per-core io_uring driver: turns completions into `handle_*` calls on the core and
//! the core's actions into submissions. Also owns durable persistence of `sentinel.conf`.
pub mod persist;
