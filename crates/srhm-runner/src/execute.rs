//! Executing runs into a store that survives interruptions: one Parquet file per
//! finished run (`<figure>/runs/<hash>.parquet`, written atomically), so rerunning
//! skips what is done, a killed process loses only the runs in flight, and a damaged
//! file is reported by name, kept aside, and its run trained again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use srhm_grammar::Params;
use srhm_grammar::{Rules, Sampler, SamplingMode, Split};
use srhm_models::tch::Device;
use srhm_models::{
    BigArchitecture, BigConfig, BigNet, BigTrainConfig, LabelledSet, MemberResult, MemberSpec,
    ModelKind, NetConfig, Progress, big_test_error, device_name, test_errors, train_big,
    train_ensemble,
};
use srhm_store::{Record, StoreError, Value, read_records, write_records};

use crate::error::{Result, RunnerError};
use crate::inputs::InputFormat;
use crate::one_step::one_step_records;
use crate::sensitivity::{
    BIG_NET_DEPTHS, BigNetProbe, SensitivityConfig, SensitivityEntry, sensitivities,
};
use crate::spec::Run;

/// A preset's name as a file name: letters, digits, `-` and `_` only.
fn preset_file_name(preset: &str) -> Result<&str> {
    let plain = !preset.is_empty()
        && preset
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain {
        Ok(preset)
    } else {
        Err(RunnerError::invalid(
            "preset",
            format!("`{preset}` is not a plain name ([A-Za-z0-9_-]+)"),
        ))
    }
}

/// Networks of one ensemble at most (bounds the memory of its weights; larger groups of
/// runs are split into near-equal chunks). 64 holds a configuration of every repository
/// preset (P points × seeds ≤ 12 × 5) in one ensemble, whose trainer then keeps its
/// slots busy to the end instead of finishing a small remainder on its own.
const MAX_MEMBERS: usize = 64;

/// Where a figure's results live: `<root>/<figure>/runs/<hash>.parquet`, compacted
/// into `<root>/<figure>/runs.parquet`; and `<root>/<figure>/archive/<preset>.parquet`,
/// one table per preset of finished runs that the repository keeps (a per-run file weighs
/// ~20 KB, a row of a table well under 1 KB), read as done runs when `runs/` lacks them.
#[derive(Debug, Clone)]
pub struct RunStore {
    root: PathBuf,
    figure: String,
    archive: std::sync::OnceLock<BTreeMap<String, Record>>,
}

/// What the store holds for a run.
#[derive(Debug)]
pub enum Status {
    Done(Record),
    Missing,
    /// The file exists but cannot be read; it will be kept aside and the run redone.
    Damaged(StoreError),
}

impl RunStore {
    pub fn new(root: &Path, figure: &str) -> Self {
        RunStore {
            root: root.to_path_buf(),
            figure: figure.to_string(),
            archive: std::sync::OnceLock::new(),
        }
    }

    /// `<root>/<figure>/archive`: the tables of finished runs kept with the repository.
    pub fn archive_dir(&self) -> PathBuf {
        self.dir().join("archive")
    }

    /// Every archived row by its run's hash, read once. An unreadable table is reported
    /// (never rewritten) and its runs count as missing.
    fn archived(&self) -> &BTreeMap<String, Record> {
        self.archive.get_or_init(|| {
            let mut rows = BTreeMap::new();
            let Ok(entries) = std::fs::read_dir(self.archive_dir()) else {
                return rows;
            };
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
                .collect();
            paths.sort();
            for path in paths {
                match read_records(&path) {
                    Ok(records) => {
                        for record in records {
                            if let Some(Value::Text(hash)) = record.get("hash") {
                                rows.insert(hash.clone(), record);
                            }
                        }
                    }
                    Err(error) => tracing::warn!(
                        "archive {} cannot be read ({error}): its runs count as missing",
                        path.display()
                    ),
                }
            }
            rows
        })
    }

