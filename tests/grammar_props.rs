//! Properties of the generator, each checked over hundreds of random parameter sets.

use std::collections::HashSet;

use ndarray::Axis;
use num_bigint::BigUint;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use srhm_grammar::encoding::{Encoding, Layout2d, encode, whitened_values};
use srhm_grammar::{BLANK, Datum, GrammarError, Params, Rules, Sampler, SamplingMode, Sparsity};

mod common;

/// Valid parameters small enough to sample thousands of data quickly.
fn small_params(max_input: usize) -> impl Strategy<Value = Params> {
    common::params_up_to(3, 1, 2, max_input)
}

/// Parameters whose whole data space is small enough to enumerate by brute force.
fn tiny_params() -> impl Strategy<Value = Params> {
    small_params(64).prop_filter("space too large", |p| {
        p.count_total_u128().is_some_and(|n| n <= 3000)
    })
}

/// Both exact algorithms: `Auto` is the permutation whenever the space allows it.
fn modes() -> impl Strategy<Value = SamplingMode> {
    prop_oneof![Just(SamplingMode::Auto), Just(SamplingMode::Rejection)]
}

/// Every input that the rules can produce, built recursively from the rules alone
/// (independently of the generator's tree code): the brute-force reference.
fn enumerate_inputs(rules: &Rules) -> HashSet<Vec<i32>> {
    let params = rules.params();
    let slots = params.slots_per_patch() as usize;
    let s = params.patch as usize;
    // All allowed slot choices of one production's children.
    let mut arrangements: Vec<Vec<usize>> = vec![vec![]];
    for k in 0..s {
        let mut next = Vec::new();
        for partial in &arrangements {
            for slot in 0..slots {
                let ok = match params.sparsity {
                    Sparsity::None => slot == k,
                    Sparsity::A { s0 } => slot / (s0 as usize + 1) == k,
                    Sparsity::B { .. } => partial.last().is_none_or(|&last| slot > last),
                };
                if ok {
                    let mut p = partial.clone();
                    p.push(slot);
                    next.push(p);
                }
            }
        }
        arrangements = next;
    }
    fn blocks(
        rules: &Rules,
        level: u32,
        symbol: u32,
        arrangements: &[Vec<usize>],
        slots: usize,
    ) -> Vec<Vec<i32>> {
        if level == 0 {
            return vec![vec![symbol as i32]];
        }
        let width = slots.pow(level - 1);
        let level_rules = rules.level(level).unwrap();
        let mut out = Vec::new();
        for production in 0..rules.params().synonyms {
            let children = level_rules.production(symbol, production);
            let child_blocks: Vec<Vec<Vec<i32>>> = children
                .iter()
                .map(|&c| blocks(rules, level - 1, c, arrangements, slots))
                .collect();
            for arrangement in arrangements {
                let mut partial = vec![vec![BLANK; width * slots]];
                for (k, options) in child_blocks.iter().enumerate() {
                    let mut next = Vec::new();
                    for base in &partial {
                        for block in options {
                            let mut b = base.clone();
                            b[arrangement[k] * width..(arrangement[k] + 1) * width]
                                .copy_from_slice(block);
                            next.push(b);
                        }
                    }
                    partial = next;
                }
                out.extend(partial);
            }
        }
        out
    }
    (0..params.classes)
        .flat_map(|class| blocks(rules, params.levels, class, &arrangements, slots))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn productions_are_disjoint_with_m_per_symbol(params in small_params(4096), seed in any::<u64>()) {
        let rules = Rules::sample(&params, seed).unwrap();
        for level in 1..=params.levels {
            let level_rules = rules.level(level).unwrap();
            let expected_parents = if level == params.levels { params.classes } else { params.vocab };
            prop_assert_eq!(level_rules.parents(), expected_parents);
            let mut owner = std::collections::HashMap::new();
            let mut per_parent = vec![HashSet::new(); expected_parents as usize];
            for (parent, production, children) in level_rules.iter() {
                prop_assert_eq!(children.len(), params.patch as usize);
                prop_assert!(children.iter().all(|&c| c < params.vocab));
                prop_assert!(owner.insert(children.to_vec(), parent).is_none(), "tuple {:?} has two owners", children);
                per_parent[parent as usize].insert(production);
            }
            for productions in per_parent {
                prop_assert_eq!(productions.len(), params.synonyms as usize);
            }
        }
    }

    #[test]
    fn same_seeds_give_identical_data(params in small_params(512), rules_seed in any::<u64>(), sample_seed in any::<u64>(), mode in modes()) {
        let (a, b) = (Rules::sample(&params, rules_seed).unwrap(), Rules::sample(&params, rules_seed).unwrap());
        let n = params.count_total_u128().unwrap_or(u128::MAX).min(40) as usize;
        let (train, test) = (n / 2, n - n / 2);
        let da = Sampler::new(&a, sample_seed, mode).unwrap().sample(train, test).unwrap();
        let db = Sampler::new(&b, sample_seed, mode).unwrap().sample(train, test).unwrap();
        prop_assert_eq!(da, db);
    }

    #[test]
    fn parsing_recovers_the_tree_and_only_its_label(params in small_params(2048), seed in any::<u64>(), index in any::<u64>(), mode in modes()) {
        let rules = Rules::sample(&params, seed).unwrap();
        let sampler = Sampler::new(&rules, seed ^ 1, mode).unwrap();
        let index = match params.count_total_u128() {
            Some(n) if sampler.mode() == SamplingMode::Permutation => (index as u128 % n) as u64,
            _ => index,
        };
        let datum = sampler.datum(index).unwrap();
        let tokens = datum.tokens(&rules);
        let parsed = Datum::parse(&rules, &tokens).unwrap();
        prop_assert_eq!(parsed.label(), datum.label());
        prop_assert_eq!(&parsed, &datum);
        // Only that label: the top patch's tuple belongs to one class and no other.
        let top = &datum.symbols(&rules)[params.levels as usize - 1];
        let owners: Vec<u32> = rules.level(params.levels).unwrap().iter()
            .filter(|(_, _, children)| *children == top.as_slice())
            .map(|(parent, _, _)| parent)
            .collect();
        prop_assert_eq!(owners, vec![datum.label()]);
    }

    #[test]
    fn sparsity_a_puts_one_child_per_sub_patch_and_blanks_expand_to_blanks(
        params in small_params(4096).prop_filter("A only", |p| matches!(p.sparsity, Sparsity::A { .. })),
        seed in any::<u64>(), index in 0u64..1000,
    ) {
        let rules = Rules::sample(&params, seed).unwrap();
        let datum = Sampler::new(&rules, seed, SamplingMode::Rejection).unwrap().datum(index).unwrap();
        let sub = params.s0() + 1;
        for level in 1..=params.levels {
            for patch in datum.slots(level).unwrap().chunks(params.patch as usize) {
                for (k, &slot) in patch.iter().enumerate() {
                    prop_assert_eq!(slot / sub, k as u32);
                }
            }
        }
        assert_blank_regions_are_blank(&params, &datum.tokens(&rules))?;
    }

    #[test]
    fn sparsity_b_keeps_children_in_order_within_the_patch(
        params in small_params(4096).prop_filter("B only", |p| matches!(p.sparsity, Sparsity::B { .. })),
        seed in any::<u64>(), index in 0u64..1000, mode in modes(),
    ) {
        let rules = Rules::sample(&params, seed).unwrap();
        let index = params.count_total_u128().map_or(index, |n| (index as u128 % n) as u64);
        let datum = Sampler::new(&rules, seed, mode).unwrap().datum(index).unwrap();
        for level in 1..=params.levels {
            for patch in datum.slots(level).unwrap().chunks(params.patch as usize) {
                prop_assert!(patch.windows(2).all(|w| w[0] < w[1]), "{:?}", patch);
                prop_assert!(patch.iter().all(|&slot| slot < params.slots_per_patch()));
            }
        }
        assert_blank_regions_are_blank(&params, &datum.tokens(&rules))?;
    }

    #[test]
    fn exact_counts_equal_brute_force_enumeration(params in tiny_params(), seed in any::<u64>()) {
        let rules = Rules::sample(&params, seed).unwrap();
        let all = enumerate_inputs(&rules);
        prop_assert_eq!(BigUint::from(all.len()), params.count_total());
        prop_assert_eq!(BigUint::from(all.len()) , params.count_per_class() * params.classes);
        // Identifier decoding is a bijection onto that set.
        let decoded: HashSet<Vec<i32>> = (0..all.len() as u64)
            .map(|id| Datum::from_id(&params, id).tokens(&rules))
            .collect();
        prop_assert_eq!(decoded, all);
    }

    #[test]
    fn train_and_test_never_share_a_datum_and_hold_no_duplicates(params in small_params(512), seed in any::<u64>(), mode in modes(), frac in 0.05f64..1.0) {
        let rules = Rules::sample(&params, seed).unwrap();
        let total = params.count_total_u128().unwrap_or(u128::MAX).min(600) as f64;
        let n = ((total * frac) as usize).max(1);
        let test = n / 3;
        let data = Sampler::new(&rules, seed, mode).unwrap().sample(n - test, test).unwrap();
        let rows = |split: &srhm_grammar::Split| split.tokens.axis_iter(Axis(0)).map(|r| r.to_vec()).collect::<Vec<_>>();
        let (train_rows, test_rows) = (rows(&data.train), rows(&data.test));
        let train_set: HashSet<_> = train_rows.iter().cloned().collect();
        let test_set: HashSet<_> = test_rows.iter().cloned().collect();
        prop_assert_eq!(train_set.len(), train_rows.len(), "duplicate in train");
        prop_assert_eq!(test_set.len(), test_rows.len(), "duplicate in test");
        prop_assert!(train_set.is_disjoint(&test_set));
    }

    #[test]
    fn with_replacement_train_and_test_stay_disjoint(params in small_params(512), seed in any::<u64>()) {
        let rules = Rules::sample(&params, seed).unwrap();
        let total = params.count_total_u128().unwrap_or(u128::MAX);
        prop_assume!(total >= 4);
        let test = (total / 2).min(50) as usize;
        let data = Sampler::new(&rules, seed, SamplingMode::Replacement).unwrap().sample(100, test).unwrap();
        prop_assert_eq!(data.train.len(), 100);
        let test_set: HashSet<Vec<i32>> = data.test.tokens.axis_iter(Axis(0)).map(|r| r.to_vec()).collect();
        for row in data.train.tokens.axis_iter(Axis(0)) {
            prop_assert!(!test_set.contains(&row.to_vec()));
        }
    }

    #[test]
    fn each_row_is_regenerated_from_its_index(params in small_params(512), seed in any::<u64>(), mode in modes()) {
        let rules = Rules::sample(&params, seed).unwrap();
        let n = params.count_total_u128().unwrap_or(u128::MAX).min(30) as usize;
        let sampler = Sampler::new(&rules, seed.wrapping_add(7), mode).unwrap();
        let data = sampler.sample(n - n / 3, n / 3).unwrap();
        for split in [&data.train, &data.test] {
            for (i, &index) in split.indices.iter().enumerate() {
                let datum = sampler.datum(index).unwrap();
                prop_assert_eq!(datum.label(), split.labels[i]);
                prop_assert_eq!(datum.tokens(&rules), split.tokens.row(i).to_vec());
            }
        }
    }

    #[test]
    fn test_set_is_independent_of_p_and_training_sets_are_nested(params in small_params(512), seed in any::<u64>(), mode in modes()) {
        let rules = Rules::sample(&params, seed).unwrap();
        let total = params.count_total_u128().unwrap_or(u128::MAX).min(200) as usize;
        prop_assume!(total >= 6);
        let sampler = Sampler::new(&rules, seed, mode).unwrap();
        let test = total / 3;
        let small = sampler.sample((total - test) / 2, test).unwrap();
        let large = sampler.sample(total - test, test).unwrap();
        prop_assert_eq!(&small.test, &large.test);
        prop_assert_eq!(&small.train.indices[..], &large.train.indices[..small.train.len()]);
    }

    #[test]
    fn encodings_agree_with_tokens(params in small_params(512), seed in any::<u64>()) {
        let rules = Rules::sample(&params, seed).unwrap();
        let n = params.count_total_u128().unwrap_or(u128::MAX).min(20) as usize;
        let data = Sampler::new(&rules, seed, SamplingMode::Auto).unwrap().sample(n, 0).unwrap();
        let one_hot = encode(data.train.tokens.view(), params.vocab, Encoding::OneHot).unwrap();
        let whitened = encode(data.train.tokens.view(), params.vocab, Encoding::Whitened).unwrap();
        let (on, off, blank) = whitened_values(params.vocab);
        prop_assert_eq!(one_hot.dim(), (n, params.vocab as usize, params.input_len()));
        for ((i, position), &token) in data.train.tokens.indexed_iter() {
            for channel in 0..params.vocab as usize {
                let hot = token != BLANK && token as usize == channel;
                prop_assert_eq!(one_hot[[i, channel, position]], if hot { 1.0 } else { 0.0 });
                let w = whitened[[i, channel, position]];
                let expected = if token == BLANK { blank } else if hot { on } else { off };
                prop_assert_eq!(w, expected);
            }
        }
        if let Ok(layout) = Layout2d::new(&params) {
            let image = layout.apply(&one_hot).unwrap();
            prop_assert_eq!(image.sum(), one_hot.sum());
            for position in 0..params.input_len() {
                let (r, c) = layout.cell(position);
                for channel in 0..params.vocab as usize {
                    prop_assert_eq!(image[[0, channel, r, c]], one_hot[[0, channel, position]]);
                }
            }
        }
    }

    #[test]
    fn invalid_parameters_are_named(params in small_params(512), which in 0usize..4) {
        let mut bad = params;
        let name = match which {
            0 => { bad.classes = bad.vocab + 1; "classes" }
            1 => { bad.synonyms = (bad.vocab as u64).pow(bad.patch - 1).min(u32::MAX as u64 - 1) as u32 + 1; "synonyms" }
            2 => { bad.levels = 0; "levels" }
            _ => { bad.vocab = 0; "vocab" }
        };
        let err = Rules::sample(&bad, 0).unwrap_err();
        prop_assert_eq!(err.param(), Some(name));
    }

    #[test]
    fn asking_for_too_many_data_reports_the_count(params in tiny_params(), extra in 1usize..5, mode in modes()) {
        let rules = Rules::sample(&params, 3).unwrap();
        let total = params.count_total_u128().unwrap() as usize;
        let err = Sampler::new(&rules, 3, mode).unwrap().sample(total + extra - 1, 1).unwrap_err();
        match &err {
            GrammarError::NotEnoughData { available, .. } => prop_assert_eq!(available, &total.to_string()),
            other => prop_assert!(false, "unexpected {other}"),
        }
        prop_assert!(err.to_string().contains(&total.to_string()));
    }

    #[test]
    fn every_datum_fills_exactly_s_to_the_l_positions(params in small_params(4096), seed in any::<u64>(), index in any::<u64>()) {
        let rules = Rules::sample(&params, seed).unwrap();
        let datum = Sampler::new(&rules, seed, SamplingMode::Rejection).unwrap().datum(index).unwrap();
        let tokens = datum.tokens(&rules);
        prop_assert_eq!(tokens.len(), params.input_len());
        prop_assert_eq!(tokens.iter().filter(|&&t| t != BLANK).count(), params.informative_len());
        let positions = datum.input_positions(&params);
        prop_assert!(positions.windows(2).all(|w| w[0] < w[1]));
    }
}

