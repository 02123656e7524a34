//! Strategies shared by the property tests.

use proptest::prelude::*;
use srhm_grammar::{Params, Sparsity};

/// Valid parameters with L ≤ 3, s ≤ `max_patch`, v in `min_vocab..=6`, m ≤ 6,
/// s0 ≤ `max_s0`, any sparsity, and d ≤ `max_input`: small enough to sample
/// thousands of data quickly.
pub fn params_up_to(
    max_patch: u32,
    min_vocab: u32,
    max_s0: u32,
    max_input: usize,
) -> impl Strategy<Value = Params> {
    (
        1u32..=3,
        1u32..=max_patch,
        min_vocab..=6,
        0u32..3,
        0u32..=max_s0,
        any::<u32>(),
        any::<u32>(),
    )
        .prop_filter_map(
            "too large",
            move |(levels, patch, vocab, kind, s0, m_pick, nc_pick)| {
                let max_m = (vocab as u64).pow(patch - 1).min(6) as u32;
                let sparsity = match kind {
                    0 => Sparsity::None,
                    1 => Sparsity::A { s0 },
                    _ => Sparsity::B { s0 },
                };
                let params = Params {
                    levels,
                    patch,
                    vocab,
                    synonyms: 1 + m_pick % max_m,
                    classes: 1 + nc_pick % vocab,
                    sparsity,
                };
                (params.validate().is_ok() && params.input_len() <= max_input).then_some(params)
            },
        )
}
