//! `MetricError`, the crate's one error type, naming the argument at fault.

use thiserror::Error;

/// What can go wrong when measuring. Invalid input names the argument; a ratio whose
/// denominator is zero is its own error, never a NaN.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetricError {
    #[error("invalid argument `{param}`: {reason}")]
    Invalid { param: &'static str, reason: String },

    #[error("undefined ratio: {reason}")]
    Undefined { reason: String },
}

impl MetricError {
    pub(crate) fn invalid(param: &'static str, reason: impl Into<String>) -> Self {
        MetricError::Invalid {
            param,
            reason: reason.into(),
        }
    }

    /// The argument this error is about, if any.
    pub fn param(&self) -> Option<&'static str> {
        match self {
            MetricError::Invalid { param, .. } => Some(param),
            MetricError::Undefined { .. } => None,
        }
    }
}

pub type Result<T, E = MetricError> = std::result::Result<T, E>;
