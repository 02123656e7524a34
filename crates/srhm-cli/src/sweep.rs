//! `srhm sweep`: a figure's runs on a Slurm cluster. `--slurm` submits the runs the
//! store does not hold (and no queued task is doing) as job arrays whose task i runs
//! `srhm run --index i`; `--status` says, run by run, what is done, queued, failed or
//! never submitted. Every submission is appended to `<store>/<figure>/slurm/sweeps.jsonl`,
//! which is how tasks are traced back to runs. Tasks write their result atomically,
//! so a task killed by the scheduler leaves no partial file and the next
//! `srhm sweep --slurm` submits its run again.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Serialize};
use srhm_runner::{Run, RunStore, Spec, Status};
use srhm_slurm::{SbatchOptions, SlurmError, TaskRecord};

use crate::UsageError;
use crate::run::default_store;
use crate::train::{DeviceArg, runner_error};

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The figure's spec, e.g. paper-figures/specs/fig04.toml.
    #[arg(long, value_name = "FILE.toml")]
    pub spec: PathBuf,
    #[arg(long, default_value = "paper")]
    pub preset: String,
    /// Root of the results, on a file system every node sees (default: the directory
    /// above the spec's, i.e. paper-figures/).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Submit every run not done and not queued as a Slurm job array.
    #[arg(long, required_unless_present = "status", conflicts_with = "status")]
    pub slurm: bool,
    /// Report done / running / pending / failed / missing runs (store + squeue + sacct).
    #[arg(long)]
    pub status: bool,
    /// With --status: one JSON object instead of text.
    #[arg(long, requires = "status")]
    pub json: bool,
    /// Print the sbatch script(s) instead of submitting.
    #[arg(long, requires = "slurm")]
    pub dry_run: bool,
    #[arg(long)]
    pub partition: Option<String>,
    /// Time limit per run (Slurm format: MM, HH:MM:SS, D-HH:MM, …).
    #[arg(long)]
    pub time: Option<String>,
    #[arg(long)]
    pub gpus_per_task: Option<u32>,
    #[arg(long)]
    pub cpus_per_task: Option<u32>,
    /// Memory per task, e.g. 8G.
    #[arg(long)]
    pub mem: Option<String>,
    /// At most this many runs at once.
    #[arg(long)]
    pub max_concurrent: Option<u32>,
    /// Any further sbatch option, e.g. --sbatch-arg=--account=lab (repeatable).
    #[arg(long = "sbatch-arg", value_name = "OPTION", allow_hyphen_values = true)]
    pub sbatch_args: Vec<String>,
    /// Device of every run.
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceArg,
    /// The srhm binary the tasks run (default: this one; it must be visible on the nodes).
    #[arg(long, value_name = "PATH")]
    pub srhm: Option<PathBuf>,
}

/// One submitted array, as appended to `sweeps.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Submission {
    job: String,
    job_name: String,
    preset: String,
    spec: PathBuf,
    /// Run index = array task id + offset.
    offset: u64,
    tasks: String,
    runs: usize,
    script: PathBuf,
    submitted_unix: u64,
}

/// Where a run stands.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum RunState {
    Done,
    /// In the queue: Slurm's state (PENDING, RUNNING, …).
    Queued(String),
    /// Submitted, ended, no result: Slurm's last state when known.
    Failed(String),
    /// The result file cannot be read (the next task moves it aside and redoes the run).
    Damaged,
    /// Never submitted.
    Missing,
}

/// The categories `--status` counts, in the order it prints them.
const CATEGORIES: [&str; 6] = ["done", "running", "pending", "failed", "damaged", "missing"];

impl RunState {
    fn category(&self) -> &'static str {
        match self {
            RunState::Done => "done",
            RunState::Queued(s) if s == "PENDING" => "pending",
            RunState::Queued(_) => "running",
            RunState::Failed(_) => "failed",
            RunState::Damaged => "damaged",
            RunState::Missing => "missing",
        }
    }
}

struct Sweep {
    spec: Spec,
    spec_path: PathBuf,
    preset: String,
    store: RunStore,
    runs: Vec<Run>,
    job_name: String,
}

