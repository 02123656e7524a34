//! Flags shared by every subcommand that builds a generator (`generate`, `info`, and later
//! `train`, `pstar`): the names are part of the interface (ISSUE 3), keep them stable.

use clap::{Args, ValueEnum};
use srhm_grammar::encoding::{Encoding, Layout, Layout2d};
use srhm_grammar::{GrammarError, Params, SamplingMode, Sparsity};
use srhm_transforms::{DiffeoMode, Operator};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SparsityKind {
    /// The plain Random Hierarchy Model.
    None,
    /// Sparsity A: each child at a random offset of its own sub-patch of s0+1 slots.
    A,
    /// Sparsity B: the s children in any s of the s(s0+1) slots, in order.
    B,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    /// One-hot columns, blank = zero column.
    Onehot,
    /// Centred, unit-norm one-hot; blank columns at −1/√(v−1).
    Whitened,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    #[value(name = "1d")]
    OneD,
    /// Square images; needs s and s0+1 to be perfect squares.
    #[value(name = "2d")]
    TwoD,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplingArg {
    /// Permutation when the data space has at most 2^64 elements, rejection otherwise.
    Auto,
    /// Decode the i-th element of a keyed permutation of all data (exact near the total).
    Permutation,
    /// Independent draws, duplicates rejected through a hash set (astronomical spaces).
    Rejection,
}

/// The generative model's parameters and seeds. The five sizes are required wherever
/// data are generated; they are options so that `srhm train --data FILE` can do without.
#[derive(Debug, Clone, Args)]
pub struct GeneratorArgs {
    /// L: number of levels of the hierarchy.
    #[arg(long, value_name = "L")]
    pub levels: Option<u32>,
    /// s: children per production (patch size).
    #[arg(long, value_name = "S")]
    pub patch: Option<u32>,
    /// v: vocabulary size of every level.
    #[arg(long, value_name = "V")]
    pub vocab: Option<u32>,
    /// m: synonyms (productions) per symbol; at most v^(s−1).
    #[arg(long, value_name = "M")]
    pub synonyms: Option<u32>,
    /// nc: number of classes; at most v.
    #[arg(long, value_name = "NC")]
    pub classes: Option<u32>,
    /// How informative features are spread in space.
    #[arg(long, value_enum, default_value = "none")]
    pub sparsity: SparsityKind,
    /// s0: blank slots per informative child (required with --sparsity a|b).
    #[arg(long, value_name = "S0")]
    pub s0: Option<u32>,
    /// Seed of the rules (and of the sampling unless --sample-seed is given).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Seed of the sampling, to draw other data from the same rules.
    #[arg(long)]
    pub sample_seed: Option<u64>,
}

impl GeneratorArgs {
    /// Whether any size of the model was given (to refuse mixing them with a data file).
    pub fn any_size_given(&self) -> bool {
        [
            self.levels,
            self.patch,
            self.vocab,
            self.synonyms,
            self.classes,
        ]
        .iter()
        .any(Option::is_some)
            || self.s0.is_some()
            || self.sparsity != SparsityKind::None
    }

    /// The validated parameters; an error names the flag at fault.
    pub fn params(&self) -> Result<Params, GrammarError> {
        let required = |name: &'static str, value: Option<u32>| {
            value.ok_or_else(|| invalid(name, "is required"))
        };
        let sparsity = match (self.sparsity, self.s0) {
            (SparsityKind::None, None) => Sparsity::None,
            (SparsityKind::None, Some(_)) => {
                return Err(invalid("s0", "only applies with --sparsity a or b"));
            }
            (SparsityKind::A | SparsityKind::B, None) => {
                return Err(invalid("s0", "is required with --sparsity a or b"));
            }
            (SparsityKind::A, Some(s0)) => Sparsity::A { s0 },
            (SparsityKind::B, Some(s0)) => Sparsity::B { s0 },
        };
        let params = Params {
            levels: required("levels", self.levels)?,
            patch: required("patch", self.patch)?,
            vocab: required("vocab", self.vocab)?,
            synonyms: required("synonyms", self.synonyms)?,
            classes: required("classes", self.classes)?,
            sparsity,
        };
        params.validate()?;
        Ok(params)
    }

    pub fn rules_seed(&self) -> u64 {
        self.seed
    }

    pub fn sample_seed(&self) -> u64 {
        self.sample_seed.unwrap_or(self.seed)
    }
}

fn invalid(param: &'static str, reason: &str) -> GrammarError {
    GrammarError::InvalidParam {
        param,
        reason: reason.into(),
    }
}

