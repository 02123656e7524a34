//! Properties of the operators p_l (synonym exchange) and τ_l (diffeomorphism),
//! each over hundreds of random parameter sets, data and levels.

use ndarray::Axis;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use srhm_grammar::{BLANK, Datum, Params, Rules, Sampler, SamplingMode, Sparsity};
use srhm_transforms::{DiffeoMode, Operator, transform_datum, transform_tokens};

mod common;

/// Valid parameters (d ≤ 4096) for which p_l (`synonym`) or τ_l can change something.
fn params_for(synonym: bool) -> impl Strategy<Value = Params> {
    let operator = if synonym {
        Operator::synonym(1)
    } else {
        Operator::diffeo(1)
    };
    common::params_up_to(4, 2, 3, 4096)
        .prop_filter("operator cannot move", move |p| operator.check(p).is_ok())
}

/// A case: parameters, rules, one datum, a level and an operator seed.
fn case(synonym: bool) -> impl Strategy<Value = (Params, u64, u64, u32, u64)> {
    params_for(synonym).prop_flat_map(|p| {
        (
            Just(p),
            any::<u64>(),
            any::<u64>(),
            1..=p.levels,
            any::<u64>(),
        )
    })
}

fn datum_of(params: &Params, seed: u64, index: u64) -> (Rules, Datum) {
    let rules = Rules::sample(params, seed).unwrap();
    let datum = Sampler::new(&rules, seed ^ 0xabc, SamplingMode::Rejection)
        .unwrap()
        .datum(index)
        .unwrap();
    (rules, datum)
}

