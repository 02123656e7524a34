//! Drawing training and test sets from the rules: stream indices without overlap or
//! duplicates (or with replacement), nested training sets and a test set independent of P.

use ndarray::Array2;
use num_bigint::BigUint;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use crate::datum::{BLANK, Datum};
use crate::error::{GrammarError, Result};
use crate::rules::Rules;
use crate::seeding::{Permutation, stream_seed};

/// Indices at or above this value belong to the test stream in the random modes.
pub const TEST_INDEX_BASE: u64 = 1 << 63;

/// Most tokens (P · d, 4 bytes each) one in-memory dataset may hold: 16 GiB.
pub const MAX_DATASET_TOKENS: u64 = 1 << 32;

/// Candidates generated in parallel before the (sequential, deterministic) duplicate filter.
const REJECTION_BATCH: usize = 4096;

/// How a dataset is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SamplingMode {
    /// `Permutation` when the data space has at most 2^64 elements, `Rejection` otherwise.
    #[default]
    Auto,
    /// Index i ↦ the datum whose identifier is π(i), π a keyed permutation of all
    /// identifiers: distinct by construction, O(1) per datum, exact even when P is
    /// close to the total. Needs a space of at most 2^64 data.
    Permutation,
    /// Index i ↦ an independent uniformly random datum; duplicates (and test data in
    /// the training set) are rejected with a hash set. Fast when the space is huge.
    Rejection,
    /// Like `Rejection` but keeps duplicates within a split (the authors' convention).
    /// The test and training sets still never share a datum.
    Replacement,
}

/// One split of a dataset: stream indices, labels and input tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Stream index of each datum: [`Sampler::datum`] regenerates it (and its latent tree).
    pub indices: Vec<u64>,
    pub labels: Vec<u32>,
    /// [n, d] tokens, blanks = [`BLANK`].
    pub tokens: Array2<i32>,
}

impl Split {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// A training and a test set that share no datum.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub train: Split,
    pub test: Split,
    /// The mode actually used (never `Auto`).
    pub mode: SamplingMode,
}

/// Draws data from fixed rules. Every datum is a pure function of
/// (rules seed, sample seed, mode, index):
/// - permutation mode: training index i ↦ identifier π(i), test index ↦ π(i) too,
///   with test indices counted down from the top (total − 1 − j) so that the test set
///   does not depend on P and training sets are nested as P grows;
/// - random modes: training index j and test index 2^63 + j seed independent streams.
pub struct Sampler<'r> {
    rules: &'r Rules,
    seed: u64,
    mode: SamplingMode,
    total: BigUint,
    permutation: Option<Permutation>,
}

impl<'r> Sampler<'r> {
    pub fn new(rules: &'r Rules, seed: u64, mode: SamplingMode) -> Result<Self> {
        let total = rules.params().count_total();
        let fits_u64 = total <= BigUint::from(u64::MAX) + 1u32;
        let mode = match mode {
            SamplingMode::Auto if fits_u64 => SamplingMode::Permutation,
            SamplingMode::Auto => SamplingMode::Rejection,
            SamplingMode::Permutation if !fits_u64 => {
                return Err(GrammarError::invalid(
                    "mode",
                    format!(
                        "permutation sampling needs at most 2^64 data; these parameters have {total}"
                    ),
                ));
            }
            other => other,
        };
        let permutation = (mode == SamplingMode::Permutation).then(|| {
            let last: u64 = (&total - 1u32).try_into().expect("checked above");
            Permutation::new(last, stream_seed(seed, 0x5045_524d, 0))
        });
        Ok(Sampler {
            rules,
            seed,
            mode,
            total,
            permutation,
        })
    }

    pub fn mode(&self) -> SamplingMode {
        self.mode
    }

    pub fn rules(&self) -> &Rules {
        self.rules
    }

    /// The datum at stream index `index`. In permutation mode the stream is finite:
    /// `index` must be below the number of distinct data.
    pub fn datum(&self, index: u64) -> Result<Datum> {
        self.check_index(index)?;
        Ok(self.datum_unchecked(index))
    }

    fn check_index(&self, index: u64) -> Result<()> {
        match &self.permutation {
            Some(permutation) if index > permutation.last() => Err(GrammarError::invalid(
                "index",
                format!(
                    "{index} is past the last datum ({}) of the permutation stream",
                    permutation.last()
                ),
            )),
            _ => Ok(()),
        }
    }

