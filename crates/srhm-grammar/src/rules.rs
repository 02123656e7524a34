//! The random production rules drawn from a seed: for every level, m distinct s-tuples of
//! lower-level symbols per parent symbol, none shared between parents.

use std::sync::OnceLock;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{GrammarError, Result};
use crate::params::Params;
use crate::seeding::stream_seed;

/// Below this many possible s-tuples the rules are drawn by shuffling all of them,
/// as SPEC §2 describes; above it (and when far more exist than are needed)
/// distinct tuples are drawn by rejection, which has the same distribution
/// (a uniformly random injective assignment) without materialising v^s tuples.
const ENUMERATE_TUPLES_UP_TO: u128 = 1 << 22;

/// The production rules of one level: parent symbols of level l+1 (classes for l = L)
/// each own `m` distinct s-tuples of level-l symbols; no tuple has two parents.
#[derive(Debug)]
pub struct LevelRules {
    parents: u32,
    synonyms: u32,
    patch: u32,
    /// parents × m × s symbols: production j of parent p is `children[(p·m + j)·s ..][..s]`.
    children: Vec<u32>,
    /// tuple → p·m + j, built on first use (only parsing needs it).
    inverse: OnceLock<FxHashMap<Box<[u32]>, u32>>,
}

impl LevelRules {
    /// Number of parent symbols (nc at the top level, v below).
    pub fn parents(&self) -> u32 {
        self.parents
    }

    /// The s children of production `production` of `parent`.
    #[inline]
    pub fn production(&self, parent: u32, production: u32) -> &[u32] {
        let s = self.patch as usize;
        let start = (parent as usize * self.synonyms as usize + production as usize) * s;
        &self.children[start..start + s]
    }

    /// The (parent, production) that produces `tuple`, if any. Unique because productions are disjoint.
    pub fn parse(&self, tuple: &[u32]) -> Option<(u32, u32)> {
        let inverse = self.inverse.get_or_init(|| {
            self.children
                .chunks_exact(self.patch as usize)
                .enumerate()
                .map(|(k, t)| (t.to_vec().into_boxed_slice(), k as u32))
                .collect()
        });
        inverse
            .get(tuple)
            .map(|&k| (k / self.synonyms, k % self.synonyms))
    }

    /// All productions as (parent, production, children), for inspection and tests.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32, &[u32])> + '_ {
        self.children
            .chunks_exact(self.patch as usize)
            .enumerate()
            .map(|(k, t)| (k as u32 / self.synonyms, k as u32 % self.synonyms, t))
    }
}

/// The rules of all L levels, sampled from a seed.
#[derive(Debug)]
pub struct Rules {
    params: Params,
    seed: u64,
    /// `levels[l − 1]` produces level-l symbols.
    levels: Vec<LevelRules>,
}

impl Rules {
    /// Samples the rules: each level independently, from its own stream of `seed`.
    pub fn sample(params: &Params, seed: u64) -> Result<Self> {
        params.validate()?;
        let levels = (1..=params.levels)
            .map(|level| {
                let parents = if level == params.levels {
                    params.classes
                } else {
                    params.vocab
                };
                let mut rng =
                    Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, 0x5255_4c45, level as u64));
                let needed = parents as usize * params.synonyms as usize;
                let children = distinct_tuples(&mut rng, params.vocab, params.patch, needed);
                LevelRules {
                    parents,
                    synonyms: params.synonyms,
                    patch: params.patch,
                    children,
                    inverse: OnceLock::new(),
                }
            })
            .collect();
        Ok(Rules {
            params: *params,
            seed,
            levels,
        })
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Rules producing level-`level` symbols, `level` in 1..=L.
    pub fn level(&self, level: u32) -> Result<&LevelRules> {
        if level == 0 || level > self.params.levels {
            return Err(GrammarError::invalid(
                "level",
                format!("must be in 1..={}, got {level}", self.params.levels),
            ));
        }
        Ok(&self.levels[level as usize - 1])
    }

    #[inline]
    pub(crate) fn level_unchecked(&self, level: u32) -> &LevelRules {
        &self.levels[level as usize - 1]
    }
}

/// `count` distinct uniformly random s-tuples over 0..v, flattened, in random order.
fn distinct_tuples(rng: &mut impl Rng, v: u32, s: u32, count: usize) -> Vec<u32> {
    let space = (v as u128).checked_pow(s).unwrap_or(u128::MAX);
    let mut out = Vec::with_capacity(count * s as usize);
    if space <= ENUMERATE_TUPLES_UP_TO.max(2 * count as u128) {
        // Partial Fisher–Yates over all tuple codes: the first `count` of a uniform shuffle.
        let mut codes: Vec<u32> = (0..space as u32).collect();
        for i in 0..count {
            let j = rng.random_range(i..codes.len());
            codes.swap(i, j);
            push_tuple(&mut out, codes[i] as u64, v, s);
        }
    } else {
        let mut seen: FxHashSet<Vec<u32>> = FxHashSet::default();
        let mut tuple = vec![0u32; s as usize];
        while seen.len() < count {
            for x in tuple.iter_mut() {
                *x = rng.random_range(0..v);
            }
            if seen.insert(tuple.clone()) {
                out.extend_from_slice(&tuple);
            }
        }
    }
    out
}

fn push_tuple(out: &mut Vec<u32>, mut code: u64, v: u32, s: u32) {
    let start = out.len();
    out.resize(start + s as usize, 0);
    for k in (0..s as usize).rev() {
        out[start + k] = (code % v as u64) as u32;
        code /= v as u64;
    }
}
