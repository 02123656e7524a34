//! Experiment specs: one TOML file per figure, with `smoke`, `quick` and `paper`
//! presets, each expanding into independent runs (one network: a model, a data
//! model, a training-set size P and a seed) that are identified by a hash of
//! everything that determines their result and addressable by index.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use srhm_grammar::{Params, Sparsity};
use srhm_models::{Architecture, ModelKind, Parametrisation, Precision, TrainConfig};
use srhm_transforms::DiffeoMode;

use crate::error::{Result, RunnerError};
use crate::pstar::predicted_p_star;
use srhm_scaling::predict;

/// Version of the code that produced a result; part of every run's hash.
/// The `+netsN` suffix is `srhm_models::NETWORKS_REVISION` (a test keeps them equal):
/// changing the networks or their training changes every run's hash.
pub const CODE_VERSION: &str = concat!("srhm-lab ", env!("CARGO_PKG_VERSION"), "+nets2");

/// A figure's spec file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Directory name of the figure's results and plots, e.g. `fig04`.
    pub figure: String,
    pub title: String,
    /// The paper's claim this figure checks.
    pub claim: String,
    /// A figure drawn from other figures' runs (e.g. fig06 from fig04's, or fig14 from
    /// `["fig04", "fig10"]`) has none of its own.
    #[serde(default)]
    pub data_from: Option<Sources>,
    /// What the figure shows, e.g. `["curves:lcn", "pstar:lcn"]` (read by srhm-figures;
    /// a spec without panels only runs).
    #[serde(default)]
    pub panels: Vec<String>,
    #[serde(default)]
    pub presets: BTreeMap<String, Preset>,
}

/// What a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Experiment {
    /// Train a network to the loss threshold, then measure it.
    #[default]
    Training,
    /// The first gradient step of a wide LCN (Appendix C): the signal and noise of the
    /// update from P data, against its exact expectation (`srhm_metrics::one_step`).
    /// No network is trained: models, width, test and max_steps do not apply.
    OneStep,
}

impl Experiment {
    pub fn is_training(&self) -> bool {
        *self == Experiment::Training
    }
}

/// What one preset runs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    #[serde(default)]
    pub experiment: Experiment,
    /// lcn, cnn, fcn (batched ensembles) and the big nets vgg11, vgg16, resnet18,
    /// resnet34, efficientnet-b0 (one at a time; SPEC §4: lr 1e-4, stop at loss 1e-2).
    #[serde(default)]
    pub models: Vec<ModelKind>,
    /// One width, or several (each model and configuration is run at every width).
    #[serde(default = "Widths::none")]
    pub width: Widths,
    #[serde(default)]
    pub parametrisation: Parametrisation,
    /// Replicas: seed j draws its own rules, data and network (seeds 0..seeds).
    pub seeds: u64,
    /// Test points of every run (and of its sensitivities).
    #[serde(default)]
    pub test: usize,
    /// Learning rate before the parametrisation's scaling (default: SPEC §4's).
    #[serde(default)]
    pub lr: Option<f64>,
    #[serde(default = "default_batch")]
    pub batch: usize,
    #[serde(default = "default_loss_threshold")]
    pub loss_threshold: f64,
    #[serde(default)]
    pub max_steps: u64,
    pub p: PGrid,
    /// Also measure S_{k,l}, D_{k,l} and D/G of every run.
    #[serde(default)]
    pub sensitivities: bool,
    #[serde(default)]
    pub diffeo_mode: DiffeoMode,
    /// Big nets on CUDA may train in mixed precision.
    #[serde(default)]
    pub precision: Precision,
    pub configs: Vec<DataConfig>,
}

/// `data_from = "fig04"` or `data_from = ["fig04", "fig10"]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Sources {
    One(String),
    Many(Vec<String>),
}

/// `width = 64` or `width = [16, 32, 64]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Widths {
    One(u32),
    Many(Vec<u32>),
}

impl Widths {
    fn none() -> Self {
        Widths::Many(Vec::new())
    }