/// Width in input positions of the region of one level-`level` patch.
fn patch_width(params: &Params, level: u32) -> usize {
    (params.slots_per_patch() as usize).pow(level)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn synonym_exchange_keeps_label_positions_and_everything_above(
        (params, seed, index, level, op_seed) in case(true)
    ) {
        let (rules, datum) = datum_of(&params, seed, index);
        let moved = transform_datum(&rules, &datum, Operator::synonym(level), op_seed, 0).unwrap();
        prop_assert_eq!(moved.label(), datum.label());
        prop_assert_eq!(moved.input_positions(&params), datum.input_positions(&params));
        for l in 1..=params.levels {
            prop_assert_eq!(moved.slots(l).unwrap(), datum.slots(l).unwrap(), "positions at level {}", l);
        }
        for above in level + 1..=params.levels {
            prop_assert_eq!(moved.productions(above).unwrap(), datum.productions(above).unwrap());
        }
        // Every level-l production is swapped for another one of the same parent.
        let (before, after) = (datum.productions(level).unwrap(), moved.productions(level).unwrap());
        prop_assert!(before.iter().zip(after).all(|(b, a)| b != a), "{:?} -> {:?}", before, after);
        // Latent symbols at levels l+1 … L (and the class) are identical; level l changed.
        let (sym_before, sym_after) = (datum.symbols(&rules), moved.symbols(&rules));
        prop_assert_eq!(&sym_before[level as usize..], &sym_after[level as usize..]);
        prop_assert_ne!(&sym_before[level as usize - 1], &sym_after[level as usize - 1]);
    }

    #[test]
    fn pure_diffeo_moves_only_level_l_positions_and_keeps_every_feature(
        (params, seed, index, level, op_seed) in case(false)
    ) {
        let (rules, datum) = datum_of(&params, seed, index);
        let moved = transform_datum(&rules, &datum, Operator::diffeo(level), op_seed, 0).unwrap();
        prop_assert_eq!(moved.label(), datum.label());
        prop_assert_eq!(moved.symbols(&rules), datum.symbols(&rules));
        for l in 1..=params.levels {
            prop_assert_eq!(moved.productions(l).unwrap(), datum.productions(l).unwrap());
            if l != level {
                prop_assert_eq!(moved.slots(l).unwrap(), datum.slots(l).unwrap(), "level {}", l);
            }
        }
        // Every level-l patch is rearranged.
        let s = params.patch as usize;
        let before = datum.slots(level).unwrap().chunks(s);
        let after = moved.slots(level).unwrap().chunks(s);
        prop_assert!(before.zip(after).all(|(b, a)| b != a));
        // Same left-to-right informative sequence; at least one position moved, and only
        // inside its level-l patch region.
        let (t0, t1) = (datum.tokens(&rules), moved.tokens(&rules));
        let seq = |t: &[i32]| t.iter().copied().filter(|&x| x != BLANK).collect::<Vec<_>>();
        prop_assert_eq!(seq(&t0), seq(&t1));
        let (p0, p1) = (datum.input_positions(&params), moved.input_positions(&params));
        prop_assert_ne!(&p0, &p1);
        let width = patch_width(&params, level);
        for (a, b) in p0.iter().zip(&p1) {
            prop_assert_eq!(a / width, b / width, "moved out of its level-{} patch", level);
        }
    }

    #[test]
    fn diffeo_at_level_one_moves_single_pixels_within_their_sub_patch(
        (params, seed, index, _level, op_seed) in case(false)
    ) {
        let (rules, datum) = datum_of(&params, seed, index);
        let moved = transform_datum(&rules, &datum, Operator::diffeo(1), op_seed, 0).unwrap();
        let (p0, p1) = (datum.input_positions(&params), moved.input_positions(&params));
        // Sparsity A: a sub-patch is s0+1 slots; sparsity B: the whole patch of s(s0+1).
        let cell = match params.sparsity {
            Sparsity::A { s0 } => s0 as usize + 1,
            _ => params.slots_per_patch() as usize,
        };
        for (a, b) in p0.iter().zip(&p1) {
            prop_assert_eq!(a / cell, b / cell);
        }
        // Single pixels: the region of every level-2 node (if any) is untouched.
        if params.levels >= 2 {
            for l in 2..=params.levels {
                prop_assert_eq!(moved.slots(l).unwrap(), datum.slots(l).unwrap());
            }
        }
    }

    #[test]
    fn redraw_subtree_keeps_everything_above_level_l(
        (params, seed, index, level, op_seed) in case(false)
    ) {
        let (rules, datum) = datum_of(&params, seed, index);
        let op = Operator::Diffeo { level, mode: DiffeoMode::RedrawSubtree };
        let moved = transform_datum(&rules, &datum, op, op_seed, 0).unwrap();
        prop_assert_eq!(moved.label(), datum.label());
        for l in level..=params.levels {
            prop_assert_eq!(moved.productions(l).unwrap(), datum.productions(l).unwrap());
        }
        for l in level + 1..=params.levels {
            prop_assert_eq!(moved.slots(l).unwrap(), datum.slots(l).unwrap());
        }
        let s = params.patch as usize;
        prop_assert!(datum.slots(level).unwrap().chunks(s).zip(moved.slots(level).unwrap().chunks(s)).all(|(b, a)| b != a));
    }

    #[test]
    fn transformed_data_are_data_of_the_same_rules_with_the_same_label(
        (params, seed, index, level, op_seed) in case(true),
        which in 0usize..3,
    ) {
        let (rules, datum) = datum_of(&params, seed, index);
        let op = match which {
            0 => Operator::synonym(level),
            1 => Operator::diffeo(level),
            _ => Operator::Diffeo { level, mode: DiffeoMode::RedrawSubtree },
        };
        prop_assume!(op.check(&params).is_ok());
        let moved = transform_datum(&rules, &datum, op, op_seed, 0).unwrap();
        let tokens = moved.tokens(&rules);
        let parsed = Datum::parse(&rules, &tokens).unwrap();
        prop_assert_eq!(parsed.label(), datum.label());
        prop_assert_eq!(&parsed, &moved);
        // Its one-hot encoding decodes (column by column) to tokens that parse back.
        let row = ndarray::Array2::from_shape_vec((1, tokens.len()), tokens.clone()).unwrap();
        let x = srhm_grammar::encoding::one_hot(row.view(), params.vocab).unwrap();
        let decoded: Vec<i32> = (0..params.input_len())
            .map(|p| (0..params.vocab as usize).find(|&c| x[[0, c, p]] == 1.0).map_or(BLANK, |c| c as i32))
            .collect();
        prop_assert_eq!(x.sum() as usize, params.informative_len());
        prop_assert_eq!(Datum::parse(&rules, &decoded).unwrap().label(), datum.label());
    }

    #[test]
    fn batches_are_deterministic_and_row_for_row(
        params in params_for(false), seed in any::<u64>(), op_seed in any::<u64>(), level_pick in any::<u32>()
    ) {
        let rules = Rules::sample(&params, seed).unwrap();
        let n = params.count_total_u128().unwrap_or(u128::MAX).min(24) as usize;
        let data = Sampler::new(&rules, seed, SamplingMode::Auto).unwrap().sample(n, 0).unwrap();
        let op = Operator::diffeo(1 + level_pick % params.levels);
        let a = transform_tokens(&rules, data.train.tokens.view(), op, op_seed).unwrap();
        let b = transform_tokens(&rules, data.train.tokens.view(), op, op_seed).unwrap();
        prop_assert_eq!(&a, &b);
        for (row, tokens) in data.train.tokens.axis_iter(Axis(0)).enumerate() {
            let datum = Datum::parse(&rules, &tokens.to_vec()).unwrap();
            let expected = transform_datum(&rules, &datum, op, op_seed, row as u64).unwrap().tokens(&rules);
            prop_assert_eq!(a.row(row).to_vec(), expected);
        }
    }

    #[test]
    fn operators_that_cannot_change_anything_are_refused(params in params_for(true), level_pick in any::<u32>()) {
        let level = 1 + level_pick % params.levels;
        let single = Params { synonyms: 1, ..params };
        prop_assert_eq!(Operator::synonym(level).check(&single).unwrap_err().param(), Some("synonyms"));
        let dense = Params { sparsity: Sparsity::A { s0: 0 }, ..params };
        prop_assert_eq!(Operator::diffeo(level).check(&dense).unwrap_err().param(), Some("s0"));
        let plain = Params { sparsity: Sparsity::None, ..params };
        prop_assert_eq!(Operator::diffeo(level).check(&plain).unwrap_err().param(), Some("s0"));
        prop_assert_eq!(Operator::synonym(params.levels + 1).check(&params).unwrap_err().param(), Some("level"));
        prop_assert_eq!(Operator::diffeo(0).check(&params).unwrap_err().param(), Some("level"));
    }
}