    /// Writes every finished run of `runs` (from `runs/` or an archive) into
    /// `archive/<preset>.parquet`, atomically; returns how many.
    pub fn write_archive(&self, preset: &str, runs: &[Run]) -> Result<usize> {
        let name = preset_file_name(preset)?;
        let records: Vec<Record> = runs
            .iter()
            .filter_map(|run| match self.status(run) {
                Status::Done(record) => Some(record),
                _ => None,
            })
            .collect();
        let dir = self.archive_dir();
        std::fs::create_dir_all(&dir).map_err(|e| RunnerError::Io {
            path: dir.clone(),
            source: e,
        })?;
        let path = dir.join(format!("{name}.parquet"));
        let temp = dir.join(format!(".{name}.parquet.tmp"));
        write_records(&temp, &records, true).map_err(RunnerError::Store)?;
        std::fs::rename(&temp, &path).map_err(|e| RunnerError::Io { path, source: e })?;
        Ok(records.len())
    }

    pub fn dir(&self) -> PathBuf {
        self.root.join(&self.figure)
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.dir().join("runs")
    }

    pub fn table_path(&self) -> PathBuf {
        self.dir().join("runs.parquet")
    }

    pub fn run_path(&self, run: &Run) -> PathBuf {
        self.runs_dir().join(format!("{}.parquet", run.hash()))
    }

    pub fn status(&self, run: &Run) -> Status {
        let path = self.run_path(run);
        if !path.exists() {
            return match self.archived().get(&run.hash()) {
                Some(record) => Status::Done(record.clone()),
                None => Status::Missing,
            };
        }
        match read_records(&path) {
            Ok(mut records) if records.len() == 1 => Status::Done(records.remove(0)),
            Ok(records) => Status::Damaged(StoreError::NotADataset {
                path,
                reason: format!("holds {} rows, not 1", records.len()),
            }),
            Err(e) => Status::Damaged(e),
        }
    }

    /// The same run finished for another figure (runs are named by their hash), if any.
    fn done_elsewhere(&self, run: &Run) -> Option<Record> {
        let name = format!("{}.parquet", run.hash());
        let entries = std::fs::read_dir(&self.root).ok()?;
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name() != self.figure.as_str())
            .map(|e| e.path().join("runs").join(&name))
            .find_map(|path| read_records(&path).ok().filter(|r| r.len() == 1))
            .map(|mut records| records.remove(0))
    }

    /// Moves a damaged file aside (never deleted: it may be worth a look) and says where.
    fn set_aside(&self, run: &Run) -> Result<PathBuf> {
        let path = self.run_path(run);
        let mut aside = path.with_extension("parquet.damaged");
        let mut n = 1;
        while aside.exists() {
            aside = path.with_extension(format!("parquet.damaged.{n}"));
            n += 1;
        }
        std::fs::rename(&path, &aside)
            .map_err(|e| RunnerError::invalid("store", format!("{}: {e}", path.display())))?;
        Ok(aside)
    }

    fn save(&self, run: &Run, record: &Record) -> Result<()> {
        std::fs::create_dir_all(self.runs_dir()).map_err(|e| {
            RunnerError::invalid("store", format!("{}: {e}", self.runs_dir().display()))
        })?;
        let path = self.run_path(run);
        match write_records(&path, std::slice::from_ref(record), false) {
            Ok(()) => Ok(()),
            // Finished meanwhile by another process (e.g. a cluster task): keep theirs.
            Err(_) if matches!(self.status(run), Status::Done(_)) => Ok(()),
            Err(e) => Err(RunnerError::invalid("store", e.to_string())),
        }
    }
}

/// What happened to the runs handed to [`execute_runs`].
#[derive(Debug, Default)]
pub struct ExecSummary {
    pub already_done: usize,
    pub reused: usize,
    pub trained: usize,
    /// Damaged files found, with where they were moved.
    pub damaged: Vec<(PathBuf, String)>,
}

/// Progress of an execution.
#[derive(Debug, Clone)]
pub struct ExecProgress {
    pub done: usize,
    pub total: usize,
    pub message: String,
}

