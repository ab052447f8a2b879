//! One deadline per instance, ordered by time: the core wakes only the instances that are due,
//! never walks them all (design.md §4).

use std::collections::{BTreeMap, BTreeSet};

use crate::instance::Owner;
use crate::time::Instant;

#[derive(Debug, Default)]
pub(crate) struct Schedule {
    by_time: BTreeSet<(Instant, Owner)>,
    due: BTreeMap<Owner, Instant>,
}

impl Schedule {
    /// Sets (or moves) `owner`'s deadline to `at`.
    pub(crate) fn set(&mut self, owner: Owner, at: Instant) {
        if let Some(old) = self.due.insert(owner, at) {
            self.by_time.remove(&(old, owner));
        }
        self.by_time.insert((at, owner));
    }

    pub(crate) fn remove(&mut self, owner: Owner) {
        if let Some(old) = self.due.remove(&owner) {
            self.by_time.remove(&(old, owner));
        }
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.by_time.first().map(|(at, _)| *at)
    }

    /// Takes one instance whose deadline is at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Owner> {
        let &(at, owner) = self.by_time.first()?;
        if at > now {
            return None;
        }
        self.by_time.remove(&(at, owner));
        self.due.remove(&owner);
        Some(owner)
    }
}
