//! Validation and conversion of the input into axis space, before any file is touched.
//!
//! Everything that can be wrong with the input is found here, so an invalid figure is reported
//! as a [`PlotError`] naming the field and no drawing code has to cope with NaN or log(0).

use crate::geom::Window;
use crate::ticks::to_axis;
use crate::{Axis, Chart, Heatmap, PlotError, Scale, Series, SeriesStyle};

/// A point in axis space. Error-bar ends may be `-inf`: a bar that runs off the bottom (or
/// left) of a log axis because its data-space end is non-positive.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PPoint {
    pub x: f64,
    pub y: f64,
    pub alpha: f64,
    pub ybar: Option<(f64, f64)>,
    pub xbar: Option<(f64, f64)>,
}

#[derive(Clone, Debug)]
pub(crate) struct PSeries {
    pub label: String,
    pub style: SeriesStyle,
    pub color: usize,
    /// Stretches of consecutive drawable points; a skipped point breaks the line, as it would
    /// be misleading to join its neighbours as if it had been measured in between.
    pub runs: Vec<Vec<PPoint>>,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    pub total: usize,
    pub drawable: usize,
    pub non_finite: usize,
    pub non_positive: usize,
}

/// Running min/max of axis-space values.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Extent(Option<(f64, f64)>);

impl Extent {
    pub fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.0 = Some(match self.0 {
                None => (v, v),
                Some((a, b)) => (a.min(v), b.max(v)),
            });
        }
    }
}

/// Palette indices: explicit ones as given, the rest the lowest indices nobody claimed, so that a
/// series pinned to colour 0 in one panel does not share it with an automatic series.
fn assign_colors(series: &[Series]) -> Vec<usize> {
    let taken: Vec<usize> = series.iter().filter_map(|s| s.color).collect();
    let mut next = 0usize;
    series
        .iter()
        .map(|s| {
            s.color.unwrap_or_else(|| {
                while taken.contains(&next) {
                    next += 1;
                }
                next += 1;
                next - 1
            })
        })
        .collect()
}

fn bar(scale: Scale, center: f64, lo: Option<f64>, hi: Option<f64>) -> Option<(f64, f64)> {
    let lo_t = match lo {
        None => center,
        Some(v) if v.is_nan() => return None,
        Some(v) => to_axis(scale, v).unwrap_or(f64::NEG_INFINITY),
    };
    let hi_t = match hi {
        None => center,
        Some(v) => to_axis(scale, v).unwrap_or(center),
    };
    (lo.is_some() || hi.is_some()).then_some((lo_t.min(center), hi_t.max(center)))
}

pub(crate) fn prepare_series(
    series: &[Series],
    xs: Scale,
    ys: Scale,
    xe: &mut Extent,
    ye: &mut Extent,
) -> (Vec<PSeries>, Counts) {
    let colors = assign_colors(series);
    let mut counts = Counts::default();
    let mut out = Vec::with_capacity(series.len());
    for (s, color) in series.iter().zip(colors) {
        let mut runs: Vec<Vec<PPoint>> = vec![Vec::new()];
        for p in &s.points {
            counts.total += 1;
            let (x, y) = match (to_axis(xs, p.x), to_axis(ys, p.y)) {
                (Some(x), Some(y)) => (x, y),
                _ => {
                    if p.x.is_finite() && p.y.is_finite() {
                        counts.non_positive += 1;
                    } else {
                        counts.non_finite += 1;
                    }
                    if runs.last().is_some_and(|r| !r.is_empty()) {
                        runs.push(Vec::new());
                    }
                    continue;
                }
            };
            counts.drawable += 1;
            let alpha = p
                .opacity
                .filter(|a| a.is_finite())
                .map_or(1.0, |a| a.clamp(0.0, 1.0));
            let ybar = bar(ys, y, p.y_lo, p.y_hi);
            let xbar = bar(xs, x, p.x_lo, p.x_hi);
            xe.add(x);
            ye.add(y);
            if let Some((lo, hi)) = ybar {
                ye.add(lo);
                ye.add(hi);
            }
            if let Some((lo, hi)) = xbar {
                xe.add(lo);
                xe.add(hi);
            }
            runs.last_mut().expect("runs is never empty").push(PPoint {
                x,
                y,
                alpha,
                ybar,
                xbar,
            });
        }
        runs.retain(|r| !r.is_empty());
        out.push(PSeries {
            label: s.label.clone(),
            style: s.style,
            color,
            runs,
        });
    }
    (out, counts)
}

