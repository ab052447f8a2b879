//! Deterministic simulator: drives many sentinel cores on virtual time over a modelled network
//! (delay, loss, partition) against modelled redis instances.
