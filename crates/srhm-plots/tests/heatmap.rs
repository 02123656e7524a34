//! Rendering of heatmaps.

mod common;

use common::assert_png;
use srhm_plots::{Axis, Heatmap, Point, Scale, Series, SeriesStyle, draw_heatmap};

/// A phase-diagram-like grid over log-spaced parameters with values spanning decades.
pub fn phase_diagram() -> Heatmap {
    let x_edges: Vec<f64> = (0..=8).map(|i| 10f64.powf(1.0 + i as f64 * 0.5)).collect();
    let y_edges: Vec<f64> = (0..=5).map(|j| (j + 1) as f64).collect();
    let values = (0..5)
        .map(|j| {
            (0..8)
                .map(|i| {
                    if (i, j) == (0, 4) {
                        f64::NAN // a missing run
                    } else {
                        10f64.powf(-(i as f64) * 0.5 + j as f64 * 0.3)
                    }
                })
                .collect()
        })
        .collect();
    Heatmap {
        title: "test error over (P, s)".into(),
        x: Axis::log("P"),
        y: Axis::linear("s"),
        x_edges,
        y_edges,
        values,
        color_scale: Scale::Log,
        color_label: "test error".into(),
        overlay: vec![Series::new(
            "measured P*",
            SeriesStyle::LineAndMarkers,
            (1..=5)
                .map(|s| Point::new(30.0 * 3f64.powi(s), s as f64 + 0.5))
                .collect(),
        )],
        notes: vec!["P* ∝ s^1.0".into()],
        ..Heatmap::default()
    }
}

#[test]
fn heatmap_with_overlay_and_log_color_scale() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heatmap.png");
    draw_heatmap(&phase_diagram(), &path, (1000, 700)).unwrap();
    assert_png(&path, (1000, 700));
}

#[test]
fn heatmap_with_linear_color_scale_and_fixed_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heatmap-linear.png");
    let mut h = phase_diagram();
    h.color_scale = Scale::Linear;
    h.color_range = Some((0.0, 1.0));
    h.values[2][3] = -0.5; // fine on a linear colour scale, clamped to the low end
    h.overlay.clear();
    h.notes.clear();
    draw_heatmap(&h, &path, (900, 600)).unwrap();
    assert_png(&path, (900, 600));
}
