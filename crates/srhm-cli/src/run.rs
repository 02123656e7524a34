//! `srhm run`: the runs of a figure's spec, into its resumable store.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use srhm_models::tch::Device;
use srhm_runner::{Run, RunStore, Spec, execute_runs};

use crate::UsageError;
use crate::train::{DeviceArg, runner_error};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The figure's spec, e.g. paper-figures/specs/fig04.toml.
    #[arg(long, value_name = "FILE.toml")]
    pub spec: PathBuf,
    #[arg(long, default_value = "quick")]
    pub preset: String,
    /// Only run #I of the preset (0-based; what a cluster array task does).
    #[arg(long, value_name = "I")]
    pub index: Option<usize>,
    /// Root of the results (default: the directory above the spec's, i.e. paper-figures/).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Print the runs (index, hash, model, P, seed, done?) instead of running them.
    #[arg(long)]
    pub list: bool,
    /// Train nothing: write the preset's finished runs into one table,
    /// `<store>/<figure>/archive/<preset>.parquet`, that the repository can keep (a
    /// fresh clone then finds them done and `--plot-only` draws them).
    #[arg(long, conflicts_with_all = ["list", "index"])]
    pub archive: bool,
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceArg,
    /// CPU threads for libtorch (default: libtorch's choice).
    #[arg(long)]
    pub threads: Option<i32>,
}

/// The store root of a spec: `<spec dir>/..`.
pub fn default_store(spec: &Path) -> PathBuf {
    spec.canonicalize()
        .ok()
        .and_then(|p| p.parent().and_then(Path::parent).map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("paper-figures"))
}

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let device = crate::train::resolve(args.device, args.threads)?;
    let spec = Spec::load(&args.spec).map_err(runner_error)?;
    let root = args
        .store
        .clone()
        .unwrap_or_else(|| default_store(&args.spec));
    if spec.data_from.is_none() {
        return run_spec(args, &spec, &root, device);
    }
    // A figure drawn from others' runs (fig05 from fig04's) runs or lists those.
    if args.index.is_some() {
        return Err(UsageError::Conflict(format!(
            "{} is drawn from {}'s runs: give --index with their specs",
            spec.figure,
            spec.sources().join(", ")
        ))
        .into());
    }
    let dir = args.spec.parent().unwrap_or(Path::new("."));
    for name in spec.sources() {
        let path = dir.join(format!("{name}.toml"));
        let source = Spec::load(&path).map_err(runner_error)?;
        if source.data_from.is_some() {
            return Err(UsageError::Conflict(format!(
                "{} takes its data from {name}, which is itself drawn from other figures",
                spec.figure
            ))
            .into());
        }
        eprintln!(
            "{} is drawn from {name}'s runs ({})",
            spec.figure,
            path.display()
        );
        run_spec(args, &source, &root, device)?;
    }
    Ok(())
}

/// Lists or executes the runs of one spec that has presets.
fn run_spec(args: &RunArgs, spec: &Spec, root: &Path, device: Device) -> anyhow::Result<()> {
    let runs = spec.runs(&args.preset).map_err(runner_error)?;
    let store = RunStore::new(root, &spec.figure);
    if args.archive {
        let kept = store
            .write_archive(&args.preset, &runs)
            .map_err(runner_error)?;
        eprintln!(
            "{}: archived {kept} of {} runs of preset `{}` in {}",
            spec.figure,
            runs.len(),
            args.preset,
            store
                .archive_dir()
                .join(format!("{}.parquet", args.preset))
                .display()
        );
        return Ok(());
    }
    let selected: Vec<(usize, Run)> = match args.index {
        Some(i) if i >= runs.len() => {
            return Err(UsageError::Conflict(format!(
                "--index {i} is past the last run ({} runs in {} --preset {})",
                runs.len(),
                spec.figure,
                args.preset
            ))
            .into());
        }
        Some(i) => vec![(i, runs[i].clone())],
        None => runs.into_iter().enumerate().collect(),
    };
    if args.list {
        // `srhm run --list | head` closes the pipe early: stop quietly, not panic.
        let mut out = std::io::stdout().lock();
        for (i, run) in &selected {
            let done = matches!(store.status(run), srhm_runner::Status::Done(_));
            let written = writeln!(
                out,
                "{i}\t{}\t{}\t{}\tP={}\tseed={}\t{}",
                run.hash(),
                run.model_name(),
                run.data_label(),
                run.p,
                run.seed,
                if done { "done" } else { "missing" }
            );
            match written {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                other => other.context("writing the list of runs")?,
            }
        }
        return Ok(());
    }
    execute_with_progress(&store, &spec.figure, &selected, device)
}

/// Executes `runs` into `store` with a progress bar over runs, then reports on stderr
/// what was done before, reused, trained, and any damaged file.
pub fn execute_with_progress(
    store: &RunStore,
    figure: &str,
    runs: &[(usize, Run)],
    device: Device,
) -> anyhow::Result<()> {
    let bar = ProgressBar::new(runs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {prefix} {bar:24} {pos}/{len} runs · ETA {eta} · {wide_msg}",
        )
        .expect("valid template"),
    );
    bar.set_prefix(figure.to_string());
    let summary = execute_runs(store, runs, device, &mut |p| {
        bar.set_position(p.done as u64);
        bar.set_message(p.message);
    })
    .map_err(runner_error)?;
    bar.finish_and_clear();
    for (aside, error) in &summary.damaged {
        eprintln!("warning: {error} (kept as {}; run again)", aside.display());
    }
    eprintln!(
        "{figure}: {} runs: {} already done, {} reused from other figures, {} trained",
        runs.len(),
        summary.already_done,
        summary.reused,
        summary.trained
    );
    Ok(())
}