/// Trains every run of `runs` (index, run) that the store does not hold, ensembles of
/// runs that differ only in P and seed at once, and writes each finished run.
pub fn execute_runs(
    store: &RunStore,
    runs: &[(usize, Run)],
    device: Device,
    progress: &mut dyn FnMut(ExecProgress),
) -> Result<ExecSummary> {
    let mut summary = ExecSummary::default();
    let mut pending: BTreeMap<String, Vec<(usize, Run)>> = BTreeMap::new();
    for (index, run) in runs {
        match store.status(run) {
            Status::Done(_) => summary.already_done += 1,
            Status::Damaged(error) => {
                let aside = store.set_aside(run)?;
                tracing::warn!("{error}: moved to {} and run again", aside.display());
                summary.damaged.push((aside, error.to_string()));
                pending
                    .entry(run.ensemble_key())
                    .or_default()
                    .push((*index, run.clone()));
            }
            Status::Missing => match store.done_elsewhere(run) {
                Some(mut record) => {
                    record.insert("figure".into(), Value::Text(store.figure.clone()));
                    record.insert("run_index".into(), Value::Int(*index as i64));
                    store.save(run, &record)?;
                    summary.reused += 1;
                }
                None => pending
                    .entry(run.ensemble_key())
                    .or_default()
                    .push((*index, run.clone())),
            },
        }
    }
    // Networkless runs are fast: do them first, one pass over the data per seed.
    let mut one_step: BTreeMap<(String, u64), Vec<(usize, Run)>> = BTreeMap::new();
    pending.retain(|key, group| {
        if group.iter().all(|(_, run)| run.experiment.is_training()) {
            return true;
        }
        for (index, run) in group.drain(..) {
            one_step
                .entry((key.clone(), run.seed))
                .or_default()
                .push((index, run));
        }
        false
    });
    let total = runs.len();
    let mut done = summary.already_done + summary.reused;
    progress(ExecProgress {
        done,
        total,
        message: format!("{done} done before, {} to train", total - done),
    });
    for runs in one_step.values() {
        let records = one_step_records(runs, &store.figure)?;
        for ((_, run), record) in runs.iter().zip(&records) {
            store.save(run, record)?;
        }
        done += runs.len();
        summary.trained += runs.len();
        progress(ExecProgress {
            done,
            total,
            message: format!(
                "one-step updates up to P = {}",
                runs.iter().map(|(_, r)| r.p).max().unwrap_or(0)
            ),
        });
    }
    for group in pending.into_values() {
        let mut group = group;
        group.sort_by_key(|(_, r)| (r.seed, r.p));
        let chunks = group.len().div_ceil(MAX_MEMBERS);
        for chunk in group.chunks(group.len().div_ceil(chunks)) {
            let finished = train_group(store, chunk, device, &mut |message| {
                progress(ExecProgress {
                    done,
                    total,
                    message,
                })
            })?;
            done += finished;
            summary.trained += finished;
            progress(ExecProgress {
                done,
                total,
                message: format!("{} networks trained", summary.trained),
            });
        }
    }
    Ok(summary)
}

/// One seed's data: its rules, training set (the largest P its runs need) and test set.
struct SeedData {
    seed: u64,
    rules: Rules,
    test_split: Split,
    train: LabelledSet,
    test: LabelledSet,
}

/// The largest P among `chunk`'s runs of `seed`.
fn largest_p(chunk: &[(usize, Run)], seed: u64) -> u64 {
    chunk
        .iter()
        .filter(|(_, r)| r.seed == seed)
        .map(|(_, r)| r.p)
        .max()
        .unwrap_or(0)
}

impl SeedData {
    /// Seed j's rules, its first `train` training data and its test set.
    fn draw(params: &Params, seed: u64, train: u64, test: usize, device: Device) -> Result<Self> {
        let format = InputFormat::default();
        let rules = Rules::sample(params, seed)?;
        let data = Sampler::new(&rules, seed, SamplingMode::Auto)?.sample(train as usize, test)?;
        let train =
            format.labelled(data.train.tokens.view(), &data.train.labels, params, device)?;
        let test = format.labelled(data.test.tokens.view(), &data.test.labels, params, device)?;
        Ok(SeedData {
            seed,
            rules,
            test_split: data.test,
            train,
            test,
        })
    }
}

