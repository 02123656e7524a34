//! Synthetic rows for the known-answer tests: learning curves built around a planted P*, so
//! that each verdict can be shown to hold when its law is planted, to fail when a rival law
//! is, and to stay undecided with too few seeds or too much noise.

use srhm_store::{Record, Value};

use crate::FigureReport;

/// A configuration of the synthetic rows (patch 2, m = nc = v, sparsity A, width 8).
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub model: &'static str,
    pub levels: u32,
    pub s0: u32,
    pub vocab: u32,
}

impl Config {
    pub fn new(model: &'static str, levels: u32, s0: u32, vocab: u32) -> Self {
        Config {
            model,
            levels,
            s0,
            vocab,
        }
    }
}

/// One run's row with the given measured columns.
pub fn row(c: Config, seed: i64, p: f64, columns: &[(&str, f64)]) -> Record {
    let mut r = Record::new();
    let mut int = |name: &str, x: i64| {
        r.insert(name.into(), Value::Int(x));
    };
    int("levels", c.levels.into());
    int("patch", 2);
    int("s0", c.s0.into());
    int("vocab", c.vocab.into());
    int("synonyms", c.vocab.into());
    int("classes", c.vocab.into());
    int("width", 8);
    int("seed", seed);
    int("p", p.round() as i64);
    r.insert("model".into(), Value::Text(c.model.into()));
    r.insert("sparsity".into(), Value::Text("a".into()));
    r.insert("hit_step_cap".into(), Value::Bool(false));
    for (name, v) in columns {
        r.insert((*name).into(), Value::Float(*v));
    }
    r
}

/// A value that falls as a power of P and reaches `threshold` at `p_star`.
pub fn falling(threshold: f64, p_star: f64, p: f64) -> f64 {
    threshold * (p / p_star).powf(-0.7)
}

/// One seed's learning curve: test error = 10% at `p_star`, measured at every P of `grid`.
pub fn learning_curve(c: Config, seed: i64, p_star: f64, grid: &[f64]) -> Vec<Record> {
    grid.iter()
        .map(|&p| {
            let p = p.round();
            row(c, seed, p, &[("test_error", falling(0.1, p_star, p))])
        })
        .collect()
}

/// P grid of `factors` × `centre`, the way the presets place P around a prediction.
pub fn grid(centre: f64, factors: &[f64]) -> Vec<f64> {
    factors.iter().map(|f| (f * centre).round()).collect()
}

/// The presets' factors: 1/8 to 16.
pub const FACTORS: [f64; 8] = [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// Deterministic noise in [−1, 1] (a hash of its arguments), so that tests have scatter
/// without depending on a random generator.
pub fn jitter(a: u64, b: u64) -> f64 {
    let mut x = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .wrapping_add(0x1656_67B1_9E37_79F9);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

pub fn report() -> FigureReport {
    FigureReport {
        figure: "test".into(),
        title: String::new(),
        claim: String::new(),
        png: None,
        verdicts: Vec::new(),
        runs: 0,
        notes: Vec::new(),
    }
}