    fn datum_unchecked(&self, index: u64) -> Datum {
        let params = self.rules.params();
        match &self.permutation {
            Some(permutation) => Datum::from_id(params, permutation.apply(index)),
            None => {
                let mut rng =
                    Xoshiro256PlusPlus::seed_from_u64(stream_seed(self.seed, 0x4441_5455, index));
                Datum::random(params, &mut rng)
            }
        }
    }

    /// Draws `train` training and `test` test data.
    pub fn sample(&self, train: usize, test: usize) -> Result<Dataset> {
        self.sample_with_progress(train, test, &|_| {})
    }

    /// As [`Sampler::sample`], calling `progress(n)` as n more data are done.
    pub fn sample_with_progress(
        &self,
        train: usize,
        test: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Dataset> {
        // Progress counts the slow part once: the duplicate filter in the random modes,
        // rendering the tokens in permutation mode (whose indices cost nothing).
        let (while_drawing, while_rendering): (&(dyn Fn(u64) + Sync), &(dyn Fn(u64) + Sync)) =
            match self.permutation {
                Some(_) => (&|_| {}, progress),
                None => (progress, &|_| {}),
            };
        let (train, test) = self.indices_with_progress(train, test, while_drawing)?;
        Ok(Dataset {
            train: self.materialise(train, while_rendering),
            test: self.materialise(test, while_rendering),
            mode: self.mode,
        })
    }

    /// The data at the given stream indices (tokens rendered in parallel), e.g. a batch of
    /// a map-style dataset that holds only [`Sampler::indices`]. Every index must be one
    /// [`Sampler::datum`] accepts.
    pub fn split(&self, indices: Vec<u64>) -> Result<Split> {
        if self.permutation.is_some() {
            indices
                .iter()
                .try_for_each(|&index| self.check_index(index))?;
        }
        Ok(self.materialise(indices, &|_| {}))
    }

    /// The stream indices of the data [`Sampler::sample`] draws, without rendering their
    /// tokens: (training indices, test indices). [`Sampler::datum`] turns each into its
    /// datum, so a map-style dataset can hold 8 bytes per datum instead of its tokens.
    pub fn indices(&self, train: usize, test: usize) -> Result<(Vec<u64>, Vec<u64>)> {
        self.indices_with_progress(train, test, &|_| {})
    }

    fn indices_with_progress(
        &self,
        train: usize,
        test: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(Vec<u64>, Vec<u64>)> {
        let requested = train as u128 + test as u128;
        let tokens = requested.saturating_mul(self.rules.params().input_len() as u128);
        if tokens > MAX_DATASET_TOKENS as u128 {
            return Err(GrammarError::invalid(
                "train",
                format!(
                    "{requested} data of {} tokens each exceed the {MAX_DATASET_TOKENS} tokens one dataset may hold in memory",
                    self.rules.params().input_len()
                ),
            ));
        }
        if self.mode != SamplingMode::Replacement && BigUint::from(requested) > self.total {
            return Err(GrammarError::NotEnoughData {
                param: "train",
                requested,
                available: self.total.to_string(),
            });
        }
        match &self.permutation {
            Some(_) => {
                let last: u64 = (&self.total - 1u32).try_into().expect("permutation mode");
                let test_indices: Vec<u64> = (0..test as u64).map(|j| last - j).collect();
                let train_indices: Vec<u64> = (0..train as u64).collect();
                Ok((train_indices, test_indices))
            }
            None => {
                let keep_duplicates = self.mode == SamplingMode::Replacement;
                let mut test_set = FxHashSet::default();
                let test_indices = self.draw_random(
                    TEST_INDEX_BASE,
                    test,
                    keep_duplicates,
                    &FxHashSet::default(),
                    &mut test_set,
                    progress,
                );
                if keep_duplicates && train > 0 && BigUint::from(test_set.len()) >= self.total {
                    return Err(GrammarError::NotEnoughData {
                        param: "train",
                        requested,
                        available: self.total.to_string(),
                    });
                }
                let mut train_set = FxHashSet::default();
                let train_indices = self.draw_random(
                    0,
                    train,
                    keep_duplicates,
                    &test_set,
                    &mut train_set,
                    progress,
                );
                Ok((train_indices, test_indices))
            }
        }
    }

    /// Generates the data at the given indices, in parallel.
    fn materialise(&self, indices: Vec<u64>, progress: &(dyn Fn(u64) + Sync)) -> Split {
        let d = self.rules.params().input_len();
        let mut tokens = Array2::from_elem((indices.len(), d), BLANK);
        let mut labels = vec![0u32; indices.len()];
        if d > 0 {
            let chunk = 1024;
            tokens
                .as_slice_mut()
                .expect("standard layout")
                .par_chunks_mut(chunk * d)
                .zip(labels.par_chunks_mut(chunk))
                .zip(indices.par_chunks(chunk))
                .for_each(|((rows, labels), indices)| {
                    for ((row, label), &index) in
                        rows.chunks_exact_mut(d).zip(labels.iter_mut()).zip(indices)
                    {
                        let datum = self.datum_unchecked(index);
                        datum.write_tokens(self.rules, row);
                        *label = datum.label();
                    }
                    progress(indices.len() as u64);
                });
        }
        Split {
            indices,
            labels,
            tokens,
        }
    }

    /// Walks the random stream starting at `base`, keeping the indices of `count` data
    /// that are not in `exclude` (and, unless `keep_duplicates`, not already kept).
    fn draw_random(
        &self,
        base: u64,
        count: usize,
        keep_duplicates: bool,
        exclude: &FxHashSet<Datum>,
        kept: &mut FxHashSet<Datum>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Vec<u64> {
        let mut indices = Vec::with_capacity(count);
        let mut next = base;
        while indices.len() < count {
            let batch: Vec<(u64, Datum)> = (next..next + REJECTION_BATCH as u64)
                .into_par_iter()
                .map(|index| (index, self.datum_unchecked(index)))
                .collect();
            next += REJECTION_BATCH as u64;
            let before = indices.len();
            for (index, datum) in batch {
                if indices.len() == count {
                    break;
                }
                if exclude.contains(&datum) {
                    continue;
                }
                let fresh = kept.insert(datum);
                if fresh || keep_duplicates {
                    indices.push(index);
                }
            }
            progress((indices.len() - before) as u64);
        }
        indices
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Params, Sparsity};

    #[test]
    fn indices_past_a_finite_stream_are_refused() {
        let params = Params {
            sparsity: Sparsity::B { s0: 1 },
            ..Params::rhm(2, 2, 3, 3, 2)
        };
        let rules = Rules::sample(&params, 0).unwrap();
        let sampler = Sampler::new(&rules, 0, SamplingMode::Permutation).unwrap();
        let total: u64 = params.count_total_u128().unwrap() as u64;
        assert!(sampler.datum(total - 1).is_ok());
        assert_eq!(sampler.datum(total).unwrap_err().param(), Some("index"));
        let rejection = Sampler::new(&rules, 0, SamplingMode::Rejection).unwrap();
        assert!(rejection.datum(u64::MAX).is_ok());
    }

    #[test]
    fn indices_and_split_rebuild_exactly_what_sample_draws() {
        let params = Params {
            sparsity: Sparsity::A { s0: 1 },
            ..Params::rhm(2, 2, 4, 4, 3)
        };
        let rules = Rules::sample(&params, 3).unwrap();
        for mode in [
            SamplingMode::Permutation,
            SamplingMode::Rejection,
            SamplingMode::Replacement,
        ] {
            let sampler = Sampler::new(&rules, 5, mode).unwrap();
            let data = sampler.sample(300, 70).unwrap();
            let (train, test) = sampler.indices(300, 70).unwrap();
            assert_eq!(train, data.train.indices, "{mode:?}");
            assert_eq!(test, data.test.indices, "{mode:?}");
            assert_eq!(sampler.split(train).unwrap(), data.train, "{mode:?}");
            assert_eq!(sampler.split(test).unwrap(), data.test, "{mode:?}");
        }
        let sampler = Sampler::new(&rules, 5, SamplingMode::Permutation).unwrap();
        let total = params.count_total_u128().unwrap() as u64;
        assert_eq!(
            sampler.split(vec![0, total]).unwrap_err().param(),
            Some("index")
        );
    }

    #[test]
    fn datasets_too_large_for_memory_are_refused() {
        let params = Params::rhm(2, 2, 10, 10, 10);
        let rules = Rules::sample(&params, 0).unwrap();
        let sampler = Sampler::new(&rules, 0, SamplingMode::Replacement).unwrap();
        let err = sampler.sample(usize::MAX / 2, 0).unwrap_err();
        assert_eq!(err.param(), Some("train"));
    }
}
