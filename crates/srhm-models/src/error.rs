//! `ModelError`, the crate's one error type: refusals name the parameter, libtorch errors
//! are kept whole.

use thiserror::Error;

/// Errors of model construction and training; each names the offending parameter.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("invalid parameter `{param}`: {reason}")]
    InvalidParam { param: &'static str, reason: String },
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

impl ModelError {
    pub(crate) fn invalid(param: &'static str, reason: impl Into<String>) -> Self {
        ModelError::InvalidParam {
            param,
            reason: reason.into(),
        }
    }

    /// The parameter this error is about, if any.
    pub fn param(&self) -> Option<&'static str> {
        match self {
            ModelError::InvalidParam { param, .. } => Some(param),
            ModelError::Torch(_) => None,
        }
    }
}

pub type Result<T, E = ModelError> = std::result::Result<T, E>;
