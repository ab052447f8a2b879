//! The one source of randomness in the core: a small seeded PRNG (xoshiro256**, seeded by
//! splitmix64). The shard owns it and logs the seed, so every run can be replayed.

/// A deterministic pseudo-random generator.
#[derive(Clone, Debug)]
pub struct Prng {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Prng {
    /// A generator whose whole sequence is determined by `seed`.
    pub fn new(seed: u64) -> Prng {
        let mut sm = seed;
        Prng {
            s: [
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
            ],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A value in `0..bound` (0 when `bound` is 0), without modulo bias worth caring about
    /// at the bounds the sentinel uses (milliseconds of jitter).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// `len` random lowercase hex characters (a sentinel `myid` is 40 of them).
    pub fn hex_id(&mut self, len: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..len)
            .map(|_| char::from(HEX[(self.next_u64() & 15) as usize]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Prng::new(42);
        let mut b = Prng::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Prng::new(1).next_u64(), Prng::new(2).next_u64());
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Prng::new(7);
        assert_eq!(r.below(0), 0);
        for _ in 0..10_000 {
            assert!(r.below(1000) < 1000);
        }
    }

    #[test]
    fn hex_id_shape() {
        let id = Prng::new(3).hex_id(40);
        assert_eq!(id.len(), 40);
        assert!(
            id.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}