impl Sweep {
    fn load(args: &SweepArgs) -> anyhow::Result<Self> {
        let spec_path = args
            .spec
            .canonicalize()
            .with_context(|| format!("spec {}", args.spec.display()))?;
        let spec = Spec::load(&spec_path).map_err(runner_error)?;
        if spec.data_from.is_some() {
            return Err(UsageError::Conflict(format!(
                "{} is drawn from {}'s runs: sweep those figures",
                spec.figure,
                spec.sources().join(", ")
            ))
            .into());
        }
        let runs = spec.runs(&args.preset).map_err(runner_error)?;
        let root = args
            .store
            .clone()
            .unwrap_or_else(|| default_store(&spec_path));
        std::fs::create_dir_all(&root).with_context(|| format!("store {}", root.display()))?;
        let root = root.canonicalize()?;
        let job_name = format!(
            "srhm-{}-{}-{:08x}",
            spec.figure,
            args.preset,
            fnv1a(root.to_string_lossy().as_bytes()) as u32
        );
        let store = RunStore::new(&root, &spec.figure);
        Ok(Sweep {
            spec,
            spec_path,
            preset: args.preset.clone(),
            store,
            runs,
            job_name,
        })
    }

    fn slurm_dir(&self) -> PathBuf {
        self.store.dir().join("slurm")
    }

    fn log_path(&self) -> PathBuf {
        self.slurm_dir().join("sweeps.jsonl")
    }

    /// This preset's submissions; a line that cannot be read is reported and skipped,
    /// never rewritten.
    fn submissions(&self) -> anyhow::Result<Vec<Submission>> {
        let path = self.log_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| path.display().to_string()),
        };
        let mut out = Vec::new();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            match serde_json::from_str::<Submission>(line) {
                Ok(s) if s.preset == self.preset && s.job_name == self.job_name => out.push(s),
                Ok(_) => {}
                Err(e) => eprintln!("warning: {} line {}: {e} (skipped)", path.display(), n + 1),
            }
        }
        Ok(out)
    }

    fn append(&self, submission: &Submission) -> anyhow::Result<()> {
        let path = self.log_path();
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| path.display().to_string())?;
        writeln!(file, "{}", serde_json::to_string(submission)?)?;
        file.sync_all()?;
        Ok(())
    }

    /// Every run's state: the store first (a result is a result, whatever Slurm says),
    /// then the queue, then what the scheduler remembers of ended tasks.
    fn states(&self, submissions: &[Submission]) -> anyhow::Result<(Vec<RunState>, bool)> {
        let offsets: BTreeMap<&str, u64> = submissions
            .iter()
            .map(|s| (s.job.as_str(), s.offset))
            .collect();
        let index_of = |t: &TaskRecord| offsets.get(t.job.as_str()).map(|o| (t.task + o) as usize);
        let mut queued: BTreeMap<usize, String> = BTreeMap::new();
        if !submissions.is_empty() {
            for t in srhm_slurm::queue(&self.job_name).map_err(slurm_error)? {
                if let Some(i) = index_of(&t) {
                    queued.insert(i, t.state);
                }
            }
        }
        let jobs: Vec<String> = submissions.iter().map(|s| s.job.clone()).collect();
        let history = srhm_slurm::history(&jobs).map_err(slurm_error)?;
        let known_history = history.is_some();
        // Later submissions come later in the log and win.
        let order: BTreeMap<&str, usize> = jobs
            .iter()
            .enumerate()
            .map(|(n, j)| (j.as_str(), n))
            .collect();
        let mut ended: BTreeMap<usize, (usize, String)> = BTreeMap::new();
        for t in history.unwrap_or_default() {
            if let (Some(i), Some(&n)) = (index_of(&t), order.get(t.job.as_str()))
                && ended.get(&i).is_none_or(|(m, _)| *m <= n)
            {
                ended.insert(i, (n, t.state));
            }
        }
        let submitted: BTreeSet<usize> = submissions
            .iter()
            .flat_map(|s| {
                srhm_slurm::expand(&s.tasks)
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |t| (t + s.offset) as usize)
            })
            .collect();
        let states = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, run)| match self.store.status(run) {
                Status::Done(_) => RunState::Done,
                Status::Damaged(_) => RunState::Damaged,
                Status::Missing => {
                    if let Some(state) = queued.get(&i) {
                        RunState::Queued(state.clone())
                    } else if submitted.contains(&i) {
                        RunState::Failed(
                            ended
                                .get(&i)
                                .map(|(_, s)| s.clone())
                                .unwrap_or_else(|| "ended without a result".into()),
                        )
                    } else {
                        RunState::Missing
                    }
                }
            })
            .collect();
        Ok((states, known_history))
    }
}

