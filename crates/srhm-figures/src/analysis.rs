//! Reading experiment rows into curves, P* and predictions.

use std::collections::BTreeMap;

use srhm_scaling::{Model, Outcome, PStarEstimate, p_star_over_seeds, predict};
use srhm_store::{Record, Value};

/// Bootstrap resamples of every P* interval.
pub const RESAMPLES: usize = 2000;

pub fn int(r: &Record, name: &str) -> Option<i64> {
    match r.get(name)? {
        Value::Int(i) => Some(*i),
        Value::Float(x) if x.fract() == 0.0 => Some(*x as i64),
        _ => None,
    }
}

pub fn float(r: &Record, name: &str) -> Option<f64> {
    r.get(name)
        .and_then(Value::as_f64)
        .filter(|x| x.is_finite())
}

pub fn text<'a>(r: &'a Record, name: &str) -> Option<&'a str> {
    r.get(name).and_then(Value::as_str)
}

/// A data model and network: every run parameter but P and the seed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConfigKey {
    pub model: String,
    pub levels: u32,
    pub patch: u32,
    pub s0: u32,
    pub vocab: u32,
    pub synonyms: u32,
    pub classes: u32,
    pub sparsity: String,
    pub width: u32,
}

impl ConfigKey {
    fn of(r: &Record) -> Option<Self> {
        let u = |name| int(r, name).map(|x| x as u32);
        Some(ConfigKey {
            model: text(r, "model")?.to_string(),
            levels: u("levels")?,
            patch: u("patch")?,
            s0: u("s0")?,
            vocab: u("vocab")?,
            synonyms: u("synonyms")?,
            classes: u("classes")?,
            sparsity: text(r, "sparsity")?.to_string(),
            width: u("width")?,
        })
    }

    /// The label without s0: the data model that configurations differing only in their
    /// sparsity share.
    pub fn label_without_s0(&self) -> String {
        ConfigKey {
            s0: 0,
            ..self.clone()
        }
        .label()
        .replace(" s0=0", "")
    }

    pub fn label(&self) -> String {
        let mut label = format!("L={} s0={} v={}", self.levels, self.s0, self.vocab);
        if self.synonyms != self.vocab || self.classes != self.vocab {
            label += &format!(" m={} nc={}", self.synonyms, self.classes);
        }
        if self.patch != 2 {
            label += &format!(" s={}", self.patch);
        }
        label
    }

    pub fn scaling_model(&self) -> Model {
        self.model.parse().unwrap_or(Model::Lcn)
    }

    /// The paper's prediction: Eq. 4 (C1 = 1) for CNNs, Eq. 3 with C0 = s^(L/2) otherwise.
    pub fn prediction(&self) -> Option<f64> {
        predict::paper_prediction(
            self.scaling_model(),
            self.levels,
            self.patch,
            self.s0,
            self.synonyms,
            self.classes,
        )
        .ok()
    }

    /// d = (s(s0+1))^L and F = (s0+1)^(−L) of Eq. 5.
    pub fn d_and_f(&self) -> (f64, f64) {
        let (s, s0, l) = (self.patch as f64, self.s0 as f64, self.levels as i32);
        ((s * (s0 + 1.0)).powi(l), (s0 + 1.0).powi(-l))
    }
}

/// Rows grouped by configuration, in a stable order.
pub fn by_config(records: &[Record]) -> BTreeMap<ConfigKey, Vec<&Record>> {
    let mut groups: BTreeMap<ConfigKey, Vec<&Record>> = BTreeMap::new();
    for r in records {
        if let Some(key) = ConfigKey::of(r) {
            groups.entry(key).or_default().push(r);
        }
    }
    groups
}

/// The configurations of one data model and network that differ only in s0, by s0.
pub type Family<'a> = BTreeMap<u32, Vec<&'a Record>>;

/// Configurations of `model` grouped by everything but s0 (the key has s0 = 0).
pub fn families<'a>(rows: &'a [Record], model: &str) -> BTreeMap<ConfigKey, Family<'a>> {
    let mut out: BTreeMap<ConfigKey, Family<'a>> = BTreeMap::new();
    for (key, group) in by_config(rows) {
        if key.model == model {
            let s0 = key.s0;
            out.entry(ConfigKey { s0: 0, ..key })
                .or_default()
                .insert(s0, group);
        }
    }
    out
}

/// One (P, value) curve per seed, sorted by P; rows without the column are skipped.
pub fn seed_curves(rows: &[&Record], column: &str) -> Vec<Vec<(f64, f64)>> {
    curves_by_seed(rows, column).into_values().collect()
}

