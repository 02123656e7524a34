//! Operators that act on a datum's latent tree and re-encode it (SPEC §3):
//! the synonym exchange p_l and the diffeomorphism τ_l, for a level l in 1..=L.
//!
//! "Level-l patch" = the s children (with their blanks) produced by one informative
//! node of level l+1 (the class for l = L). Both operators act on every informative
//! level-l patch of a datum and never change its label.
//!
//! ```
//! use srhm_grammar::{Params, Rules, Sampler, SamplingMode, Sparsity};
//! use srhm_transforms::{DiffeoMode, Operator, transform_tokens};
//!
//! let params = Params { levels: 2, patch: 2, vocab: 4, synonyms: 4, classes: 4,
//!                       sparsity: Sparsity::A { s0: 1 } };
//! let rules = Rules::sample(&params, 0)?;
//! let data = Sampler::new(&rules, 1, SamplingMode::Auto)?.sample(100, 0)?;
//! let moved = transform_tokens(&rules, data.train.tokens.view(), Operator::diffeo(1), 7)?;
//! assert_eq!(moved.dim(), data.train.tokens.dim());
//! # Ok::<(), srhm_transforms::TransformError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use ndarray::{Array2, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use srhm_grammar::seeding::stream_seed;
use srhm_grammar::{Datum, GrammarError, Params, Rules, random_arrangement};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransformError {
    /// The operator cannot change anything for these parameters, or is malformed.
    #[error("invalid parameter `{param}`: {reason}")]
    InvalidParam { param: &'static str, reason: String },
    /// A row of the input is not a datum of the rules.
    #[error("row {row}: {source}")]
    Row {
        row: usize,
        #[source]
        source: GrammarError,
    },
    #[error(transparent)]
    Grammar(#[from] GrammarError),
}

impl TransformError {
    fn invalid(param: &'static str, reason: impl Into<String>) -> Self {
        TransformError::InvalidParam {
            param,
            reason: reason.into(),
        }
    }

    /// The parameter this error is about, if any.
    pub fn param(&self) -> Option<&'static str> {
        match self {
            TransformError::InvalidParam { param, .. } => Some(param),
            TransformError::Grammar(e) | TransformError::Row { source: e, .. } => e.param(),
        }
    }
}

pub type Result<T, E = TransformError> = std::result::Result<T, E>;

/// What τ_l redraws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiffeoMode {
    /// Only the positions of the level-l children inside their patch, redrawn so that
    /// each patch's arrangement differs from the current one; every feature value and
    /// every other latent variable is kept.
    #[default]
    Pure,
    /// The authors' code: redraw the level-l positions (differing, as in `Pure`) and
    /// resample everything below level l (productions and positions).
    RedrawSubtree,
}

/// One of the two operators at a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Operator {
    /// p_l: every informative level-l production swapped for another of the same parent.
    Synonym { level: u32 },
    /// τ_l: every informative level-l patch rearranged.
    Diffeo { level: u32, mode: DiffeoMode },
}

impl Operator {
    pub fn synonym(level: u32) -> Self {
        Operator::Synonym { level }
    }

    /// τ_l in its pure form.
    pub fn diffeo(level: u32) -> Self {
        Operator::Diffeo {
            level,
            mode: DiffeoMode::Pure,
        }
    }

    pub fn level(&self) -> u32 {
        match *self {
            Operator::Synonym { level } | Operator::Diffeo { level, .. } => level,
        }
    }

    /// Column name in dataset files: `synonym_l1`, `diffeo_l2`, …
    pub fn column_name(&self) -> String {
        match self {
            Operator::Synonym { level } => format!("synonym_l{level}"),
            Operator::Diffeo { level, .. } => format!("diffeo_l{level}"),
        }
    }

