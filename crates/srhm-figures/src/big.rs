//! Fig. 9: big nets (VGG, ResNet, EfficientNet) on the SRHM. One panel per network and
//! relative depth: test error, S_(d,1) and D_(d,1) of the block at that depth against
//! P. At 80% depth the paper's claim is checked: as the network learns, that layer
//! becomes insensitive to synonym exchanges and to diffeomorphisms.

use srhm_plots::{Axis, Chart, Point, Series, SeriesStyle};
use srhm_store::Record;

use crate::analysis::{by_config, show, summary_curve};
use crate::{FigureReport, Verdict};

/// The network names the runner writes in the `model` column.
pub const BIG_NETS: [&str; 5] = ["vgg11", "vgg16", "resnet18", "resnet34", "efficientnet-b0"];

fn title(model: &str) -> String {
    match model {
        "vgg11" => "VGG11".into(),
        "vgg16" => "VGG16".into(),
        "resnet18" => "ResNet18".into(),
        "resnet34" => "ResNet34".into(),
        "efficientnet-b0" => "EfficientNet-B0".into(),
        other => other.to_string(),
    }
}

/// The depth whose sensitivities the paper says vanish once the task is learnt.
const CHECKED_DEPTH: u32 = 80;

/// ε, S_(d,1) and D_(d,1) of `model`'s block at `depth`% against P (every data
/// configuration of the rows; median over seeds, bars min–max).
pub fn depth_panel(
    rows: &[Record],
    model: &str,
    depth: u32,
    report: &mut FigureReport,
) -> Option<Chart> {
    let groups: Vec<_> = by_config(rows)
        .into_iter()
        .filter(|(key, _)| key.model == model)
        .collect();
    if groups.is_empty() {
        report.notes.push(format!("no {model} runs"));
        return None;
    }
    let mut chart = Chart {
        title: format!("{}, depth {depth}%", title(model)),
        x: Axis::log("P (training points)"),
        y: Axis::linear("ε, S, D"),
        ..Chart::default()
    };
    let columns = [
        ("test_error".to_string(), "ε".to_string()),
        (format!("S_d{depth}_1"), format!("S_(k={depth}%)")),
        (format!("D_d{depth}_1"), format!("D_(k={depth}%)")),
    ];
    for (key, group) in &groups {
        let suffix = if groups.len() > 1 {
            format!(" {}", key.label())
        } else {
            String::new()
        };
        for (colour, (column, label)) in columns.iter().enumerate() {
            let points: Vec<Point> = summary_curve(group, column)
                .into_iter()
                .map(|(p, median, lo, hi)| Point::new(p, median).with_y_error(lo, hi))
                .collect();
            if !points.is_empty() {
                chart.series.push(
                    Series::new(
                        format!("{label}{suffix}"),
                        SeriesStyle::LineAndMarkers,
                        points,
                    )
                    .with_color(colour),
                );
            }
        }
        chart
            .notes
            .push(format!("{} width {}", key.label(), key.width));
    }
    if depth == CHECKED_DEPTH {
        for (key, group) in &groups {
            report.verdicts.push(verdict(model, key.label(), group));
        }
    }
    Some(chart)
}

fn verdict(model: &str, label: String, group: &[&Record]) -> Verdict {
    let claim = format!(
        "{} ({label}): at 80% depth, S and D fall as the test error does",
        title(model)
    );
    let ends = |column: &str| {
        let curve = summary_curve(group, column);
        (curve.len() >= 2).then(|| (curve[0], curve[curve.len() - 1]))
    };
    let (Some(e), Some(s), Some(d)) = (
        ends("test_error"),
        ends(&format!("S_d{CHECKED_DEPTH}_1")),
        ends(&format!("D_d{CHECKED_DEPTH}_1")),
    ) else {
        return Verdict {
            claim,
            measured: "fewer than two P with ε, S and D measured".into(),
            holds: None,
        };
    };
    // Learning is the premise: without it the claim is not tested.
    if e.1.1 >= e.0.1 {
        return Verdict {
            claim,
            measured: format!(
                "ε did not fall ({} at P = {:.0} → {} at P = {:.0}): not learnt at these P",
                show(e.0.1),
                e.0.0,
                show(e.1.1),
                e.1.0
            ),
            holds: None,
        };
    }
    let holds = s.1.1 <= 0.5 * s.0.1 && d.1.1 <= 0.5 * d.0.1;
    Verdict {
        claim,
        measured: format!(
            "P = {:.0} → {:.0}: ε {} → {}, S {} → {}, D {} → {} → {}",
            e.0.0,
            e.1.0,
            show(e.0.1),
            show(e.1.1),
            show(s.0.1),
            show(s.1.1),
            show(d.0.1),
            show(d.1.1),
            if holds {
                "holds (S and D at least halved)"
            } else {
                "does not hold"
            }
        ),
        holds: Some(holds),
    }
}
