//! `srhm pstar`: the sample complexity P* of a network on a generative model, found
//! by training at adaptively chosen P (bisection in log P), with the paper's prediction.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use srhm_grammar::SamplingMode;
use srhm_models::device_name;
use srhm_runner::{
    InputFormat, PStarConfig, SensitivityConfig, predicted_p_star, scaling_model, search_p_star,
};
use srhm_scaling::{AdaptiveSearch, Observable, paper_threshold};

use crate::UsageError;
use crate::args::{DiffeoModeArg, GeneratorArgs};
use crate::train::{NetArgs, runner_error};

#[derive(Debug, Args)]
pub struct PStarArgs {
    #[command(flatten)]
    pub generator: GeneratorArgs,
    #[command(flatten)]
    pub net: NetArgs,
    /// What must fall below the threshold: the test error, S_{2,1} or D_{2,1}.
    #[arg(long, default_value = "error", value_parser = parse_observable)]
    pub observable: Observable,
    /// Threshold of the observable (default: the paper's for this observable, model,
    /// L and s: 10% test error; S2 30–50%; D2 10–20%).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Networks (seeds --net-seed, +1, …) per P; P* is their median.
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// Test inputs for the error or the sensitivities.
    #[arg(long, default_value_t = 2000)]
    pub test: usize,
    /// Smallest and largest P to try (default: nc, and every datum not in the test set,
    /// at most 2^22).
    #[arg(long)]
    pub p_min: Option<u64>,
    #[arg(long)]
    pub p_max: Option<u64>,
    /// First P to train at (default: the paper's prediction, within the bounds).
    #[arg(long)]
    pub start: Option<u64>,
    /// Stop bisecting when the bracket's ratio hi/lo is at most 1 + this.
    #[arg(long, default_value_t = 0.1)]
    pub precision: f64,
    /// Trainings at most (each one is --seeds networks).
    #[arg(long, default_value_t = 20)]
    pub max_evaluations: usize,
    /// τ_l for --observable D2.
    #[arg(long, value_enum, default_value = "pure")]
    pub diffeo_mode: DiffeoModeArg,
}

fn parse_observable(text: &str) -> Result<Observable, String> {
    text.parse()
        .map_err(|e: srhm_scaling::ScalingError| e.to_string())
}

pub fn run(args: &PStarArgs) -> anyhow::Result<()> {
    let device = args.net.device()?;
    let params = args.generator.params().map_err(UsageError::from)?;
    if args.seeds == 0 {
        return Err(UsageError::Conflict("--seeds must be at least 1".into()).into());
    }
    let net = args.net.net(&params)?;
    let model = scaling_model(net.architecture);
    let threshold = match args.threshold {
        Some(t) => t,
        None => paper_threshold(args.observable, model, params.levels, params.patch)
            .map_err(|e| UsageError::Conflict(format!("{e} (flag --threshold)")))?,
    };
    let prediction = predicted_p_star(net.architecture, &params).map_err(runner_error)?;
    let available = params
        .count_total_u128()
        .map_or(u64::MAX, |n| n.min(u64::MAX as u128) as u64)
        .saturating_sub(args.test as u64);
    let p_min = args.p_min.unwrap_or(params.classes as u64).max(1);
    let p_max = args.p_max.unwrap_or(available.min(1 << 22));
    let start = args
        .start
        .unwrap_or(prediction.round() as u64)
        .clamp(p_min, p_max.max(p_min));
    let search = AdaptiveSearch {
        rel_precision: args.precision,
        start,
        max_evaluations: args.max_evaluations,
        ..AdaptiveSearch::new(threshold, p_min, p_max)
    };
    let config = PStarConfig {
        params,
        rules_seed: args.generator.rules_seed(),
        sample_seed: args.generator.sample_seed(),
        sampling: SamplingMode::Auto,
        format: InputFormat::default(),
        net,
        train: args.net.train_config(&params),
        seeds: (0..args.seeds).map(|j| args.net.net_seed + j).collect(),
        test: args.test,
        observable: args.observable,
        search,
        sensitivity: SensitivityConfig {
            diffeo_mode: args.diffeo_mode.into(),
            seed: args.net.net_seed,
            ..SensitivityConfig::default()
        },
        device,
        bootstrap_resamples: 2000,
    };
    let bar = ProgressBar::new(args.max_evaluations as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {pos}/{len} trainings at most · {msg} [{elapsed_precise}]",
        )
        .expect("valid template"),
    );
    bar.set_message(format!("P = {start} (prediction {prediction:.0})"));
    let report = search_p_star(&config, &mut |point| {
        bar.inc(1);
        let mut values = point.values.clone();
        values.sort_by(f64::total_cmp);
        bar.set_message(format!(
            "P = {}: median {} {:.3} (threshold {threshold})",
            point.p,
            args.observable,
            values[values.len() / 2]
        ));
    })
    .map_err(runner_error)?;
    bar.finish_and_clear();
    let estimate = report.result.estimate.estimate;
    let equation = match net.architecture {
        srhm_models::Architecture::Cnn => "eq4 (C1 = 1)",
        _ => "eq3 (C0 = s^(L/2))",
    };
    println!(
        "{}",
        json!({
            "model": net.architecture,
            "params": params,
            "width": net.width,
            "observable": args.observable.to_string(),
            "threshold": threshold,
            "p_star": estimate.map(|e| e.median),
            "p_star_lo": estimate.map(|e| e.lo),
            "p_star_hi": estimate.map(|e| e.hi),
            "reason": report.result.estimate.reason.or(report.result.search.reason),
            "per_seed_p_star": report.result.estimate.per_seed.iter().map(|o| o.p_star()).collect::<Vec<_>>(),
            "seeds": config.seeds,
            "prediction": prediction,
            "prediction_equation": equation,
            "bracket": report.result.search.bracket,
            "points": report.points,
            "evaluations": report.points.len(),
            "wall_s": report.wall_s,
            "device": device_name(device),
        })
    );
    Ok(())
}
