//! `GrammarError`, the crate's one error type: every refusal names the parameter at fault.

use thiserror::Error;

/// Everything that can go wrong in this crate. Each variant names the offending
/// parameter (by its field name in [`crate::Params`] or the sampling request) so
/// that a CLI can point at the flag the user typed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GrammarError {
    #[error("invalid parameter `{param}`: {reason}")]
    InvalidParam { param: &'static str, reason: String },

    #[error(
        "invalid parameter `{param}`: asked for {requested} distinct data but only {available} exist for these parameters"
    )]
    NotEnoughData {
        param: &'static str,
        requested: u128,
        available: String,
    },

    #[error("token sequence is not a datum of these rules: {reason}")]
    Unparsable { reason: String },
}

impl GrammarError {
    pub(crate) fn invalid(param: &'static str, reason: impl Into<String>) -> Self {
        GrammarError::InvalidParam {
            param,
            reason: reason.into(),
        }
    }

    /// The parameter this error is about, if any.
    pub fn param(&self) -> Option<&'static str> {
        match self {
            GrammarError::InvalidParam { param, .. }
            | GrammarError::NotEnoughData { param, .. } => Some(param),
            GrammarError::Unparsable { .. } => None,
        }
    }
}

pub type Result<T, E = GrammarError> = std::result::Result<T, E>;
