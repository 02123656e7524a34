//! One function per figure. Each returns its verdicts; the PNG goes to
//! `<root>/<figure>/<figure>-<preset>.png`.

use std::path::{Path, PathBuf};

use srhm_plots::{
    Axis, Chart, FunctionLine, Heatmap, Point, RefLine, Scale, Series, SeriesStyle, draw_heatmap,
    draw_panels,
};
use srhm_scaling::{Model, Observable, collapse, fit_prefactor, paper_threshold, predict};
use srhm_store::Record;

use crate::analysis::{ConfigKey, by_config, p_star, show, summary_curve};
use crate::{FigureError, FigureReport, Verdict};
use crate::{big, one_step};

/// What a panel shows; specs list them as `kind:model` strings, e.g. `pstar:lcn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Panel {
    /// Test error against P for every configuration, with the 10% line.
    Curves(String),
    /// P* against the paper's prediction (Eq. 3, or Eq. 4 for CNNs); verdict: slope 1.
    PStar(String),
    /// P* against P*_S (S_(2,1) below the paper's threshold); verdict: slope 1.
    PStarS(String),
    /// P* against P*_D (D_(2,1) below the paper's threshold); verdict: slope 1.
    PStarD(String),
    /// S_(k,l) against P for every layer and level of one configuration.
    SensitivityS(String),
    /// D_(k,l) against P likewise.
    SensitivityD(String),
    /// Test error against a layer's sensitivity (S or D, level 1) over every run, opacity
    /// growing with P, or at one P only (`fixed`); verdict: the error grows with it.
    ErrorVsSensitivity {
        model: String,
        observable: Observable,
        layer: String,
        fixed: bool,
    },
    /// Eq. 5 over (d, F) with the measured LCNs overlaid (a figure of its own).
    Eq5,
    /// Appendix C, the first GD step: noise/signal of the update against P.
    OneStepCurves,
    /// The same against P/(s0+1)^L.
    OneStepCollapse,
    /// P₁ (noise = signal) against nc·m^L·(s0+1)^L; verdict: slope 1.
    OneStepPStar,
    /// P₁(s0)/P₁(0) against (s0+1)^L; verdict: slope 1.
    OneStepSparsity,
    /// A big net's test error, S and D at a relative depth (percent) against P; at 80%
    /// the verdict: S and D fall as it learns.
    BigNet { model: String, depth: u32 },
}

impl std::str::FromStr for Panel {
    type Err = FigureError;

    fn from_str(text: &str) -> Result<Self, FigureError> {
        let mut parts = text.split(':');
        let kind = parts.next().unwrap_or("");
        let model = parts.next().unwrap_or("").to_string();
        let layer = parts.next().unwrap_or("2").to_string();
        let needs_model = |panel: Panel| {
            if ["lcn", "cnn", "fcn"].contains(&model.as_str()) {
                Ok(panel)
            } else {
                Err(FigureError::Panel(format!(
                    "`{text}`: the model must be lcn, cnn or fcn"
                )))
            }
        };
        match kind {
            "curves" => needs_model(Panel::Curves(model.clone())),
            "pstar" => needs_model(Panel::PStar(model.clone())),
            "pstar-s" => needs_model(Panel::PStarS(model.clone())),
            "pstar-d" => needs_model(Panel::PStarD(model.clone())),
            "sensitivity-s" => needs_model(Panel::SensitivityS(model.clone())),
            "sensitivity-d" => needs_model(Panel::SensitivityD(model.clone())),
            "eq5" => Ok(Panel::Eq5),
            "one-step-curves" => Ok(Panel::OneStepCurves),
            "one-step-collapse" => Ok(Panel::OneStepCollapse),
            "one-step-pstar" => Ok(Panel::OneStepPStar),
            "one-step-sparsity" => Ok(Panel::OneStepSparsity),
            "big" if big::BIG_NETS.contains(&model.as_str()) => {
                let depth = layer.parse::<u32>().ok().filter(|d| (1..=100).contains(d));
                depth
                    .map(|depth| Panel::BigNet {
                        model: model.clone(),
                        depth,
                    })
                    .ok_or_else(|| {
                        FigureError::Panel(format!(
                            "`{text}`: the depth must be a percent in 1..=100"
                        ))
                    })
            }
            "error-vs-s" | "error-vs-d" | "error-vs-s-fixed" | "error-vs-d-fixed" => {
                needs_model(Panel::ErrorVsSensitivity {
                    model: model.clone(),
                    observable: if kind.starts_with("error-vs-s") {
                        Observable::S2
                    } else {
                        Observable::D2
                    },
                    layer: layer.clone(),
                    fixed: kind.ends_with("-fixed"),
                })
            }
            _ => Err(FigureError::Panel(format!(
                "unknown panel `{text}` (curves, pstar, pstar-s, pstar-d, sensitivity-s, \
                 sensitivity-d with `:model`; error-vs-s, error-vs-d and their -fixed forms with \
                 `:model[:layer]`; eq5; one-step-curves, -collapse, -pstar, -sparsity; big:<net>:<depth%>)"
            ))),
        }
    }
}