/// Trains big nets one by one (no batching across networks: each is large enough to
/// fill the device), measures each at [`BIG_NET_DEPTHS`] and the output, writes each.
fn train_big_runs(
    store: &RunStore,
    chunk: &[(usize, Run)],
    architecture: BigArchitecture,
    device: Device,
    say: &mut dyn FnMut(String),
) -> Result<usize> {
    let mut written = 0;
    // Training sets of a seed are nested in P: draw each seed's largest once (the
    // chunk is sorted by seed, then P).
    let mut data: Option<SeedData> = None;
    for (index, run) in chunk {
        let started = Instant::now();
        if data.as_ref().is_none_or(|d| d.seed != run.seed) {
            let largest = largest_p(chunk, run.seed);
            data = Some(SeedData::draw(
                &run.params,
                run.seed,
                largest,
                run.test,
                device,
            )?);
        }
        let data = data.as_ref().expect("drawn above");
        let config = BigConfig {
            architecture,
            vocab: run.params.vocab,
            classes: run.params.classes,
            width: run.width,
        };
        let mut net = BigNet::new(config, run.seed, device)?;
        let train = BigTrainConfig {
            lr: run.train.lr,
            momentum: run.train.momentum,
            batch: run.train.batch,
            loss_threshold: run.train.loss_threshold,
            max_steps: run.train.max_steps,
            precision: run.precision,
        };
        let name = run.model_name();
        let result = train_big(
            &mut net,
            &train,
            &data.train,
            run.p as usize,
            run.seed,
            &mut |step, loss| {
                if step % 2000 == 0 {
                    say(format!(
                        "training {name} (P = {}, seed {}): step {step}, loss {loss:.1e}",
                        run.p, run.seed
                    ));
                }
            },
        )?;
        let error = big_test_error(&net, &data.test)?;
        let measured = if run.sensitivities {
            let probe = BigNetProbe {
                net: &net,
                depths: BIG_NET_DEPTHS.to_vec(),
            };
            let config = SensitivityConfig {
                diffeo_mode: run.diffeo_mode,
                seed: run.seed,
                ..SensitivityConfig::default()
            };
            let format = InputFormat::default();
            Some(sensitivities(&probe, &data.rules, &data.test_split, format, &config)?.remove(0))
        } else {
            None
        };
        let record = run_record(
            run,
            *index,
            &store.figure,
            &result,
            error,
            measured.as_deref(),
            device,
            started.elapsed().as_secs_f64(),
        );
        store.save(run, &record)?;
        written += 1;
    }
    Ok(written)
}

/// Trains `chunk` (runs sharing everything but P and seed, sorted by seed then P) as
/// one ensemble, measures each, writes each. Returns how many were written.
fn train_group(
    store: &RunStore,
    chunk: &[(usize, Run)],
    device: Device,
    say: &mut dyn FnMut(String),
) -> Result<usize> {
    let started = Instant::now();
    let first = &chunk[0].1;
    let architecture = match first.model {
        ModelKind::Small(architecture) => architecture,
        ModelKind::Big(big) => return train_big_runs(store, chunk, big, device, say),
    };
    let params = first.params;
    let format = InputFormat::default();
    let mut seeds: Vec<SeedData> = Vec::new();
    let mut members = Vec::with_capacity(chunk.len());
    for (_, run) in chunk {
        if seeds.last().is_none_or(|s| s.seed != run.seed) {
            let largest = largest_p(chunk, run.seed);
            seeds.push(SeedData::draw(
                &params, run.seed, largest, run.test, device,
            )?);
        }
        members.push(MemberSpec {
            seed: run.seed,
            set: seeds.len() - 1,
            train_size: run.p as usize,
        });
    }
    let net = NetConfig {
        parametrisation: first.parametrisation,
        ..NetConfig::for_data(architecture, &params, first.width)
    };
    say(format!(
        "training {} {}s (H = {}, L = {}, v = {}, s0 = {}), P up to {}",
        chunk.len(),
        first.model_name(),
        first.width,
        params.levels,
        params.vocab,
        params.s0(),
        chunk.iter().map(|(_, r)| r.p).max().unwrap_or(0)
    ));
    let sets: Vec<LabelledSet> = seeds
        .iter()
        .map(|s| LabelledSet {
            x: s.train.x.shallow_clone(),
            y: s.train.y.shallow_clone(),
        })
        .collect();
    let (ensemble, results) = train_ensemble(
        net,
        &first.train,
        &members,
        &sets,
        None,
        device,
        &mut |p: Progress| {
            if p.member_steps % 20_000 < 50 {
                say(format!(
                    "training {} {}s: {}/{} stopped, loss {:.1e}",
                    p.members,
                    first.model_name(),
                    p.finished,
                    p.members,
                    p.mean_loss
                ));
            }
        },
    )?;
    let mut written = 0;
    let mut start = 0;
    for data in &seeds {
        let len = members[start..]
            .iter()
            .take_while(|m| m.seed == data.seed)
            .count();
        let view = ensemble.member_range(start, len);
        let errors = test_errors(&view, &data.test)?;
        let measured = if first.sensitivities {
            let config = SensitivityConfig {
                diffeo_mode: first.diffeo_mode,
                seed: data.seed,
                ..SensitivityConfig::default()
            };
            Some(sensitivities(
                &view,
                &data.rules,
                &data.test_split,
                format,
                &config,
            )?)
        } else {
            None
        };
        for i in 0..len {
            let (index, run) = &chunk[start + i];
            let record = run_record(
                run,
                *index,
                &store.figure,
                &results[start + i],
                errors[i],
                measured.as_ref().map(|m| m[i].as_slice()),
                device,
                started.elapsed().as_secs_f64(),
            );
            store.save(run, &record)?;
            written += 1;
        }
        start += len;
    }
    Ok(written)
}