/// Every slot left blank at some level must be blank over its whole region of the input.
fn assert_blank_regions_are_blank(params: &Params, tokens: &[i32]) -> Result<(), TestCaseError> {
    let slots = params.slots_per_patch() as usize;
    for level in 1..=params.levels {
        let width = slots.pow(level - 1);
        for region in tokens.chunks(width) {
            let informative = region.iter().filter(|&&t| t != BLANK).count();
            // A level-l node's region holds either s^(l−1) informative tokens or none.
            prop_assert!(informative == 0 || informative == (params.patch as usize).pow(level - 1));
        }
    }
    Ok(())
}

#[test]
fn class_frequencies_are_uniform() {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    for (sparsity, mode) in [
        (Sparsity::A { s0: 2 }, SamplingMode::Permutation),
        (Sparsity::B { s0: 1 }, SamplingMode::Rejection),
        (Sparsity::None, SamplingMode::Replacement),
    ] {
        let params = Params {
            levels: 2,
            patch: 2,
            vocab: 10,
            synonyms: 10,
            classes: 10,
            sparsity,
        };
        let rules = Rules::sample(&params, 11).unwrap();
        let data = Sampler::new(&rules, 12, mode)
            .unwrap()
            .sample(20_000, 0)
            .unwrap();
        let mut counts = [0f64; 10];
        for &label in &data.train.labels {
            counts[label as usize] += 1.0;
        }
        let expected = 2_000.0;
        let chi2: f64 = counts
            .iter()
            .map(|c| (c - expected).powi(2) / expected)
            .sum();
        let p_value = 1.0 - ChiSquared::new(9.0).unwrap().cdf(chi2);
        assert!(
            p_value > 1e-3,
            "{sparsity:?} {mode:?}: chi2 = {chi2}, p = {p_value}, counts {counts:?}"
        );
    }
}

