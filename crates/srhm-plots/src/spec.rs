//! The plain-data description of a figure.
//!
//! Everything here is numbers and strings so that callers (experiment code, the CLI, a JSON file
//! written next to a figure) can build or store a figure without touching plotters. Fields are
//! public and every type has a `Default`, so a caller writes only what differs:
//! `Chart { title: "…".into(), series, ..Chart::default() }`.

use serde::{Deserialize, Serialize};

/// How values map to positions (or, for a heatmap's colour, to colours).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scale {
    #[default]
    Linear,
    /// Base-10 logarithmic. Non-positive values have no position and are skipped.
    Log,
}

/// One axis of a chart or heatmap.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    pub label: String,
    pub scale: Scale,
    /// `(low, high)` in data units. `None` takes the extent of the data plus a 5% margin (measured
    /// on the axis, i.e. in decades for a log axis) so that no marker sits on the frame.
    pub range: Option<(f64, f64)>,
}

impl Axis {
    pub fn linear(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            scale: Scale::Linear,
            range: None,
        }
    }

    pub fn log(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            scale: Scale::Log,
            range: None,
        }
    }

    /// Fixes the range, e.g. to give every panel of a figure the same axis.
    pub fn with_range(mut self, low: f64, high: f64) -> Self {
        self.range = Some((low, high));
        self
    }
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeriesStyle {
    /// Points joined in the given order, no markers.
    Line,
    /// Markers only: for measurements that are not a function of x (scatter plots).
    Markers,
    #[default]
    LineAndMarkers,
}

/// One data point. Error-bar ends are absolute values, not offsets, because that is what a
/// bootstrap or quantile interval yields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    /// Lower end of a vertical error bar. On a log axis a non-positive end is drawn as a bar
    /// running off the bottom of the plot (no cap), which is what such an interval means there.
    pub y_lo: Option<f64>,
    pub y_hi: Option<f64>,
    pub x_lo: Option<f64>,
    pub x_hi: Option<f64>,
    /// 0 (invisible) to 1 (opaque, the default). Lets a third quantity be shown on a 2-D plot,
    /// e.g. the training-set size P as the opacity of each marker.
    pub opacity: Option<f64>,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Self {
            x,
            y,
            ..Self::default()
        }
    }

    pub fn with_y_error(mut self, lo: f64, hi: f64) -> Self {
        self.y_lo = Some(lo);
        self.y_hi = Some(hi);
        self
    }

    pub fn with_x_error(mut self, lo: f64, hi: f64) -> Self {
        self.x_lo = Some(lo);
        self.x_hi = Some(hi);
        self
    }

    pub fn with_opacity(mut self, opacity: f64) -> Self {
        self.opacity = Some(opacity);
        self
    }
}

/// A labelled set of points. An empty label keeps the series out of the legend.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub label: String,
    pub points: Vec<Point>,
    pub style: SeriesStyle,
    /// Index into the palette ([`crate::palette_color`]). Setting it keeps a quantity (e.g. one value of
    /// the sparsity s) the same colour across the panels of a figure; `None` takes the next
    /// colour not claimed by another series of the same chart.
    pub color: Option<usize>,
}

impl Series {
    pub fn new(label: impl Into<String>, style: SeriesStyle, points: Vec<Point>) -> Self {
        Self {
            label: label.into(),
            points,
            style,
            color: None,
        }
    }

    pub fn with_color(mut self, color: usize) -> Self {
        self.color = Some(color);
        self
    }
}

/// A horizontal reference line across the whole plot, e.g. the 10% test-error threshold that
/// defines P*.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefLine {
    pub y: f64,
    pub label: String,
    /// Palette index; `None` draws it in dark grey so it reads as a reference, not as data.
    pub color: Option<usize>,
}

/// The curve `y = prefactor · x^exponent` over the whole x range: a fitted or predicted power
/// law (a straight line on log-log axes), or the diagonal `y = x` (prefactor 1, exponent 1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionLine {
    pub label: String,
    pub prefactor: f64,
    pub exponent: f64,
    /// Palette index, e.g. the colour of the series it was fitted to; `None` draws it black.
    pub color: Option<usize>,
}

impl FunctionLine {
    pub fn power_law(label: impl Into<String>, prefactor: f64, exponent: f64) -> Self {
        Self {
            label: label.into(),
            prefactor,
            exponent,
            color: None,
        }
    }

    pub fn diagonal(label: impl Into<String>) -> Self {
        Self::power_law(label, 1.0, 1.0)
    }
}

/// Where a box of text (legend or notes) goes inside the plot area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Placement {
    /// The corner with the fewest drawn points, so the box hides as little data as possible.
    /// Notes prefer the top-left corner and the legend the top-right one when corners tie.
    #[default]
    Auto,
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

/// A line/scatter chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    pub hlines: Vec<RefLine>,
    pub lines: Vec<FunctionLine>,
    /// Lines of text written in a box inside the plot area, e.g. the fitted slope with its
    /// confidence interval and whether the paper's claim holds, so the verdict travels with the
    /// figure.
    pub notes: Vec<String>,
    pub legend_at: Placement,
    pub notes_at: Placement,
}

/// A grid of coloured cells, e.g. a phase diagram over two parameters, with a colour bar.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Heatmap {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    /// Cell boundaries, strictly increasing: `nx + 1` of them for `nx` columns. Edges rather than
    /// centres because cells on a log axis are not symmetric around their centre.
    pub x_edges: Vec<f64>,
    pub y_edges: Vec<f64>,
    /// `values[iy][ix]`. NaN (or a non-positive value on a log colour scale) marks a missing cell,
    /// drawn light grey.
    pub values: Vec<Vec<f64>>,
    pub color_scale: Scale,
    pub color_label: String,
    /// Fixes the colour scale, so that several heatmaps can be compared; `None` takes the
    /// extent of the values.
    pub color_range: Option<(f64, f64)>,
    /// Measured points drawn over the cells, e.g. the P* found by training on top of a prediction.
    pub overlay: Vec<Series>,
    pub notes: Vec<String>,
    pub legend_at: Placement,
    pub notes_at: Placement,
}
