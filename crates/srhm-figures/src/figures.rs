//! One function per figure. Each returns its verdicts; the PNG goes to
//! `<root>/<figure>/<figure>-<preset>.png`.

use std::path::{Path, PathBuf};

use srhm_plots::{
    Axis, Chart, FunctionLine, Heatmap, Point, RefLine, Scale, Series, SeriesStyle, draw_heatmap,
    draw_panels,
};
use srhm_scaling::{Model, Observable, collapse, fit_prefactor, paper_threshold, predict};
use srhm_store::Record;

use crate::analysis::{
    Bound, ConfigKey, by_config, converged, curves_by_seed, families, median, p_star, show,
    summary_curve,
};
use crate::verdict::{self, Decision, Interval};
use crate::{FigureError, FigureReport, Verdict};
use crate::{big, exponent, one_step};

/// What a panel shows; specs list them as `kind:model` strings, e.g. `pstar:lcn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Panel {
    /// Test error against P for every configuration, with the 10% line.
    Curves(String),
    /// P* against the paper's prediction (Eq. 3, or Eq. 4 for CNNs); verdict: slope 1.
    PStar(String),
    /// P* against P*_S (S_(2,1) below the paper's threshold); verdicts: slope 1, and the
    /// ratio P*/P*_S within a factor 2.
    PStarS(String),
    /// P* against P*_D (D_(2,1) below the paper's threshold); the same verdicts.
    PStarD(String),
    /// P*(s0)/P*(0) against s0+1, seed by seed: the exponent of (s0+1), L for an LCN
    /// (Eq. 3) and 2 for a CNN (Eq. 4); the paper's central claim.
    Exponent(String),
    /// The LCN's ratio over the CNN's, seed by seed: weight sharing lowers the exponent of
    /// (s0+1) by L − 2 (Eq. 3 minus Eq. 4); the central claim as one paired number.
    ExponentGap,
    /// S_(k,l) of every layer (and the output) against P/(s0+1)^L, one chart per layer,
    /// for one L = 2 data model at every s0 it was run at: v = the given vocabulary when
    /// that was run (`sensitivity-s:lcn:8`, the paper's m = v = 8), else the data model
    /// with the most s0 values; verdict per s0: S_(2,1) falls below its threshold.
    SensitivityS(String, Option<u32>),
    /// D_(k,l) likewise.
    SensitivityD(String, Option<u32>),
    /// The prefactor C0 = P*/((s0+1)^L nc m^L) of Eq. 3 against s^(L/2) (the paper's
    /// Figs 10–11: C0 grows with s and L); verdict: slope 1.
    C0(String),
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

impl Panel {
    /// Whether the panel reads trained networks as converged ones (P*, crossings,
    /// exponents, "once the task is learnt"): those panels leave out the runs that hit
    /// their step cap. The error-against-sensitivity and big-net panels compare networks
    /// as they are and keep them.
    fn needs_converged(&self) -> bool {
        !matches!(
            self,
            Panel::ErrorVsSensitivity { .. } | Panel::BigNet { .. }
        )
    }
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
            "sensitivity-s" | "sensitivity-d" => {
                let vocab = match text.split(':').nth(2) {
                    None => None,
                    Some(v) => {
                        Some(v.parse::<u32>().ok().filter(|&v| v >= 2).ok_or_else(|| {
                            FigureError::Panel(format!(
                                "`{text}`: the third part is the vocabulary v to draw, at least 2"
                            ))
                        })?)
                    }
                };
                needs_model(if kind == "sensitivity-s" {
                    Panel::SensitivityS(model.clone(), vocab)
                } else {
                    Panel::SensitivityD(model.clone(), vocab)
                })
            }
            "c0" => needs_model(Panel::C0(model.clone())),
            "exponent" if ["lcn", "cnn"].contains(&model.as_str()) => {
                Ok(Panel::Exponent(model.clone()))
            }
            "exponent" => Err(FigureError::Panel(format!(
                "`{text}`: the model must be lcn or cnn (the laws compared are Eq. 3 and Eq. 4)"
            ))),
            "exponent-gap" => Ok(Panel::ExponentGap),
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
                 sensitivity-d with `:model`; exponent:lcn, exponent:cnn; exponent-gap; error-vs-s, error-vs-d \
                 and their -fixed forms with `:model[:layer]`; eq5; one-step-curves, -collapse, \
                 -pstar, -sparsity; big:<net>:<depth%>)"
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
    let (converged_rows, capped) = converged(input.rows);
    if let Some(note) = capped {
        let kept = kinds.iter().any(|k| !k.needs_converged());
        report.notes.push(if kept {
            format!(
                "{note} (kept in the error-against-sensitivity and big-net panels, which read \
                 no P*)"
            )
        } else {
            note
        });
    }
    if kinds == [Panel::Eq5] {
        return eq5_heatmap(input, &converged_rows, report);
    }
    let mut panels = Vec::new();
    for kind in &kinds {
        let rows: &[Record] = if kind.needs_converged() {
            &converged_rows
        } else {
            input.rows
        };
        for mut chart in panel(kind, rows, &mut report)? {
            if chart.series.is_empty() {
                // E.g. learning curves when every run hit the step cap.
                report
                    .notes
                    .push(format!("{}: nothing to draw", chart.title));
                continue;
            }
            let letter = (b'A' + panels.len() as u8) as char;
            chart.title = format!("{letter}: {}", chart.title);
            panels.push(chart);
        }
    }
    dedup_notes(&mut report.notes);
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

