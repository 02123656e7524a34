//! Invalid input is a typed error naming the field, and writes nothing.

mod common;

use common::{dir_entries, simple_chart};
use srhm_plots::{
    Axis, Chart, FunctionLine, Heatmap, PlotError, Point, RefLine, Scale, Series, SeriesStyle,
    draw_chart, draw_heatmap, draw_panels,
};

fn chart_err(chart: &Chart) -> PlotError {
    let dir = tempfile::tempdir().unwrap();
    let err = draw_chart(chart, &dir.path().join("x.png"), (1000, 700)).unwrap_err();
    assert!(
        dir_entries(dir.path()).is_empty(),
        "an invalid chart must not leave a file"
    );
    err
}

fn heatmap() -> Heatmap {
    Heatmap {
        x: Axis::linear("a"),
        y: Axis::linear("b"),
        x_edges: vec![0.0, 1.0, 2.0],
        y_edges: vec![0.0, 1.0],
        values: vec![vec![1.0, 2.0]],
        ..Heatmap::default()
    }
}

fn heatmap_err(h: &Heatmap) -> PlotError {
    let dir = tempfile::tempdir().unwrap();
    let err = draw_heatmap(h, &dir.path().join("h.png"), (800, 600)).unwrap_err();
    assert!(dir_entries(dir.path()).is_empty());
    err
}

#[test]
fn empty_chart_is_an_error() {
    let err = chart_err(&Chart::default());
    assert!(
        matches!(&err, PlotError::Empty { field } if field == "series"),
        "{err}"
    );

    let mut c = simple_chart();
    c.series[0].points.clear();
    assert!(matches!(chart_err(&c), PlotError::Empty { .. }));
}

#[test]
fn nan_only_data_is_an_error() {
    let mut c = simple_chart();
    c.series[0].points = vec![Point::new(f64::NAN, 1.0), Point::new(2.0, f64::NAN)];
    let err = chart_err(&c);
    assert!(
        matches!(
            &err,
            PlotError::NothingDrawable { field, total: 2, non_finite: 2, non_positive: 0 }
                if field == "series"
        ),
        "{err}"
    );
}

#[test]
fn all_points_non_positive_on_a_log_axis_is_an_error() {
    let mut c = simple_chart();
    c.y.scale = Scale::Log;
    c.series[0].points = vec![Point::new(1.0, 0.0), Point::new(2.0, -1.0)];
    let err = chart_err(&c);
    assert!(
        matches!(
            err,
            PlotError::NothingDrawable {
                non_positive: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("series"), "{err}");
}

#[test]
fn non_positive_log_range_is_an_error() {
    let mut c = simple_chart();
    c.x = Axis::log("x").with_range(0.0, 10.0);
    let err = chart_err(&c);
    assert!(
        matches!(&err, PlotError::NonPositiveLog { field, value } if field == "x.range" && *value == 0.0),
        "{err}"
    );
}

#[test]
fn inverted_or_nan_range_is_an_error() {
    let mut c = simple_chart();
    c.y.range = Some((5.0, 1.0));
    let err = chart_err(&c);
    assert!(
        matches!(&err, PlotError::InvalidRange { field, .. } if field == "y.range"),
        "{err}"
    );
    c.y.range = Some((f64::NAN, 1.0));
    assert!(matches!(chart_err(&c), PlotError::InvalidRange { .. }));
}

#[test]
fn bad_reference_and_function_lines_are_named() {
    let mut c = simple_chart();
    c.y.scale = Scale::Log;
    c.series[0].points.retain(|p| p.y > 0.0);
    c.hlines.push(RefLine {
        y: 0.0,
        label: "zero".into(),
        color: None,
    });
    let err = chart_err(&c);
    assert_eq!(err.field(), Some("hlines[0].y"), "{err}");

    let mut c = simple_chart();
    c.lines.push(FunctionLine::diagonal("ok"));
    c.lines.push(FunctionLine::power_law("bad", f64::NAN, 1.0));
    assert_eq!(chart_err(&c).field(), Some("lines[1].prefactor"));
}

#[test]
fn bad_sizes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.png");
    let err = draw_chart(&simple_chart(), &path, (0, 700)).unwrap_err();
    assert_eq!(err.field(), Some("size"));
    let err = draw_panels(&[simple_chart()], 0, &path, (500, 400)).unwrap_err();
    assert_eq!(err.field(), Some("columns"));
    let err = draw_panels(&[], 2, &path, (500, 400)).unwrap_err();
    assert!(matches!(&err, PlotError::Empty { field } if field == "panels"));
    assert!(dir_entries(dir.path()).is_empty());
}

#[test]
fn panel_errors_name_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = simple_chart();
    bad.x.range = Some((1.0, 1.0));
    let err = draw_panels(
        &[simple_chart(), bad],
        2,
        &dir.path().join("p.png"),
        (500, 400),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("panels[1].x.range"), "{err}");
    assert!(dir_entries(dir.path()).is_empty());
}

#[test]
fn heatmap_dimension_mismatch_is_named() {
    let mut h = heatmap();
    h.values.push(vec![1.0, 2.0]);
    let err = heatmap_err(&h);
    assert!(
        matches!(&err, PlotError::ShapeMismatch { field, expected: 1, found: 2 } if field == "values"),
        "{err}"
    );

    let mut h = heatmap();
    h.values[0].pop();
    let err = heatmap_err(&h);
    assert!(
        matches!(&err, PlotError::ShapeMismatch { field, expected: 2, found: 1 } if field == "values[0]"),
        "{err}"
    );
}

#[test]
fn heatmap_bad_edges_and_values_are_named() {
    let mut h = heatmap();
    h.x_edges = vec![0.0, 2.0, 1.0];
    assert_eq!(heatmap_err(&h).field(), Some("x_edges[2]"));

    let mut h = heatmap();
    h.y = Axis::log("b");
    let err = heatmap_err(&h);
    assert!(
        matches!(&err, PlotError::NonPositiveLog { field, .. } if field == "y_edges[0]"),
        "{err}"
    );

    let mut h = heatmap();
    h.color_scale = Scale::Log;
    h.values = vec![vec![0.0, f64::NAN]];
    let err = heatmap_err(&h);
    assert!(
        matches!(&err, PlotError::NothingDrawable { field, non_finite: 1, non_positive: 1, .. } if field == "values"),
        "{err}"
    );

    let mut h = heatmap();
    h.color_scale = Scale::Log;
    h.color_range = Some((-1.0, 1.0));
    assert_eq!(heatmap_err(&h).field(), Some("color_range"));
}

#[test]
fn missing_directory_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/x.png");
    let err = draw_chart(&simple_chart(), &path, (1000, 700)).unwrap_err();
    assert!(matches!(err, PlotError::Io { .. }), "{err}");
}

#[test]
fn skipped_points_are_fine_while_something_is_drawable() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = simple_chart();
    c.y.scale = Scale::Log;
    // One drawable point among unplaceable ones is enough; the rest are skipped.
    c.series = vec![Series::new(
        "mostly zero",
        SeriesStyle::Markers,
        vec![
            Point::new(1.0, 0.0),
            Point::new(2.0, 3.0),
            Point::new(3.0, f64::NAN),
        ],
    )];
    draw_chart(&c, &dir.path().join("ok.png"), (1000, 700)).unwrap();
}
