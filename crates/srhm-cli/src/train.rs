//! `srhm train`: train LCN/CNN/FCN networks (an ensemble at once) and print one JSON
//! line per network.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use srhm_grammar::{Params, Rules, Sampler, SamplingMode, Split};
use srhm_models::tch::Device;
use srhm_models::{
    Architecture, BigArchitecture, BigConfig, BigNet, BigTrainConfig, DeviceChoice, LabelledSet,
    MemberSpec, ModelKind, NetConfig, Parametrisation, Precision, TrainConfig, big_test_error,
    device_name, resolve_device, train_big, train_ensemble,
};
use srhm_runner::{
    BIG_NET_DEPTHS, BigNetProbe, InputFormat, RunnerError, SensitivityConfig, SensitivityEntry,
    sensitivities,
};
use srhm_store::read_dataset;

use crate::UsageError;
use crate::args::{DatasetArgs, DiffeoModeArg, GeneratorArgs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    Lcn,
    Cnn,
    Fcn,
    Vgg11,
    Vgg16,
    Resnet18,
    Resnet34,
    #[value(name = "efficientnet-b0")]
    EfficientnetB0,
}

impl ModelArg {
    pub fn kind(self) -> ModelKind {
        match self {
            ModelArg::Lcn => ModelKind::Small(Architecture::Lcn),
            ModelArg::Cnn => ModelKind::Small(Architecture::Cnn),
            ModelArg::Fcn => ModelKind::Small(Architecture::Fcn),
            ModelArg::Vgg11 => ModelKind::Big(BigArchitecture::Vgg11),
            ModelArg::Vgg16 => ModelKind::Big(BigArchitecture::Vgg16),
            ModelArg::Resnet18 => ModelKind::Big(BigArchitecture::Resnet18),
            ModelArg::Resnet34 => ModelKind::Big(BigArchitecture::Resnet34),
            ModelArg::EfficientnetB0 => ModelKind::Big(BigArchitecture::EfficientnetB0),
        }
    }
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
    /// N(0,1) weights, each hidden layer divided by √(channels below: v, then H),
    /// readout /H, learning rate × H (the paper's Eq. 9–10).
    MeanField,
    /// N(0, 1/fan-in) weights, learning rate as given.
    Standard,
}

/// The network and how to train it: flags shared by `srhm train` and `srhm pstar`.
#[derive(Debug, Args)]
pub struct NetArgs {
    /// lcn, cnn, fcn (batched ensembles) or a big net: vgg11, vgg16, resnet18,
    /// resnet34, efficientnet-b0 (one at a time).
    #[arg(long, value_enum)]
    pub model: ModelArg,
    /// Hidden width H (default 512); for big nets the channel scale (default 64: the
    /// published networks; EfficientNet-B0's channels scale by width/64 too).
    #[arg(long)]
    pub width: Option<u32>,
    /// Learning rate before the parametrisation's scaling; default (SPEC §4) for LCN
    /// and CNN 0.01 when s = 2, 0.003 when s ≥ 3; for FCN 0.01 when L = 2, 0.003 when
    /// L ≥ 3; 1e-4 for big nets.
    #[arg(long)]
    pub lr: Option<f64>,
    #[arg(long, default_value_t = 4)]
    pub batch: usize,
    /// Stop once the mean minibatch loss over an epoch is at most this (default 1e-3;
    /// 1e-2 for big nets, SPEC §4).
    #[arg(long)]
    pub loss_threshold: Option<f64>,
    /// Big nets on CUDA: train in mixed precision (autocast + dynamic loss scaling).
    #[arg(long)]
    pub mixed_precision: bool,
    /// Stop (flagged `hit_step_cap`) after this many steps.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_steps: u64,
    /// Seed of the first network; network j of an ensemble uses seed + j.
    #[arg(long = "net-seed", default_value_t = 0)]
    pub net_seed: u64,
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceArg,
    #[arg(long, value_enum, default_value = "mean-field")]
    pub parametrisation: ParametrisationArg,
    /// CPU threads for libtorch (default: libtorch's choice).
    #[arg(long)]
    pub threads: Option<i32>,
}