/// One panel kind's charts (none if it has nothing to draw; the sensitivity kinds draw
/// one per layer); its verdicts and notes go to `report`.
fn panel(
    kind: &Panel,
    rows: &[Record],
    report: &mut FigureReport,
) -> Result<Vec<Chart>, FigureError> {
    // Every kind draws at most one chart but the sensitivities, which draw one per layer.
    let one = |chart: Option<Chart>| chart.into_iter().collect::<Vec<_>>();
    Ok(match kind {
        Panel::Curves(model) => vec![learning_curves(rows, model)],
        Panel::PStar(model) => one(p_star_vs_prediction(rows, model, report)),
        Panel::PStarS(model) => one(p_star_vs_sensitivity(rows, model, Observable::S2, report)),
        Panel::PStarD(model) => one(p_star_vs_sensitivity(rows, model, Observable::D2, report)),
        Panel::Exponent(model) => one(exponent::exponent_panel(rows, model, report)),
        Panel::ExponentGap => one(exponent::gap_panel(rows, report)),
        Panel::SensitivityS(model, vocab) => {
            sensitivity_curves(rows, model, *vocab, Observable::S2, report)
        }
        Panel::SensitivityD(model, vocab) => {
            sensitivity_curves(rows, model, *vocab, Observable::D2, report)
        }
        Panel::C0(model) => one(c0_panel(rows, model, report)),
        Panel::ErrorVsSensitivity {
            model,
            observable,
            layer,
            fixed,
        } => one(error_vs_sensitivity(
            rows,
            model,
            *observable,
            layer,
            *fixed,
            report,
        )),
        Panel::Eq5 => return Err(FigureError::Panel("`eq5` is a figure of its own".into())),
        Panel::OneStepCurves => one(one_step::curves(rows, false)),
        Panel::OneStepCollapse => one(one_step::curves(rows, true)),
        Panel::OneStepPStar => one(one_step::p_one_vs_prediction(rows, report)),
        Panel::OneStepSparsity => one(one_step::sparsity_ratio(rows, report)),
        Panel::BigNet { model, depth } => one(big::depth_panel(rows, model, *depth, report)),
    })
}

