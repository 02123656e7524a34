//! Training throughput of the networks of Fig. 4's `laptop` preset, side by side with the
//! strongest PyTorch-eager peer: an ensemble of the same E networks written with batched
//! matrix products.
//!
//! `cargo bench --bench ensemble_vs_eager` measures, with criterion,
//! `laptop/{lcn,cnn}_L{2,3}_s0-{2,3}`: E = 50 networks of width 64 (a configuration of the
//! preset: 10 P × 5 seeds) trained for a fixed number of steps each through
//! `train_ensemble`, as the runner trains them (throughput in networks × steps / s).
//!
//! Then, in the same run, it prints for each network network·steps per second of
//! - ours now (slots of ≈ 4 MiB of weights + momentum, `CPU_GROUP_BYTES`, evened out over E),
//! - ours with the 32 MiB slots of the previous trainer (how the preset trained before),
//! - `benches/reference/train_step_reference.py --members 50`: all 50 networks as one
//!   PyTorch-eager module (weights `[E, …]`, `torch.bmm`, autograd, `torch.optim.SGD`,
//!   as it comes and `fused=True`), on the project's `.venv` Python, 2 threads both,
//!
//! and checks that the eager ensemble's first network takes the same losses as ours for
//! 20 steps (same seed, same minibatches). Every member trains for the same number of
//! steps here; in a real configuration the members' lengths differ by tens of times and
//! the trainer's queue (a stopped member hands its slot on) adds to these ratios.

mod common;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use common::time_median;
use criterion::{Criterion, Throughput};
use srhm_grammar::{Params, Sparsity};
use srhm_models::tch::{self, Device, Tensor};
use srhm_models::{
    Architecture, Ensemble, LabelledSet, MemberSpec, NetConfig, Sgd, TrainConfig, train_ensemble,
};

const MEMBERS: usize = 50;
const WIDTH: u32 = 64;
const ROWS: usize = 4_000;
const BATCH: i64 = 4;
/// SPEC §4's rate for s = 2 (before the mean-field × H).
const LR: f64 = 0.01;
const CHECK_STEPS: usize = 20;
/// The previous trainer's working set per group.
const OLD_GROUP_BYTES: u64 = 32 << 20;

struct Case {
    name: &'static str,
    architecture: Architecture,
    params: Params,
    /// Steps per member in a timed training.
    steps: usize,
}

