//! Transformed pairs per second: for data already drawn, the transformed copy of
//! each datum (parse to the latent tree, apply p_l or τ_l, re-encode as one-hot).
//!
//! With `SRHM_REFERENCE_REPO` set (see `common`), the reference's way of making
//! transformed data (regenerating the dataset with layer seeds reset) is timed on
//! the same parameters in the same run.

mod common;

use std::hint::black_box;

use common::{P, configs, time_median};
use criterion::{Criterion, Throughput};
use srhm_grammar::encoding::one_hot;
use srhm_grammar::{Dataset, Params, Rules, Sampler, SamplingMode};
use srhm_transforms::{Operator, transform_rows};

fn transformed_one_hot(rules: &Rules, data: &Dataset, operator: Operator, seed: u64) -> usize {
    let split = &data.train;
    let moved = transform_rows(rules, split.tokens.view(), &split.indices, operator, seed).unwrap();
    let x = one_hot(moved.view(), rules.params().vocab).unwrap();
    black_box(&x);
    x.len()
}

fn setup(params: &Params) -> (Rules, Dataset) {
    let rules = Rules::sample(params, 0).unwrap();
    let data = Sampler::new(&rules, 0, SamplingMode::Auto)
        .unwrap()
        .sample(P, 0)
        .unwrap();
    (rules, data)
}

fn operators(params: &Params) -> [Operator; 3] {
    [
        Operator::synonym(1),
        Operator::diffeo(1),
        Operator::diffeo(params.levels),
    ]
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("transform_onehot");
    group.throughput(Throughput::Elements(P as u64));
    for (name, params) in configs() {
        let (rules, data) = setup(&params);
        for operator in operators(&params) {
            let mut seed = 0;
            group.bench_function(format!("{name}/{operator}"), |b| {
                b.iter(|| {
                    seed += 1;
                    transformed_one_hot(&rules, &data, operator, seed)
                })
            });
        }
    }
    group.finish();
    criterion.final_summary();

    let Some(repo) = common::reference_repo() else {
        return;
    };
    common::print_header("transformed one-hot data");
    for (name, params) in configs() {
        let (rules, data) = setup(&params);
        for operator in operators(&params) {
            let ours = P as f64
                / time_median(9, |i| {
                    black_box(transformed_one_hot(&rules, &data, operator, i as u64));
                });
            let reference = common::reference_rate(&repo, &params, Some(&operator.to_string()));
            common::print_row(&format!("{name}/{operator}"), ours, reference);
        }
    }
}
