//! Ratios of means over paired samples with their delta-method standard errors.

use serde::{Deserialize, Serialize};

use crate::error::{MetricError, Result};

/// A measured quantity with its standard error over `n` samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub stderr: f64,
    pub n: usize,
}

/// ⟨a⟩ / ⟨b⟩ over paired samples (a_i, b_i), with the delta-method standard error
/// √((s_a² − 2R·s_ab + R²·s_b²) / n) / ⟨b⟩, which accounts for a_i and b_i being
/// measured on the same input i (they are correlated, so treating them as independent
/// would misstate the error).
pub fn ratio_of_means(numerators: &[f64], denominators: &[f64]) -> Result<Estimate> {
    if numerators.len() != denominators.len() {
        return Err(MetricError::invalid(
            "numerators",
            format!(
                "{} numerators for {} denominators (samples must be paired)",
                numerators.len(),
                denominators.len()
            ),
        ));
    }
    let n = numerators.len();
    if n < 2 {
        return Err(MetricError::invalid(
            "numerators",
            format!("a standard error needs at least 2 samples, got {n}"),
        ));
    }
    for (name, values) in [("numerators", numerators), ("denominators", denominators)] {
        if let Some(bad) = values.iter().find(|v| !v.is_finite() || **v < 0.0) {
            return Err(MetricError::invalid(
                name,
                format!("squared distances are finite and ≥ 0, got {bad}"),
            ));
        }
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / n as f64;
    let (a, b) = (mean(numerators), mean(denominators));
    if b == 0.0 {
        return Err(MetricError::Undefined {
            reason: "the denominator is 0 for every sample: the representation does not \
                     depend on its input, so no change can be measured relative to it"
                .into(),
        });
    }
    let ratio = a / b;
    let (mut var_a, mut var_b, mut cov) = (0.0, 0.0, 0.0);
    for (x, y) in numerators.iter().zip(denominators) {
        var_a += (x - a) * (x - a);
        var_b += (y - b) * (y - b);
        cov += (x - a) * (y - b);
    }
    let dof = (n - 1) as f64;
    let (var_a, var_b, cov) = (var_a / dof, var_b / dof, cov / dof);
    let variance = (var_a - 2.0 * ratio * cov + ratio * ratio * var_b).max(0.0) / n as f64;
    Ok(Estimate {
        value: ratio,
        stderr: variance.sqrt() / b,
        n,
    })
}
