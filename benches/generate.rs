//! Generation throughput: one-hot training data per second, from nothing (rules
//! sampled, data drawn without duplicates, one-hot encoded).
//!
//! `cargo bench --bench generate` measures ours with criterion. With
//! `SRHM_REFERENCE_REPO=<checkout of UmbertoTomasini/sparse_hierarchy_model>` (and
//! `SRHM_REFERENCE_PYTHON=<python with torch>`), it then times the authors'
//! reference generator on the same parameters in the same run, and prints the ratio.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use criterion::{Criterion, Throughput};
use srhm_grammar::encoding::one_hot;
use srhm_grammar::{Params, Rules, Sampler, SamplingMode, Sparsity};

/// (name, parameters) of the two configurations of ISSUE 3's bench.
fn configs() -> [(&'static str, Params); 2] {
    [
        (
            "L2_s2_s0-2_v10",
            Params {
                levels: 2,
                patch: 2,
                vocab: 10,
                synonyms: 10,
                classes: 10,
                sparsity: Sparsity::A { s0: 2 },
            },
        ),
        (
            "L3_s2_s0-1_v8",
            Params {
                levels: 3,
                patch: 2,
                vocab: 8,
                synonyms: 8,
                classes: 8,
                sparsity: Sparsity::A { s0: 1 },
            },
        ),
    ]
}

const P: usize = 10_000;

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

fn bench_ours(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate_onehot");
    group.throughput(Throughput::Elements(P as u64));
    for (name, params) in configs() {
        group.bench_function(name, |b| {
            let mut seed = 0;
            b.iter(|| {
                seed += 1;
                generate_one_hot(&params, seed, P)
            })
        });
    }
    group.finish();
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Ours and the reference, timed alternately in this process's run for the same P.
fn side_by_side() {
    let Ok(repo) = std::env::var("SRHM_REFERENCE_REPO") else {
        println!("(set SRHM_REFERENCE_REPO to time the paper's reference generator side by side)");
        return;
    };
    let python = std::env::var("SRHM_REFERENCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/reference/time_reference_generator.py"
    );
    println!("\nside by side, P = {P} one-hot samples, median wall time:");
    println!(
        "{:<16} {:>14} {:>16} {:>8}",
        "config", "ours (1/s)", "reference (1/s)", "ratio"
    );
    for (name, params) in configs() {
        let ours: Vec<f64> = (0..9)
            .map(|seed| {
                let start = Instant::now();
                generate_one_hot(&params, seed, P);
                start.elapsed().as_secs_f64()
            })
            .collect();
        let ours = P as f64 / median(ours);
        let s0 = params.s0().to_string();
        let args = [
            params.levels.to_string(),
            params.patch.to_string(),
            s0,
            params.vocab.to_string(),
            params.synonyms.to_string(),
            params.classes.to_string(),
            P.to_string(),
            "3".into(),
        ];
        let output = Command::new(&python)
            .arg(script)
            .arg(&repo)
            .args(&args)
            .output();
        let reference = match output {
            Ok(o) if o.status.success() => serde_json::from_slice::<serde_json::Value>(&o.stdout)
                .ok()
                .and_then(|v| v["samples_per_s"].as_f64()),
            Ok(o) => {
                eprintln!("reference failed: {}", String::from_utf8_lossy(&o.stderr));
                None
            }
            Err(e) => {
                eprintln!("could not run {python}: {e}");
                None
            }
        };
        match reference {
            Some(r) => println!("{name:<16} {ours:>14.0} {r:>16.0} {:>7.0}x", ours / r),
            None => println!("{name:<16} {ours:>14.0} {:>16} {:>8}", "failed", "-"),
        }
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench_ours(&mut criterion);
    criterion.final_summary();
    side_by_side();
}
