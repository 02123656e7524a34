//! Training-step speed of srhm-models on the CPU, side by side with PyTorch eager.
//!
//! `cargo bench --bench train_step` measures, with criterion:
//! - `train_step/{lcn,cnn}_w{64,512}_t{1,2}`: one SGD step (batch 4, L=2, s=2, s0=2,
//!   v=m=nc=10) of a single network, on 1 and 2 threads;
//! - `ensemble/w{64,512}_E{1,8,32}`: one step of E networks at once (throughput in
//!   networks × steps / s);
//! - `memory/copy_{64MiB,7MiB}_t{1,2}`: tensor copies, the machine's bandwidth from
//!   memory and from cache.
//!
//! Then, in the same run, it times `benches/reference/train_step_reference.py` (the same
//! network, initialisation and minibatches in PyTorch eager, on the project's `.venv`
//! Python) with `torch.optim.SGD` as it comes and with `fused=True`, checks that both
//! implementations produce the same losses for 20 steps, and prints the ratios, the
//! ensemble speed-ups and each step's bytes moved against the measured bandwidth.

mod common;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::time_median;
use criterion::{Criterion, Throughput};
use srhm_grammar::Params;
use srhm_models::tch::{self, Device, Kind, Tensor};
use srhm_models::{
    Architecture, Ensemble, LabelledSet, MemberResult, MemberSpec, NetConfig, Sgd, TrainConfig,
    train_ensemble,
};

const ROWS: usize = 10_000;
const BATCH: i64 = 4;
const LR: f64 = 0.003;
const CHECK_STEPS: usize = 20;
/// Steps per timed repeat in the side-by-side table (as the reference script does).
const TIMED_STEPS: usize = 200;

fn params() -> Params {
    common::l2_s0_2_v10()
}

/// One network (or E) and its optimiser, stepping through the data in a fixed order:
/// step t of member e uses rows (t·B … t·B+B−1) mod P, as the reference does.
struct Stepper<'a> {
    ensemble: Ensemble,
    sgd: Sgd,
    data: &'a LabelledSet,
    step: i64,
}

impl<'a> Stepper<'a> {
    fn new(architecture: Architecture, width: u32, members: usize, data: &'a LabelledSet) -> Self {
        let net = NetConfig::for_data(architecture, &params(), width);
        let seeds: Vec<u64> = (0..members as u64).collect();
        let ensemble = Ensemble::new(net, &seeds, Device::Cpu).unwrap();
        let sgd = Sgd::new(&ensemble, LR * net.learning_rate_scale(), 0.9).unwrap();
        Stepper {
            ensemble,
            sgd,
            data,
            step: 0,
        }
    }

    fn step(&mut self) -> Tensor {
        let e = self.ensemble.members() as i64;
        let rows: Vec<i64> = (0..e * BATCH)
            .map(|i| (self.step * BATCH + i % BATCH) % ROWS as i64)
            .collect();
        let rows = Tensor::from_slice(&rows);
        self.step += 1;
        let size = self.data.x.size();
        let x = self
            .data
            .x
            .index_select(0, &rows)
            .view([e, BATCH, size[1], size[2]]);
        let y = self.data.y.index_select(0, &rows).view([e, BATCH]);
        self.sgd.step(&self.ensemble, &x, &y)
    }

    /// Bytes read or written per step (see `Sgd`): 9 passes over every weight but the
    /// first layer's (8: no input gradient), for each member.
    fn weight_numel(&self) -> i64 {
        let weights = self.ensemble.weights();
        weights
            .iter()
            .map(|w| w.size().iter().product::<i64>())
            .sum()
    }

    fn bytes_per_step(&self) -> f64 {
        let weights = self.ensemble.weights();
        let numel = |t: &Tensor| t.size().iter().product::<i64>() as f64;
        let passes: f64 = weights
            .iter()
            .enumerate()
            .map(|(i, w)| numel(w) * if i == 0 { 8.0 } else { 9.0 })
            .sum();
        4.0 * passes
    }
}

fn training_data() -> (LabelledSet, Vec<i32>) {
    common::labelled_data(&params(), ROWS)
}

