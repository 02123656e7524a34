//! Fig. 9: big nets (VGG, ResNet, EfficientNet) on the SRHM. One panel per network and
//! relative depth: test error, S_(d,1) and D_(d,1) of the block at that depth against
//! P. At 80% depth the paper's claim is checked: as the network learns, that layer
//! becomes insensitive to synonym exchanges and to diffeomorphisms. The check is made
//! seed by seed, as a property of each trained network, and needs
//! [`verdict::MIN_SEEDS`] of them.

use std::collections::BTreeMap;

use srhm_plots::{Axis, Chart, Point, Series, SeriesStyle};
use srhm_store::Record;

use crate::analysis::{by_config, curves_by_seed, show, summary_curve};
use crate::verdict::{self, Decision};
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

/// One seed's test of the claim: the (P, value) ends of ε, S and D, and whether S and D were
/// at least halved. `None` when the seed lacks two P of any of them.
struct SeedCheck {
    seed: i64,
    span: (f64, f64),
    error: (f64, f64),
    s: (f64, f64),
    d: (f64, f64),
}

impl SeedCheck {
    /// Learning is the premise: a seed whose error did not fall has not tested the claim.
    fn learnt(&self) -> bool {
        self.error.1 < self.error.0
    }

    fn shows_it(&self) -> bool {
        self.s.1 <= 0.5 * self.s.0 && self.d.1 <= 0.5 * self.d.0
    }

    fn describe(&self) -> String {
        let mark = match (self.learnt(), self.shows_it()) {
            (false, _) => " (ε did not fall: not tested)",
            (true, true) => " ✓",
            (true, false) => " ✗",
        };
        format!(
            "seed {}: ε {} → {}, S {} → {}, D {} → {}{mark}",
            self.seed,
            show(self.error.0),
            show(self.error.1),
            show(self.s.0),
            show(self.s.1),
            show(self.d.0),
            show(self.d.1),
        )
    }
}

/// Each seed's (P, value) at its smallest and at its largest P.
type Ends = BTreeMap<i64, ((f64, f64), (f64, f64))>;

/// The value at the smallest and at the largest P of each seed's curves of ε, S and D.
fn seed_checks(group: &[&Record]) -> Vec<SeedCheck> {
    let ends = |column: &str| -> Ends {
        curves_by_seed(group, column)
            .into_iter()
            .filter(|(_, c)| c.len() >= 2)
            .map(|(seed, c)| (seed, (c[0], c[c.len() - 1])))
            .collect()
    };
    let (e, s, d) = (
        ends("test_error"),
        ends(&format!("S_d{CHECKED_DEPTH}_1")),
        ends(&format!("D_d{CHECKED_DEPTH}_1")),
    );
    e.into_iter()
        .filter_map(|(seed, (e0, e1))| {
            let (s0, s1) = s.get(&seed)?;
            let (d0, d1) = d.get(&seed)?;
            Some(SeedCheck {
                seed,
                span: (e0.0, e1.0),
                error: (e0.1, e1.1),
                s: (s0.1, s1.1),
                d: (d0.1, d1.1),
            })
        })
        .collect()
}

/// The claim seed by seed ([`verdict::every_seed`]): among the seeds whose test error fell
/// between the smallest and the largest P, S and D at 80% depth must be at least halved.
fn verdict(model: &str, label: String, group: &[&Record]) -> Verdict {
    let claim = format!(
        "{} ({label}): at 80% depth, S and D fall as the test error does (S and D at least \
         halved, every seed)",
        title(model)
    );
    let checks = seed_checks(group);
    if checks.is_empty() {
        return Decision::undecided("no seed to check")
            .verdict(claim, "no seed with ε, S and D measured at two P");
    }
    let tested: Vec<&SeedCheck> = checks.iter().filter(|c| c.learnt()).collect();
    let shown = tested.iter().filter(|c| c.shows_it()).count();
    let (first, last) = checks[0].span;
    let measured = format!(
        "P = {first:.0} → {last:.0}; {}",
        checks
            .iter()
            .map(SeedCheck::describe)
            .collect::<Vec<_>>()
            .join("; ")
    );
    verdict::every_seed(shown, tested.len()).verdict(claim, measured)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Config, report, row};

    /// VGG11 rows, one seed per entry: (ε, S, D) at the smallest P, then each divided by
    /// `fall` at the largest.
    fn rows(falls: &[(f64, f64)]) -> Vec<Record> {
        let config = Config::new("vgg11", 2, 1, 3);
        let mut rows = Vec::new();
        for (seed, &(error_fall, sd_fall)) in falls.iter().enumerate() {
            for (p, e, sd) in [(100.0, 0.6, 0.8), (1000.0, 0.6 / error_fall, 0.8 / sd_fall)] {
                rows.push(row(
                    config,
                    seed as i64,
                    p,
                    &[("test_error", e), ("S_d80_1", sd), ("D_d80_1", sd)],
                ));
            }
        }
        rows
    }

    fn verdict_of(falls: &[(f64, f64)]) -> Verdict {
        let mut report = report();
        depth_panel(&rows(falls), "vgg11", CHECKED_DEPTH, &mut report).unwrap();
        assert_eq!(report.verdicts.len(), 1, "{:?}", report.verdicts);
        report.verdicts.remove(0)
    }

    #[test]
    fn every_seed_must_halve_s_and_d() {
        let (halves, barely, unlearnt) = ((3.0, 4.0), (3.0, 1.2), (0.9, 4.0));
        assert_eq!(verdict_of(&[halves, halves, halves]).holds, Some(true));
        assert_eq!(verdict_of(&[barely, barely, barely]).holds, Some(false));
        let mixed = verdict_of(&[halves, barely, halves, halves]);
        assert_eq!(mixed.holds, None);
        assert!(mixed.measured.contains("3 of 4 seeds"), "{mixed:?}");
        let one = verdict_of(&[halves]);
        assert_eq!(one.holds, None);
        assert!(one.measured.contains("only 1 seed checked"), "{one:?}");
        // A seed whose error did not fall has not tested the claim.
        let untested = verdict_of(&[halves, halves, unlearnt]);
        assert_eq!(untested.holds, None);
        assert!(untested.measured.contains("not tested"), "{untested:?}");
        assert!(untested.measured.contains("only 2 seeds"), "{untested:?}");
        // Other depths draw but do not judge.
        let mut report = report();
        depth_panel(&rows(&[halves]), "vgg11", 20, &mut report).unwrap();
        assert!(report.verdicts.is_empty());
    }
}
