//! `PlotError`, the crate's one error type, naming what could not be drawn or written.

use std::path::PathBuf;

/// Why a figure was not written.
///
/// Every input error names the offending field with a path relative to the value passed in
/// (`"series[2].points"`, `"x.range"`, `"values[3]"`; `draw_panels` prefixes `"panels[i]."`), so a
/// caller that builds figures from experiment results can tell which one is broken without
/// opening the figure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// There is nothing at all to plot (no series, no points, no panels).
    #[error("{field}: nothing to plot")]
    Empty { field: String },

    /// There were points, but none can be placed: all are NaN/infinite, or non-positive on a log
    /// axis. Skipping such points is normal; it only becomes an error when nothing is left.
    #[error(
        "{field}: none of the {total} points can be drawn ({non_finite} not finite, {non_positive} not positive on a log axis)"
    )]
    NothingDrawable {
        field: String,
        total: usize,
        non_finite: usize,
        non_positive: usize,
    },

    /// An explicit range that is not finite or not increasing.
    #[error("{field}: ({low}, {high}) is not a finite increasing range")]
    InvalidRange { field: String, low: f64, high: f64 },

    /// A value that must go on a log scale but is zero or negative.
    #[error("{field}: {value} is not positive, so it has no place on a log scale")]
    NonPositiveLog { field: String, value: f64 },

    /// A length that does not match another (heatmap values against edges).
    #[error("{field}: expected {expected} entries, found {found}")]
    ShapeMismatch {
        field: String,
        expected: usize,
        found: usize,
    },

    /// Any other unusable value (non-increasing edges, a NaN prefactor, a zero image size…).
    #[error("{field}: {reason}")]
    InvalidValue { field: String, reason: String },

    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// plotters failed while drawing; not expected for valid input.
    #[error("rendering failed: {0}")]
    Render(String),
}

impl PlotError {
    /// The field the error is about, if it is about the input.
    pub fn field(&self) -> Option<&str> {
        match self {
            PlotError::Empty { field }
            | PlotError::NothingDrawable { field, .. }
            | PlotError::InvalidRange { field, .. }
            | PlotError::NonPositiveLog { field, .. }
            | PlotError::ShapeMismatch { field, .. }
            | PlotError::InvalidValue { field, .. } => Some(field),
            PlotError::Io { .. } | PlotError::Render(_) => None,
        }
    }

    /// Prefixes the field path, e.g. with `panels[2]` for the third panel.
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        match &mut self {
            PlotError::Empty { field }
            | PlotError::NothingDrawable { field, .. }
            | PlotError::InvalidRange { field, .. }
            | PlotError::NonPositiveLog { field, .. }
            | PlotError::ShapeMismatch { field, .. }
            | PlotError::InvalidValue { field, .. } => *field = format!("{prefix}.{field}"),
            PlotError::Io { .. } | PlotError::Render(_) => {}
        }
        self
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        PlotError::InvalidValue {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// plotters' drawing errors are generic over the backend; only their message is useful here.
pub(crate) fn render_err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Render(e.to_string())
}