/// Runs the PyTorch-eager script on the same data, or says why not.
fn reference(
    data_file: &Path,
    model: &'static str,
    width: u32,
    threads: i32,
    fused: bool,
) -> Result<common::EagerTiming, String> {
    let run = common::EagerSteps {
        model,
        width,
        lr: LR,
        threads,
        members: 0,
        check_steps: CHECK_STEPS,
        time_steps: TIMED_STEPS,
        repeats: 5,
        fused,
    };
    common::eager_train_step(data_file, ROWS, &params(), &run)
}

/// µs per step of ours, measured like the reference: median over 5 repeats of the
/// mean over TIMED_STEPS steps.
fn our_us_per_step(stepper: &mut Stepper) -> f64 {
    1e6 * time_median(5, |_| {
        for _ in 0..TIMED_STEPS {
            let _ = black_box(stepper.step());
        }
    }) / TIMED_STEPS as f64
}

fn model_name(architecture: Architecture) -> &'static str {
    match architecture {
        Architecture::Lcn => "lcn",
        Architecture::Cnn => "cnn",
        Architecture::Fcn => "fcn",
    }
}

const SINGLE: [(Architecture, u32); 4] = [
    (Architecture::Lcn, 64),
    (Architecture::Lcn, 512),
    (Architecture::Cnn, 64),
    (Architecture::Cnn, 512),
];
const THREADS: [i32; 2] = [1, 2];
const MEMBERS: [usize; 3] = [1, 8, 32];

fn main() {
    let (data, raw) = training_data();
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();

    let mut group = criterion.benchmark_group("train_step");
    for threads in THREADS {
        tch::set_num_threads(threads);
        for (architecture, width) in SINGLE {
            let mut stepper = Stepper::new(architecture, width, 1, &data);
            let name = format!("{}_w{width}_t{threads}", model_name(architecture));
            group.bench_function(name, |b| b.iter(|| black_box(stepper.step())));
        }
    }
    group.finish();

    tch::set_num_threads(2);
    let mut group = criterion.benchmark_group("ensemble");
    for width in [64, 512] {
        for members in MEMBERS {
            let steps = ensemble_steps(width);
            group.throughput(Throughput::Elements((members * steps) as u64));
            group.bench_function(format!("lcn_w{width}_E{members}"), |b| {
                b.iter(|| train_for(&data, width, members, steps, None))
            });
        }
    }
    group.finish();

    let mut group = criterion.benchmark_group("memory");
    // A copy reads and writes every byte once: 64 MiB streams from memory; 7 MiB (the
    // weights of the width-512 LCN) stays in cache, like a step's working set.
    for (name, numel) in [("64MiB", 16 << 20), ("7MiB", 7 << 18)] {
        let source = Tensor::ones([numel], (Kind::Float, Device::Cpu));
        let mut target = source.zeros_like();
        group.throughput(Throughput::Bytes(2 * 4 * numel as u64));
        for threads in THREADS {
            tch::set_num_threads(threads);
            group.bench_function(format!("copy_{name}_t{threads}"), |b| {
                b.iter(|| {
                    target.copy_(&source);
                    black_box(&target);
                })
            });
        }
    }
    group.finish();
    criterion.final_summary();

    side_by_side(&data, &raw);
}