    /// Checks that the operator is defined and can change something for `params`.
    pub fn check(&self, params: &Params) -> Result<()> {
        params.validate()?;
        let level = self.level();
        if level == 0 || level > params.levels {
            return Err(TransformError::invalid(
                "level",
                format!("{self}: the level must be in 1..={}", params.levels),
            ));
        }
        match self {
            Operator::Synonym { .. } if params.synonyms < 2 => Err(TransformError::invalid(
                "synonyms",
                format!("{self}: with m = 1 no production has a synonym to exchange"),
            )),
            Operator::Diffeo { .. } if params.arrangements_per_patch() < 2u32.into() => {
                Err(TransformError::invalid(
                    "s0",
                    format!(
                        "{self}: a patch has a single arrangement (sparsity {:?}), so τ cannot move anything",
                        params.sparsity
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The transformed copy of `datum`, drawn with `rng`.
    pub fn apply(&self, rules: &Rules, datum: &Datum, rng: &mut impl Rng) -> Result<Datum> {
        self.check(rules.params())?;
        self.apply_checked(rules, datum, rng)
    }

    /// [`Operator::apply`] once [`Operator::check`] has passed for these rules: batches
    /// check once, not per row (the check validates the parameters and counts arrangements).
    fn apply_checked(&self, rules: &Rules, datum: &Datum, rng: &mut impl Rng) -> Result<Datum> {
        let params = rules.params();
        let mut out = datum.clone();
        match *self {
            Operator::Synonym { level } => {
                let m = params.synonyms;
                for production in out.productions_mut(level)? {
                    // Uniform over the m − 1 others.
                    let draw = rng.random_range(0..m - 1);
                    *production = if draw >= *production { draw + 1 } else { draw };
                }
                // The level-l symbols changed: their descendants are regenerated (their
                // positions kept, since every patch has the same shape).
                for below in 1..level {
                    for production in out.productions_mut(below)? {
                        *production = rng.random_range(0..m);
                    }
                }
            }
            Operator::Diffeo { level, mode } => {
                rearrange_differently(params, out.slots_mut(level)?, rng);
                if mode == DiffeoMode::RedrawSubtree {
                    let s = params.patch as usize;
                    for below in 1..level {
                        for production in out.productions_mut(below)? {
                            *production = rng.random_range(0..params.synonyms);
                        }
                        for patch in out.slots_mut(below)?.chunks_exact_mut(s) {
                            random_arrangement(params, rng, patch);
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Stable number that separates the random streams of different operators.
    fn stream_domain(&self) -> u64 {
        let (kind, mode) = match self {
            Operator::Synonym { .. } => (1, 0),
            Operator::Diffeo { mode, .. } => (2, *mode as u64),
        };
        (kind << 40) | (mode << 32) | self.level() as u64
    }
}

/// Redraws each patch's arrangement (s slots per patch) uniformly among the others.
/// Rejection of the unchanged draw keeps the law uniform over the alternatives; it
/// repeats at most a geometric number of times with success ≥ 1/2, since every
/// sparsity with two arrangements or more has the current one drawn with chance ≤ 1/2.
fn rearrange_differently(params: &Params, slots: &mut [u32], rng: &mut impl Rng) {
    let s = params.patch as usize;
    let mut draw = vec![0u32; s];
    for patch in slots.chunks_exact_mut(s) {
        loop {
            random_arrangement(params, rng, &mut draw);
            if draw != patch {
                patch.copy_from_slice(&draw);
                break;
            }
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operator::Synonym { level } => write!(f, "synonym:{level}"),
            Operator::Diffeo { level, .. } => write!(f, "diffeo:{level}"),
        }
    }
}

/// Parses `synonym:L` or `diffeo:L` (pure mode; set the mode afterwards).
impl FromStr for Operator {
    type Err = TransformError;

    fn from_str(text: &str) -> Result<Self> {
        let bad = || {
            TransformError::invalid(
                "pairs",
                format!("`{text}` is not `synonym:LEVEL` or `diffeo:LEVEL`"),
            )
        };
        let (kind, level) = text.split_once(':').ok_or_else(bad)?;
        let level: u32 = level.trim().parse().map_err(|_| bad())?;
        match kind.trim() {
            "synonym" => Ok(Operator::synonym(level)),
            "diffeo" => Ok(Operator::diffeo(level)),
            _ => Err(bad()),
        }
    }
}

/// The random stream `key` of `operator` under `seed`.
fn row_rng(seed: u64, operator: &Operator, key: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, operator.stream_domain(), key))
}

/// Applies `operator` to every row of `[n, d]` tokens (each parsed back to its latent
/// tree with `rules`), in parallel; row i uses the random stream `i`, so the result is
/// deterministic given `seed` whatever the thread count.
pub fn transform_tokens(
    rules: &Rules,
    tokens: ArrayView2<i32>,
    operator: Operator,
    seed: u64,
) -> Result<Array2<i32>> {
    let keys: Vec<u64> = (0..tokens.nrows() as u64).collect();
    transform_rows(rules, tokens, &keys, operator, seed)
}

/// As [`transform_tokens`], with row i drawn from stream `keys[i]`: pass the data's
/// stream indices so that a datum gets the same transformation in every dataset.
pub fn transform_rows(
    rules: &Rules,
    tokens: ArrayView2<i32>,
    keys: &[u64],
    operator: Operator,
    seed: u64,
) -> Result<Array2<i32>> {
    let params = rules.params();
    operator.check(params)?;
    let d = params.input_len();
    if tokens.ncols() != d {
        return Err(TransformError::invalid(
            "tokens",
            format!("rows have {} tokens, the rules make {d}", tokens.ncols()),
        ));
    }
    if keys.len() != tokens.nrows() {
        return Err(TransformError::invalid(
            "keys",
            format!("{} keys for {} rows", keys.len(), tokens.nrows()),
        ));
    }
    let mut out = Array2::from_elem(tokens.dim(), srhm_grammar::BLANK);
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(tokens.axis_iter(Axis(0)).into_par_iter())
        .zip(keys.par_iter())
        .enumerate()
        .try_for_each(|(row, ((mut target, source), &key))| {
            let datum = Datum::parse(rules, &source.to_vec())
                .map_err(|source| TransformError::Row { row, source })?;
            let moved =
                operator.apply_checked(rules, &datum, &mut row_rng(seed, &operator, key))?;
            moved.write_tokens(rules, target.as_slice_mut().expect("standard layout"));
            Ok::<(), TransformError>(())
        })?;
    Ok(out)
}

/// `operator` applied to one datum, drawn from random stream `key` of `seed`
/// (the stream [`transform_rows`] uses for a row with that key).
pub fn transform_datum(
    rules: &Rules,
    datum: &Datum,
    operator: Operator,
    seed: u64,
    key: u64,
) -> Result<Datum> {
    operator.apply(rules, datum, &mut row_rng(seed, &operator, key))
}