    pub fn values(&self) -> Vec<u32> {
        match self {
            Widths::One(w) => vec![*w],
            Widths::Many(ws) => ws.clone(),
        }
    }
}

fn default_batch() -> usize {
    4
}

fn default_loss_threshold() -> f64 {
    1e-3
}

/// The training-set sizes of each configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum PGrid {
    /// Multiples of the paper's prediction of P* (Eq. 3 for LCN/FCN, Eq. 4 for CNN), so
    /// that one grid brackets P* across configurations whose P* differ by decades.
    Factors(Vec<f64>),
    /// The same sizes for every configuration.
    Values(Vec<u64>),
    /// A geometric grid over both laws at once: from the smaller of Eq. 3 and Eq. 4
    /// divided by `below` to the larger times `above`, with `points` sizes. LCN and CNN
    /// runs of one configuration then share every P, and neither law is favoured.
    Bracket(Bracket),
}

/// `p = { bracket = { below = 8.0, above = 8.0, points = 10 } }`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bracket {
    pub below: f64,
    pub above: f64,
    pub points: usize,
}

/// A data model: synonyms and classes default to the vocabulary size (the paper's
/// m = nc = v), sparsity to A.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    pub levels: u32,
    pub patch: u32,
    pub s0: u32,
    pub vocab: u32,
    #[serde(default)]
    pub synonyms: Option<u32>,
    #[serde(default)]
    pub classes: Option<u32>,
    #[serde(default)]
    pub sparsity_b: bool,
    /// This configuration's largest P, when its data space cannot hold the grid's top
    /// (s0 = 0 at L = 2: only v^4 data in all). The page then reports P* beyond it as a
    /// bound; the spec's comment must say why.
    #[serde(default)]
    pub p_max: Option<u64>,
    /// This configuration's test-set size, when it differs from the preset's.
    #[serde(default)]
    pub test: Option<usize>,
    /// This configuration's network width, when it differs from the preset's (the paper's
    /// FCN: 512 at L = 2, 256 at L = 3).
    #[serde(default)]
    pub width: Option<u32>,
    /// Only these of the preset's models run this configuration (e.g. the paper's
    /// s0 = 6, which only its CNNs reach).
    #[serde(default)]
    pub models: Option<Vec<ModelKind>>,
}

impl DataConfig {
    /// The test-set size of this configuration's runs: its own, else the preset's.
    pub fn test_size(&self, preset_test: usize) -> usize {
        self.test.unwrap_or(preset_test)
    }

    /// Whether `model` runs this configuration.
    pub fn runs_model(&self, model: ModelKind) -> bool {
        self.models
            .as_ref()
            .is_none_or(|models| models.contains(&model))
    }

    /// "L=2 s=2 s0=1 v=4 m=4 nc=4 A": how errors and lists name a configuration.
    pub fn label(&self) -> String {
        let params = self.params();
        format!(
            "L={} s={} s0={} v={} m={} nc={} {}",
            params.levels,
            params.patch,
            self.s0,
            params.vocab,
            params.synonyms,
            params.classes,
            if self.sparsity_b { "B" } else { "A" }
        )
    }

    pub fn params(&self) -> Params {
        Params {
            levels: self.levels,
            patch: self.patch,
            vocab: self.vocab,
            synonyms: self.synonyms.unwrap_or(self.vocab),
            classes: self.classes.unwrap_or(self.vocab),
            sparsity: if self.sparsity_b {
                Sparsity::B { s0: self.s0 }
            } else {
                Sparsity::A { s0: self.s0 }
            },
        }
    }
}

/// One network to train and measure. Everything here determines the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub model: ModelKind,
    pub params: Params,
    pub width: u32,
    pub parametrisation: Parametrisation,
    pub train: TrainConfig,
    pub p: u64,
    /// Rules, data and network seed.
    pub seed: u64,
    pub test: usize,
    pub sensitivities: bool,
    pub diffeo_mode: DiffeoMode,
    pub code_version: String,
    /// Absent from training runs' JSON, so that their hashes predate this field.
    #[serde(default, skip_serializing_if = "Experiment::is_training")]
    pub experiment: Experiment,
    #[serde(default, skip_serializing_if = "Precision::is_f32")]
    pub precision: Precision,
}

