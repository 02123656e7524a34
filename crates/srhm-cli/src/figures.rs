//! `srhm figures`: run the specs of the paper's figures (resumable), then draw every
//! figure from the store and write the index page with the verdicts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use srhm_figures::{FigureInput, build, index_file, write_index};
use srhm_runner::{RunStore, Spec, Status};
use srhm_store::{Record, compact};

use crate::UsageError;
use crate::train::{DeviceArg, resolve, runner_error};

#[derive(Debug, Args)]
pub struct FiguresArgs {
    /// smoke (seconds, what the tests run), quick (minutes on a laptop) or paper.
    #[arg(long, default_value = "quick")]
    pub preset: String,
    /// Only these figures, e.g. `fig04,fig06` (their data sources run as needed).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Redraw from the store without training anything.
    #[arg(long)]
    pub plot_only: bool,
    /// Directory of the specs.
    #[arg(long, default_value = "paper-figures/specs")]
    pub specs: PathBuf,
    /// Root of the results, PNGs and README.md.
    #[arg(long, default_value = "paper-figures")]
    pub store: PathBuf,
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceArg,
    #[arg(long)]
    pub threads: Option<i32>,
}

fn load_specs(dir: &PathBuf) -> anyhow::Result<BTreeMap<String, Spec>> {
    let mut specs = BTreeMap::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading the specs in {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let spec = Spec::load(&path).map_err(runner_error)?;
        specs.insert(spec.figure.clone(), spec);
    }
    Ok(specs)
}

pub fn run(args: &FiguresArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let specs = load_specs(&args.specs)?;
    let selected: Vec<&Spec> = if args.only.is_empty() {
        specs.values().collect()
    } else {
        args.only
            .iter()
            .map(|name| {
                specs.get(name).ok_or_else(|| {
                    UsageError::Conflict(format!(
                        "no spec for `{name}` in {} (flag --only; known: {})",
                        args.specs.display(),
                        specs.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let mut sources: Vec<&Spec> = Vec::new();
    for spec in &selected {
        for name in spec.sources() {
            let source = specs.get(name).ok_or_else(|| {
                UsageError::Conflict(format!(
                    "{} takes its data from `{name}`, which has no spec",
                    spec.figure
                ))
            })?;
            if !sources.iter().any(|s| s.figure == source.figure) {
                sources.push(source);
            }
        }
    }
    std::fs::create_dir_all(&args.store)
        .with_context(|| format!("creating {}", args.store.display()))?;
    let mut rows: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    let device = if args.plot_only {
        None
    } else {
        Some(resolve(args.device, args.threads)?)
    };
    // Only the selected figures' data are trained; every figure with results in the
    // store is redrawn, so that the index page always lists them all.
    let mut everything: Vec<&Spec> = Vec::new();
    for spec in specs.values() {
        for name in spec.sources() {
            if let Some(source) = specs.get(name)
                && !everything.iter().any(|s| s.figure == source.figure)
            {
                everything.push(source);
            }
        }
    }
    // A preset that only some figures have (e.g. fig04's `laptop`) draws those alone.
    for source in &sources {
        if !source.presets.contains_key(&args.preset) {
            source.preset(&args.preset).map_err(runner_error)?;
        }
    }
    everything.retain(|s| s.presets.contains_key(&args.preset));
    let mut partial: BTreeMap<String, String> = BTreeMap::new();
    for source in &everything {
        let runs = source.runs(&args.preset).map_err(runner_error)?;
        let store = RunStore::new(&args.store, &source.figure);
        let wanted = sources.iter().any(|s| s.figure == source.figure);
        if let (Some(device), true) = (device, wanted) {
            let indexed: Vec<(usize, srhm_runner::Run)> =
                runs.iter().cloned().enumerate().collect();
            crate::run::execute_with_progress(&store, &source.figure, &indexed, device)?;
        }
        let (_, damaged) = compact(&store.runs_dir(), &store.table_path())
            .with_context(|| format!("compacting {}", store.runs_dir().display()))?;
        for (path, error) in damaged {
            eprintln!(
                "warning: {} cannot be read ({error}); run the figure again to redo it",
                path.display()
            );
        }
        // A configuration (every run but P and the seed) is drawn only once all its runs
        // are done: a verdict on part of a grid would be a verdict on other data.
        let mut by_config: BTreeMap<String, (String, Vec<Option<Record>>)> = BTreeMap::new();
        for run in &runs {
            let done = match store.status(run) {
                Status::Done(record) => Some(record),
                _ => None,
            };
            let label = format!("{} {} H={}", run.model_name(), run.data_label(), run.width);
            by_config
                .entry(run.ensemble_key())
                .or_insert_with(|| (label, Vec::new()))
                .1
                .push(done);
        }
        let missing = runs.len() - by_config.values().flat_map(|c| &c.1).flatten().count();
        let mut found = Vec::new();
        let mut incomplete = Vec::new();
        for (label, records) in by_config.into_values() {
            let done = records.iter().flatten().count();
            if done == records.len() {
                found.extend(records.into_iter().flatten());
            } else if done > 0 {
                incomplete.push(format!("{label} ({done} of {})", records.len()));
            } else {
                incomplete.push(format!("{label} (none of {})", records.len()));
            }
        }
        if missing > 0 {
            let note = format!(
                "preset `{}` is partial: {} of {} runs of {} done; configurations not yet \
                 complete are left out, with no verdict: {}",
                args.preset,
                runs.len() - missing,
                runs.len(),
                source.figure,
                incomplete.join(", ")
            );
            if wanted {
                eprintln!("{note}");
            }
            partial.insert(source.figure.clone(), note);
        }
        rows.insert(source.figure.clone(), found);
    }
    let mut reports = Vec::new();
    for spec in specs.values() {
        if !spec
            .sources()
            .iter()
            .all(|name| everything.iter().any(|s| s.figure == *name))
        {
            continue;
        }
        let spec_rows: Vec<Record> = spec
            .sources()
            .iter()
            .filter_map(|name| rows.get(*name))
            .flatten()
            .cloned()
            .collect();
        let report = build(&FigureInput {
            figure: &spec.figure,
            title: &spec.title,
            claim: &spec.claim,
            preset: &args.preset,
            rows: &spec_rows,
            root: &args.store,
            panels: &spec.panels,
        })?;
        let mut report = report;
        for name in spec.sources() {
            if let Some(note) = partial.get(name) {
                report.notes.insert(0, note.clone());
            }
        }
        for verdict in &report.verdicts {
            let mark = match verdict.holds {
                Some(true) => "holds",
                Some(false) => "does NOT hold",
                None => "undecided",
            };
            println!(
                "{}: {} — {} [{mark}]",
                report.figure, verdict.claim, verdict.measured
            );
        }
        reports.push(report);
    }
    let command = format!("cargo xtask figures --preset {}", args.preset);
    write_index(&args.store, &args.preset, &reports, &command)?;
    eprintln!(
        "wrote {} ({} figures, {:.0} s)",
        args.store.join(index_file(&args.preset)).display(),
        reports.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