/// [`seed_curves`] keyed by the seed: seed j draws the same rules at every s0, so
/// comparisons across configurations pair curves by their seed.
pub fn curves_by_seed(rows: &[&Record], column: &str) -> BTreeMap<i64, Vec<(f64, f64)>> {
    let mut by_seed: BTreeMap<i64, Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows {
        if let (Some(seed), Some(p), Some(v)) = (int(r, "seed"), int(r, "p"), float(r, column)) {
            by_seed.entry(seed).or_default().push((p as f64, v));
        }
    }
    for curve in by_seed.values_mut() {
        curve.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    by_seed
}

/// Whether a run stopped at its step cap instead of reaching its loss threshold. Such a
/// network is not the converged one the paper's claims are about.
pub fn hit_step_cap(r: &Record) -> bool {
    match r.get("hit_step_cap") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Int(i)) => *i != 0,
        _ => false,
    }
}

/// The runs that converged, and a note naming those left out because they hit the step cap
/// ("3 runs hit the step cap and are left out: lcn L=2 s0=3 v=3 P=6912 seeds 0,2"), so that
/// no run is dropped in silence. The one filter every P*, crossing and exponent reads
/// through.
pub fn converged(rows: &[Record]) -> (Vec<Record>, Option<String>) {
    let (capped, kept): (Vec<&Record>, Vec<&Record>) = rows.iter().partition(|r| hit_step_cap(r));
    if capped.is_empty() {
        return (rows.to_vec(), None);
    }
    let mut named: BTreeMap<(String, i64), Vec<i64>> = BTreeMap::new();
    for r in &capped {
        let config = match ConfigKey::of(r) {
            Some(key) => format!("{} {}", key.model, key.label()),
            None => text(r, "model").unwrap_or("?").to_string(),
        };
        named
            .entry((config, int(r, "p").unwrap_or(-1)))
            .or_default()
            .extend(int(r, "seed"));
    }
    let list: Vec<String> = named
        .into_iter()
        .map(|((config, p), mut seeds)| {
            seeds.sort_unstable();
            let seeds: Vec<String> = seeds.iter().map(i64::to_string).collect();
            let s = if seeds.len() == 1 { "" } else { "s" };
            format!("{config} P={p} seed{s} {}", seeds.join(","))
        })
        .collect();
    let n = capped.len();
    let note = format!(
        "{n} run{} hit the step cap and {} left out (not converged): {}",
        if n == 1 { "" } else { "s" },
        if n == 1 { "is" } else { "are" },
        list.join("; ")
    );
    (kept.into_iter().cloned().collect(), Some(note))
}

/// (P, median, min, max) over seeds at every P.
pub fn summary_curve(rows: &[&Record], column: &str) -> Vec<(f64, f64, f64, f64)> {
    let mut at: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for r in rows {
        if let (Some(p), Some(v)) = (int(r, "p"), float(r, column)) {
            at.entry(p).or_default().push(v);
        }
    }
    at.into_iter()
        .map(|(p, values)| {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (p as f64, median(&values), lo, hi)
        })
        .collect()
}

/// P* of one configuration: the median over seeds with its bootstrap interval, and what the
/// P grid still says about the median when there is none.
#[derive(Debug, Clone)]
pub struct ConfigPStar {
    pub estimate: PStarEstimate,
    pub bound: Bound,
}

/// What is known of a median P* from the grid edges: lower < P* < upper (0 and ∞ when a
/// side is unknown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub lower: f64,
    pub upper: f64,
}

impl Bound {
    /// Bounds of the median from per-seed bounds. A seed that crossed pins its P* on both
    /// sides; one still above the threshold at its largest P has P* > that P; one already
    /// below at its smallest P has P* < that P. The median is monotone in every seed's
    /// value, so it lies between the middle lower bound and the middle upper bound (for an
    /// even count, the lower of the two middle lower bounds and the higher of the two
    /// middle upper bounds, which keeps the bounds on grid values).
    pub fn of(curves: &[Vec<(f64, f64)>], outcomes: &[Outcome]) -> Self {
        let (mut lower, mut upper): (Vec<f64>, Vec<f64>) = curves
            .iter()
            .zip(outcomes)
            .map(|(curve, outcome)| {
                let first = curve.first().map_or(0.0, |p| p.0);
                let last = curve.last().map_or(f64::INFINITY, |p| p.0);
                match outcome {
                    Outcome::Crossed(c) => (c.p_star, c.p_star),
                    Outcome::StillAbove { .. } => (last, f64::INFINITY),
                    Outcome::AlreadyBelow { .. } => (0.0, first),
                }
            })
            .unzip();
        let n = lower.len();
        if n == 0 {
            return Bound {
                lower: 0.0,
                upper: f64::INFINITY,
            };
        }
        lower.sort_by(f64::total_cmp);
        upper.sort_by(f64::total_cmp);
        Bound {
            lower: lower[(n - 1) / 2],
            upper: upper[n / 2],
        }
    }

