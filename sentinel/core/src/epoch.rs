//! The current epoch. Redis has one per process; with several shards in one process they all
//! share it, so the driver hands every core the same counter. A core alone (the simulator,
//! tests) gets its own. Only an atomic integer: no IO, no clock, no thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A shared current epoch. Clones share the value.
#[derive(Clone, Debug, Default)]
pub struct EpochCounter(Arc<AtomicU64>);

impl EpochCounter {
    pub fn new(epoch: u64) -> EpochCounter {
        EpochCounter(Arc::new(AtomicU64::new(epoch)))
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Raises the epoch to `epoch` if it is lower; true when this call raised it.
    pub fn raise_to(&self, epoch: u64) -> bool {
        self.0.fetch_max(epoch, Ordering::SeqCst) < epoch
    }

    /// A fresh epoch nobody else gets: the current one plus one, which becomes current. `None`
    /// once the epoch is `u64::MAX` (a peer may announce it): no fresh epoch is left, and the
    /// counter never wraps back to 0.
    pub fn next(&self) -> Option<u64> {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |e| e.checked_add(1))
            .ok()
            .map(|previous| previous + 1)
    }
}

/// The shard that owns `master` when there are `shards` of them (FNV-1a of the name: stable
/// across runs and platforms).
pub fn shard_of(master: impl AsRef<[u8]>, shards: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in master.as_ref() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    usize::try_from(hash % u64::try_from(shards.max(1)).unwrap_or(1)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_fresh_and_raise_only_raises() {
        let e = EpochCounter::new(3);
        let shared = e.clone();
        assert_eq!(e.next(), Some(4));
        assert_eq!(shared.next(), Some(5));
        assert!(!e.raise_to(5));
        assert!(!e.raise_to(2));
        assert!(shared.raise_to(9));
        assert_eq!(e.get(), 9);
    }

    #[test]
    fn the_last_epoch_is_never_passed() {
        let e = EpochCounter::new(0);
        assert!(e.raise_to(u64::MAX));
        assert_eq!(e.next(), None);
        assert_eq!(e.get(), u64::MAX);
        let e = EpochCounter::new(u64::MAX - 1);
        assert_eq!(e.next(), Some(u64::MAX));
        assert_eq!(e.next(), None);
        assert_eq!(e.get(), u64::MAX);
    }

    #[test]
    fn shard_of_is_stable_and_in_range() {
        assert_eq!(shard_of("mymaster", 1), 0);
        assert_eq!(shard_of("mymaster", 0), 0);
        for n in 1..8 {
            assert!(shard_of("mymaster", n) < n);
            assert_eq!(shard_of("mymaster", n), shard_of(b"mymaster", n));
        }
    }
}