/// Applies --threads and resolves --device.
pub fn resolve(device: DeviceArg, threads: Option<i32>) -> anyhow::Result<Device> {
    if let Some(threads) = threads {
        if threads < 1 {
            return Err(UsageError::Conflict("--threads must be at least 1".into()).into());
        }
        srhm_models::tch::set_num_threads(threads);
    }
    Ok(resolve_device(match device {
        DeviceArg::Auto => DeviceChoice::Auto,
        DeviceArg::Cpu => DeviceChoice::Cpu,
        DeviceArg::Cuda => DeviceChoice::Cuda,
    })
    .map_err(UsageError::from)?)
}

impl NetArgs {
    /// Applies --threads and resolves --device.
    pub fn device(&self) -> anyhow::Result<Device> {
        resolve(self.device, self.threads)
    }

    /// The network for data of `params` (LCN, CNN or FCN; big nets are refused).
    pub fn net(&self, params: &Params) -> anyhow::Result<NetConfig> {
        let ModelKind::Small(architecture) = self.model.kind() else {
            return Err(UsageError::Conflict(format!(
                "--model {}: this command takes lcn, cnn or fcn",
                self.model.kind().name()
            ))
            .into());
        };
        let mut net = NetConfig::for_data(architecture, params, self.width.unwrap_or(512));
        net.parametrisation = match self.parametrisation {
            ParametrisationArg::MeanField => Parametrisation::MeanField,
            ParametrisationArg::Standard => Parametrisation::Standard,
        };
        Ok(net)
    }

    /// A big net for data of `params`, and how it trains (SPEC §4's defaults).
    pub fn big(&self, params: &Params) -> Option<(BigConfig, BigTrainConfig)> {
        let ModelKind::Big(architecture) = self.model.kind() else {
            return None;
        };
        let defaults = BigTrainConfig::default();
        Some((
            BigConfig {
                architecture,
                vocab: params.vocab,
                classes: params.classes,
                width: self.width.unwrap_or(architecture.standard_width()),
            },
            BigTrainConfig {
                lr: self.lr.unwrap_or(defaults.lr),
                batch: self.batch,
                loss_threshold: self.loss_threshold.unwrap_or(defaults.loss_threshold),
                max_steps: self.max_steps,
                precision: if self.mixed_precision {
                    Precision::Mixed
                } else {
                    Precision::F32
                },
                ..defaults
            },
        ))
    }

    /// SPEC §4's training of a small net (default learning rate by architecture, see
    /// `--lr`).
    pub fn train_config(&self, params: &Params) -> TrainConfig {
        let default_lr = match self.model.kind() {
            ModelKind::Small(architecture) => TrainConfig::paper_lr(architecture, params),
            ModelKind::Big(_) => BigTrainConfig::default().lr,
        };
        TrainConfig {
            lr: self.lr.unwrap_or(default_lr),
            batch: self.batch,
            loss_threshold: self.loss_threshold.unwrap_or(1e-3),
            max_steps: self.max_steps,
            ..TrainConfig::default()
        }
    }
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
    #[command(flatten)]
    pub net: NetArgs,
    /// Measure the test error every N steps (reported as `history`).
    #[arg(long, value_name = "N")]
    pub eval_every: Option<u64>,
    /// Number of networks trained at once (different seeds) per training size.
    #[arg(long, default_value_t = 1)]
    pub ensemble: usize,
    /// Also measure S_{k,l} (synonyms) and D_{k,l} (diffeomorphisms) of every hidden
    /// layer k and the output, for every level l, over the test set.
    #[arg(long)]
    pub sensitivities: bool,
    /// τ_l for --sensitivities: move positions only, or also redraw below level l.
    #[arg(long, value_enum, default_value = "pure")]
    pub diffeo_mode: DiffeoModeArg,
    /// Big nets with --sensitivities: the relative depths (percent of the blocks) whose
    /// outputs are measured, as `S_d<depth>_l`.
    #[arg(long, value_delimiter = ',', value_name = "PERCENT,...", default_values_t = BIG_NET_DEPTHS)]
    pub depths: Vec<u32>,
}

/// A library error: with the flag named when it is about a parameter.
pub fn runner_error(e: RunnerError) -> anyhow::Error {
    match e.param() {
        Some(_) => UsageError::Runner(e).into(),
        None => anyhow::Error::from(e),
    }
}

/// `S_k_l`, `S_k_l_se`, `D_…`, `DG_…` keys of one member's sensitivities.
fn sensitivity_keys(entries: &[SensitivityEntry]) -> serde_json::Map<String, serde_json::Value> {
    entries
        .iter()
        .flat_map(SensitivityEntry::columns)
        .map(|(key, value)| (key, json!(value)))
        .collect()
}