/// Checks an explicit `(low, high)` range and converts it to axis space.
pub(crate) fn explicit_range(
    scale: Scale,
    range: (f64, f64),
    field: &str,
) -> Result<(f64, f64), PlotError> {
    let (low, high) = range;
    if !(low.is_finite() && high.is_finite() && low < high) {
        return Err(PlotError::InvalidRange {
            field: field.into(),
            low,
            high,
        });
    }
    if scale == Scale::Log && low <= 0.0 {
        return Err(PlotError::NonPositiveLog {
            field: field.into(),
            value: low,
        });
    }
    Ok((
        to_axis(scale, low).expect("checked"),
        to_axis(scale, high).expect("checked"),
    ))
}

/// The data extent widened so that nothing sits on the frame; a single value gets a range
/// around it.
pub(crate) fn padded(scale: Scale, (a, b): (f64, f64), pad: f64) -> (f64, f64) {
    if b - a <= 1e-12 * a.abs().max(1.0) {
        let d = match scale {
            Scale::Log => 0.5,
            Scale::Linear if a == 0.0 => 1.0,
            Scale::Linear => a.abs() * 0.1,
        };
        return (a - d, b + d);
    }
    let m = (b - a) * pad;
    (a - m, b + m)
}

fn resolve_axis(axis: &Axis, ext: Extent, field: &str) -> Result<(f64, f64), PlotError> {
    match axis.range {
        Some(r) => explicit_range(axis.scale, r, &format!("{field}.range")),
        None => {
            let e = ext.0.ok_or_else(|| PlotError::Empty {
                field: "series".into(),
            })?;
            Ok(padded(axis.scale, e, 0.05))
        }
    }
}

pub(crate) struct PChart<'a> {
    pub chart: &'a Chart,
    pub series: Vec<PSeries>,
    pub window: Window,
}

pub(crate) fn prepare_chart(chart: &Chart) -> Result<PChart<'_>, PlotError> {
    for (i, l) in chart.lines.iter().enumerate() {
        if !l.prefactor.is_finite() {
            return Err(PlotError::invalid(
                format!("lines[{i}].prefactor"),
                "not finite",
            ));
        }
        if !l.exponent.is_finite() {
            return Err(PlotError::invalid(
                format!("lines[{i}].exponent"),
                "not finite",
            ));
        }
        if chart.y.scale == Scale::Log && l.prefactor <= 0.0 {
            return Err(PlotError::NonPositiveLog {
                field: format!("lines[{i}].prefactor"),
                value: l.prefactor,
            });
        }
    }
    let mut xe = Extent::default();
    let mut ye = Extent::default();
    for (i, h) in chart.hlines.iter().enumerate() {
        if !h.y.is_finite() {
            return Err(PlotError::invalid(format!("hlines[{i}].y"), "not finite"));
        }
        match to_axis(chart.y.scale, h.y) {
            Some(t) => ye.add(t),
            None => {
                return Err(PlotError::NonPositiveLog {
                    field: format!("hlines[{i}].y"),
                    value: h.y,
                });
            }
        }
    }

    let (series, counts) = prepare_series(
        &chart.series,
        chart.x.scale,
        chart.y.scale,
        &mut xe,
        &mut ye,
    );
    // A chart of only reference/function lines is fine when the caller says where to look.
    let only_lines = !(chart.lines.is_empty() && chart.hlines.is_empty())
        && chart.x.range.is_some()
        && chart.y.range.is_some();
    if counts.total == 0 && !only_lines {
        return Err(PlotError::Empty {
            field: "series".into(),
        });
    }
    if counts.total > 0 && counts.drawable == 0 && !only_lines {
        return Err(PlotError::NothingDrawable {
            field: "series".into(),
            total: counts.total,
            non_finite: counts.non_finite,
            non_positive: counts.non_positive,
        });
    }
    // With no x data the x extent is unknown; `resolve_axis` reports it as an empty chart.
    let x = resolve_axis(&chart.x, xe, "x")?;
    let y = resolve_axis(&chart.y, ye, "y")?;
    Ok(PChart {
        chart,
        series,
        window: Window { x, y },
    })
}

pub(crate) struct PHeatmap<'a> {
    pub heatmap: &'a Heatmap,
    /// Edges in axis space.
    pub x_edges: Vec<f64>,
    pub y_edges: Vec<f64>,
    /// Colour-axis values (`log10` on a log colour scale); `None` = missing cell.
    pub cells: Vec<Vec<Option<f64>>>,
    pub color_range: (f64, f64),
    pub overlay: Vec<PSeries>,
    pub window: Window,
}