/// What a figure is drawn from.
pub struct FigureInput<'a> {
    pub figure: &'a str,
    pub title: &'a str,
    pub claim: &'a str,
    pub preset: &'a str,
    /// Rows of the preset's runs (of the spec the figure takes its data from).
    pub rows: &'a [Record],
    pub root: &'a Path,
    /// The spec's panels, e.g. `["curves:lcn", "pstar:lcn", "pstar:cnn"]`.
    pub panels: &'a [String],
}

const ERROR_THRESHOLD: f64 = 0.10;
const PANEL: (u32, u32) = (640, 520);

pub fn build(input: &FigureInput) -> Result<FigureReport, FigureError> {
    let mut report = FigureReport {
        figure: input.figure.to_string(),
        title: input.title.to_string(),
        claim: input.claim.to_string(),
        png: None,
        verdicts: Vec::new(),
        runs: input.rows.len(),
        notes: Vec::new(),
    };
    let dir = input.root.join(input.figure);
    std::fs::create_dir_all(&dir).map_err(|source| FigureError::Io { path: dir, source })?;
    if input.rows.is_empty() {
        report
            .notes
            .push("no results in the store for this preset: run the figure first".into());
        return Ok(report);
    }
    let kinds: Vec<Panel> = input
        .panels
        .iter()
        .map(|p| p.parse())
        .collect::<Result<_, _>>()?;
    if kinds == [Panel::Eq5] {
        return eq5_heatmap(input, report);
    }
    let mut panels = Vec::new();
    for kind in &kinds {
        let letter = (b'A' + panels.len() as u8) as char;
        let chart = match kind {
            Panel::Curves(model) => Some(learning_curves(input.rows, model)),
            Panel::PStar(model) => p_star_vs_prediction(input.rows, model, &mut report),
            Panel::PStarS(model) => {
                p_star_vs_sensitivity(input.rows, model, Observable::S2, &mut report)
            }
            Panel::PStarD(model) => {
                p_star_vs_sensitivity(input.rows, model, Observable::D2, &mut report)
            }
            Panel::SensitivityS(model) => {
                sensitivity_curves(input.rows, model, Observable::S2, &mut report)
            }
            Panel::SensitivityD(model) => {
                sensitivity_curves(input.rows, model, Observable::D2, &mut report)
            }
            Panel::ErrorVsSensitivity {
                model,
                observable,
                layer,
                fixed,
            } => error_vs_sensitivity(input.rows, model, *observable, layer, *fixed, &mut report),
            Panel::Eq5 => return Err(FigureError::Panel("`eq5` is a figure of its own".into())),
            Panel::OneStepCurves => one_step::curves(input.rows, false),
            Panel::OneStepCollapse => one_step::curves(input.rows, true),
            Panel::OneStepPStar => one_step::p_one_vs_prediction(input.rows, &mut report),
            Panel::OneStepSparsity => one_step::sparsity_ratio(input.rows, &mut report),
            Panel::BigNet { model, depth } => {
                big::depth_panel(input.rows, model, *depth, &mut report)
            }
        };
        if let Some(mut chart) = chart {
            chart.title = format!("{letter}: {}", chart.title);
            panels.push(chart);
        }
    }
    if panels.is_empty() {
        report.notes.push("nothing to draw".into());
        return Ok(report);
    }
    // Big-net figures: one column per network, one row per depth (the paper's layout).
    let nets: std::collections::BTreeSet<&str> = kinds
        .iter()
        .filter_map(|k| match k {
            Panel::BigNet { model, .. } => Some(model.as_str()),
            _ => None,
        })
        .collect();
    let columns = if nets.is_empty() {
        panels.len().min(3)
    } else {
        nets.len()
    };
    save_png(input, report, |path| {
        draw_panels(&panels, columns, path, PANEL)
    })
}

