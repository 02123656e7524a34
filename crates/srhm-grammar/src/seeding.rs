//! Counter-based seeding: every random stream is a pure function of
//! (user seed, domain, index), so any single datum can be regenerated alone and
//! parallel generation is deterministic.

/// SplitMix64's finaliser: a bijective, well-mixing map on u64.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Seed of the stream `index` in `domain` derived from `seed`.
#[inline]
pub fn stream_seed(seed: u64, domain: u64, index: u64) -> u64 {
    mix64(mix64(mix64(seed ^ 0x9e37_79b9_7f4a_7c15).wrapping_add(domain)).wrapping_add(index))
}

/// A keyed pseudo-random permutation of 0..n (n ≤ 2^64): a balanced Feistel
/// network on the smallest even number of bits covering n, with cycle walking
/// back into range. Lets "the i-th distinct datum" be computed in O(1) for any i,
/// which makes sampling without replacement exact even when P is close to the total.
#[derive(Debug, Clone)]
pub(crate) struct Permutation {
    /// n − 1, so that n = 2^64 fits.
    last: u64,
    half_bits: u32,
    keys: [u64; 6],
}

impl Permutation {
    /// Permutation of 0..=last.
    pub(crate) fn new(last: u64, seed: u64) -> Self {
        let bits = (64 - last.leading_zeros()).max(2);
        let half_bits = bits.div_ceil(2);
        let mut keys = [0u64; 6];
        for (r, key) in keys.iter_mut().enumerate() {
            *key = stream_seed(seed, 0x5045_524d, r as u64);
        }
        Permutation {
            last,
            half_bits,
            keys,
        }
    }

    /// The largest element, n − 1.
    pub(crate) fn last(&self) -> u64 {
        self.last
    }

    #[inline]
    fn round_trip(&self, x: u64) -> u64 {
        let mask = if self.half_bits == 64 {
            u64::MAX
        } else {
            (1u64 << self.half_bits) - 1
        };
        let (mut left, mut right) = (x >> self.half_bits, x & mask);
        for key in self.keys {
            let f = mix64(right ^ key) & mask;
            (left, right) = (right, left ^ f);
        }
        (left << self.half_bits) | right
    }

    /// The image of `x` (x ≤ last).
    #[inline]
    pub(crate) fn apply(&self, x: u64) -> u64 {
        debug_assert!(x <= self.last);
        let mut y = self.round_trip(x);
        while y > self.last {
            y = self.round_trip(y);
        }
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_is_a_bijection_on_small_domains() {
        for n in [1u64, 2, 3, 5, 16, 17, 100, 1000, 4097] {
            for seed in 0..4 {
                let p = Permutation::new(n - 1, seed);
                let mut seen = vec![false; n as usize];
                for x in 0..n {
                    let y = p.apply(x);
                    assert!(y < n);
                    assert!(!seen[y as usize], "n={n} seed={seed}: {y} hit twice");
                    seen[y as usize] = true;
                }
            }
        }
    }

    #[test]
    fn permutation_handles_the_full_u64_domain() {
        let p = Permutation::new(u64::MAX, 7);
        let a = p.apply(0);
        let b = p.apply(1);
        assert_ne!(a, b);
        assert_eq!(p.half_bits, 32);
    }
}