/// Training and test rows, the data parameters and where they came from.
struct Data {
    params: Params,
    rules_seed: u64,
    sample_seed: u64,
    /// The sampling mode actually used (never `Auto`).
    sampling: SamplingMode,
    train: Split,
    test: Split,
    format: InputFormat,
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
                rules_seed: file.meta.rules_seed,
                sample_seed: file.meta.sample_seed,
                sampling: file.meta.sampling,
                train: file.dataset.train,
                test: file.dataset.test,
                format: InputFormat {
                    encoding: file.meta.encoding,
                    layout: file.meta.layout,
                },
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
                rules_seed: args.generator.rules_seed(),
                sample_seed: args.generator.sample_seed(),
                sampling: data.mode,
                train: data.train,
                test: data.test,
                format: InputFormat {
                    encoding: args.dataset.encoding(),
                    layout: args.dataset.layout(&params).map_err(UsageError::from)?,
                },
            })
        }
    }
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let device = args.net.device()?;
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
    if let Some((config, train)) = args.net.big(&params) {
        return train_big_nets(args, &data, &sizes, config, train, device);
    }
    let net = args.net.net(&params)?;
    let architecture = net.architecture;
    let config = TrainConfig {
        eval_every: args.eval_every,
        ..args.net.train_config(&params)
    };
    let lr = config.lr;
    let members: Vec<MemberSpec> = sizes
        .iter()
        .flat_map(|&train_size| {
            (0..args.ensemble as u64).map(move |j| MemberSpec {
                seed: args.net.net_seed + j,
                set: 0,
                train_size,
            })
        })
        .collect();
    let (train, test) = labelled_sets(args, &data, &sizes, device)?;

    let bar = ProgressBar::new(members.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:24} {pos}/{len} networks done · {msg} [{elapsed_precise}]",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let (ensemble, results) = train_ensemble(
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
    let measured = if args.sensitivities {
        bar.set_position(members.len() as u64);
        bar.set_message("measuring sensitivities");
        let rules = Rules::sample(&params, data.rules_seed).map_err(UsageError::from)?;
        let config = SensitivityConfig {
            diffeo_mode: args.diffeo_mode.into(),
            seed: args.net.net_seed,
            ..SensitivityConfig::default()
        };
        Some(
            sensitivities(&ensemble, &rules, &data.test, data.format, &config)
                .map_err(runner_error)?,
        )
    } else {
        None
    };
    bar.finish_and_clear();
    for (i, result) in results.iter().enumerate() {
        let mut line = json!({
            "model": architecture,
            "params": params,
            "width": net.width,
            "parametrisation": net.parametrisation,
            "lr": lr,
            "batch": config.batch,
            "loss_threshold": config.loss_threshold,
            "train_size": result.train_size,
            "test_size": data.test.len(),
            "encoding": data.format.encoding,
            "layout": data.format.layout,
            "seed": result.seed,
            "net_seed": result.seed,
            "rules_seed": data.rules_seed,
            "sample_seed": data.sample_seed,
            "sampling": data.sampling,
            "steps": result.steps,
            "epochs": result.epochs,
            "train_loss": result.train_loss,
            "test_error": result.test_error,
            "wall_s": result.wall_s,
            "device": device_name(device),
            "hit_step_cap": result.hit_step_cap,
            "history": result.history,
        });
        if let Some(measured) = &measured {
            let object = line.as_object_mut().expect("a JSON object");
            object.extend(sensitivity_keys(&measured[i]));
            object.insert("diffeo_mode".into(), json!(args.diffeo_mode.name()));
            let notes: Vec<&String> = measured[i].iter().flat_map(|e| &e.notes).collect();
            if !notes.is_empty() {
                object.insert("sensitivity_notes".into(), json!(notes));
            }
        }
        println!("{line}");
    }
    Ok(())
}

