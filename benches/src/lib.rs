//! Benchmarks: criterion micro-benchmarks of hot paths (`benches/`), the fleet emulator and the
//! side-by-side benchmark against redis-sentinel.