#[test]
fn sampling_close_to_the_total_is_exact() {
    let params = Params {
        levels: 2,
        patch: 2,
        vocab: 3,
        synonyms: 3,
        classes: 3,
        sparsity: Sparsity::A { s0: 1 },
    };
    let total = params.count_total_u128().unwrap() as usize; // 3 · (3·4)^3 = 5184
    let rules = Rules::sample(&params, 5).unwrap();
    let data = Sampler::new(&rules, 6, SamplingMode::Auto)
        .unwrap()
        .sample(total - 100, 100)
        .unwrap();
    assert_eq!(data.mode, SamplingMode::Permutation);
    let mut all: HashSet<Vec<i32>> = data
        .train
        .tokens
        .axis_iter(Axis(0))
        .map(|r| r.to_vec())
        .collect();
    all.extend(data.test.tokens.axis_iter(Axis(0)).map(|r| r.to_vec()));
    assert_eq!(all.len(), total);
}

#[test]
fn astronomically_large_spaces_sample_by_rejection() {
    let params = Params {
        levels: 3,
        patch: 4,
        vocab: 16,
        synonyms: 64,
        classes: 16,
        sparsity: Sparsity::A { s0: 1 },
    };
    assert!(
        params
            .count_total_u128()
            .is_none_or(|n| n > u64::MAX as u128)
    );
    let rules = Rules::sample(&params, 1).unwrap();
    let sampler = Sampler::new(&rules, 2, SamplingMode::Auto).unwrap();
    assert_eq!(sampler.mode(), SamplingMode::Rejection);
    let data = sampler.sample(2_000, 500).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (2_000, 500));
    let mut rng = StdRng::seed_from_u64(0);
    let random = Datum::random(&params, &mut rng);
    assert_eq!(
        Datum::parse(&rules, &random.tokens(&rules)).unwrap(),
        random
    );
}