/// The training set (up to the largest size) and the test set on `device`; refuses
/// --sensitivities without test data.
fn labelled_sets(
    args: &TrainArgs,
    data: &Data,
    sizes: &[usize],
    device: Device,
) -> anyhow::Result<(LabelledSet, Option<LabelledSet>)> {
    let params = data.params;
    let largest = *sizes.iter().max().expect("at least one size");
    let train = data
        .format
        .labelled(
            data.train.tokens.slice(ndarray::s![..largest, ..]),
            &data.train.labels[..largest],
            &params,
            device,
        )
        .map_err(runner_error)?;
    let test = (!data.test.is_empty())
        .then(|| {
            data.format
                .labelled(data.test.tokens.view(), &data.test.labels, &params, device)
        })
        .transpose()
        .map_err(runner_error)?;
    if args.sensitivities && test.is_none() {
        return Err(
            UsageError::Conflict("--sensitivities needs test data (--test N)".into()).into(),
        );
    }
    Ok((train, test))
}

/// `srhm train --model vgg11|…`: every (size, seed) network trained in turn, one JSON
/// line each, sensitivities at the relative depths of Fig. 9 and the output.
fn train_big_nets(
    args: &TrainArgs,
    data: &Data,
    sizes: &[usize],
    config: BigConfig,
    train: BigTrainConfig,
    device: Device,
) -> anyhow::Result<()> {
    let params = data.params;
    if data.format != InputFormat::default() {
        return Err(UsageError::Conflict(
            "big nets take one-hot 1-D inputs: drop --encoding/--layout".into(),
        )
        .into());
    }
    if args.eval_every.is_some() {
        return Err(UsageError::Conflict("--eval-every is for lcn, cnn and fcn".into()).into());
    }
    train.validate(device).map_err(UsageError::from)?;
    if let Some(bad) = args.depths.iter().find(|d| !(1..=100).contains(*d)) {
        return Err(
            UsageError::Conflict(format!("--depths: {bad} is not a percent in 1..=100")).into(),
        );
    }
    let (set, test) = labelled_sets(args, data, sizes, device)?;
    let rules = Rules::sample(&params, data.rules_seed).map_err(UsageError::from)?;
    let networks = sizes.len() * args.ensemble;
    let bar = ProgressBar::new(networks as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:24} {pos}/{len} networks done · {msg} [{elapsed_precise}]",
        )
        .expect("valid template"),
    );
    for &train_size in sizes {
        for j in 0..args.ensemble as u64 {
            let seed = args.net.net_seed + j;
            let mut net = BigNet::new(config, seed, device).map_err(UsageError::from)?;
            let started = Instant::now();
            let result = train_big(&mut net, &train, &set, train_size, seed, &mut |step, loss| {
                let rate = step as f64 / started.elapsed().as_secs_f64().max(1e-9);
                bar.set_message(format!(
                    "{} P = {train_size} seed {seed} · step {step} · loss {loss:.2e} · {rate:.0} steps/s",
                    config.architecture.name()
                ));
                bar.tick();
            })
            .map_err(|e| match e.param() {
                Some(_) => anyhow::Error::from(UsageError::from(e)),
                None => anyhow::Error::from(e).context("training failed"),
            })?;
            let test_error = test.as_ref().map(|t| big_test_error(&net, t)).transpose()?;
            let mut line = json!({
                "model": config.architecture.name(),
                "params": params,
                "width": config.width,
                "parameters": net.parameter_count(),
                "lr": train.lr,
                "batch": train.batch,
                "loss_threshold": train.loss_threshold,
                "precision": train.precision,
                "train_size": train_size,
                "test_size": data.test.len(),
                "seed": seed,
                "net_seed": seed,
                "rules_seed": data.rules_seed,
                "sample_seed": data.sample_seed,
                "sampling": data.sampling,
                "steps": result.steps,
                "epochs": result.epochs,
                "train_loss": result.train_loss,
                "test_error": test_error,
                "wall_s": result.wall_s,
                "device": device_name(device),
                "hit_step_cap": result.hit_step_cap,
            });
            if args.sensitivities {
                bar.set_message("measuring sensitivities");
                let probe = BigNetProbe {
                    net: &net,
                    depths: args.depths.clone(),
                };
                let config = SensitivityConfig {
                    diffeo_mode: args.diffeo_mode.into(),
                    seed,
                    ..SensitivityConfig::default()
                };
                let entries = sensitivities(&probe, &rules, &data.test, data.format, &config)
                    .map_err(runner_error)?
                    .remove(0);
                let object = line.as_object_mut().expect("a JSON object");
                object.extend(sensitivity_keys(&entries));
                object.insert("diffeo_mode".into(), json!(args.diffeo_mode.name()));
            }
            bar.inc(1);
            bar.suspend(|| println!("{line}"));
        }
    }
    bar.finish_and_clear();
    Ok(())
}