/// How a sampled dataset is drawn and encoded.
#[derive(Debug, Clone, Args)]
pub struct DatasetArgs {
    /// Number of training data P.
    #[arg(long, value_name = "P")]
    pub train: Option<usize>,
    /// Number of test data (never shared with the training set).
    #[arg(long, value_name = "P_TEST", default_value_t = 0)]
    pub test: usize,
    /// Sample with replacement inside each split (the authors' convention);
    /// the two splits stay disjoint.
    #[arg(long, conflicts_with = "sampling")]
    pub replacement: bool,
    /// Sampling algorithm without replacement.
    #[arg(long, value_enum, default_value = "auto")]
    pub sampling: SamplingArg,
    /// Input encoding the data are meant for.
    #[arg(long, value_enum, default_value = "onehot")]
    pub encoding: EncodingArg,
    /// Input layout: sequences, or images when s and s0+1 are perfect squares.
    #[arg(long, value_enum, default_value = "1d")]
    pub layout: LayoutArg,
}

impl DatasetArgs {
    /// P, the number of training data (`--train` is required where data are drawn).
    pub fn train(&self) -> Result<usize, GrammarError> {
        self.train.ok_or_else(|| invalid("train", "is required"))
    }

    pub fn mode(&self) -> SamplingMode {
        match (self.replacement, self.sampling) {
            (true, _) => SamplingMode::Replacement,
            (false, SamplingArg::Auto) => SamplingMode::Auto,
            (false, SamplingArg::Permutation) => SamplingMode::Permutation,
            (false, SamplingArg::Rejection) => SamplingMode::Rejection,
        }
    }

    pub fn encoding(&self) -> Encoding {
        match self.encoding {
            EncodingArg::Onehot => Encoding::OneHot,
            EncodingArg::Whitened => Encoding::Whitened,
        }
    }

    /// The layout, checked against the parameters (2-D needs perfect squares).
    pub fn layout(&self, params: &Params) -> Result<Layout, GrammarError> {
        match self.layout {
            LayoutArg::OneD => Ok(Layout::OneD),
            LayoutArg::TwoD => Layout2d::new(params).map(|_| Layout::TwoD),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffeoModeArg {
    /// Move only the level-l positions (every feature value kept).
    Pure,
    /// The authors' code: also resample everything below level l.
    RedrawSubtree,
}

impl From<DiffeoModeArg> for DiffeoMode {
    fn from(mode: DiffeoModeArg) -> Self {
        match mode {
            DiffeoModeArg::Pure => DiffeoMode::Pure,
            DiffeoModeArg::RedrawSubtree => DiffeoMode::RedrawSubtree,
        }
    }
}

impl DiffeoModeArg {
    /// The value as typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DiffeoModeArg::Pure => "pure",
            DiffeoModeArg::RedrawSubtree => "redraw-subtree",
        }
    }
}

/// Transformed copies to add to a dataset.
#[derive(Debug, Clone, Args)]
pub struct PairArgs {
    /// Operators whose transformed copy of every row is stored beside it, e.g.
    /// `synonym:1,diffeo:2` (columns `synonym_l1`, `diffeo_l2`).
    #[arg(long, value_delimiter = ',', value_parser = parse_operator, value_name = "OP:LEVEL,...")]
    pub pairs: Vec<Operator>,
    /// What the diffeomorphism redraws.
    #[arg(long, value_enum, default_value = "pure")]
    pub diffeo_mode: DiffeoModeArg,
}

impl PairArgs {
    /// The requested operators, with the diffeomorphism mode applied.
    pub fn operators(&self) -> Vec<Operator> {
        let mode = DiffeoMode::from(self.diffeo_mode);
        self.pairs
            .iter()
            .map(|op| match *op {
                Operator::Diffeo { level, .. } => Operator::Diffeo { level, mode },
                other => other,
            })
            .collect()
    }
}

fn parse_operator(text: &str) -> Result<Operator, String> {
    text.parse()
        .map_err(|e: srhm_transforms::TransformError| e.to_string())
}

/// The command-line flag that sets a parameter named in a library error.
pub fn flag_of(param: &str) -> String {
    match param {
        "mode" => "--sampling".into(),
        "level" => "--pairs".into(),
        "loss_threshold" => "--loss-threshold".into(),
        "max_steps" => "--max-steps".into(),
        "eval_every" => "--eval-every".into(),
        "ensemble" => "--ensemble".into(),
        "train_size" | "set" => "--train".into(),
        "lr" => "--lr".into(),
        "precision" => "--mixed-precision".into(),
        other => format!("--{}", other.replace('_', "-")),
    }
}
