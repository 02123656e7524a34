//! Throughput of measuring S_{k,l}, D_{k,l} and D/G (every hidden layer and the output,
//! both levels) on a trained L = 2 LCN over a 10 000-point test set.
//!
//! `cargo bench --bench sensitivities`. The network (L=2, s=2, s0=2, v=m=nc=10) is
//! trained first for a fixed number of steps; the measured call is
//! `srhm_runner::sensitivities`, which transforms the test set with p_l and τ_l on the
//! latent trees, runs the forward passes and forms the ratios.

mod common;

use std::time::Duration;

use criterion::{Criterion, Throughput};
use srhm_grammar::{Rules, Sampler, SamplingMode};
use srhm_models::tch::{self, Device};
use srhm_models::{Architecture, MemberSpec, NetConfig, TrainConfig, train_ensemble};
use srhm_runner::{InputFormat, SensitivityConfig, sensitivities};

const TEST: usize = 10_000;

fn main() {
    tch::set_num_threads(2);
    let params = common::l2_s0_2_v10();
    let rules = Rules::sample(&params, 0).unwrap();
    let data = Sampler::new(&rules, 0, SamplingMode::Auto)
        .unwrap()
        .sample(20_000, TEST)
        .unwrap();
    let format = InputFormat::default();
    let train = format
        .labelled(
            data.train.tokens.view(),
            &data.train.labels,
            &params,
            Device::Cpu,
        )
        .unwrap();
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    let mut group = criterion.benchmark_group("sensitivities");
    group.throughput(Throughput::Elements(TEST as u64));
    for width in [64, 512] {
        let net = NetConfig::for_data(Architecture::Lcn, &params, width);
        let config = TrainConfig {
            lr: 0.01,
            max_steps: 3_000,
            ..TrainConfig::default()
        };
        let member = MemberSpec {
            seed: 0,
            set: 0,
            train_size: 20_000,
        };
        let (ensemble, _) = train_ensemble(
            net,
            &config,
            &[member],
            std::slice::from_ref(&train),
            None,
            Device::Cpu,
            &mut |_| {},
        )
        .unwrap();
        group.bench_function(format!("lcn_w{width}_test10k"), |b| {
            b.iter(|| {
                sensitivities(
                    &ensemble,
                    &rules,
                    &data.test,
                    format,
                    &SensitivityConfig::default(),
                )
                .unwrap()
            })
        });
    }
    group.finish();
    criterion.final_summary();
}
