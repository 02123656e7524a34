//! PNG figures from plain numbers.
//!
//! The lab's claims are checked numerically, but a person judges them by looking at figures like
//! the paper's: test error against training-set size on log-log axes with a fitted power law, a
//! threshold line, several panels side by side, a phase diagram. This crate draws those from
//! [`Chart`]/[`Heatmap`] values that hold only numbers and strings, so it knows nothing about the
//! experiments and experiment code needs no plotting library.
//!
//! Design choices, and why:
//! - **plotters with an embedded font** (see `font.rs`): no system font library at build or run
//!   time, and byte-identical PNGs on every machine.
//! - **Validation before drawing**: bad input is a [`PlotError`] naming the field, never a panic
//!   or a half-drawn file. Points that cannot be placed (NaN, ≤ 0 on a log axis) are skipped,
//!   because a sweep that hit zero error at one size should still plot; only a chart where
//!   nothing at all can be placed is an error.
//! - **Atomic writes**: a figure is replaced by rename, so a reader never sees a partial PNG.
//!
//! ```no_run
//! use srhm_plots::*;
//! let chart = Chart {
//!     title: "Test error vs P".into(),
//!     x: Axis::log("P"),
//!     y: Axis::log("test error"),
//!     series: vec![Series::new(
//!         "s = 2",
//!         SeriesStyle::LineAndMarkers,
//!         vec![Point::new(100.0, 0.4).with_y_error(0.35, 0.45), Point::new(1000.0, 0.05)],
//!     )],
//!     hlines: vec![RefLine { y: 0.1, label: "10% threshold".into(), color: None }],
//!     lines: vec![FunctionLine::power_law("fit P^-0.9", 25.0, -0.9)],
//!     notes: vec!["slope -0.90 [-0.97, -0.84] → holds".into()],
//!     ..Chart::default()
//! };
//! draw_chart(&chart, std::path::Path::new("fig.png"), (1000, 700))?;
//! # Ok::<(), PlotError>(())
//! ```

mod error;
mod font;
mod geom;
mod heatmap;
mod output;
mod palette;
mod prepare;
mod render;
mod spec;
mod text;
mod ticks;

use std::path::Path;

pub use error::PlotError;
pub use palette::{PALETTE_LEN, palette_color};
pub use spec::{
    Axis, Chart, FunctionLine, Heatmap, Placement, Point, RefLine, Scale, Series, SeriesStyle,
};

/// Smallest image (or panel) accepted: below this the axes and labels leave no room for data.
pub const MIN_SIZE: (u32, u32) = (200, 150);
/// Largest image side accepted, to turn a mistaken size into an error instead of gigabytes of
/// memory.
pub const MAX_SIDE: u32 = 16_384;

fn check_size(size: (u32, u32), field: &str) -> Result<(), PlotError> {
    let (w, h) = size;
    if w < MIN_SIZE.0 || h < MIN_SIZE.1 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(PlotError::invalid(
            field,
            format!(
                "{w}×{h} is outside {}×{} ..= {MAX_SIDE}×{MAX_SIDE} pixels",
                MIN_SIZE.0, MIN_SIZE.1
            ),
        ));
    }
    Ok(())
}

/// Draws one chart into a PNG of `size` (width, height) pixels at `path`.
pub fn draw_chart(chart: &Chart, path: &Path, size: (u32, u32)) -> Result<(), PlotError> {
    check_size(size, "size")?;
    let prepared = prepare::prepare_chart(chart)?;
    output::write_png(path, size, |root| render::draw_chart_in(root, &prepared))
}

/// Draws several charts in a grid, row by row, `columns` per row, each `panel_size` pixels:
/// figures whose panels are meant to be compared (the same quantity for several parameters)
/// belong in one image.
pub fn draw_panels(
    panels: &[Chart],
    columns: usize,
    path: &Path,
    panel_size: (u32, u32),
) -> Result<(), PlotError> {
    if panels.is_empty() {
        return Err(PlotError::Empty {
            field: "panels".into(),
        });
    }
    if columns == 0 {
        return Err(PlotError::invalid("columns", "must be at least 1"));
    }
    check_size(panel_size, "panel_size")?;
    let cols = columns.min(panels.len());
    let rows = panels.len().div_ceil(cols);
    let too_big = || PlotError::invalid("panel_size", "the whole grid exceeds the size limit");
    let w = u32::try_from(cols)
        .ok()
        .and_then(|c| c.checked_mul(panel_size.0))
        .ok_or_else(too_big)?;
    let h = u32::try_from(rows)
        .ok()
        .and_then(|r| r.checked_mul(panel_size.1))
        .ok_or_else(too_big)?;
    check_size((w, h), "panel_size").map_err(|_| too_big())?;
    let prepared = panels
        .iter()
        .enumerate()
        .map(|(i, c)| prepare::prepare_chart(c).map_err(|e| e.within(&format!("panels[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    output::write_png(path, (w, h), |root| {
        root.fill(&plotters::style::WHITE)
            .map_err(error::render_err)?;
        for (area, p) in root.split_evenly((rows, cols)).iter().zip(&prepared) {
            render::draw_chart_in(area, p)?;
        }
        Ok(())
    })
}

/// Draws a heatmap with a colour bar into a PNG of `size` pixels at `path`.
pub fn draw_heatmap(heatmap: &Heatmap, path: &Path, size: (u32, u32)) -> Result<(), PlotError> {
    check_size(size, "size")?;
    let prepared = prepare::prepare_heatmap(heatmap)?;
    output::write_png(path, size, |root| heatmap::draw_heatmap_in(root, &prepared))
}
