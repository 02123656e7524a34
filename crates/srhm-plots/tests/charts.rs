//! Rendering of charts and panel grids.

mod common;

use common::{assert_png, dir_entries, learning_curve, simple_chart};
use srhm_plots::{
    Axis, Chart, FunctionLine, Placement, Point, RefLine, Scale, Series, SeriesStyle, draw_chart,
    draw_panels,
};

fn scaling_chart() -> Chart {
    Chart {
        title: "Test error vs training-set size (L = 3)".into(),
        x: Axis::log("training-set size P"),
        y: Axis::log("test error ε"),
        series: vec![
            learning_curve("s = 1", 1.0, None),
            learning_curve("s = 2", 3.0, None),
            learning_curve("s = 3", 9.0, None),
        ],
        hlines: vec![RefLine {
            y: 0.1,
            label: "10% threshold".into(),
            color: None,
        }],
        lines: vec![FunctionLine::power_law("fit 30·P^-0.9", 30.0, -0.9)],
        notes: vec![
            "slope −0.90 [−0.95, −0.85] → holds".into(),
            "P* = 1.2×10³ (s = 1)".into(),
        ],
        ..Chart::default()
    }
}

#[test]
fn log_log_chart_with_error_bars_threshold_fit_and_notes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loglog.png");
    draw_chart(&scaling_chart(), &path, (1000, 700)).unwrap();
    assert_png(&path, (1000, 700));
}

#[test]
fn linear_chart_renders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("linear.png");
    let mut chart = simple_chart();
    chart.series.push(Series::new(
        "measured",
        SeriesStyle::Markers,
        (0..10)
            .map(|i| {
                let x = i as f64 + 0.5;
                Point::new(x, x * x + 3.0)
                    .with_y_error(x * x, x * x + 6.0)
                    .with_x_error(x - 0.3, x + 0.3)
            })
            .collect(),
    ));
    chart.lines.push(FunctionLine::diagonal("y = x"));
    chart.hlines.push(RefLine {
        y: 40.0,
        label: "y = 40".into(),
        color: Some(3),
    });
    draw_chart(&chart, &path, (800, 600)).unwrap();
    assert_png(&path, (800, 600));
}

#[test]
fn panels_render_in_a_grid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("panels.png");
    let mut b = simple_chart();
    b.title = "B".into();
    let mut c = scaling_chart();
    c.title = "C".into();
    c.notes.clear();
    let panels = vec![scaling_chart(), b, c];
    // Three panels in two columns: a 2×2 grid with one empty cell.
    draw_panels(&panels, 2, &path, (600, 450)).unwrap();
    assert_png(&path, (1200, 900));

    let row = dir.path().join("row.png");
    draw_panels(&panels, 3, &row, (500, 400)).unwrap();
    assert_png(&row, (1500, 400));
}

#[test]
fn zero_on_a_log_axis_is_skipped_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zero.png");
    let mut chart = scaling_chart();
    // Zero error at the largest P (a perfect network), an interval reaching down to zero, a NaN
    // from a failed run and P = 0 on the log x axis.
    chart.series[0]
        .points
        .push(Point::new(20000.0, 0.002).with_y_error(0.0, 0.004));
    chart.series[0]
        .points
        .push(Point::new(50000.0, 0.0).with_y_error(0.0, 0.001));
    chart.series[0].points.push(Point::new(f64::NAN, 0.01));
    chart.series[1].points.insert(0, Point::new(0.0, 0.2));
    draw_chart(&chart, &path, (1000, 700)).unwrap();
    assert_png(&path, (1000, 700));
}

#[test]
fn many_series_with_per_point_opacity() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("opacity.png");
    let series = (0..12)
        .map(|k| {
            let points = (1..=20)
                .map(|i| {
                    let x = i as f64;
                    Point::new(x, (k + 1) as f64 * x.sqrt()).with_opacity(i as f64 / 20.0)
                })
                .collect();
            Series::new(format!("series {k}"), SeriesStyle::LineAndMarkers, points)
        })
        .collect();
    let chart = Chart {
        title: "opacity = P / P_max, 12 series".into(),
        x: Axis::log("x"),
        y: Axis {
            label: "y".into(),
            scale: Scale::Linear,
            range: Some((0.0, 60.0)),
        },
        series,
        legend_at: Placement::LowerRight,
        ..Chart::default()
    };
    draw_chart(&chart, &path, (1000, 700)).unwrap();
    assert_png(&path, (1000, 700));
}

#[test]
fn chart_of_only_lines_with_explicit_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.png");
    let chart = Chart {
        title: "predicted power laws".into(),
        x: Axis::log("P").with_range(10.0, 1e6),
        y: Axis::log("ε").with_range(1e-4, 1.0),
        lines: vec![
            FunctionLine {
                color: Some(0),
                ..FunctionLine::power_law("P^-0.5", 1.0, -0.5)
            },
            FunctionLine {
                color: Some(1),
                ..FunctionLine::power_law("P^-1", 3.0, -1.0)
            },
        ],
        hlines: vec![RefLine {
            y: 0.1,
            label: "10%".into(),
            color: None,
        }],
        ..Chart::default()
    };
    draw_chart(&chart, &path, (1000, 700)).unwrap();
    assert_png(&path, (1000, 700));
}

#[test]
fn rendering_is_deterministic_and_replaces_the_file_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fig.png");
    draw_chart(&simple_chart(), &path, (1000, 700)).unwrap();
    let first = std::fs::read(&path).unwrap();
    draw_chart(&scaling_chart(), &path, (1000, 700)).unwrap();
    let other = std::fs::read(&path).unwrap();
    draw_chart(&simple_chart(), &path, (1000, 700)).unwrap();
    let again = std::fs::read(&path).unwrap();
    assert_eq!(first, again, "same input must give the same bytes");
    assert_ne!(first, other);
    // No temporary file is left next to the figure.
    assert_eq!(dir_entries(dir.path()), ["fig.png"]);
}