/// Drops repeated notes (two panels reading the same P* note the same bound), keeping the
/// first of each in place.
fn dedup_notes(notes: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    notes.retain(|note| seen.insert(note.clone()));
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

/// Median P* (with its bootstrap interval) of one configuration.
pub(crate) struct PStarPoint {
    pub key: ConfigKey,
    pub p_star: f64,
    pub lo: f64,
    pub hi: f64,
}

/// The P* of every configuration of a model: measured ones, and those known only as a
/// bound because the median seed did not cross inside the P grid.
pub(crate) struct PStars {
    pub points: Vec<PStarPoint>,
    pub bounds: Vec<(ConfigKey, Bound)>,
}

/// Median P* of each configuration of `model`, for `column` falling to `threshold(key)`.
/// A configuration whose median lies outside its P grid is kept as a bound and noted
/// ("P* > 6912: …, left out of the fit"); one without the column is noted too. Nothing is
/// dropped in silence.
pub(crate) fn p_stars(
    rows: &[Record],
    model: &str,
    column: &str,
    threshold: &dyn Fn(&ConfigKey) -> f64,
    notes: &mut Vec<String>,
) -> PStars {
    let mut out = PStars {
        points: Vec::new(),
        bounds: Vec::new(),
    };
    let name = if column == "test_error" {
        "P*".to_string()
    } else {
        format!("P* of {column}")
    };
    for (key, group) in by_config(rows) {
        if key.model != model {
            continue;
        }
        let Some(found) = p_star(&group, column, threshold(&key)) else {
            notes.push(format!("{model} {}: no {column} measured", key.label()));
            continue;
        };
        if let Some(m) = found.estimate.estimate {
            out.points.push(PStarPoint {
                key,
                p_star: m.median,
                lo: m.lo,
                hi: m.hi,
            });
            continue;
        }
        let threshold = threshold(&key);
        let (n, crossed) = (found.estimate.per_seed.len(), found.estimate.crossed);
        let above = found
            .estimate
            .per_seed
            .iter()
            .filter(|o| matches!(o, srhm_scaling::Outcome::StillAbove { .. }))
            .count();
        let below = n - crossed - above;
        let counts = format!(
            "{crossed} of {n} seeds crossed, {above} still above {threshold} at their largest P, \
             {below} already below it at their smallest P"
        );
        if found.bound.is_informative() {
            let side = match (found.bound.lower > 0.0, found.bound.upper.is_finite()) {
                (true, false) => "the median seed never falls to the threshold inside the P grid",
                (false, true) => "the median seed is already below the threshold at the smallest P",
                _ => "the median falls between seeds that crossed and seeds that did not",
            };
            notes.push(format!(
                "{model} {}: {} — a bound, not a measurement ({side}; {counts}); left out of \
                 the fit",
                key.label(),
                found.bound.describe(&name)
            ));
            out.bounds.push((key, found.bound));
        } else {
            notes.push(format!(
                "{model} {}: no {name} and no bound ({})",
                key.label(),
                found.estimate.reason.unwrap_or(counts)
            ));
        }
    }
    out
}

/// Bounds drawn next to the measured P*: at the grid edge the median lies beyond; an
/// upper bound's bar runs off the bottom of the plot ("P* < 12"), a range's bar spans it.
pub(crate) fn bound_series(bounds: &[(ConfigKey, Bound)], x: impl Fn(&ConfigKey) -> f64) -> Series {
    let points = bounds
        .iter()
        .map(|(key, b)| {
            let x = x(key);
            match (b.lower > 0.0, b.upper.is_finite()) {
                (true, true) => Point::new(x, b.lower).with_y_error(b.lower, b.upper),
                (true, false) => Point::new(x, b.lower),
                _ => Point::new(x, b.upper).with_y_error(0.0, b.upper),
            }
        })
        .collect();
    Series::new(
        "bound: P* outside the P grid (not fitted)",
        SeriesStyle::Markers,
        points,
    )
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

/// Fits log measured vs log predicted; the verdict is [`verdict::slope_one`]: slope 1
/// inside a 95% interval narrow enough to tell it from its rivals.
pub(crate) fn collapse_verdict(
    claim: &str,
    measured: &[f64],
    predicted: &[f64],
    chart: &mut Chart,
) -> Verdict {
    match collapse(measured, predicted) {
        Ok(c) => {
            let slope = Interval::new(c.slope, c.slope_ci);
            let decision = verdict::slope_one(slope);
            let n = measured.len();
            let note = decision.note(format!("slope {} (n = {n})", slope.show()));
            let verdict = decision.verdict(
                claim,
                format!(
                    "slope {} (95%, Student t) over {n} configurations, prefactor {:.3}",
                    slope.show(),
                    c.prefactor,
                ),
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
            chart.notes.push(note);
            verdict
        }
        Err(e) => Verdict {
            claim: claim.into(),
            measured: format!(
                "cannot fit: {e} ({} configurations with a P*) → undecided",
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
    let PStars { points, bounds } = p_stars(
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
            measured: "no configuration reached 10% test error inside its P grid → undecided"
                .into(),
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
    if !bounds.is_empty() {
        chart.series.push(bound_series(&bounds, |key| {
            key.prediction().unwrap_or(f64::NAN)
        }));
        chart.notes.push(format!(
            "{} configuration{} outside the P grid: bounds, see the notes",
            bounds.len(),
            if bounds.len() == 1 { "" } else { "s" }
        ));
    }
    chart.notes.push(width_note(rows));
    Some(chart)
}

/// Eq. 3's prefactor C0 = P*/((s0+1)^L nc m^L) of every configuration against the paper's
/// C0 ~ s^(L/2), with the slope-1 verdict (it needs configurations at several s or L).
fn c0_panel(rows: &[Record], model: &str, report: &mut FigureReport) -> Option<Chart> {
    let name = model_title(model);
    let claim = format!(
        "{name} prefactor C0 = P*/((s0+1)^L nc m^L) of Eq. 3 ∝ s^(L/2) (slope 1 in log–log)"
    );
    let points = p_stars(
        rows,
        model,
        "test_error",
        &|_| ERROR_THRESHOLD,
        &mut report.notes,
    )
    .points;
    if points.is_empty() {
        report.verdicts.push(Verdict {
            claim,
            measured: "no configuration reached 10% test error inside its P grid → undecided"
                .into(),
            holds: None,
        });
        return None;
    }
    let scale = |k: &ConfigKey| {
        (k.s0 as f64 + 1.0).powi(k.levels as i32)
            * k.classes as f64
            * (k.synonyms as f64).powi(k.levels as i32)
    };
    let paper = |k: &ConfigKey| (k.patch as f64).powf(k.levels as f64 / 2.0);
    let mut groups: std::collections::BTreeMap<(u32, u32), Vec<Point>> = Default::default();
    for p in &points {
        let c = scale(&p.key);
        let mut point = Point::new(paper(&p.key), p.p_star / c);
        if p.lo > 0.0 && p.hi.is_finite() {
            point = point.with_y_error(p.lo / c, p.hi / c);
        }
        groups
            .entry((p.key.patch, p.key.levels))
            .or_default()
            .push(point);
    }
    let distinct = groups.len();
    let mut chart = Chart {
        title: format!("{name}: C0 = P*/((s0+1)^L nc m^L) vs s^(L/2)"),
        x: Axis::log("s^(L/2)"),
        y: Axis::log("C0 (measured)"),
        ..Chart::default()
    };
    for ((s, l), group) in groups {
        chart.series.push(Series::new(
            format!("s={s}, L={l}"),
            SeriesStyle::Markers,
            group,
        ));
    }
    let measured: Vec<f64> = points.iter().map(|p| p.p_star / scale(&p.key)).collect();
    let predicted: Vec<f64> = points.iter().map(|p| paper(&p.key)).collect();
    let verdict = if distinct < 2 {
        Verdict {
            claim,
            measured: format!(
                "{} configurations, all at one (s, L): C0 = {} (median) → undecided (C0's \
                 growth needs several s or L)",
                measured.len(),
                show(median(&measured))
            ),
            holds: None,
        }
    } else {
        collapse_verdict(&claim, &measured, &predicted, &mut chart)
    };
    chart.notes.push(width_note(rows));
    report.verdicts.push(verdict);
    (!chart.series.is_empty()).then_some(chart)
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
    )
    .points;
    let threshold = |key: &ConfigKey| sensitivity_threshold(observable, model, key);
    let by_sensitivity = p_stars(rows, model, column, &threshold, &mut report.notes).points;
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
    let ratio_claim = format!(
        "{title} P* and P*_{name} agree within a factor {}: P*/P*_{name} in [1/{0}, {0}]",
        verdict::RATIO_FACTOR
    );
    if pairs.is_empty() {
        for claim in [claim, ratio_claim] {
            report.verdicts.push(Verdict {
                claim,
                measured: format!("no configuration has both P* and P*_{name} → undecided"),
                holds: None,
            });
        }
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
    let mut same = FunctionLine::diagonal(format!("P* = P*_{name}"));
    same.color = Some(7);
    chart.lines.push(same);
    let (ratio, note) = ratio_verdict(&ratio_claim, name, &measured, &predicted);
    chart.notes.push(note);
    report.verdicts.push(ratio);
    chart.notes.push(width_note(rows));
    Some(chart)
}

/// measured/reference held to [`verdict::RATIO_FACTOR`]: the geometric mean ratio over
/// configurations with a 95% interval (Student t on the log ratios); with the chart's note.
pub(crate) fn ratio_verdict(
    claim: &str,
    name: &str,
    measured: &[f64],
    reference: &[f64],
) -> (Verdict, String) {
    match fit_prefactor(measured, reference) {
        Ok(ratio) => {
            let interval = Interval::new(ratio.c, ratio.ci);
            let decision = verdict::within_factor(interval);
            let note = decision.note(format!("P*/P*_{name} = {}", interval.show()));
            let verdict = decision.verdict(
                claim,
                format!(
                    "P*/P*_{name} = {} (geometric mean over {} configurations, 95% Student t \
                     on the log ratios)",
                    interval.show(),
                    ratio.n
                ),
            );
            (verdict, note)
        }
        Err(e) => {
            let decision = Decision::undecided(format!("{} configurations", measured.len()));
            let note = decision.note(format!("P*/P*_{name}"));
            (
                decision.verdict(claim, format!("no ratio interval: {e}")),
                note,
            )
        }
    }
}

/// Whether one seed's sensitivity curve shows the claim: it at least halves between the
/// smallest and the largest P and ends below `threshold`. `None` with fewer than two P.
fn falls_below(curve: &[(f64, f64)], threshold: f64) -> Option<bool> {
    let (first, last) = (curve.first()?, curve.last()?);
    (curve.len() >= 2).then_some(last.1 < threshold && last.1 < 0.5 * first.1)
}

fn sensitivity_curves(
    rows: &[Record],
    model: &str,
    vocab: Option<u32>,
    observable: Observable,
    report: &mut FigureReport,
) -> Vec<Chart> {
    // The paper's Figs 12 and 15: one L = 2 data model (v, m, nc, s) at every s0 it was
    // run at: v = `vocab` when that was run, else the one with the most s0 values (then
    // the largest v).
    let Some((family_key, family)) = families(rows, model)
        .into_iter()
        .filter(|(key, _)| key.levels == 2)
        .max_by_key(|(key, family)| (vocab == Some(key.vocab), family.len(), key.vocab))
    else {
        report.notes.push(format!("no L = 2 {model} runs"));
        return Vec::new();
    };
    let key_at = |s0: u32| ConfigKey {
        s0,
        ..family_key.clone()
    };
    let (name, full) = match observable {
        Observable::S2 => ("S", "synonyms p_l"),
        _ => ("D", "diffeomorphisms τ_l"),
    };
    let title = model_title(model);
    let label = family_key.label_without_s0();
    let threshold = sensitivity_threshold(observable, model, &family_key);
    let mut charts = Vec::new();
    // Where the verdicts' notes go: the chart of layer 2, whose S_(2,1) they judge.
    let mut layer_two = None;
    for k in ["1", "2", "out"] {
        let layer = if k == "out" {
            "output".to_string()
        } else {
            format!("layer k={k}")
        };
        let mut chart = Chart {
            title: format!("{title} {label}, {layer}: {name}_({k},l) ({full})"),
            x: Axis::log("P/(s0+1)^L"),
            y: Axis::log(format!("{name}_({k},l)")),
            ..Chart::default()
        };
        for (&s0, group) in &family {
            let scale = (s0 as f64 + 1.0).powi(family_key.levels as i32);
            for l in 1..=family_key.levels {
                let column = format!("{name}_{k}_{l}");
                let points: Vec<Point> = summary_curve(group, &column)
                    .into_iter()
                    .map(|(p, median, lo, hi)| Point::new(p / scale, median).with_y_error(lo, hi))
                    .collect();
                if !points.is_empty() {
                    chart.series.push(Series::new(
                        format!("s0={s0}, l={l}"),
                        SeriesStyle::LineAndMarkers,
                        points,
                    ));
                }
            }
        }
        if k == "2" {
            chart.hlines.push(RefLine {
                y: threshold,
                label: format!("{name}_2 threshold {:.0}%", 100.0 * threshold),
                color: None,
            });
        }
        if !chart.series.is_empty() {
            if k == "2" {
                layer_two = Some(charts.len());
            }
            charts.push(chart);
        }
    }
    for (&s0, group) in &family {
        let key = key_at(s0);
        if summary_curve(group, &format!("{name}_2_1")).is_empty() {
            // Nothing to judge, e.g. D at s0 = 0: a diffeomorphism has no blank to move.
            report.notes.push(format!(
                "{model} {}: no {name}_(2,1) measured, no verdict{}",
                key.label(),
                if s0 == 0 && name == "D" {
                    " (s0 = 0: no blank for a diffeomorphism to move)"
                } else {
                    ""
                }
            ));
            continue;
        }
        let (verdict, note) = per_seed_fall(group, name, threshold, model, &key);
        let p_star_note =
            p_star(group, "test_error", ERROR_THRESHOLD).and_then(|e| match e.estimate.median() {
                Some(m) => Some(format!("s0={s0}: P* (ε = 10%) = {}", show(m))),
                None if e.bound.is_informative() => Some(format!(
                    "s0={s0}: {} (outside the P grid)",
                    e.bound.describe("P*")
                )),
                None => None,
            });
        if let Some(chart) = layer_two.map(|i| &mut charts[i]) {
            chart.notes.extend(p_star_note);
            chart.notes.push(format!("s0={s0}: {note}"));
        }
        report.verdicts.push(verdict);
    }
    if let Some(chart) = charts.first_mut() {
        chart.notes.push("median over seeds, bars: min–max".into());
        chart.notes.push(width_note(rows));
    }
    charts
}

/// The sensitivity claim seed by seed ([`verdict::every_seed`]): each network's
/// `name`_(2,1) must at least halve over the P measured and end below `threshold`. With
/// the chart's note.
fn per_seed_fall(
    group: &[&Record],
    name: &str,
    threshold: f64,
    model: &str,
    key: &ConfigKey,
) -> (Verdict, String) {
    let claim = format!(
        "{name}_(2,1) of {} decreases with P and falls below {:.0}% once the task is learnt \
         (every seed)",
        with_article(model),
        100.0 * threshold
    );
    let mut checked = Vec::new();
    for (seed, curve) in curves_by_seed(group, &format!("{name}_2_1")) {
        if let Some(shown) = falls_below(&curve, threshold) {
            let (first, last) = (curve[0], curve[curve.len() - 1]);
            checked.push((seed, shown, first, last));
        }
    }
    let shown = checked.iter().filter(|c| c.1).count();
    let detail: Vec<String> = checked
        .iter()
        .map(|(seed, ok, first, last)| {
            format!(
                "seed {seed} {} → {}{}",
                show(first.1),
                show(last.1),
                if *ok { " ✓" } else { " ✗" }
            )
        })
        .collect();
    let span = checked
        .first()
        .map(|c| format!(" (P = {:.0} → {:.0})", c.2.0, c.3.0))
        .unwrap_or_default();
    let measured = format!(
        "{} {name}_(2,1) per seed{span}: {}",
        key.label(),
        if detail.is_empty() {
            "no seed measured at two P".to_string()
        } else {
            detail.join(", ")
        }
    );
    let decision = verdict::every_seed(shown, checked.len());
    let note = decision.note(format!(
        "{name}_(2,1) halves and ends below {:.0}%: {shown} of {} seeds",
        100.0 * threshold,
        checked.len()
    ));
    (decision.verdict(claim, measured), note)
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
            let slope = Interval::new(f.slope, f.slope_ci);
            let decision = verdict::positive_slope(slope);
            let note = decision.note(format!("log ε vs log {name}: slope {}", slope.show()));
            let verdict = decision.verdict(
                claim,
                format!(
                    "log ε vs log {name}: slope {} (95%, Student t) over {} runs with ε > 0",
                    slope.show(),
                    usable.len()
                ),
            );
            chart.lines.push(FunctionLine::power_law(
                format!("fit: slope {:.2}", f.slope),
                f.prefactor(),
                f.slope,
            ));
            chart.notes.push(note);
            verdict
        }
        Err(e) => Decision::undecided("no fit").verdict(claim, format!("cannot fit: {e}")),
    };
    chart.notes.push(width_note(rows));
    report.verdicts.push(verdict);
    if runs.is_empty() {
        return None;
    }
    Some(chart)
}

/// Eq. 5 over (d, F) at the paper's v = 10, s = 5 and maximal m = v^(s−1), with the
/// measured LCNs overlaid, and the measured P*/nc against Eq. 5 evaluated at each
/// configuration's own m and s.
fn eq5_heatmap(
    input: &FigureInput,
    rows: &[Record],
    mut report: FigureReport,
) -> Result<FigureReport, FigureError> {
    let (v, s) = (10u32, 5u32);
    let m = v.pow(s - 1);
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
        rows,
        "lcn",
        "test_error",
        &|_| ERROR_THRESHOLD,
        &mut report.notes,
    )
    .points;
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
        format!(
            "colour: Eq. 5 at v = {v}, m = v^(s−1) = {m}, s = {s} (up to a constant); grey: d·F < s"
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::int;
    use crate::testing::{Config, FACTORS, falling, grid, jitter, learning_curve, report, row};
    use srhm_store::Value;

    /// Configurations of `model` spanning decades of Eq. 3 (Eq. 4 for CNNs).
    const CONFIGS: [(u32, u32, u32); 7] = [
        (2, 1, 3),
        (2, 2, 3),
        (2, 1, 5),
        (2, 3, 4),
        (3, 1, 3),
        (3, 2, 3),
        (2, 2, 6),
    ];

    /// Rows whose P* (every seed) is `law(prediction)` times a little seed-to-seed noise,
    /// on a P grid around the prediction of the law, over `seeds` seeds.
    fn planted(
        model: &'static str,
        configs: &[(u32, u32, u32)],
        seeds: i64,
        noise: f64,
        law: impl Fn(f64) -> f64,
    ) -> Vec<Record> {
        let mut rows = Vec::new();
        for (i, &(levels, s0, vocab)) in configs.iter().enumerate() {
            let config = Config::new(model, levels, s0, vocab);
            let key = ConfigKey::of_test(&config);
            let p_star = law(key.prediction().unwrap());
            for seed in 0..seeds {
                let p = p_star * (noise * jitter(i as u64, seed as u64)).exp();
                rows.extend(learning_curve(config, seed, p, &grid(p_star, &FACTORS)));
            }
        }
        rows
    }

    impl ConfigKey {
        fn of_test(c: &Config) -> ConfigKey {
            by_config(&[row(*c, 0, 1.0, &[])])
                .into_keys()
                .next()
                .unwrap()
        }
    }

    fn pstar_verdict(rows: &[Record], model: &str) -> (FigureReport, Option<Chart>) {
        let mut report = report();
        let chart = p_star_vs_prediction(rows, model, &mut report);
        (report, chart)
    }

    #[test]
    fn the_planted_eq3_holds_a_steeper_law_fails_and_few_noisy_configurations_are_undecided() {
        let (holds, _) = pstar_verdict(&planted("lcn", &CONFIGS, 3, 0.05, |x| 0.5 * x), "lcn");
        assert_eq!(holds.verdicts[0].holds, Some(true), "{:?}", holds.verdicts);
        assert!(
            holds.verdicts[0].measured.contains("slope 1.0"),
            "{:?}",
            holds.verdicts
        );
        let (fails, _) = pstar_verdict(&planted("cnn", &CONFIGS, 3, 0.05, |x| x.powf(1.6)), "cnn");
        assert_eq!(fails.verdicts[0].holds, Some(false), "{:?}", fails.verdicts);
        let (few, _) = pstar_verdict(&planted("lcn", &CONFIGS[..3], 3, 1.0, |x| x), "lcn");
        assert_eq!(few.verdicts[0].holds, None, "{:?}", few.verdicts);
        let (noisy, _) = pstar_verdict(&planted("lcn", &CONFIGS, 1, 0.8, |x| x), "lcn");
        assert!(
            noisy.verdicts[0].measured.contains("too wide"),
            "{:?}",
            noisy.verdicts
        );
    }

    #[test]
    fn a_p_star_beyond_the_grid_is_a_bound_not_a_dropped_point() {
        let mut rows = planted("lcn", &CONFIGS, 3, 0.05, |x| 0.5 * x);
        // L=2 s0=1 v=3: every seed still above 10% at its largest P.
        let largest = rows
            .iter()
            .filter(|r| {
                int(r, "vocab") == Some(3) && int(r, "s0") == Some(1) && int(r, "levels") == Some(2)
            })
            .filter_map(|r| int(r, "p"))
            .max()
            .unwrap();
        for r in rows.iter_mut() {
            if int(r, "vocab") == Some(3) && int(r, "s0") == Some(1) && int(r, "levels") == Some(2)
            {
                r.insert("test_error".into(), Value::Float(0.4));
            }
        }
        let (report, chart) = pstar_verdict(&rows, "lcn");
        let bound = format!("lcn L=2 s0=1 v=3: P* > {largest} — a bound");
        assert!(
            report.notes.iter().any(|n| n.starts_with(&bound)),
            "{:?}",
            report.notes
        );
        assert!(
            report.verdicts[0]
                .measured
                .contains("over 6 configurations"),
            "{:?}",
            report.verdicts
        );
        let chart = chart.unwrap();
        let bounds = chart
            .series
            .iter()
            .find(|s| s.label.starts_with("bound"))
            .unwrap();
        assert_eq!(bounds.points.len(), 1);
        assert_eq!(bounds.points[0].y, largest as f64);
        // Already below at the smallest P: an upper bound whose bar runs off the bottom.
        for r in rows.iter_mut() {
            if int(r, "vocab") == Some(3) && int(r, "s0") == Some(1) && int(r, "levels") == Some(2)
            {
                r.insert("test_error".into(), Value::Float(0.01));
            }
        }
        let (report, chart) = pstar_verdict(&rows, "lcn");
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.contains("lcn L=2 s0=1 v=3: P* < ")),
            "{:?}",
            report.notes
        );
        let chart = chart.unwrap();
        let bounds = chart
            .series
            .iter()
            .find(|s| s.label.starts_with("bound"))
            .unwrap();
        assert_eq!(bounds.points[0].y_lo, Some(0.0));
    }

    #[test]
    fn runs_at_the_step_cap_are_left_out_and_named() {
        let clean = planted("lcn", &CONFIGS, 3, 0.05, |x| 0.5 * x);
        let mut rows = clean.clone();
        // Seeds 0 and 2 of L=2 s0=3 v=4 stopped at the cap at the largest P, with an error
        // that would have pushed their P* off the grid.
        let target = |r: &Record| int(r, "s0") == Some(3) && int(r, "vocab") == Some(4);
        let largest = rows
            .iter()
            .filter(|r| target(r))
            .filter_map(|r| int(r, "p"))
            .max()
            .unwrap();
        for r in rows.iter_mut() {
            if target(r) && int(r, "p") == Some(largest) && matches!(int(r, "seed"), Some(0 | 2)) {
                r.insert("hit_step_cap".into(), Value::Bool(true));
                r.insert("test_error".into(), Value::Float(0.6));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let panels = ["curves:lcn".to_string(), "pstar:lcn".to_string()];
        let figure = |rows: &[Record]| {
            build(&FigureInput {
                figure: "fig04",
                title: "t",
                claim: "c",
                preset: "test",
                rows,
                root: dir.path(),
                panels: &panels,
            })
            .unwrap()
        };
        let (capped, reference) = (figure(&rows), figure(&clean));
        assert_eq!(
            capped.notes[0],
            format!(
                "2 runs hit the step cap and are left out (not converged): lcn L=2 s0=3 v=4 \
                 P={largest} seeds 0,2"
            )
        );
        assert!(capped.png.is_some());
        // Left out, the capped runs change nothing: the other P of those seeds still cross.
        assert_eq!(capped.verdicts, reference.verdicts);
    }

    /// Rows with test error crossing 10% at P* and `column` crossing `threshold` at
    /// `factor` × P*, for a few LCN configurations over 3 seeds.
    fn with_sensitivity(column: &str, threshold: f64, factor: f64) -> Vec<Record> {
        let mut rows = Vec::new();
        for (i, &(levels, s0, vocab)) in CONFIGS.iter().enumerate() {
            let config = Config::new("lcn", levels, s0, vocab);
            let centre = ConfigKey::of_test(&config).prediction().unwrap();
            for seed in 0..3 {
                let p_star = centre * (0.05 * jitter(i as u64, seed)).exp();
                for p in grid(centre, &FACTORS) {
                    rows.push(row(
                        config,
                        seed as i64,
                        p,
                        &[
                            ("test_error", falling(0.1, p_star, p)),
                            (column, falling(threshold, factor * p_star, p)),
                        ],
                    ));
                }
            }
        }
        rows
    }

    #[test]
    fn p_star_and_p_star_s_are_held_to_a_factor_two() {
        let mut close = report();
        p_star_vs_sensitivity(
            &with_sensitivity("S_2_1", 0.3, 1.3),
            "lcn",
            Observable::S2,
            &mut close,
        );
        assert_eq!(close.verdicts.len(), 2);
        assert_eq!(close.verdicts[0].holds, Some(true), "{:?}", close.verdicts);
        assert_eq!(close.verdicts[1].holds, Some(true), "{:?}", close.verdicts);
        assert!(
            close.verdicts[1].measured.contains("P*/P*_S = 0.77"),
            "{:?}",
            close.verdicts
        );
        // Same slope, but P*_S five times P*: proportional, not the same sample complexity.
        let mut far = report();
        p_star_vs_sensitivity(
            &with_sensitivity("D_2_1", 0.1, 5.0),
            "lcn",
            Observable::D2,
            &mut far,
        );
        assert_eq!(far.verdicts[0].holds, Some(true), "{:?}", far.verdicts);
        assert_eq!(far.verdicts[1].holds, Some(false), "{:?}", far.verdicts);
        // One configuration: no interval.
        let (single, _) = ratio_verdict("c", "S", &[10.0], &[12.0]);
        assert_eq!(single.holds, None);
    }

    /// S_2_1 of an L = 2 CNN per seed: from `start` at the smallest P to `end` at the largest.
    fn sensitivity_rows(ends: &[(f64, f64)]) -> Vec<Record> {
        let config = Config::new("cnn", 2, 1, 3);
        let mut rows = Vec::new();
        for (seed, &(start, end)) in ends.iter().enumerate() {
            let ps = [10.0, 100.0, 1000.0];
            for (i, p) in ps.iter().enumerate() {
                let s = start * (end / start).powf(i as f64 / 2.0);
                rows.push(row(
                    config,
                    seed as i64,
                    *p,
                    &[("S_2_1", s), ("test_error", 0.5 / (i + 1) as f64)],
                ));
            }
        }
        rows
    }

    fn sensitivity_verdict(ends: &[(f64, f64)]) -> Verdict {
        let mut report = report();
        let charts = sensitivity_curves(
            &sensitivity_rows(ends),
            "cnn",
            None,
            Observable::S2,
            &mut report,
        );
        assert!(!charts.is_empty());
        report.verdicts.remove(0)
    }

    #[test]
    fn sensitivities_of_every_s0_share_the_axis_p_over_s0_plus_one_to_the_l() {
        let mut rows = sensitivity_rows(&[(0.8, 0.05); 3]);
        let at_s0_2: Vec<Record> = rows
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.insert("s0".into(), srhm_store::Value::Int(2));
                r
            })
            .collect();
        rows.extend(at_s0_2);
        let mut report = report();
        let charts = sensitivity_curves(&rows, "cnn", None, Observable::S2, &mut report);
        // Layer 2 is the only one measured here: one chart, a series per s0.
        assert_eq!(charts.len(), 1);
        let xs = |label: &str| -> Vec<f64> {
            let series = charts[0].series.iter().find(|s| s.label == label).unwrap();
            series.points.iter().map(|p| p.x).collect()
        };
        assert_eq!(xs("s0=1, l=1"), vec![10.0 / 4.0, 100.0 / 4.0, 1000.0 / 4.0]);
        assert_eq!(xs("s0=2, l=1"), vec![10.0 / 9.0, 100.0 / 9.0, 1000.0 / 9.0]);
        assert_eq!(report.verdicts.len(), 2, "one verdict per s0");
        assert!(report.verdicts.iter().all(|v| v.holds == Some(true)));
    }

    /// Learning curves whose P* is `c0(s, L)·(s0+1)^L·v·v^L` at several (s, L), 3 seeds.
    fn c0_rows(c0: impl Fn(f64, f64) -> f64) -> Vec<Record> {
        let mut rows = Vec::new();
        for (s, l, s0, v) in [
            (2, 2, 1, 3),
            (2, 2, 2, 3),
            (3, 2, 1, 2),
            (2, 3, 1, 2),
            (3, 3, 1, 2),
        ] {
            let config = Config::new("lcn", l, s0, v);
            let (sf, lf) = (s as f64, l as f64);
            let p_star = c0(sf, lf) * (s0 as f64 + 1.0).powf(lf) * (v as f64).powf(lf + 1.0);
            for seed in 0..3 {
                let wobble = 1.0 + 0.02 * (jitter(seed as u64, (s * 10 + l) as u64) - 0.5);
                for mut r in learning_curve(config, seed, p_star * wobble, &grid(p_star, &FACTORS))
                {
                    r.insert("patch".into(), Value::Int(s.into()));
                    rows.push(r);
                }
            }
        }
        rows
    }

    #[test]
    fn c0_grows_as_s_to_the_l_over_2_or_the_check_says_it_does_not() {
        let mut planted = report();
        assert!(c0_panel(&c0_rows(|s, l| 1.3 * s.powf(l / 2.0)), "lcn", &mut planted).is_some());
        assert_eq!(
            planted.verdicts[0].holds,
            Some(true),
            "{:?}",
            planted.verdicts
        );
        let mut steeper = report();
        c0_panel(&c0_rows(|s, l| 0.5 * s.powf(l)), "lcn", &mut steeper);
        assert_eq!(
            steeper.verdicts[0].holds,
            Some(false),
            "{:?}",
            steeper.verdicts
        );
        // One (s, L) only: nothing to fit C0's growth on.
        let one: Vec<Record> = c0_rows(|s, l| s.powf(l / 2.0))
            .into_iter()
            .filter(|r| int(r, "patch") == Some(2) && int(r, "levels") == Some(2))
            .collect();
        let mut single = report();
        c0_panel(&one, "lcn", &mut single);
        assert_eq!(single.verdicts[0].holds, None);
        assert!(single.verdicts[0].measured.contains("one (s, L)"));
    }

    #[test]
    fn a_sensitivity_panel_draws_the_vocabulary_it_names_when_it_was_run() {
        let mut rows = sensitivity_rows(&[(0.8, 0.05); 3]);
        rows.extend(rows.clone().into_iter().map(|mut r| {
            r.insert("s0".into(), Value::Int(2));
            r
        }));
        rows.extend(
            sensitivity_rows(&[(0.8, 0.05); 3])
                .into_iter()
                .map(|mut r| {
                    for column in ["vocab", "synonyms", "classes"] {
                        r.insert(column.into(), Value::Int(8));
                    }
                    r
                }),
        );
        let drawn = |vocab: Option<u32>| {
            let mut report = report();
            sensitivity_curves(&rows, "cnn", vocab, Observable::S2, &mut report);
            report
                .verdicts
                .iter()
                .map(|v| v.measured.contains("v=8"))
                .collect::<Vec<_>>()
        };
        assert_eq!(drawn(Some(8)), vec![true], "v = 8 asked for and run");
        assert_eq!(drawn(None), vec![false, false], "else the most s0 values");
        assert_eq!(drawn(Some(10)), vec![false, false], "v = 10 was not run");
        assert_eq!(
            "sensitivity-d:lcn:8".parse::<Panel>().unwrap(),
            Panel::SensitivityD("lcn".into(), Some(8))
        );
        assert!("sensitivity-s:lcn:eight".parse::<Panel>().is_err());
        assert_eq!("c0:lcn".parse::<Panel>().unwrap(), Panel::C0("lcn".into()));
    }

    #[test]
    fn sensitivities_fall_seed_by_seed() {
        let falls = (0.8, 0.05);
        let flat = (0.8, 0.7);
        assert_eq!(
            sensitivity_verdict(&[falls, falls, falls]).holds,
            Some(true)
        );
        assert_eq!(sensitivity_verdict(&[flat, flat, flat]).holds, Some(false));
        let mixed = sensitivity_verdict(&[falls, flat, falls]);
        assert_eq!(mixed.holds, None);
        assert!(mixed.measured.contains("2 of 3 seeds"), "{mixed:?}");
        let few = sensitivity_verdict(&[falls, falls]);
        assert_eq!(few.holds, None);
        assert!(few.measured.contains("only 2 seeds"), "{few:?}");
    }

    #[test]
    fn the_error_must_grow_with_the_sensitivity() {
        let config = Config::new("cnn", 2, 1, 3);
        let runs = |power: f64| -> Vec<Record> {
            (0..12)
                .map(|i| {
                    let s = 0.05 + 0.07 * i as f64;
                    let e = 0.3 * s.powf(power) * (0.1 * jitter(i, 7)).exp();
                    row(config, i as i64, 100.0, &[("S_2_1", s), ("test_error", e)])
                })
                .collect()
        };
        for (power, expected) in [(1.5, Some(true)), (-1.0, Some(false)), (0.0, None)] {
            let mut report = report();
            error_vs_sensitivity(&runs(power), "cnn", Observable::S2, "2", true, &mut report);
            assert_eq!(
                report.verdicts[0].holds, expected,
                "{power}: {:?}",
                report.verdicts
            );
        }
    }

    #[test]
    fn exponent_panels_parse_for_lcn_and_cnn_only() {
        assert_eq!(
            "exponent:lcn".parse::<Panel>().unwrap(),
            Panel::Exponent("lcn".into())
        );
        assert_eq!(
            "exponent:cnn".parse::<Panel>().unwrap(),
            Panel::Exponent("cnn".into())
        );
        assert!("exponent:fcn".parse::<Panel>().is_err());
        assert!("exponent".parse::<Panel>().is_err());
    }
}
