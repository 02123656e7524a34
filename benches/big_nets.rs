//! Training-step speed of the big nets (Fig. 9) beside PyTorch eager.
//!
//! `cargo bench --bench big_nets` measures, with criterion, `big_step/{net}_w{16,64}`:
//! one SGD step (momentum 0.9, lr 1e-4, batch 4, cross-entropy, train mode) of each
//! 1-D VGG11/16, ResNet18/34 and EfficientNet-B0 on one-hot inputs of SPEC §4's bench
//! model (L=2, s=2, s0=2, v=nc=10: d = 36), on 2 threads. Then, in the same run, it
//! times `benches/reference/big_nets_reference.py` (the same networks written in
//! PyTorch, on `.venv`'s Python), checks that both have the same parameter count
//! (the same channel plan), and prints µs per step and the ratio. `SRHM_BENCH_DEVICE=cuda`
//! runs both on the GPU.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::time_median;
use criterion::Criterion;
use srhm_models::tch::nn::{self, Optimizer, OptimizerConfig};
use srhm_models::tch::{self, Device, Kind, Tensor};
use srhm_models::{BigArchitecture, BigConfig, BigNet};

const BATCH: i64 = 4;
const ROWS: i64 = 1024;
const WIDTHS: [u32; 2] = [16, 64];
const THREADS: i32 = 2;
const TIMED_STEPS: usize = 30;

struct Stepper {
    net: BigNet,
    sgd: Optimizer,
    x: Tensor,
    y: Tensor,
    step: i64,
}

impl Stepper {
    fn new(architecture: BigArchitecture, width: u32, device: Device) -> Self {
        let p = common::l2_s0_2_v10();
        let config = BigConfig {
            architecture,
            vocab: p.vocab,
            classes: p.classes,
            width,
        };
        let net = BigNet::new(config, 0, device).unwrap();
        let sgd = nn::Sgd {
            momentum: 0.9,
            ..Default::default()
        }
        .build(net.var_store(), 1e-4)
        .unwrap();
        tch::manual_seed(0);
        let tokens = Tensor::randint(
            i64::from(p.vocab),
            [ROWS, p.input_len() as i64],
            (Kind::Int64, Device::Cpu),
        );
        let x = tokens
            .one_hot(i64::from(p.vocab))
            .to_kind(Kind::Float)
            .to_device(device);
        let y = Tensor::randint(i64::from(p.classes), [ROWS], (Kind::Int64, device));
        Stepper {
            net,
            sgd,
            x,
            y,
            step: 0,
        }
    }

    fn step(&mut self) -> Tensor {
        let start = (self.step * BATCH) % ROWS;
        self.step += 1;
        let loss = self
            .net
            .forward_t(&self.x.narrow(0, start, BATCH), true)
            .cross_entropy_for_logits(&self.y.narrow(0, start, BATCH));
        self.sgd.backward_step(&loss);
        loss
    }

    fn us_per_step(&mut self, device: Device) -> f64 {
        for _ in 0..5 {
            let _ = self.step();
        }
        1e6 * time_median(5, |_| {
            for _ in 0..TIMED_STEPS {
                let _ = black_box(self.step());
            }
            if let Device::Cuda(i) = device {
                tch::Cuda::synchronize(i as i64);
            }
        }) / TIMED_STEPS as f64
    }
}

struct Reference {
    parameters: u64,
    us_per_step: f64,
}

fn reference(architecture: BigArchitecture, width: u32, device: &str) -> Result<Reference, String> {
    let p = common::l2_s0_2_v10();
    let args: Vec<String> = [
        ("--model", architecture.name().to_string()),
        ("--width", width.to_string()),
        ("--vocab", p.vocab.to_string()),
        ("--classes", p.classes.to_string()),
        ("--length", p.input_len().to_string()),
        ("--device", device.to_string()),
        ("--threads", THREADS.to_string()),
        ("--time-steps", TIMED_STEPS.to_string()),
        ("--repeats", "5".to_string()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_string(), value])
    .collect();
    let json = common::reference_json("big_nets_reference.py", &args)?;
    Ok(Reference {
        parameters: json["parameters"].as_u64().ok_or("no parameter count")?,
        us_per_step: json["us_per_step"].as_f64().ok_or("no timing")?,
    })
}

fn main() {
    let device_name = std::env::var("SRHM_BENCH_DEVICE").unwrap_or_else(|_| "cpu".into());
    let device = if device_name == "cuda" {
        Device::Cuda(0)
    } else {
        Device::Cpu
    };
    tch::set_num_threads(THREADS);
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("big_step");
    for architecture in BigArchitecture::ALL {
        for width in WIDTHS {
            let mut stepper = Stepper::new(architecture, width, device);
            let name = format!("{}_w{width}", architecture.name());
            group.bench_function(name, |b| b.iter(|| black_box(stepper.step())));
        }
    }
    group.finish();
    criterion.final_summary();

    println!(
        "\nbig nets, one training step (batch 4, d = 36, v = nc = 10, {THREADS} threads, {device_name}):"
    );
    println!("| net | width | parameters | ours µs | PyTorch eager µs | ours/eager |");
    println!("|---|---|---|---|---|---|");
    for architecture in BigArchitecture::ALL {
        for width in WIDTHS {
            let mut stepper = Stepper::new(architecture, width, device);
            let ours = stepper.us_per_step(device);
            let parameters = stepper.net.parameter_count();
            match reference(architecture, width, &device_name) {
                Ok(r) => {
                    assert_eq!(
                        r.parameters,
                        parameters,
                        "{} w{width}: the reference is not the same network",
                        architecture.name()
                    );
                    println!(
                        "| {} | {width} | {parameters} | {ours:.0} | {:.0} | {:.2} |",
                        architecture.name(),
                        r.us_per_step,
                        ours / r.us_per_step
                    );
                }
                Err(e) => println!(
                    "| {} | {width} | {parameters} | {ours:.0} | (reference failed: {}) | |",
                    architecture.name(),
                    e.lines().last().unwrap_or("")
                ),
            }
        }
    }
}
