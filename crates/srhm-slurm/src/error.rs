//! `SlurmError`, the crate's one error type: bad options by name, failed Slurm commands
//! with their output.

use thiserror::Error;

/// What can go wrong talking to Slurm. Invalid options name the option.
#[derive(Debug, Error)]
pub enum SlurmError {
    #[error("invalid `{param}`: {reason}")]
    Invalid { param: &'static str, reason: String },
    #[error("`{command}` could not be started ({source}): is Slurm installed and on PATH?")]
    Missing {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed (exit {code:?}): {stderr}")]
    Failed {
        command: String,
        code: Option<i32>,
        stderr: String,
    },
    #[error("unexpected output of `{command}`: {output}")]
    Unparsable { command: String, output: String },
}

impl SlurmError {
    pub(crate) fn invalid(param: &'static str, reason: impl Into<String>) -> Self {
        SlurmError::Invalid {
            param,
            reason: reason.into(),
        }
    }

    /// The option this error is about, if any.
    pub fn param(&self) -> Option<&'static str> {
        match self {
            SlurmError::Invalid { param, .. } => Some(param),
            _ => None,
        }
    }
}

pub type Result<T, E = SlurmError> = std::result::Result<T, E>;
