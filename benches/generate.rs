//! Generation throughput: one-hot training data per second, from nothing (rules
//! sampled, data drawn without duplicates, one-hot encoded).
//!
//! `cargo bench --bench generate` measures ours with criterion; with
//! `SRHM_REFERENCE_REPO` set (see `common`), it then times the authors' reference
//! generator on the same parameters in the same run and prints the ratio.

mod common;

use std::hint::black_box;

use common::{P, configs, time_median};
use criterion::{Criterion, Throughput};
use srhm_grammar::encoding::one_hot;
use srhm_grammar::{Params, Rules, Sampler, SamplingMode};

fn generate_one_hot(params: &Params, seed: u64, p: usize) -> usize {
    let rules = Rules::sample(params, seed).unwrap();
    let data = Sampler::new(&rules, seed, SamplingMode::Auto)
        .unwrap()
        .sample(p, 0)
        .unwrap();
    let x = one_hot(data.train.tokens.view(), params.vocab).unwrap();
    black_box(&x);
    x.len()
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("generate_onehot");
    group.throughput(Throughput::Elements(P as u64));
    for (name, params) in configs() {
        let mut seed = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                seed += 1;
                generate_one_hot(&params, seed, P)
            })
        });
    }
    group.finish();
    criterion.final_summary();

    let Some(repo) = common::reference_repo() else {
        return;
    };
    common::print_header("one-hot samples generated");
    for (name, params) in configs() {
        let ours = P as f64
            / time_median(9, |i| {
                black_box(generate_one_hot(&params, i as u64, P));
            });
        common::print_row(name, ours, common::reference_rate(&repo, &params, None));
    }
}