/// A stable 64-bit hash (FNV-1a) of the store path: part of the job name, so sweeps
/// of the same figure into different stores never see each other's tasks.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn slurm_error(e: SlurmError) -> anyhow::Error {
    match e.param() {
        Some(param) => {
            let flag = match param {
                "extra" => "--sbatch-arg".to_string(),
                other => format!("--{}", other.replace('_', "-")),
            };
            UsageError::Conflict(format!("{e} (flag {flag})")).into()
        }
        None => anyhow::Error::from(e),
    }
}

pub fn run(args: &SweepArgs) -> anyhow::Result<()> {
    let sweep = Sweep::load(args)?;
    if args.status {
        status(&sweep, args.json)
    } else {
        submit(&sweep, args)
    }
}

fn status(sweep: &Sweep, json: bool) -> anyhow::Result<()> {
    let submissions = sweep.submissions()?;
    let (states, known_history) = sweep.states(&submissions)?;
    let counts: Vec<(&str, usize)> = CATEGORIES
        .iter()
        .map(|&c| (c, states.iter().filter(|s| s.category() == c).count()))
        .collect();
    let count = |c: &str| counts.iter().find(|(k, _)| *k == c).map_or(0, |(_, n)| *n);
    let failed: Vec<(usize, String)> = states
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            RunState::Failed(state) => Some((i, state.clone())),
            _ => None,
        })
        .collect();
    let leftovers = leftover_temporaries(&sweep.store.runs_dir());
    if json {
        let by_category = |c: &str| -> Vec<usize> {
            states
                .iter()
                .enumerate()
                .filter(|(_, s)| s.category() == c)
                .map(|(i, _)| i)
                .collect()
        };
        let out = serde_json::json!({
            "figure": sweep.spec.figure,
            "preset": sweep.preset,
            "runs": states.len(),
            "counts": counts.iter().map(|(c, n)| (c.to_string(), serde_json::Value::from(*n))).collect::<serde_json::Map<_, _>>(),
            "failed": failed.iter().map(|(i, s)| serde_json::json!({"index": i, "state": s})).collect::<Vec<_>>(),
            "running": by_category("running"),
            "pending": by_category("pending"),
            "missing": by_category("missing"),
            "damaged": by_category("damaged"),
            "jobs": submissions.iter().map(|s| &s.job).collect::<Vec<_>>(),
            "leftover_temporaries": leftovers,
        });
        println!("{out}");
        return Ok(());
    }
    println!(
        "{} --preset {}: {} runs: {}",
        sweep.spec.figure,
        sweep.preset,
        states.len(),
        counts
            .iter()
            .map(|(c, n)| format!("{n} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (i, state) in &failed {
        println!("failed: run {i} ({state})");
    }
    if !known_history && !failed.is_empty() {
        println!(
            "(this cluster keeps no accounting that sacct or a jobcomp file can read: states of ended tasks are unknown)"
        );
    }
    if leftovers > 0 {
        println!(
            "{leftovers} temporary files of killed tasks in {} (never read; safe to delete)",
            sweep.store.runs_dir().display()
        );
    }
    let redo = count("failed") + count("missing") + count("damaged");
    if redo > 0 {
        println!(
            "submit the {redo} failed, damaged or missing runs: srhm sweep --spec {} --preset {} --store {} --slurm",
            sweep.spec_path.display(),
            sweep.preset,
            sweep
                .store
                .dir()
                .parent()
                .unwrap_or(Path::new("."))
                .display()
        );
    }
    Ok(())
}

/// Temporary files a killed writer left (`.srhm-*.tmp`): never mistaken for results.
fn leftover_temporaries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    name.starts_with(".srhm-") && name.ends_with(".tmp")
                })
                .count()
        })
        .unwrap_or(0)
}

