//! `RunnerError`, the crate's one error type: usage errors name a parameter; I/O and store
//! failures keep their path and cause.

use srhm_grammar::GrammarError;
use srhm_metrics::MetricError;
use srhm_models::ModelError;
use srhm_scaling::ScalingError;
use srhm_transforms::TransformError;
use thiserror::Error;

/// Errors of measuring trained networks; `param()` names the offending parameter
/// when there is one, whichever layer found it.
#[derive(Debug, Error)]
pub enum RunnerError {
    #[error("invalid parameter `{param}`: {reason}")]
    InvalidParam { param: &'static str, reason: String },
    #[error(transparent)]
    Grammar(#[from] GrammarError),
    #[error(transparent)]
    Transform(#[from] TransformError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Metric(#[from] MetricError),
    #[error(transparent)]
    Scaling(#[from] ScalingError),
    /// The file system failed (not a usage error: the OS error is kept).
    #[error("{}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(srhm_store::StoreError),
}

impl From<srhm_models::tch::TchError> for RunnerError {
    fn from(error: srhm_models::tch::TchError) -> Self {
        RunnerError::Model(ModelError::from(error))
    }
}

impl RunnerError {
    pub(crate) fn invalid(param: &'static str, reason: impl Into<String>) -> Self {
        RunnerError::InvalidParam {
            param,
            reason: reason.into(),
        }
    }

    pub fn param(&self) -> Option<&'static str> {
        match self {
            RunnerError::InvalidParam { param, .. } => Some(param),
            RunnerError::Grammar(e) => e.param(),
            RunnerError::Transform(e) => e.param(),
            RunnerError::Model(e) => e.param(),
            RunnerError::Metric(e) => e.param(),
            RunnerError::Scaling(e) => Some(e.param()),
            RunnerError::Io { .. } | RunnerError::Store(_) => None,
        }
    }
}

pub type Result<T, E = RunnerError> = std::result::Result<T, E>;