/// The row of a finished run: every parameter, the training's outcome, the test
/// error, S/D/DG with standard errors when measured, and where it ran.
#[allow(clippy::too_many_arguments)]
pub fn run_record(
    run: &Run,
    index: usize,
    figure: &str,
    result: &MemberResult,
    test_error: f64,
    sensitivities: Option<&[SensitivityEntry]>,
    device: Device,
    group_wall_s: f64,
) -> Record {
    let mut r = identity_columns(run, index, figure, run.model_name());
    let mut put = |k: &str, v: Value| {
        r.insert(k.to_string(), v);
    };
    let int = |x: u64| Value::Int(x as i64);
    put(
        "parametrisation",
        Value::Text(format!("{:?}", run.parametrisation).to_lowercase()),
    );
    put("lr", Value::Float(run.train.lr));
    put("test_size", int(run.test as u64));
    put("batch", int(run.train.batch as u64));
    put("loss_threshold", Value::Float(run.train.loss_threshold));
    put("max_steps", int(run.train.max_steps));
    put("steps", int(result.steps));
    put("epochs", int(result.epochs));
    put("train_loss", Value::Float(result.train_loss));
    put("hit_step_cap", Value::Bool(result.hit_step_cap));
    put("test_error", Value::Float(test_error));
    put("wall_s", Value::Float(result.wall_s));
    put("group_wall_s", Value::Float(group_wall_s));
    put("device", Value::Text(device_name(device)));
    if let Some(entries) = sensitivities {
        put(
            "diffeo_mode",
            Value::Text(format!("{:?}", run.diffeo_mode).to_lowercase()),
        );
        for (key, value) in entries.iter().flat_map(SensitivityEntry::columns) {
            if let Some(value) = value {
                put(&key, Value::Float(value));
            }
        }
    }
    r
}

/// The columns that name a run whatever it measures: where it belongs, its data model,
/// P, seed, width (0 without a network) and code version.
pub(crate) fn identity_columns(run: &Run, index: usize, figure: &str, model: &str) -> Record {
    let params = &run.params;
    let mut r = Record::new();
    let mut put = |k: &str, v: Value| {
        r.insert(k.to_string(), v);
    };
    let int = |x: u64| Value::Int(x as i64);
    put("figure", Value::Text(figure.into()));
    put("run_index", int(index as u64));
    put("hash", Value::Text(run.hash()));
    put("model", Value::Text(model.into()));
    put("levels", int(params.levels as u64));
    put("patch", int(params.patch as u64));
    put("s0", int(params.s0() as u64));
    let sparsity = match params.sparsity {
        srhm_grammar::Sparsity::None => "none",
        srhm_grammar::Sparsity::A { .. } => "a",
        srhm_grammar::Sparsity::B { .. } => "b",
    };
    put("sparsity", Value::Text(sparsity.into()));
    put("vocab", int(params.vocab as u64));
    put("synonyms", int(params.synonyms as u64));
    put("classes", int(params.classes as u64));
    put("input_len", int(params.input_len() as u64));
    put("width", int(run.width as u64));
    put("p", int(run.p));
    put("seed", int(run.seed));
    put("code_version", Value::Text(run.code_version.clone()));
    r
}