fn side_by_side(data: &LabelledSet, raw: &[i32]) {
    let dir = tempfile_dir();
    let data_file = dir.join("srhm-train-step-data.bin");
    let bytes: Vec<u8> = raw.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&data_file, bytes).unwrap();

    println!(
        "\nside by side with PyTorch eager (same network, seed and minibatches; µs per step):"
    );
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>7} {:>7} {:>11} {:>9}",
        "config", "ours", "eager", "fused", "ours/e", "ours/f", "max |Δloss|", "% of bw"
    );
    let mut mismatches = Vec::new();
    for threads in THREADS {
        tch::set_num_threads(threads);
        println!(
            "(memory bandwidth, {threads} thread(s): {:.1} GB/s copying 64 MiB)",
            copy_bandwidth(16 << 20) / 1e9
        );
        for (architecture, width) in SINGLE {
            let model = model_name(architecture);
            let name = format!("{model}_w{width}_t{threads}");
            let mut check = Stepper::new(architecture, width, 1, data);
            let ours_losses: Vec<f64> = (0..CHECK_STEPS)
                .map(|_| check.step().double_value(&[0]))
                .collect();
            let mut stepper = Stepper::new(architecture, width, 1, data);
            let ours = our_us_per_step(&mut stepper);
            let bound_us = 1e6 * stepper.bytes_per_step() / copy_bandwidth(stepper.weight_numel());
            let eager = reference(&data_file, model, width, threads, false);
            let fused = reference(&data_file, model, width, threads, true);
            match (eager, fused) {
                (Ok(eager), Ok(fused)) => {
                    let gap = ours_losses
                        .iter()
                        .zip(&eager.losses)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f64::max);
                    if eager.losses.len() != CHECK_STEPS || gap > 1e-4 {
                        mismatches.push(format!(
                            "{name}: ours {ours_losses:?}, eager {:?}",
                            eager.losses
                        ));
                    }
                    println!(
                        "{name:<16} {ours:>9.0} {:>9.0} {:>9.0} {:>7.2} {:>7.2} {gap:>11.1e} {:>8.0}%",
                        eager.us_per_step,
                        fused.us_per_step,
                        ours / eager.us_per_step,
                        ours / fused.us_per_step,
                        100.0 * bound_us / ours
                    );
                }
                (eager, fused) => {
                    println!("{name:<16} {ours:>9.0}   reference failed");
                    for e in [eager.err(), fused.err()].into_iter().flatten() {
                        eprintln!("{e}");
                    }
                }
            }
        }
    }
    println!(
        "(% of bw: time to move the step's weight traffic at the copy bandwidth measured at the size of the weights, over the step's time)"
    );

    tch::set_num_threads(2);
    println!("\nensembles through the trainer, LCN, 2 threads (networks × steps / s):");
    println!(
        "{:<6} {:>4} {:>12} {:>8} {:>16} {:>8}",
        "width", "E", "grouped", "vs E=1", "all in lock step", "vs E=1"
    );
    for width in [64, 512] {
        let steps = ensemble_steps(width);
        let rate = |members: usize, group_bytes: Option<u64>| {
            (members * steps) as f64
                / time_median(3, |_| {
                    black_box(train_for(data, width, members, steps, group_bytes));
                })
        };
        let alone = rate(1, None);
        for members in MEMBERS {
            let (grouped, lock_step) = (rate(members, None), rate(members, Some(u64::MAX)));
            println!(
                "{width:<6} {members:>4} {grouped:>12.0} {:>7.2}x {lock_step:>16.0} {:>7.2}x",
                grouped / alone,
                lock_step / alone
            );
        }
    }
    std::fs::remove_file(&data_file).ok();
    assert!(
        mismatches.is_empty(),
        "ours and PyTorch disagree on the losses:\n{}",
        mismatches.join("\n")
    );
}

/// Steps per member in an ensemble measurement (fewer for wide networks: same time).
fn ensemble_steps(width: u32) -> usize {
    if width >= 512 { 20 } else { 200 }
}

/// Trains E LCNs of `width` for exactly `steps` steps each through `train_ensemble`.
fn train_for(
    data: &LabelledSet,
    width: u32,
    members: usize,
    steps: usize,
    group_bytes: Option<u64>,
) -> Vec<MemberResult> {
    let net = NetConfig::for_data(Architecture::Lcn, &params(), width);
    let config = TrainConfig {
        lr: LR,
        loss_threshold: f64::MIN_POSITIVE,
        max_steps: steps as u64,
        group_bytes,
        ..TrainConfig::default()
    };
    let specs: Vec<MemberSpec> = (0..members as u64)
        .map(|seed| MemberSpec {
            seed,
            set: 0,
            train_size: ROWS,
        })
        .collect();
    let (_, results) = train_ensemble(
        net,
        &config,
        &specs,
        std::slice::from_ref(data),
        None,
        Device::Cpu,
        &mut |_| {},
    )
    .unwrap();
    assert!(results.iter().all(|r| r.steps == steps as u64));
    results
}

/// Bytes per second of copying `numel` floats (read + write), at the current thread count.
fn copy_bandwidth(numel: i64) -> f64 {
    let source = Tensor::ones([numel], (Kind::Float, Device::Cpu));
    let mut target = source.zeros_like();
    2.0 * 4.0 * numel as f64
        / time_median(15, |_| {
            target.copy_(&source);
            black_box(&target);
        })
}

fn tempfile_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(dir).unwrap();
    dir.to_path_buf()
}
