//! Reading experiment rows into curves, P* and predictions.

use std::collections::BTreeMap;

use srhm_scaling::{Model, PStarEstimate, p_star_over_seeds, predict};
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

/// One (P, value) curve per seed, sorted by P; rows without the column are skipped.
pub fn seed_curves(rows: &[&Record], column: &str) -> Vec<Vec<(f64, f64)>> {
    let mut by_seed: BTreeMap<i64, Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows {
        if let (Some(seed), Some(p), Some(v)) = (int(r, "seed"), int(r, "p"), float(r, column)) {
            by_seed.entry(seed).or_default().push((p as f64, v));
        }
    }
    by_seed
        .into_values()
        .map(|mut c| {
            c.sort_by(|a, b| a.0.total_cmp(&b.0));
            c
        })
        .collect()
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
        .map(|(p, mut values)| {
            values.sort_by(f64::total_cmp);
            let n = values.len();
            let median = if n % 2 == 1 {
                values[n / 2]
            } else {
                0.5 * (values[n / 2 - 1] + values[n / 2])
            };
            (p as f64, median, values[0], values[n - 1])
        })
        .collect()
}

/// P* of `column` falling to `threshold`: median over seeds with its bootstrap interval.
pub fn p_star(rows: &[&Record], column: &str, threshold: f64) -> Option<PStarEstimate> {
    let curves: Vec<Vec<(f64, f64)>> = seed_curves(rows, column)
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect();
    if curves.is_empty() {
        return None;
    }
    p_star_over_seeds(&curves, threshold, RESAMPLES, 0).ok()
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