/// Draws the figure's PNG at `<figure>/<figure>-<preset>.png` and records it.
fn save_png(
    input: &FigureInput,
    mut report: FigureReport,
    draw: impl FnOnce(&Path) -> Result<(), srhm_plots::PlotError>,
) -> Result<FigureReport, FigureError> {
    let path = PathBuf::from(input.figure).join(format!("{}-{}.png", input.figure, input.preset));
    draw(&input.root.join(&path)).map_err(|source| FigureError::Plot {
        figure: input.figure.into(),
        source,
    })?;
    report.png = Some(path);
    Ok(report)
}

fn width_note(rows: &[Record]) -> String {
    let widths: std::collections::BTreeSet<i64> = rows
        .iter()
        .filter_map(|r| crate::analysis::int(r, "width"))
        .collect();
    let widths: Vec<String> = widths.iter().map(|w| w.to_string()).collect();
    format!("width H = {} (paper: 512)", widths.join(", "))
}

/// Median P* (with interval) of each configuration of `model`, for `column` at
/// `threshold(key)`, paired with `x(key)`; configurations without P* are noted.
pub(crate) struct PStarPoint {
    pub key: ConfigKey,
    pub p_star: f64,
    pub lo: f64,
    pub hi: f64,
}

pub(crate) fn p_stars(
    rows: &[Record],
    model: &str,
    column: &str,
    threshold: &dyn Fn(&ConfigKey) -> f64,
    notes: &mut Vec<String>,
) -> Vec<PStarPoint> {
    let mut points = Vec::new();
    for (key, group) in by_config(rows) {
        if key.model != model {
            continue;
        }
        match p_star(&group, column, threshold(&key)) {
            Some(estimate) => match estimate.estimate {
                Some(m) => points.push(PStarPoint {
                    key,
                    p_star: m.median,
                    lo: m.lo,
                    hi: m.hi,
                }),
                None => notes.push(format!(
                    "{model} {}: no P* for {column} ({})",
                    key.label(),
                    estimate.reason.unwrap_or_default()
                )),
            },
            None => notes.push(format!("{model} {}: no {column} measured", key.label())),
        }
    }
    points
}

/// Measured P* (with their intervals) against `predicted`, and the slope-1 verdict.
pub(crate) fn against_prediction(
    chart: &mut Chart,
    points: &[PStarPoint],
    predicted: &[f64],
    label: &str,
    claim: &str,
) -> Verdict {
    let measured: Vec<f64> = points.iter().map(|p| p.p_star).collect();
    chart.series.push(Series::new(
        label,
        SeriesStyle::Markers,
        points
            .iter()
            .zip(predicted)
            .map(|(p, &x)| interval_point(x, p))
            .collect(),
    ));
    collapse_verdict(claim, &measured, predicted, chart)
}

pub(crate) fn interval_point(x: f64, p: &PStarPoint) -> Point {
    let mut point = Point::new(x, p.p_star);
    if p.lo > 0.0 && p.hi.is_finite() {
        point = point.with_y_error(p.lo, p.hi);
    }
    point
}

