//! `srhm generate` and `srhm info`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use srhm_grammar::{Rules, Sampler};
use srhm_store::{DatasetFile, DatasetMeta, PairColumn, PairMeta, check_writable, write_dataset};
use srhm_transforms::transform_rows;

use crate::UsageError;
use crate::args::{DatasetArgs, GeneratorArgs, PairArgs};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub generator: GeneratorArgs,
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub pairs: PairArgs,
    /// Output Parquet file (written atomically: complete or absent).
    #[arg(long, value_name = "FILE.parquet")]
    pub out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub generator: GeneratorArgs,
}

/// Below this many data the progress bar would only flicker.
const PROGRESS_FROM: usize = 50_000;

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let params = args.generator.params().map_err(UsageError::from)?;
    let layout = args.dataset.layout(&params).map_err(UsageError::from)?;
    let operators = args.pairs.operators();
    for operator in &operators {
        operator.check(&params).map_err(UsageError::from)?;
    }
    check_writable(&args.out, args.force).map_err(UsageError::File)?;
    let rules = Rules::sample(&params, args.generator.rules_seed()).map_err(UsageError::from)?;
    let sampler = Sampler::new(&rules, args.generator.sample_seed(), args.dataset.mode())
        .map_err(UsageError::from)?;
    let train = args.dataset.train().map_err(UsageError::from)?;
    let total = train + args.dataset.test;
    let bar = if total >= PROGRESS_FROM {
        ProgressBar::new(total as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} generating {pos}/{len} data [{elapsed_precise}, {per_sec}, eta {eta}] {wide_bar}")
            .expect("valid template"),
    );
    let dataset = sampler
        .sample_with_progress(train, args.dataset.test, &|n| bar.inc(n))
        .map_err(UsageError::from)?;
    bar.finish_and_clear();
    let pair_seed = args.generator.sample_seed();
    let mut pairs = Vec::with_capacity(operators.len());
    for operator in &operators {
        let copy = |split: &srhm_grammar::Split| {
            transform_rows(
                &rules,
                split.tokens.view(),
                &split.indices,
                *operator,
                pair_seed,
            )
        };
        pairs.push(PairColumn {
            name: operator.column_name(),
            train: copy(&dataset.train)?,
            test: copy(&dataset.test)?,
        });
    }
    let meta = DatasetMeta {
        params,
        rules_seed: args.generator.rules_seed(),
        sample_seed: args.generator.sample_seed(),
        sampling: dataset.mode,
        encoding: args.dataset.encoding(),
        layout,
        train: dataset.train.len(),
        test: dataset.test.len(),
        input_len: params.input_len(),
        count_total: params.count_total().to_string(),
        generator_version: srhm_grammar::VERSION.to_string(),
        pairs: operators
            .iter()
            .map(|&operator| PairMeta {
                column: operator.column_name(),
                operator,
                seed: pair_seed,
            })
            .collect(),
    };
    let file = DatasetFile {
        meta,
        dataset,
        pairs,
    };
    write_dataset(&args.out, &file, args.force)
        .with_context(|| format!("writing {}", args.out.display()))?;
    tracing::info!(path = %args.out.display(), rows = total, "dataset written");
    let meta = &file.meta;
    println!(
        "{}",
        json!({
            "out": args.out,
            "pairs": file.pairs.iter().map(|p| &p.name).collect::<Vec<_>>(),
            "train": meta.train,
            "test": meta.test,
            "input_len": meta.input_len,
            "sampling": meta.sampling,
            "count_total": meta.count_total,
            "wall_s": started.elapsed().as_secs_f64(),
        })
    );
    Ok(())
}

pub fn info(args: &InfoArgs) -> anyhow::Result<()> {
    let params = args.generator.params().map_err(UsageError::from)?;
    println!(
        "{}",
        json!({
            "params": params,
            "input_len": params.input_len(),
            "informative_len": params.informative_len(),
            "informative_fraction": params.informative_fraction(),
            "arrangements_per_patch": params.arrangements_per_patch().to_string(),
            "count_per_class": params.count_per_class().to_string(),
            "count_total": params.count_total().to_string(),
        })
    );
    Ok(())
}
