//! The paper's figures, drawn from the results store only (no training, no libtorch):
//! each figure reads its rows, computes P* with bootstrap intervals and the fits the
//! paper's claims call for, writes a PNG, and says whether the claim held. `verdict`
//! holds the rules every verdict follows (each can fail, and none holds on an interval
//! too wide to tell the law from its rivals); `index` writes the page that lists every
//! figure with its verdicts.

mod analysis;
mod big;
mod exponent;
mod figures;
mod index;
mod one_step;
#[cfg(test)]
mod testing;
pub mod verdict;

use std::path::PathBuf;

pub use analysis::ConfigKey;
pub use figures::{FigureInput, Panel, build};
pub use index::{index_file, write_index};
use thiserror::Error;

/// One checked statement: what the paper says, what was measured, and whether it held
/// (`None` when the data cannot decide, e.g. too few configurations crossed).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub claim: String,
    pub measured: String,
    pub holds: Option<bool>,
}

/// What building a figure produced.
#[derive(Debug, Clone)]
pub struct FigureReport {
    pub figure: String,
    pub title: String,
    pub claim: String,
    /// The PNG, relative to the store root.
    pub png: Option<PathBuf>,
    pub verdicts: Vec<Verdict>,
    /// Rows the figure was drawn from.
    pub runs: usize,
    pub notes: Vec<String>,
}

#[derive(Debug, Error)]
pub enum FigureError {
    #[error("panels: {0}")]
    Panel(String),
    #[error("{figure}: {source}")]
    Plot {
        figure: String,
        #[source]
        source: srhm_plots::PlotError,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