fn srhm(levels: u32, vocab: u32, s0: u32) -> Params {
    Params {
        levels,
        patch: 2,
        vocab,
        synonyms: vocab,
        classes: vocab,
        sparsity: Sparsity::A { s0 },
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (architecture, model) in [(Architecture::Lcn, "lcn"), (Architecture::Cnn, "cnn")] {
        for (name, params, steps) in [
            ("L3_s0-3", srhm(3, 3, 3), 20),
            ("L3_s0-2", srhm(3, 3, 2), 40),
            ("L2_s0-2", srhm(2, 6, 2), 100),
        ] {
            cases.push(Case {
                name: Box::leak(format!("{model}_{name}").into_boxed_str()),
                architecture,
                params,
                steps,
            });
        }
    }
    cases
}

/// E networks trained for `steps` steps each through the trainer.
fn train_for(case: &Case, data: &LabelledSet, group_bytes: Option<u64>) {
    let net = NetConfig::for_data(case.architecture, &case.params, WIDTH);
    let config = TrainConfig {
        lr: LR,
        loss_threshold: f64::MIN_POSITIVE,
        max_steps: case.steps as u64,
        group_bytes,
        ..TrainConfig::default()
    };
    let members: Vec<MemberSpec> = (0..MEMBERS as u64)
        .map(|seed| MemberSpec {
            seed,
            set: 0,
            train_size: ROWS,
        })
        .collect();
    let (_, results) = train_ensemble(
        net,
        &config,
        &members,
        std::slice::from_ref(data),
        None,
        Device::Cpu,
        &mut |_| {},
    )
    .unwrap();
    assert!(results.iter().all(|r| r.steps == case.steps as u64));
}

/// Our network of seed 0 alone, stepping through rows (t·B … t·B+B−1) mod P as the
/// reference does: its losses.
fn our_losses(case: &Case, data: &LabelledSet) -> Vec<f64> {
    let net = NetConfig::for_data(case.architecture, &case.params, WIDTH);
    let ensemble = Ensemble::new(net, &[0], Device::Cpu).unwrap();
    let mut sgd = Sgd::new(&ensemble, LR * net.learning_rate_scale(), 0.9).unwrap();
    let size = data.x.size();
    (0..CHECK_STEPS as i64)
        .map(|t| {
            let rows: Vec<i64> = (0..BATCH).map(|i| (t * BATCH + i) % ROWS as i64).collect();
            let rows = Tensor::from_slice(&rows);
            let x = data
                .x
                .index_select(0, &rows)
                .view([1, BATCH, size[1], size[2]]);
            let y = data.y.index_select(0, &rows).view([1, BATCH]);
            sgd.step(&ensemble, &x, &y).double_value(&[0])
        })
        .collect()
}

/// (µs per step of the E-network eager ensemble, its first network's losses).
fn eager(case: &Case, data_file: &Path, fused: bool) -> Result<(f64, Vec<f64>), String> {
    let run = common::EagerSteps {
        model: match case.architecture {
            Architecture::Lcn => "lcn",
            _ => "cnn",
        },
        width: WIDTH,
        lr: LR,
        threads: 2,
        members: MEMBERS,
        check_steps: CHECK_STEPS,
        time_steps: (case.steps / 2).max(5),
        repeats: 3,
        fused,
    };
    let timing = common::eager_train_step(data_file, ROWS, &case.params, &run)?;
    Ok((timing.us_per_step, timing.losses))
}

fn main() {
    tch::set_num_threads(2);
    let cases = cases();
    let prepared: Vec<(LabelledSet, Vec<i32>)> = cases
        .iter()
        .map(|c| common::labelled_data(&c.params, ROWS))
        .collect();
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("laptop");
    for (case, (set, _)) in cases.iter().zip(&prepared) {
        group.throughput(Throughput::Elements((MEMBERS * case.steps) as u64));
        group.bench_function(case.name, |b| b.iter(|| train_for(case, set, None)));
    }
    group.finish();
    criterion.final_summary();

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(dir).unwrap();
    println!(
        "\nFig. 4 laptop nets, E = {MEMBERS} networks of width {WIDTH}, 2 threads: networks × steps / s"
    );
    println!(
        "{:<10} {:>9} {:>12} {:>9} {:>9} {:>8} {:>8} {:>11}",
        "network", "ours", "ours 32MiB", "eager", "fused", "/eager", "/best", "max |Δloss|"
    );
    let mut mismatches = Vec::new();
    for (case, (set, raw)) in cases.iter().zip(&prepared) {
        let rate = |group_bytes| {
            (MEMBERS * case.steps) as f64
                / time_median(3, |_| {
                    train_for(case, set, group_bytes);
                    black_box(());
                })
        };
        let (now, before) = (rate(None), rate(Some(OLD_GROUP_BYTES)));
        let data_file = dir.join(format!("srhm-laptop-{}.bin", case.name));
        let bytes: Vec<u8> = raw.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(&data_file, bytes).unwrap();
        let ours = our_losses(case, set);
        match (
            eager(case, &data_file, false),
            eager(case, &data_file, true),
        ) {
            (Ok((plain_us, losses)), Ok((fused_us, _))) => {
                let gap = ours
                    .iter()
                    .zip(&losses)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                if losses.len() != CHECK_STEPS || gap > 1e-4 {
                    mismatches.push(format!("{}: ours {ours:?}, eager {losses:?}", case.name));
                }
                let (plain, fused) = (
                    MEMBERS as f64 * 1e6 / plain_us,
                    MEMBERS as f64 * 1e6 / fused_us,
                );
                println!(
                    "{:<10} {now:>9.0} {before:>12.0} {plain:>9.0} {fused:>9.0} {:>7.2}x {:>7.2}x {gap:>11.1e}",
                    case.name,
                    now / plain,
                    now / plain.max(fused)
                );
            }
            (plain, fused) => {
                println!(
                    "{:<10} {now:>9.0} {before:>12.0}   reference failed",
                    case.name
                );
                for e in [plain.err(), fused.err()].into_iter().flatten() {
                    eprintln!("{e}");
                }
            }
        }
        std::fs::remove_file(&data_file).ok();
    }
    println!("(/best: ours over the faster of the two eager optimisers)");
    assert!(
        mismatches.is_empty(),
        "ours and the eager ensemble disagree on the losses:\n{}",
        mismatches.join("\n")
    );
}
