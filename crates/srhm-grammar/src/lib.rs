//! The Random Hierarchy Model and its sparse variant (Tomasini & Wyart, ICML 2024).
//!
//! - [`Params`]: L, s, v, m, nc and the sparsity, validated with errors that name the parameter.
//! - [`Rules`]: disjoint production rules sampled from a seed.
//! - [`Datum`]: a latent tree (label, productions, positions) and its input tokens; parsing back.
//! - [`Sampler`]: training and test sets with no datum in both, reproducible per index.
//! - [`encoding`]: one-hot, whitened and 2-D encodings of token arrays.
//! - Exact counts of distinct data as big integers ([`Params::count_total`]).
//!
//! ```
//! use srhm_grammar::{Params, Rules, Sampler, SamplingMode, Sparsity};
//!
//! let params = Params { levels: 2, patch: 2, vocab: 4, synonyms: 4, classes: 4,
//!                       sparsity: Sparsity::A { s0: 1 } };
//! let rules = Rules::sample(&params, 0)?;
//! let data = Sampler::new(&rules, 1, SamplingMode::Auto)?.sample(100, 20)?;
//! assert_eq!(data.train.tokens.dim(), (100, 16));
//! let x = srhm_grammar::encoding::one_hot(data.train.tokens.view(), params.vocab)?;
//! assert_eq!(x.dim(), (100, 4, 16));
//! # Ok::<(), srhm_grammar::GrammarError>(())
//! ```

mod datum;
pub mod encoding;
mod error;
mod params;
mod rules;
mod sampler;
pub mod seeding;

/// Version of this crate, recorded in every file it helps write.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use datum::{BLANK, Datum, random_arrangement};
pub use error::{GrammarError, Result};
pub use params::{MAX_INPUT_LEN, MAX_RULE_SYMBOLS, MAX_VOCAB, Params, Sparsity, binomial};
pub use rules::{LevelRules, Rules};
pub use sampler::{Dataset, MAX_DATASET_TOKENS, Sampler, SamplingMode, Split, TEST_INDEX_BASE};
