//! `ScalingError`, naming the argument at fault, and `SearchError`, which adds the failure of
//! the caller's own evaluation to it.

use std::fmt;

use thiserror::Error;

/// Everything that can go wrong in this crate: always an argument that cannot be used.
/// The variant names the offending parameter (by its argument or field name) so that a
/// CLI or runner can point at the flag or file the value came from.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScalingError {
    #[error("invalid parameter `{param}`: {reason}")]
    InvalidParam { param: &'static str, reason: String },
}

impl ScalingError {
    pub(crate) fn invalid(param: &'static str, reason: impl Into<String>) -> Self {
        ScalingError::InvalidParam {
            param,
            reason: reason.into(),
        }
    }

    /// The parameter this error is about.
    pub fn param(&self) -> &'static str {
        match self {
            ScalingError::InvalidParam { param, .. } => param,
        }
    }
}

pub type Result<T, E = ScalingError> = std::result::Result<T, E>;

/// Failure of an adaptive search. The search is generic over the caller's error type `E`
/// (training a network can fail in ways this crate knows nothing about), so that error
/// comes back untouched, together with the training-set size that was being evaluated.
///
/// `E` need not implement [`std::error::Error`] (e.g. `anyhow::Error` does not); match on
/// the variants to get it back:
///
/// ```
/// # use srhm_scaling::SearchError;
/// fn into_anyhow_like(e: SearchError<String>) -> String {
///     match e {
///         SearchError::Invalid(e) => e.to_string(),
///         SearchError::Evaluation { source, .. } => source,
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum SearchError<E> {
    /// The search settings, or a value returned by the closure, are unusable.
    Invalid(ScalingError),
    /// The caller's closure failed while evaluating the error at training-set size `p`.
    Evaluation { p: u64, source: E },
}

impl<E> SearchError<E> {
    /// The parameter an [`SearchError::Invalid`] is about; `None` for the caller's own errors.
    pub fn param(&self) -> Option<&'static str> {
        match self {
            SearchError::Invalid(e) => Some(e.param()),
            SearchError::Evaluation { .. } => None,
        }
    }
}

impl<E> From<ScalingError> for SearchError<E> {
    fn from(e: ScalingError) -> Self {
        SearchError::Invalid(e)
    }
}

impl<E: fmt::Display> fmt::Display for SearchError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::Invalid(e) => e.fmt(f),
            SearchError::Evaluation { p, source } => {
                write!(f, "evaluating the error at P = {p} failed: {source}")
            }
        }
    }
}

/// The message already contains the inner error's message, so the chain continues from
/// the inner error's own source (avoiding the same text twice in a report).
impl<E: std::error::Error + 'static> std::error::Error for SearchError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SearchError::Invalid(e) => e.source(),
            SearchError::Evaluation { source, .. } => source.source(),
        }
    }
}