fn submit(sweep: &Sweep, args: &SweepArgs) -> anyhow::Result<()> {
    let submissions = sweep.submissions()?;
    let (states, _) = sweep.states(&submissions)?;
    let todo: Vec<u64> = states
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(
                s,
                RunState::Missing | RunState::Failed(_) | RunState::Damaged
            )
        })
        .map(|(i, _)| i as u64)
        .collect();
    let queued = states
        .iter()
        .filter(|s| matches!(s, RunState::Queued(_)))
        .count();
    let done = states.iter().filter(|s| **s == RunState::Done).count();
    if todo.is_empty() {
        println!(
            "nothing to submit: {done} of {} runs done, {queued} queued",
            states.len()
        );
        return Ok(());
    }
    let slurm_dir = sweep.slurm_dir();
    let logs = slurm_dir.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| logs.display().to_string())?;
    let options = SbatchOptions {
        job_name: sweep.job_name.clone(),
        partition: args.partition.clone(),
        time: args.time.clone(),
        gpus_per_task: args.gpus_per_task,
        cpus_per_task: args.cpus_per_task,
        mem: args.mem.clone(),
        max_concurrent: args.max_concurrent,
        output: logs.join("%A_%a.out").to_string_lossy().into_owned(),
        extra: args.sbatch_args.clone(),
    };
    options.validate().map_err(slurm_error)?;
    let srhm = match &args.srhm {
        Some(path) => path
            .canonicalize()
            .with_context(|| format!("--srhm {}", path.display()))?,
        None => std::env::current_exe()?.canonicalize()?,
    };
    let device = match args.device {
        DeviceArg::Auto => "auto",
        DeviceArg::Cpu => "cpu",
        DeviceArg::Cuda => "cuda",
    };
    let mut argv: Vec<String> = vec![
        srhm.to_string_lossy().into_owned(),
        "run".into(),
        "--spec".into(),
        sweep.spec_path.to_string_lossy().into_owned(),
        "--preset".into(),
        sweep.preset.clone(),
        "--store".into(),
        sweep
            .store
            .dir()
            .parent()
            .expect("a figure dir has a parent")
            .to_string_lossy()
            .into_owned(),
        "--device".into(),
        device.into(),
    ];
    if let Some(c) = args.cpus_per_task {
        argv.extend(["--threads".into(), c.to_string()]);
    }
    argv.push("--index".into());
    // Task ids must stay below MaxArraySize: windows of that many run indices, each
    // its own array with an offset.
    let window = if args.dry_run {
        srhm_slurm::max_array_size().unwrap_or(1001)
    } else {
        srhm_slurm::max_array_size().map_err(slurm_error)?
    };
    let mut windows: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for &i in &todo {
        windows.entry(i / window * window).or_default().push(i);
    }
    for (offset, indices) in windows {
        let tasks: Vec<u64> = indices.iter().map(|i| i - offset).collect();
        let script = srhm_slurm::render(&options, &tasks, offset, &argv).map_err(slurm_error)?;
        if args.dry_run {
            println!("{script}");
            continue;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let path = slurm_dir.join(format!("{}-{now}-{offset}.sh", sweep.job_name));
        std::fs::write(&path, &script).with_context(|| path.display().to_string())?;
        let job = srhm_slurm::submit(&path).map_err(slurm_error)?;
        let tasks_list = srhm_slurm::compress(&tasks).map_err(slurm_error)?;
        sweep.append(&Submission {
            job: job.clone(),
            job_name: sweep.job_name.clone(),
            preset: sweep.preset.clone(),
            spec: sweep.spec_path.clone(),
            offset,
            tasks: tasks_list.clone(),
            runs: tasks.len(),
            script: path.clone(),
            submitted_unix: now,
        })?;
        println!(
            "submitted job {job}: {} runs of {} --preset {} (array {tasks_list}, index = task + {offset}); logs in {}",
            tasks.len(),
            sweep.spec.figure,
            sweep.preset,
            logs.display()
        );
    }
    if done + queued > 0 && !args.dry_run {
        println!("({done} runs already done and {queued} queued were not submitted)");
    }
    Ok(())
}
