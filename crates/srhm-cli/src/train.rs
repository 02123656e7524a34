//! `srhm train`: train LCN/CNN/FCN networks (an ensemble at once) and print one JSON
//! line per network.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::ArrayView2;
use serde_json::json;
use srhm_grammar::encoding::{Encoding, Layout, Layout2d, encode};
use srhm_grammar::{Params, Rules, Sampler, Split};
use srhm_models::tch::{Device, Tensor};
use srhm_models::{
    Architecture, DeviceChoice, LabelledSet, MemberSpec, NetConfig, Parametrisation, TrainConfig,
    device_name, image_to_sequence, resolve_device, tensor_from_array, train_ensemble,
};
use srhm_store::read_dataset;

use crate::UsageError;
use crate::args::{DatasetArgs, GeneratorArgs};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModelArg {
    Lcn,
    Cnn,
    Fcn,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DeviceArg {
    /// CUDA when libtorch sees a GPU, else the CPU.
    Auto,
    Cpu,
    Cuda,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ParametrisationArg {
    /// N(0,1) weights, 1/√fan-in per layer, readout /H, learning rate × H.
    MeanField,
    /// N(0, 1/fan-in) weights, learning rate as given.
    Standard,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub generator: GeneratorArgs,
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Train on a file written by `srhm generate` instead of generating data
    /// (with --train P: its first P training rows).
    #[arg(long, value_name = "FILE.parquet")]
    pub data: Option<PathBuf>,
    /// Several training-set sizes (nested prefixes of one drawn set), each trained
    /// with --ensemble seeds: e.g. `--train-sizes 100,300,1000`.
    #[arg(long, value_delimiter = ',', value_name = "P,...")]
    pub train_sizes: Vec<usize>,
    #[arg(long, value_enum)]
    pub model: ModelArg,
    /// Hidden width H.
    #[arg(long, default_value_t = 512)]
    pub width: u32,
    /// Learning rate before the parametrisation's scaling; default 0.01 when s = 2 and
    /// L = 2, else 0.003 (SPEC §4).
    #[arg(long)]
    pub lr: Option<f64>,
    #[arg(long, default_value_t = 4)]
    pub batch: usize,
    /// Stop once the mean minibatch loss over an epoch is at most this.
    #[arg(long, default_value_t = 1e-3)]
    pub loss_threshold: f64,
    /// Stop (flagged `hit_step_cap`) after this many steps.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_steps: u64,
    /// Measure the test error every N steps (reported as `history`).
    #[arg(long, value_name = "N")]
    pub eval_every: Option<u64>,
    /// Seed of the first network; network j of an ensemble uses seed + j.
    #[arg(long = "net-seed", default_value_t = 0)]
    pub net_seed: u64,
    /// Number of networks trained at once (different seeds) per training size.
    #[arg(long, default_value_t = 1)]
    pub ensemble: usize,
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceArg,
    #[arg(long, value_enum, default_value = "mean-field")]
    pub parametrisation: ParametrisationArg,
    /// CPU threads for libtorch (default: libtorch's choice).
    #[arg(long)]
    pub threads: Option<i32>,
}

/// Training and test rows, the data parameters and where they came from.
struct Data {
    params: Params,
    train: Split,
    test: Split,
    encoding: Encoding,
    layout: Layout,
}

fn load_data(args: &TrainArgs) -> anyhow::Result<Data> {
    match &args.data {
        Some(path) => {
            if args.generator.any_size_given() {
                return Err(UsageError::Conflict(
                    "--data takes the model from the file: drop the generator flags".into(),
                )
                .into());
            }
            let file = read_dataset(path).map_err(UsageError::File)?;
            Ok(Data {
                params: file.meta.params,
                train: file.dataset.train,
                test: file.dataset.test,
                encoding: file.meta.encoding,
                layout: file.meta.layout,
            })
        }
        None => {
            let params = args.generator.params().map_err(UsageError::from)?;
            let largest = args.train_sizes.iter().copied().max();
            let train = match (args.dataset.train, largest) {
                (Some(p), _) => p.max(largest.unwrap_or(0)),
                (None, Some(p)) => p,
                (None, None) => {
                    return Err(UsageError::Conflict(
                        "--train (or --train-sizes) is required".into(),
                    )
                    .into());
                }
            };
            let rules =
                Rules::sample(&params, args.generator.rules_seed()).map_err(UsageError::from)?;
            let data = Sampler::new(&rules, args.generator.sample_seed(), args.dataset.mode())
                .and_then(|s| s.sample(train, args.dataset.test))
                .map_err(UsageError::from)?;
            Ok(Data {
                params,
                train: data.train,
                test: data.test,
                encoding: args.dataset.encoding(),
                layout: args.dataset.layout(&params).map_err(UsageError::from)?,
            })
        }
    }
}

/// Encodes rows for the networks: one-hot or whitened; as sequences, or as images
/// (`--layout 2d`) that the networks read with √s·√(s0+1)-sided square patches.
fn network_inputs(
    tokens: ArrayView2<i32>,
    labels: &[u32],
    data: &Data,
    device: Device,
) -> anyhow::Result<LabelledSet> {
    let params = &data.params;
    if (data.encoding, data.layout) == (Encoding::OneHot, Layout::OneD) {
        return Ok(LabelledSet::from_tokens(
            tokens,
            labels,
            params.vocab,
            device,
        )?);
    }
    let encoded = encode(tokens, params.vocab, data.encoding).map_err(UsageError::from)?;
    let x = match data.layout {
        Layout::OneD => tensor_from_array(&encoded).permute([0, 2, 1]).contiguous(),
        Layout::TwoD => {
            let layout = Layout2d::new(params).map_err(UsageError::from)?;
            let images = layout.apply(&encoded).map_err(UsageError::from)?;
            let patch_side = (params.patch as f64 * (params.s0() + 1) as f64)
                .sqrt()
                .round();
            image_to_sequence(
                &tensor_from_array(&images),
                patch_side as usize,
                params.levels,
            )?
        }
    };
    let y = Tensor::from_slice(&labels.iter().map(|&l| l as i64).collect::<Vec<_>>());
    Ok(LabelledSet {
        x: x.to_device(device),
        y: y.to_device(device),
    })
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    if let Some(threads) = args.threads {
        if threads < 1 {
            return Err(UsageError::Conflict("--threads must be at least 1".into()).into());
        }
        srhm_models::tch::set_num_threads(threads);
    }
    let device = resolve_device(match args.device {
        DeviceArg::Auto => DeviceChoice::Auto,
        DeviceArg::Cpu => DeviceChoice::Cpu,
        DeviceArg::Cuda => DeviceChoice::Cuda,
    })
    .map_err(UsageError::from)?;
    if args.ensemble == 0 {
        return Err(UsageError::Conflict("--ensemble must be at least 1".into()).into());
    }
    let data = load_data(args)?;
    let params = data.params;
    let sizes = if args.train_sizes.is_empty() {
        vec![args.dataset.train.unwrap_or(data.train.len())]
    } else {
        args.train_sizes.clone()
    };
    if let Some(&bad) = sizes.iter().find(|&&p| p == 0 || p > data.train.len()) {
        return Err(UsageError::Conflict(format!(
            "training size {bad} is not in 1..={} (flag --train/--train-sizes)",
            data.train.len()
        ))
        .into());
    }
    let architecture = match args.model {
        ModelArg::Lcn => Architecture::Lcn,
        ModelArg::Cnn => Architecture::Cnn,
        ModelArg::Fcn => Architecture::Fcn,
    };
    let mut net = NetConfig::for_data(architecture, &params, args.width);
    net.parametrisation = match args.parametrisation {
        ParametrisationArg::MeanField => Parametrisation::MeanField,
        ParametrisationArg::Standard => Parametrisation::Standard,
    };
    let lr = args
        .lr
        .unwrap_or(if params.patch == 2 && params.levels == 2 {
            0.01
        } else {
            0.003
        });
    let config = TrainConfig {
        lr,
        batch: args.batch,
        loss_threshold: args.loss_threshold,
        max_steps: args.max_steps,
        eval_every: args.eval_every,
        ..TrainConfig::default()
    };
    let members: Vec<MemberSpec> = sizes
        .iter()
        .flat_map(|&train_size| {
            (0..args.ensemble as u64).map(move |j| MemberSpec {
                seed: args.net_seed + j,
                set: 0,
                train_size,
            })
        })
        .collect();
    let largest = *sizes.iter().max().expect("at least one size");
    let train = network_inputs(
        data.train.tokens.slice(ndarray::s![..largest, ..]),
        &data.train.labels[..largest],
        &data,
        device,
    )?;
    let test = (!data.test.is_empty())
        .then(|| network_inputs(data.test.tokens.view(), &data.test.labels, &data, device))
        .transpose()?;

    let bar = ProgressBar::new(members.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:24} {pos}/{len} networks done · {msg} [{elapsed_precise}]",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let (_, results) = train_ensemble(
        net,
        &config,
        &members,
        &[train],
        test.as_ref(),
        device,
        &mut |p| {
            let rate = p.member_steps as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_position(p.finished as u64);
            bar.set_message(format!(
                "{} training · loss {:.2e} · {:.0} network-steps/s",
                p.active, p.mean_loss, rate
            ));
            bar.tick();
        },
    )
    .map_err(|e| match e.param() {
        Some(_) => anyhow::Error::from(UsageError::from(e)),
        None => anyhow::Error::from(e).context("training failed"),
    })?;
    bar.finish_and_clear();
    for result in results {
        println!(
            "{}",
            json!({
                "model": architecture,
                "params": params,
                "width": net.width,
                "parametrisation": net.parametrisation,
                "lr": lr,
                "batch": config.batch,
                "loss_threshold": config.loss_threshold,
                "train_size": result.train_size,
                "test_size": data.test.len(),
                "encoding": data.encoding,
                "layout": data.layout,
                "seed": result.seed,
                "steps": result.steps,
                "epochs": result.epochs,
                "train_loss": result.train_loss,
                "test_error": result.test_error,
                "wall_s": result.wall_s,
                "device": device_name(device),
                "hit_step_cap": result.hit_step_cap,
                "history": result.history,
            })
        );
    }
    Ok(())
}