fn edges(scale: Scale, e: &[f64], field: &str) -> Result<Vec<f64>, PlotError> {
    if e.len() < 2 {
        return Err(PlotError::invalid(
            field,
            format!("need at least 2 edges, found {}", e.len()),
        ));
    }
    let mut out = Vec::with_capacity(e.len());
    for (i, &v) in e.iter().enumerate() {
        if !v.is_finite() {
            return Err(PlotError::invalid(format!("{field}[{i}]"), "not finite"));
        }
        let t = to_axis(scale, v).ok_or_else(|| PlotError::NonPositiveLog {
            field: format!("{field}[{i}]"),
            value: v,
        })?;
        if i > 0 && v <= e[i - 1] {
            return Err(PlotError::invalid(
                format!("{field}[{i}]"),
                format!("edges must increase strictly ({} then {v})", e[i - 1]),
            ));
        }
        out.push(t);
    }
    Ok(out)
}

pub(crate) fn prepare_heatmap(h: &Heatmap) -> Result<PHeatmap<'_>, PlotError> {
    let x_edges = edges(h.x.scale, &h.x_edges, "x_edges")?;
    let y_edges = edges(h.y.scale, &h.y_edges, "y_edges")?;
    let (nx, ny) = (x_edges.len() - 1, y_edges.len() - 1);
    if h.values.len() != ny {
        return Err(PlotError::ShapeMismatch {
            field: "values".into(),
            expected: ny,
            found: h.values.len(),
        });
    }
    let mut counts = Counts::default();
    let mut ce = Extent::default();
    let mut cells = Vec::with_capacity(ny);
    for (j, row) in h.values.iter().enumerate() {
        if row.len() != nx {
            return Err(PlotError::ShapeMismatch {
                field: format!("values[{j}]"),
                expected: nx,
                found: row.len(),
            });
        }
        cells.push(
            row.iter()
                .map(|&v| {
                    counts.total += 1;
                    let t = to_axis(h.color_scale, v);
                    match t {
                        Some(t) => {
                            counts.drawable += 1;
                            ce.add(t);
                        }
                        None if v.is_finite() => counts.non_positive += 1,
                        None => counts.non_finite += 1,
                    }
                    t
                })
                .collect(),
        );
    }
    if counts.drawable == 0 {
        return Err(PlotError::NothingDrawable {
            field: "values".into(),
            total: counts.total,
            non_finite: counts.non_finite,
            non_positive: counts.non_positive,
        });
    }
    let color_range = match h.color_range {
        Some(r) => explicit_range(h.color_scale, r, "color_range")?,
        None => padded(h.color_scale, ce.0.expect("some value is drawable"), 0.0),
    };
    let x = match h.x.range {
        Some(r) => explicit_range(h.x.scale, r, "x.range")?,
        None => (x_edges[0], x_edges[nx]),
    };
    let y = match h.y.range {
        Some(r) => explicit_range(h.y.scale, r, "y.range")?,
        None => (y_edges[0], y_edges[ny]),
    };
    // Overlay points outside the grid or unplaceable are simply not drawn: the heatmap is the
    // figure, the overlay an annotation.
    let (overlay, _) = prepare_series(
        &h.overlay,
        h.x.scale,
        h.y.scale,
        &mut Extent::default(),
        &mut Extent::default(),
    );
    Ok(PHeatmap {
        heatmap: h,
        x_edges,
        y_edges,
        cells,
        color_range,
        overlay,
        window: Window { x, y },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Point;

    #[test]
    fn automatic_colours_avoid_explicit_ones() {
        let s = |c: Option<usize>| Series {
            color: c,
            ..Series::default()
        };
        assert_eq!(
            assign_colors(&[s(None), s(Some(0)), s(None), s(Some(2))]),
            [1, 0, 3, 2]
        );
    }

    #[test]
    fn log_error_bar_through_zero_runs_off_the_axis() {
        let b = bar(Scale::Log, 0.0, Some(-1.0), Some(10.0)).unwrap();
        assert_eq!(b, (f64::NEG_INFINITY, 1.0));
        assert!(bar(Scale::Log, 0.0, None, None).is_none());
    }

    #[test]
    fn skipped_points_split_runs_and_are_counted() {
        let pts = [1.0, 0.0, 2.0, f64::NAN, 3.0]
            .iter()
            .map(|&y| Point::new(1.0, y))
            .collect();
        let series = [Series::new("a", SeriesStyle::Line, pts)];
        let (mut xe, mut ye) = (Extent::default(), Extent::default());
        let (ps, c) = prepare_series(&series, Scale::Linear, Scale::Log, &mut xe, &mut ye);
        assert_eq!(ps[0].runs.len(), 3);
        assert_eq!(
            (c.total, c.drawable, c.non_positive, c.non_finite),
            (5, 3, 1, 1)
        );
    }
}