impl Run {
    pub fn model_name(&self) -> &'static str {
        self.model.name()
    }

    /// "L=2 s=2 s0=1 v=4": the data model, as lists and notes name it.
    pub fn data_label(&self) -> String {
        format!(
            "L={} s={} s0={} v={}",
            self.params.levels,
            self.params.patch,
            self.params.s0(),
            self.params.vocab
        )
    }

    /// 16 hex digits of SHA-256 of the run's canonical JSON: the name of its result
    /// file, the same in every figure and on every machine.
    pub fn hash(&self) -> String {
        let json = serde_json::to_string(self).expect("a run serialises");
        let digest = Sha256::digest(json.as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Runs that can share one ensemble: all but P and the seed agree.
    pub fn ensemble_key(&self) -> String {
        let mut key = self.clone();
        key.p = 0;
        key.seed = 0;
        serde_json::to_string(&key).expect("a run serialises")
    }
}

/// A figure's name (`figure`, or one in `data_from`) is a directory of the store: a plain
/// name of ASCII letters, digits, `_` and `-`, so that no spec can reach outside the
/// store's root (`..`, `/`, an absolute path) or hide a file (a leading `.`).
fn check_name(key: &'static str, name: &str) -> Result<()> {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if name.is_empty() || name.len() > 64 || !plain || name.starts_with('-') {
        return Err(RunnerError::invalid(
            key,
            format!(
                "`{name}` is not a plain name (1–64 ASCII letters, digits, `_` or `-`, not \
                 starting with `-`): it names a directory of the store"
            ),
        ));
    }
    Ok(())
}