/// Fits log measured vs log predicted; the verdict is "slope 1 within its 95% interval".
pub(crate) fn collapse_verdict(
    claim: &str,
    measured: &[f64],
    predicted: &[f64],
    chart: &mut Chart,
) -> Verdict {
    match collapse(measured, predicted) {
        Ok(c) => {
            // An interval that reaches 0 cannot tell the law from no dependence at all:
            // containing 1 then proves nothing.
            let holds = if c.slope_ci.0 <= 0.0 {
                None
            } else {
                Some(c.holds)
            };
            let text = format!(
                "slope {:.2} [{:.2}, {:.2}] over {} configurations, prefactor {:.3} → {}",
                c.slope,
                c.slope_ci.0,
                c.slope_ci.1,
                measured.len(),
                c.prefactor,
                match holds {
                    Some(true) => "holds",
                    Some(false) => "does not hold",
                    None =>
                        "undecided (the interval reaches 0: too few or too close configurations)",
                }
            );
            chart.lines.push(FunctionLine::power_law(
                format!("fit: slope {:.2}", c.slope),
                c.prefactor,
                c.slope,
            ));
            if let Ok(pre) = fit_prefactor(measured, predicted) {
                chart.lines.push(FunctionLine::power_law(
                    format!("slope 1: C = {:.2}", pre.c),
                    pre.c,
                    1.0,
                ));
            }
            chart.notes.push(text.clone());
            Verdict {
                claim: claim.into(),
                measured: text,
                holds,
            }
        }
        Err(e) => Verdict {
            claim: claim.into(),
            measured: format!(
                "cannot fit: {e} ({} configurations with a P*)",
                measured.len()
            ),
            holds: None,
        },
    }
}

fn model_title(model: &str) -> String {
    model.to_uppercase()
}

/// "an LCN", "a CNN", "an FCN".
fn with_article(model: &str) -> String {
    let article = if model == "cnn" { "a" } else { "an" };
    format!("{article} {}", model_title(model))
}

fn learning_curves(rows: &[Record], model: &str) -> Chart {
    let mut chart = Chart {
        title: format!("{} test error vs P", model_title(model)),
        x: Axis::log("P (training points)"),
        y: Axis::log("test error ε"),
        ..Chart::default()
    };
    chart.hlines.push(RefLine {
        y: ERROR_THRESHOLD,
        label: "ε* = 10%".into(),
        color: None,
    });
    for (key, group) in by_config(rows) {
        if key.model != model {
            continue;
        }
        let points = summary_curve(&group, "test_error")
            .into_iter()
            .map(|(p, median, lo, hi)| Point::new(p, median).with_y_error(lo, hi))
            .collect();
        chart.series.push(Series::new(
            key.label(),
            SeriesStyle::LineAndMarkers,
            points,
        ));
    }
    chart.notes.push(width_note(rows));
    chart.notes.push("median over seeds, bars: min–max".into());
    chart
}

fn p_star_vs_prediction(rows: &[Record], model: &str, report: &mut FigureReport) -> Option<Chart> {
    let equation = if model == "cnn" { "Eq. 4" } else { "Eq. 3" };
    let name = model_title(model);
    let points = p_stars(
        rows,
        model,
        "test_error",
        &|_| ERROR_THRESHOLD,
        &mut report.notes,
    );
    let claim = format!("{name} P* ∝ {equation} (slope 1 in log–log)");
    if points.is_empty() {
        report.verdicts.push(Verdict {
            claim,
            measured: "no configuration reached 10% test error".into(),
            holds: None,
        });
        return None;
    }
    let mut chart = Chart {
        title: format!("{name}: P* vs {equation}"),
        x: Axis::log(format!("{equation} prediction")),
        y: Axis::log("measured P* (ε = 10%)"),
        ..Chart::default()
    };
    let predicted: Vec<f64> = points
        .iter()
        .map(|p| p.key.prediction().unwrap_or(f64::NAN))
        .collect();
    report.verdicts.push(against_prediction(
        &mut chart,
        &points,
        &predicted,
        "median P* (bootstrap 95%)",
        &claim,
    ));
    chart.notes.push(width_note(rows));
    Some(chart)
}

/// The paper's threshold of S_2 or D_2 for this model and configuration.
fn sensitivity_threshold(observable: Observable, model: &str, key: &ConfigKey) -> f64 {
    let model = model.parse().unwrap_or(Model::Lcn);
    paper_threshold(observable, model, key.levels, key.patch).unwrap_or(f64::NAN)
}