    /// Whether the grid says anything at all about the median.
    pub fn is_informative(&self) -> bool {
        self.lower > 0.0 || self.upper.is_finite()
    }

    /// "P* > 6912", "P* < 12" or "12 < P* < 6912", `name` standing for P*.
    pub fn describe(&self, name: &str) -> String {
        match (self.lower > 0.0, self.upper.is_finite()) {
            // Only the median seed crossed; the others left the grid on either side.
            (true, true) if self.lower == self.upper => {
                format!(
                    "{name} ≈ {} (the median seed's crossing alone)",
                    show_p(self.lower)
                )
            }
            (true, true) => format!("{} < {name} < {}", show_p(self.lower), show_p(self.upper)),
            (true, false) => format!("{name} > {}", show_p(self.lower)),
            (false, true) => format!("{name} < {}", show_p(self.upper)),
            (false, false) => format!("{name} unknown"),
        }
    }
}

/// P* of `column` falling to `threshold`: median over seeds with its bootstrap interval,
/// and the grid bound on the median for when the median seed did not cross.
pub fn p_star(rows: &[&Record], column: &str, threshold: f64) -> Option<ConfigPStar> {
    let curves: Vec<Vec<(f64, f64)>> = seed_curves(rows, column)
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect();
    if curves.is_empty() {
        return None;
    }
    let estimate = p_star_over_seeds(&curves, threshold, RESAMPLES, 0).ok()?;
    let bound = Bound::of(&curves, &estimate.per_seed);
    Some(ConfigPStar { estimate, bound })
}

/// Median of a non-empty list (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }
}

/// A training-set size for text: grid values are whole numbers and read as such ("12"),
/// interpolated ones as [`show`] writes them.
pub fn show_p(p: f64) -> String {
    if p.is_finite() && p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        show(p)
    }
}

/// A finite number for text, or "∞".
pub fn show(x: f64) -> String {
    if x.is_infinite() {
        "∞".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Config, row};
    use srhm_scaling::crossing;

    fn bound(curves: &[Vec<(f64, f64)>]) -> Bound {
        let outcomes: Vec<Outcome> = curves.iter().map(|c| crossing(c, 0.1).unwrap()).collect();
        Bound::of(curves, &outcomes)
    }

    #[test]
    fn the_median_bound_sits_on_the_grid_edge() {
        let above = vec![(12.0, 0.5), (6912.0, 0.3)];
        let below = vec![(12.0, 0.05), (6912.0, 0.01)];
        let crossed = vec![(12.0, 0.5), (6912.0, 0.01)];
        let b = bound(&[above.clone(), above.clone(), crossed.clone()]);
        assert_eq!(b.describe("P*"), "P* > 6912");
        let b = bound(&[below.clone(), below.clone(), crossed.clone()]);
        assert_eq!(b.describe("P*"), "P* < 12");
        // One seed either side: the median is between the crossed seed's P* and an edge.
        let b = bound(&[above.clone(), below.clone(), crossed.clone()]);
        assert!(b.lower > 12.0 && b.upper == b.lower, "{b:?}");
        // Two seeds, one either side: nothing is known.
        assert!(!bound(&[above, below]).is_informative());
    }

    #[test]
    fn capped_runs_are_dropped_and_named() {
        let c = Config::new("lcn", 2, 3, 3);
        let mut rows: Vec<Record> = (0..3)
            .map(|seed| row(c, seed, 6912.0, &[("test_error", 0.05)]))
            .collect();
        for seed in [0, 2] {
            rows[seed].insert("hit_step_cap".into(), Value::Bool(true));
        }
        let (kept, note) = converged(&rows);
        assert_eq!(kept.len(), 1);
        assert_eq!(int(&kept[0], "seed"), Some(1));
        assert_eq!(
            note.unwrap(),
            "2 runs hit the step cap and are left out (not converged): lcn L=2 s0=3 v=3 \
             P=6912 seeds 0,2"
        );
        assert_eq!(converged(&kept).1, None);
    }
}