#[test]
fn the_new_production_is_uniform_over_the_other_synonyms() {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let params = Params {
        levels: 1,
        patch: 2,
        vocab: 8,
        synonyms: 8,
        classes: 1,
        sparsity: Sparsity::None,
    };
    let rules = Rules::sample(&params, 3).unwrap();
    let mut rng = StdRng::seed_from_u64(4);
    let datum = Datum::random(&params, &mut rng);
    let current = datum.productions(1).unwrap()[0];
    let mut counts = [0f64; 8];
    for row in 0..14_000 {
        let moved = transform_datum(&rules, &datum, Operator::synonym(1), 5, row).unwrap();
        counts[moved.productions(1).unwrap()[0] as usize] += 1.0;
    }
    assert_eq!(counts[current as usize], 0.0);
    let expected = 2_000.0;
    let chi2: f64 = counts
        .iter()
        .enumerate()
        .filter(|&(k, _)| k != current as usize)
        .map(|(_, c)| (c - expected).powi(2) / expected)
        .sum();
    let p = 1.0 - ChiSquared::new(6.0).unwrap().cdf(chi2);
    assert!(p > 1e-3, "chi2 = {chi2}, p = {p}, counts {counts:?}");
}

#[test]
fn rows_that_are_not_data_of_the_rules_are_reported_by_row() {
    let params = Params {
        levels: 2,
        patch: 2,
        vocab: 4,
        synonyms: 2,
        classes: 2,
        sparsity: Sparsity::A { s0: 1 },
    };
    let rules = Rules::sample(&params, 0).unwrap();
    let mut data = Sampler::new(&rules, 0, SamplingMode::Auto)
        .unwrap()
        .sample(5, 0)
        .unwrap();
    data.train.tokens.row_mut(3).fill(BLANK);
    let err =
        transform_tokens(&rules, data.train.tokens.view(), Operator::diffeo(1), 0).unwrap_err();
    assert!(err.to_string().starts_with("row 3:"), "{err}");
    let wrong = ndarray::Array2::from_elem((2, 7), BLANK);
    assert_eq!(
        transform_tokens(&rules, wrong.view(), Operator::diffeo(1), 0)
            .unwrap_err()
            .param(),
        Some("tokens")
    );
}

#[test]
fn operator_names_parse_and_print() {
    let op: Operator = "diffeo:2".parse().unwrap();
    assert_eq!(op, Operator::diffeo(2));
    assert_eq!(op.column_name(), "diffeo_l2");
    assert_eq!(
        "synonym:1".parse::<Operator>().unwrap().column_name(),
        "synonym_l1"
    );
    for bad in ["diffeo", "swap:1", "diffeo:x", ""] {
        assert_eq!(
            bad.parse::<Operator>().unwrap_err().param(),
            Some("pairs"),
            "{bad}"
        );
    }
}