fn p_star_vs_sensitivity(
    rows: &[Record],
    model: &str,
    observable: Observable,
    report: &mut FigureReport,
) -> Option<Chart> {
    let (column, name) = match observable {
        Observable::S2 => ("S_2_1", "S"),
        _ => ("D_2_1", "D"),
    };
    let errors = p_stars(
        rows,
        model,
        "test_error",
        &|_| ERROR_THRESHOLD,
        &mut report.notes,
    );
    let threshold = |key: &ConfigKey| sensitivity_threshold(observable, model, key);
    let by_sensitivity = p_stars(rows, model, column, &threshold, &mut report.notes);
    let pairs: Vec<(&PStarPoint, &PStarPoint)> = errors
        .iter()
        .filter_map(|e| {
            by_sensitivity
                .iter()
                .find(|s| s.key == e.key)
                .map(|s| (e, s))
        })
        .collect();
    let title = model_title(model);
    let claim =
        format!("{title} P* ∝ P*_{name}: learning the task coincides with {column} becoming small");
    if pairs.is_empty() {
        report.verdicts.push(Verdict {
            claim,
            measured: format!("no configuration has both P* and P*_{name}"),
            holds: None,
        });
        return None;
    }
    let cuts: std::collections::BTreeSet<String> = pairs
        .iter()
        .map(|(e, _)| format!("{:.0}%", 100.0 * threshold(&e.key)))
        .collect();
    let cuts: Vec<String> = cuts.into_iter().collect();
    let mut chart = Chart {
        title: format!("{title}: P* vs P*_{name} ({column} = {})", cuts.join(", ")),
        x: Axis::log(format!("P*_{name} ({column} below threshold)")),
        y: Axis::log("P* (test error 10%)"),
        ..Chart::default()
    };
    chart.series.push(Series::new(
        "configurations (median, bootstrap 95%)",
        SeriesStyle::Markers,
        pairs
            .iter()
            .map(|(e, s)| {
                let point = interval_point(s.p_star, e);
                // An unbounded end (a seed never measured on that side) has no bar.
                if s.lo > 0.0 && s.hi.is_finite() {
                    point.with_x_error(s.lo, s.hi)
                } else {
                    point
                }
            })
            .collect(),
    ));
    let measured: Vec<f64> = pairs.iter().map(|(e, _)| e.p_star).collect();
    let predicted: Vec<f64> = pairs.iter().map(|(_, s)| s.p_star).collect();
    report
        .verdicts
        .push(collapse_verdict(&claim, &measured, &predicted, &mut chart));
    chart.notes.push(width_note(rows));
    Some(chart)
}

