//! Where a measured curve crosses a threshold (log-interpolated), or on which side of the
//! grid it missed.

use serde::{Deserialize, Serialize};

use crate::error::{Result, ScalingError};

/// Where an error curve falls to a threshold, and the two measured points it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// The interpolated training-set size at which the error reaches the threshold.
    pub p_star: f64,
    /// (P, error) of the last point whose error is above the threshold.
    pub above: (f64, f64),
    /// (P, error) of the point right after it (next larger P), at or below the threshold.
    pub below: (f64, f64),
}

/// A curve either crosses the threshold or it does not. Not crossing is a normal result of
/// an experiment (too few data, or a threshold already met), not a failure, so it carries a
/// human-readable reason rather than being an error. Which side it missed on matters for a
/// median over seeds: such a P* is still known to be below, or above, every P measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Crossed(Crossing),
    /// At or below the threshold already at the smallest P: P* is smaller than every P.
    AlreadyBelow {
        reason: String,
    },
    /// Still above the threshold at the largest P: P* is larger than every P.
    StillAbove {
        reason: String,
    },
}

impl Outcome {
    pub fn crossing(&self) -> Option<&Crossing> {
        match self {
            Outcome::Crossed(c) => Some(c),
            _ => None,
        }
    }

    pub fn p_star(&self) -> Option<f64> {
        self.crossing().map(|c| c.p_star)
    }

    /// Why there is no P*; `None` when the curve crossed.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Crossed(_) => None,
            Outcome::AlreadyBelow { reason } | Outcome::StillAbove { reason } => Some(reason),
        }
    }
}

/// P* of one error curve: the training-set size at which the error falls to `threshold`.
///
/// `points` are (P, error) pairs in any order. The crossing is read after the *last* point
/// above the threshold, so that a noisy curve that dips below and comes back up is not
/// credited with the early dip. Between that point and its successor the error is taken to
/// be a power law of P (linear in log P against log error), which is what learning curves
/// look like; when the successor's error is exactly 0 the logarithm is unusable and the
/// interpolation is linear in log P against the error itself.
pub fn crossing(points: &[(f64, f64)], threshold: f64) -> Result<Outcome> {
    check_threshold(threshold)?;
    let sorted = sorted_curve(points, "points")?;
    Ok(crossing_sorted(&sorted, threshold))
}

pub(crate) fn check_threshold(threshold: f64) -> Result<()> {
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(ScalingError::invalid(
            "threshold",
            format!("must be finite and > 0, got {threshold}"),
        ));
    }
    Ok(())
}

/// Validates a curve and returns it sorted by P.
pub(crate) fn sorted_curve(points: &[(f64, f64)], param: &'static str) -> Result<Vec<(f64, f64)>> {
    if points.is_empty() {
        return Err(ScalingError::invalid(param, "no points"));
    }
    for &(p, e) in points {
        if !(p.is_finite() && p > 0.0) {
            return Err(ScalingError::invalid(
                param,
                format!("P must be finite and > 0, got {p}"),
            ));
        }
        if !(e.is_finite() && e >= 0.0) {
            return Err(ScalingError::invalid(
                param,
                format!("the error at P = {p} must be finite and >= 0, got {e}"),
            ));
        }
    }
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    // A curve is a function of P: two errors at one P would make "the last point above"
    // depend on the input order. Repeats over seeds belong in `p_star_over_seeds`.
    if let Some(w) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(ScalingError::invalid(
            param,
            format!(
                "P = {} appears twice; average the repeats or pass one curve per seed",
                w[0].0
            ),
        ));
    }
    Ok(sorted)
}

/// The crossing of a validated curve sorted by P.
pub(crate) fn crossing_sorted(sorted: &[(f64, f64)], threshold: f64) -> Outcome {
    let Some(i) = sorted.iter().rposition(|&(_, e)| e > threshold) else {
        let (p, e) = sorted[0];
        return Outcome::AlreadyBelow {
            reason: format!(
                "already at or below the threshold {threshold} at the smallest P = {p} (error {e})"
            ),
        };
    };
    let Some(&below) = sorted.get(i + 1) else {
        let (p, e) = sorted[i];
        return Outcome::StillAbove {
            reason: format!(
                "still above the threshold {threshold} at the largest P = {p} (error {e})"
            ),
        };
    };
    let above = sorted[i];
    Outcome::Crossed(Crossing {
        p_star: interpolate(above, below, threshold),
        above,
        below,
    })
}

/// P at which the error reaches `threshold` between `above` (error > threshold) and
/// `below` (larger P, error <= threshold): a power law between them, or linear in the
/// error when `below` has error 0.
pub(crate) fn interpolate(above: (f64, f64), below: (f64, f64), threshold: f64) -> f64 {
    let ((p1, e1), (p2, e2)) = (above, below);
    debug_assert!(e1 > threshold && threshold >= e2 && p1 <= p2);
    let fraction = if e2 > 0.0 {
        (threshold.ln() - e1.ln()) / (e2.ln() - e1.ln())
    } else {
        (threshold - e1) / (e2 - e1)
    };
    // Rounding must not push P* out of its bracket.
    (p1.ln() + fraction * (p2.ln() - p1.ln()))
        .exp()
        .clamp(p1, p2)
}
