//! The end-to-end generate path beside the in-memory one: rules drawn, P data sampled
//! without duplicates, then (second bench) written as `srhm generate` writes them
//! (`srhm_store::write_dataset`: fixed-size-list tokens, row groups encoded in parallel).
//! The ratio of the two is what the file costs; `srhm generate`'s own JSON line gives the
//! whole command's wall time (process start-up included) for the README.
//!
//! `cargo bench --bench generate_file`

mod common;

use std::hint::black_box;

use common::l2_s0_2_v10;
use criterion::{Criterion, Throughput};
use srhm_grammar::encoding::{Encoding, Layout};
use srhm_grammar::{Rules, Sampler, SamplingMode};
use srhm_store::{DatasetFile, DatasetMeta, write_dataset};

/// Rows per measured call: a few row groups, enough for the parallel encoder to matter.
const ROWS: usize = 400_000;

fn main() {
    let params = l2_s0_2_v10();
    let sample = |seed: u64| {
        let rules = Rules::sample(&params, seed).unwrap();
        Sampler::new(&rules, seed, SamplingMode::Auto)
            .unwrap()
            .sample(ROWS, 0)
            .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.parquet");
    let mut criterion = Criterion::default().sample_size(10).configure_from_args();
    let mut group = criterion.benchmark_group("generate_file");
    group.throughput(Throughput::Elements(ROWS as u64));
    let mut seed = 0;
    group.bench_function("in_memory", |b| {
        b.iter(|| {
            seed += 1;
            black_box(sample(seed))
        })
    });
    group.bench_function("to_parquet", |b| {
        b.iter(|| {
            seed += 1;
            let dataset = sample(seed);
            let meta = DatasetMeta {
                params,
                rules_seed: seed,
                sample_seed: seed,
                sampling: dataset.mode,
                encoding: Encoding::OneHot,
                layout: Layout::OneD,
                train: ROWS,
                test: 0,
                input_len: params.input_len(),
                count_total: params.count_total().to_string(),
                generator_version: srhm_grammar::VERSION.to_string(),
                pairs: vec![],
            };
            let file = DatasetFile {
                meta,
                dataset,
                pairs: vec![],
            };
            write_dataset(&path, &file, true).unwrap();
        })
    });
    group.finish();
    criterion.final_summary();
}