fn sensitivity_curves(
    rows: &[Record],
    model: &str,
    observable: Observable,
    report: &mut FigureReport,
) -> Option<Chart> {
    let groups = by_config(rows);
    // The L = 2 network with the largest prediction: the widest range of P around its P*.
    let Some((key, group)) = groups
        .iter()
        .filter(|(k, _)| k.model == model && k.levels == 2)
        .max_by(|a, b| {
            a.0.prediction()
                .partial_cmp(&b.0.prediction())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    else {
        report.notes.push(format!("no L = 2 {model} runs"));
        return None;
    };
    let (name, full) = match observable {
        Observable::S2 => ("S", "synonyms p_l"),
        _ => ("D", "diffeomorphisms τ_l"),
    };
    let threshold = sensitivity_threshold(observable, model, key);
    let title = model_title(model);
    let mut chart = Chart {
        title: format!("{title} {}: {name}_(k,l) vs P ({full})", key.label()),
        x: Axis::log("P (training points)"),
        y: Axis::log(format!("{name}_(k,l)")),
        ..Chart::default()
    };
    chart.hlines.push(RefLine {
        y: threshold,
        label: format!("{name}_2 threshold {:.0}%", 100.0 * threshold),
        color: None,
    });
    for k in ["1", "2", "out"] {
        for l in 1..=key.levels {
            let column = format!("{name}_{k}_{l}");
            let points: Vec<Point> = summary_curve(group, &column)
                .into_iter()
                .map(|(p, median, lo, hi)| Point::new(p, median).with_y_error(lo, hi))
                .collect();
            if !points.is_empty() {
                chart.series.push(Series::new(
                    format!("k={k}, l={l}"),
                    SeriesStyle::LineAndMarkers,
                    points,
                ));
            }
        }
    }
    let curve = summary_curve(group, &format!("{name}_2_1"));
    let verdict = match (curve.first(), curve.last()) {
        (Some(first), Some(last)) if curve.len() >= 2 => {
            let holds = last.1 < threshold && last.1 < 0.5 * first.1;
            Verdict {
                claim: format!(
                    "{name}_(2,1) of {} decreases with P and falls below {:.0}% once the task is learnt",
                    with_article(model),
                    100.0 * threshold
                ),
                measured: format!(
                    "{name}_(2,1) = {} at P = {:.0} → {} at P = {:.0} → {}",
                    show(first.1),
                    first.0,
                    show(last.1),
                    last.0,
                    if holds { "holds" } else { "does not hold" }
                ),
                holds: Some(holds),
            }
        }
        _ => Verdict {
            claim: format!("{name}_(2,1) of {} decreases with P", with_article(model)),
            measured: "fewer than two P measured".into(),
            holds: None,
        },
    };
    if let Some(e) = p_star(group, "test_error", ERROR_THRESHOLD).and_then(|e| e.median()) {
        chart.notes.push(format!("P* (ε = 10%) = {}", show(e)));
    }
    chart.notes.push(verdict.measured.clone());
    chart.notes.push(width_note(rows));
    report.verdicts.push(verdict);
    Some(chart)
}

fn error_vs_sensitivity(
    rows: &[Record],
    model: &str,
    observable: Observable,
    layer: &str,
    fixed: bool,
    report: &mut FigureReport,
) -> Option<Chart> {
    let name = match observable {
        Observable::S2 => "S",
        _ => "D",
    };
    let column = format!("{name}_{layer}_1");
    let runs: Vec<(f64, f64, f64, i64)> = rows
        .iter()
        .filter(|r| crate::analysis::text(r, "model") == Some(model))
        .filter_map(|r| {
            Some((
                crate::analysis::float(r, &column)?,
                crate::analysis::float(r, "test_error")?,
                crate::analysis::int(r, "p")? as f64,
                crate::analysis::int(r, "width")?,
            ))
        })
        .collect();
    let mut ps: Vec<f64> = runs.iter().map(|r| r.2).collect();
    ps.sort_by(f64::total_cmp);
    ps.dedup();
    let title = model_title(model);
    let claim_scope = if fixed { "at fixed P" } else { "over P" };
    let claim = format!("{title}: test error grows with {name}_({layer},1) ({claim_scope})");
    let Some(&middle) = ps.get(ps.len() / 2) else {
        report.verdicts.push(Verdict {
            claim,
            measured: format!("no run measured {column}"),
            holds: None,
        });
        return None;
    };
    let runs: Vec<_> = runs
        .into_iter()
        .filter(|r| !fixed || r.2 == middle)
        .collect();
    let (lo, hi) = (ps[0].ln(), ps[ps.len() - 1].ln());
    let opacity = |p: f64| {
        if fixed || hi <= lo {
            0.9
        } else {
            0.15 + 0.85 * (p.ln() - lo) / (hi - lo)
        }
    };
    let mut widths: Vec<i64> = runs.iter().map(|r| r.3).collect();
    widths.sort_unstable();
    widths.dedup();
    let mut chart = Chart {
        title: if fixed {
            format!("{title}: ε vs {name}_({layer},1) at P = {middle}")
        } else {
            format!("{title}: ε vs {name}_({layer},1), opacity = P")
        },
        x: Axis::log(format!("{name}_({layer},1)")),
        y: Axis::log("test error ε"),
        ..Chart::default()
    };
    for width in &widths {
        chart.series.push(Series::new(
            format!("H = {width}"),
            SeriesStyle::Markers,
            runs.iter()
                .filter(|r| r.3 == *width)
                .map(|r| Point::new(r.0, r.1).with_opacity(opacity(r.2)))
                .collect(),
        ));
    }
    let usable: Vec<&(f64, f64, f64, i64)> =
        runs.iter().filter(|r| r.0 > 0.0 && r.1 > 0.0).collect();
    let fit = srhm_scaling::fit_power_law(
        &usable.iter().map(|r| r.0).collect::<Vec<_>>(),
        &usable.iter().map(|r| r.1).collect::<Vec<_>>(),
    );
    let verdict = match fit {
        Ok(f) => {
            let holds = if f.slope_ci.0 > 0.0 {
                Some(true)
            } else if f.slope_ci.1 < 0.0 {
                Some(false)
            } else {
                None
            };
            let text = format!(
                "log ε vs log {name}: slope {:.2} [{:.2}, {:.2}] over {} runs with ε > 0 → {}",
                f.slope,
                f.slope_ci.0,
                f.slope_ci.1,
                usable.len(),
                match holds {
                    Some(true) => "holds",
                    Some(false) => "does not hold",
                    None => "undecided (the interval contains 0)",
                }
            );
            chart.lines.push(FunctionLine::power_law(
                format!("fit: slope {:.2}", f.slope),
                f.prefactor(),
                f.slope,
            ));
            chart.notes.push(text.clone());
            Verdict {
                claim,
                measured: text,
                holds,
            }
        }
        Err(e) => Verdict {
            claim,
            measured: format!("cannot fit: {e}"),
            holds: None,
        },
    };
    chart.notes.push(width_note(rows));
    report.verdicts.push(verdict);
    if runs.is_empty() {
        return None;
    }
    Some(chart)
}

/// Eq. 5 over (d, F) at v = m = nc = 10, s = 5, with the measured LCNs overlaid, and
/// the measured P*/nc against Eq. 5 evaluated at each configuration's own m and s.
fn eq5_heatmap(input: &FigureInput, mut report: FigureReport) -> Result<FigureReport, FigureError> {
    let (m, s) = (10u32, 5u32);
    let n = 48;
    let log_edges = |lo: f64, hi: f64| -> Vec<f64> {
        (0..=n)
            .map(|i| 10f64.powf(lo + (hi - lo) * i as f64 / n as f64))
            .collect()
    };
    let x_edges = log_edges(0.5, 7.0);
    let y_edges = log_edges(-5.0, 0.0);
    let centre = |edges: &[f64], i: usize| (edges[i] * edges[i + 1]).sqrt();
    let values: Vec<Vec<f64>> = (0..n)
        .map(|iy| {
            (0..n)
                .map(|ix| {
                    let (d, f) = (centre(&x_edges, ix), centre(&y_edges, iy));
                    // d·F = s^L: below s there is not even one level.
                    if d * f < s as f64 {
                        return f64::NAN;
                    }
                    predict::eq5_lcn(d, f, m, s).unwrap_or(f64::NAN)
                })
                .collect()
        })
        .collect();
    let points = p_stars(
        input.rows,
        "lcn",
        "test_error",
        &|_| ERROR_THRESHOLD,
        &mut report.notes,
    );
    let overlay = vec![Series::new(
        "measured LCN configurations (their own m, s)",
        SeriesStyle::Markers,
        points
            .iter()
            .map(|p| {
                let (d, f) = p.key.d_and_f();
                Point::new(d, f)
            })
            .collect(),
    )];
    let measured: Vec<f64> = points
        .iter()
        .map(|p| p.p_star / p.key.classes as f64)
        .collect();
    let predicted: Vec<f64> = points
        .iter()
        .map(|p| {
            let (d, f) = p.key.d_and_f();
            predict::eq5_lcn(d, f, p.key.synonyms, p.key.patch).unwrap_or(f64::NAN)
        })
        .collect();
    let mut scratch = Chart::default();
    let verdict = collapse_verdict(
        "LCN P*/nc ∝ F^(log m/log s − 1/2) d^(log m/log s + 1/2) (Eq. 5)",
        &measured,
        &predicted,
        &mut scratch,
    );
    let mut notes = vec![
        format!("colour: Eq. 5 at m = {m}, s = {s} (up to a constant); grey: d·F < s"),
        "measured P*/nc vs Eq. 5 at their own m, s:".to_string(),
    ];
    notes.extend(scratch.notes.iter().cloned());
    report.verdicts.push(verdict);
    let heatmap = Heatmap {
        title: "Fig. 5: LCN sample complexity (Eq. 5) over d and F".into(),
        x: Axis::log("input dimension d"),
        y: Axis::log("informative fraction F = (s0+1)^(−L)"),
        x_edges,
        y_edges,
        values,
        color_scale: Scale::Log,
        color_label: "P* (Eq. 5)".into(),
        overlay,
        notes,
        legend_at: srhm_plots::Placement::LowerRight,
        notes_at: srhm_plots::Placement::UpperLeft,
        ..Heatmap::default()
    };
    save_png(input, report, |path| {
        draw_heatmap(&heatmap, path, (900, 700))
    })
}
