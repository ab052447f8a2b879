//! A small generational slab: stable typed ids for masters, replicas, peers and links, O(1)
//! lookup, and no reuse of a stale id after removal (the generation changes).

use std::fmt;
use std::marker::PhantomData;

/// Implemented by the typed ids below.
pub trait SlabKey: Copy {
    fn from_parts(index: u32, generation: u32) -> Self;
    fn index(self) -> u32;
    fn generation(self) -> u32;
}

macro_rules! slab_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name {
            index: u32,
            generation: u32,
        }

        impl $crate::slab::SlabKey for $name {
            fn from_parts(index: u32, generation: u32) -> Self {
                $name { index, generation }
            }
            fn index(self) -> u32 {
                self.index
            }
            fn generation(self) -> u32 {
                self.generation
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({}.{})", stringify!($name), self.index, self.generation)
            }
        }
    };
}
pub(crate) use slab_key;

enum Entry<T> {
    Occupied { generation: u32, value: T },
    Vacant { generation: u32 },
}

/// A slab of `T` addressed by `K`.
pub struct Slab<K, T> {
    entries: Vec<Entry<T>>,
    free: Vec<u32>,
    len: usize,
    _key: PhantomData<K>,
}

impl<K: SlabKey, T> Default for Slab<K, T> {
    fn default() -> Self {
        Slab {
            entries: Vec::new(),
            free: Vec::new(),
            len: 0,
            _key: PhantomData,
        }
    }
}

impl<K: SlabKey, T: fmt::Debug> fmt::Debug for Slab<K, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(|(_, v)| v)).finish()
    }
}

impl<K: SlabKey, T> Slab<K, T> {
    /// Stores `value` and returns its id.
    pub fn insert(&mut self, value: T) -> K {
        self.len += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.entries[index as usize];
            let generation = match slot {
                Entry::Vacant { generation } => generation.wrapping_add(1),
                Entry::Occupied { .. } => unreachable!("free list points at an occupied slot"),
            };
            *slot = Entry::Occupied { generation, value };
            return K::from_parts(index, generation);
        }
        let index = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        assert!(index < u32::MAX, "slab full");
        self.entries.push(Entry::Occupied {
            generation: 0,
            value,
        });
        K::from_parts(index, 0)
    }

    /// Removes and returns the value of `key`, if it is still there.
    pub fn remove(&mut self, key: K) -> Option<T> {
        let slot = self.entries.get_mut(key.index() as usize)?;
        match slot {
            Entry::Occupied { generation, .. } if *generation == key.generation() => {
                let old = std::mem::replace(
                    slot,
                    Entry::Vacant {
                        generation: key.generation(),
                    },
                );
                self.free.push(key.index());
                self.len -= 1;
                match old {
                    Entry::Occupied { value, .. } => Some(value),
                    Entry::Vacant { .. } => None,
                }
            }
            _ => None,
        }
    }

    pub fn get(&self, key: K) -> Option<&T> {
        match self.entries.get(key.index() as usize)? {
            Entry::Occupied { generation, value } if *generation == key.generation() => Some(value),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: K) -> Option<&mut T> {
        match self.entries.get_mut(key.index() as usize)? {
            Entry::Occupied { generation, value } if *generation == key.generation() => Some(value),
            _ => None,
        }
    }

    pub fn contains(&self, key: K) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entries in slot order (stable across runs: deterministic).
    pub fn iter(&self) -> impl Iterator<Item = (K, &T)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Entry::Occupied { generation, value } => {
                    Some((K::from_parts(i as u32, *generation), value))
                }
                Entry::Vacant { .. } => None,
            })
    }

    /// Entries in slot order, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (K, &mut T)> {
        self.entries
            .iter_mut()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Entry::Occupied { generation, value } => {
                    Some((K::from_parts(i as u32, *generation), value))
                }
                Entry::Vacant { .. } => None,
            })
    }

    pub fn keys(&self) -> Vec<K> {
        self.iter().map(|(k, _)| k).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    slab_key!(TestId);

    #[test]
    fn stale_ids_do_not_resolve() {
        let mut s: Slab<TestId, &str> = Slab::default();
        let a = s.insert("a");
        let b = s.insert("b");
        assert_eq!(s.remove(a), Some("a"));
        assert_eq!(s.get(a), None);
        let c = s.insert("c");
        assert_eq!(c.index(), a.index());
        assert_ne!(c, a);
        assert_eq!(s.get(a), None);
        assert_eq!(s.get(c), Some(&"c"));
        assert_eq!(s.remove(a), None);
        assert_eq!(s.len(), 2);
        assert_eq!(
            s.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            vec!["c", "b"]
        );
        assert!(s.contains(b));
    }
}