impl Spec {
    pub fn load(path: &Path) -> Result<Spec> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RunnerError::invalid("spec", format!("{}: {e}", path.display())))?;
        let spec: Spec = toml::from_str(&text)
            .map_err(|e| RunnerError::invalid("spec", format!("{}: {e}", path.display())))?;
        check_name("figure", &spec.figure)?;
        for source in spec.sources() {
            check_name("data_from", source)?;
        }
        for (name, preset) in &spec.presets {
            spec.check_preset(name, preset)?;
        }
        if spec.data_from.is_some() != spec.presets.is_empty() {
            return Err(RunnerError::invalid(
                "spec",
                format!(
                    "{}: a spec has either presets or `data_from`, not both or neither",
                    path.display()
                ),
            ));
        }
        Ok(spec)
    }

    fn check_preset(&self, name: &str, preset: &Preset) -> Result<()> {
        let bad = |reason: String| {
            RunnerError::invalid(
                "preset",
                format!("{} preset `{name}`: {reason}", self.figure),
            )
        };
        if preset.configs.is_empty() || preset.seeds == 0 {
            return Err(bad("needs configs and seeds ≥ 1".into()));
        }
        match preset.experiment {
            Experiment::Training => {
                if preset.models.is_empty()
                    || preset.width.values().is_empty()
                    || preset.test == 0
                    || preset.max_steps == 0
                {
                    return Err(bad(
                        "a training preset needs models, widths, test ≥ 1 and max_steps ≥ 1".into(),
                    ));
                }
            }
            Experiment::OneStep => {
                if !preset.models.is_empty()
                    || !preset.width.values().is_empty()
                    || preset.test != 0
                    || preset.max_steps != 0
                    || preset.sensitivities
                {
                    return Err(bad(
                        "a one-step preset trains no network: drop models, width, test, \
                         max_steps and sensitivities"
                            .into(),
                    ));
                }
            }
        }
        for config in &preset.configs {
            let params = config.params();
            params
                .validate()
                .map_err(|e| bad(format!("{}: {e}", config.label())))?;
            if config.test == Some(0) || config.p_max == Some(0) {
                return Err(bad(format!(
                    "{}: a configuration's own `test` and `p_max` must be ≥ 1",
                    config.label()
                )));
            }
            if config.models.as_ref().is_some_and(Vec::is_empty) {
                return Err(bad(format!(
                    "{}: a configuration's `models` must name at least one model",
                    config.label()
                )));
            }
            let own_width_ok = match config.width {
                None => true,
                Some(w) => w > 0 && preset.experiment.is_training(),
            };
            if !own_width_ok {
                return Err(bad(format!(
                    "{}: a configuration's own `width` must be ≥ 1 (and only in a training)",
                    config.label()
                )));
            }
            if let Some(models) = &config.models
                && let Some(stray) = models.iter().find(|m| !preset.run_models().contains(m))
            {
                return Err(bad(format!(
                    "{}: `models` names {}, which the preset does not run",
                    config.label(),
                    stray.name()
                )));
            }
            for model in preset
                .run_models()
                .into_iter()
                .filter(|&m| config.runs_model(m))
            {
                p_values(&preset.p, preset.experiment, model, config, preset.test)
                    .map_err(|e| bad(format!("{} {}: {}", model.name(), config.label(), e)))?;
            }
        }
        Ok(())
    }

    /// The figures whose runs this one is drawn from (itself, usually).
    pub fn sources(&self) -> Vec<&str> {
        match &self.data_from {
            None => vec![self.figure.as_str()],
            Some(Sources::One(figure)) => vec![figure.as_str()],
            Some(Sources::Many(figures)) => figures.iter().map(String::as_str).collect(),
        }
    }

    pub fn preset(&self, name: &str) -> Result<&Preset> {
        self.presets.get(name).ok_or_else(|| {
            RunnerError::invalid(
                "preset",
                format!(
                    "{} has no preset `{name}` (it has: {})",
                    self.figure,
                    self.presets.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    /// Every run of a preset, in a fixed order: model, configuration, P, seed.
    pub fn runs(&self, preset_name: &str) -> Result<Vec<Run>> {
        let preset = self.preset(preset_name)?;
        let mut runs = Vec::new();
        let widths = match preset.experiment {
            Experiment::Training => preset.width.values(),
            Experiment::OneStep => vec![0],
        };
        for model in preset.run_models() {
            for (i, &width) in widths.iter().enumerate() {
                for config in preset.configs.iter().filter(|c| c.runs_model(model)) {
                    // A configuration with its own width runs once, at that width.
                    let width = match config.width {
                        Some(_) if i > 0 => continue,
                        Some(own) => own,
                        None => width,
                    };
                    let params = config.params();
                    let default_lr = match model {
                        ModelKind::Small(architecture) => {
                            TrainConfig::paper_lr(architecture, &params)
                        }
                        ModelKind::Big(_) => srhm_models::BigTrainConfig::default().lr,
                    };
                    let train = TrainConfig {
                        lr: preset.lr.unwrap_or(default_lr),
                        batch: preset.batch,
                        loss_threshold: preset.loss_threshold,
                        max_steps: preset.max_steps,
                        ..TrainConfig::default()
                    };
                    let test = config.test_size(preset.test);
                    for p in p_values(&preset.p, preset.experiment, model, config, preset.test)? {
                        for seed in 0..preset.seeds {
                            runs.push(Run {
                                model,
                                params,
                                width,
                                parametrisation: preset.parametrisation,
                                train,
                                p,
                                seed,
                                test,
                                sensitivities: preset.sensitivities,
                                diffeo_mode: preset.diffeo_mode,
                                code_version: CODE_VERSION.into(),
                                experiment: preset.experiment,
                                precision: preset.precision,
                            });
                        }
                    }
                }
            }
        }
        Ok(runs)
    }
}

impl Preset {
    /// The models whose runs this preset lists: the one-step analysis is of a wide LCN.
    fn run_models(&self) -> Vec<ModelKind> {
        match self.experiment {
            Experiment::Training => self.models.clone(),
            Experiment::OneStep => vec![ModelKind::Small(Architecture::Lcn)],
        }
    }
}

/// What P grids given as factors multiply: the paper's P* (Eq. 3 or 4) for a training,
/// Appendix C's nc·m^L·(s0+1)^L for the one-step analysis.
fn p_scale(experiment: Experiment, model: ModelKind, params: &Params) -> Result<f64> {
    match (experiment, model) {
        (Experiment::Training, ModelKind::Small(architecture)) => {
            predicted_p_star(architecture, params)
        }
        (Experiment::Training, ModelKind::Big(big)) => Err(RunnerError::invalid(
            "p",
            format!(
                "the paper predicts no P* for {}: give `p = {{ values = [...] }}`",
                big.name()
            ),
        )),
        (Experiment::OneStep, _) => predict::eq3_lcn(
            params.levels,
            params.s0(),
            params.synonyms,
            params.classes,
            1.0,
        )
        .map_err(|e| RunnerError::invalid("params", e.to_string())),
    }
}

/// The P values of one configuration: rounded, at least 1, at most the configuration's
/// `p_max`, without repeats, increasing. A training's largest P plus its test set must
/// fit in the exact number of distinct data (training and test sets never share a
/// datum): otherwise this is an error naming both counts, never a silent clamp. The
/// one-step analysis draws data with replacement: no limit.
pub fn p_values(
    grid: &PGrid,
    experiment: Experiment,
    model: ModelKind,
    config: &DataConfig,
    preset_test: usize,
) -> Result<Vec<u64>> {
    let params = config.params();
    let raw: Vec<u64> = match grid {
        PGrid::Values(values) => values.clone(),
        PGrid::Factors(factors) => {
            let prediction = p_scale(experiment, model, &params)?;
            factors
                .iter()
                .map(|f| (f * prediction).round() as u64)
                .collect()
        }
        PGrid::Bracket(bracket) => bracket_values(bracket, &params)?,
    };
    let cap = config.p_max.unwrap_or(u64::MAX);
    let mut values: Vec<u64> = raw.into_iter().map(|p| p.clamp(1, cap.max(1))).collect();
    values.sort_unstable();
    values.dedup();
    if experiment == Experiment::Training {
        let test = config.test_size(preset_test) as u128;
        let largest = *values.last().unwrap_or(&0) as u128;
        let distinct = params.count_total_u128().unwrap_or(u128::MAX);
        if largest + test > distinct {
            return Err(RunnerError::invalid(
                "p",
                format!(
                    "the largest P ({largest}) plus the test set ({test}) needs {} distinct \
                     data, but this data model has only {distinct}: lower the grid's top \
                     (`p_max`) or the test set, or pick a larger configuration",
                    largest + test
                ),
            ));
        }
    }
    Ok(values)
}

/// `points` sizes from min(Eq. 3, Eq. 4)/below to max(Eq. 3, Eq. 4)·above, geometric.
fn bracket_values(bracket: &Bracket, params: &Params) -> Result<Vec<u64>> {
    let Bracket {
        below,
        above,
        points,
    } = *bracket;
    if !(below >= 1.0 && above >= 1.0 && below.is_finite() && above.is_finite()) {
        return Err(RunnerError::invalid(
            "p",
            "a bracket's `below` and `above` are factors ≥ 1",
        ));
    }
    if points < 2 {
        return Err(RunnerError::invalid(
            "p",
            "a bracket needs at least 2 points",
        ));
    }
    let lcn = predicted_p_star(Architecture::Lcn, params)?;
    let cnn = predicted_p_star(Architecture::Cnn, params)?;
    let (lo, hi) = (lcn.min(cnn) / below, lcn.max(cnn) * above);
    let ratio = (hi / lo).ln();
    Ok((0..points)
        .map(|i| (lo * (ratio * i as f64 / (points - 1) as f64).exp()).round() as u64)
        .collect())
}
