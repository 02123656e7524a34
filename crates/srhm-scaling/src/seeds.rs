//! P* over several seeds: each seed's crossing, their median and its bootstrap interval.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Deserializer, Serialize};

use crate::crossing::{Outcome, check_threshold, crossing_sorted, sorted_curve};
use crate::error::{Result, ScalingError};

/// A median with a 95% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MedianInterval {
    pub median: f64,
    /// 2.5th percentile of the bootstrap medians; 0 when it falls among seeds whose P* is
    /// below every P measured (no lower bound).
    pub lo: f64,
    /// 97.5th percentile of the bootstrap medians; +∞ when it falls among seeds whose P*
    /// is above every P measured (no upper bound). JSON has no ∞: it is written as `null`
    /// and read back as ∞.
    #[serde(deserialize_with = "null_as_infinity")]
    pub hi: f64,
}

/// P* over several seeds (network initialisations or data draws) of one experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PStarEstimate {
    /// Median P* over seeds with its bootstrap interval; `None` when fewer than half of
    /// the seeds crossed or the median falls on a seed that did not.
    pub estimate: Option<MedianInterval>,
    /// Why `estimate` is `None`.
    pub reason: Option<String>,
    /// One outcome per input curve, in input order: P* or the reason it has none.
    pub per_seed: Vec<Outcome>,
    /// How many seeds crossed.
    pub crossed: usize,
}

impl PStarEstimate {
    pub fn median(&self) -> Option<f64> {
        self.estimate.map(|e| e.median)
    }

    /// P* of the seeds that crossed, in input order.
    pub fn p_stars(&self) -> Vec<f64> {
        self.per_seed.iter().filter_map(Outcome::p_star).collect()
    }
}

/// P* of several seeds' curves, summarised by the median and a bootstrap interval.
///
/// The median rather than the mean because one unlucky seed can put P* far off (a network
/// stuck on a plateau), and P* spans decades. A seed that did not cross still has a known
/// rank: its P* is below every P measured (already below the threshold) or above every P
/// measured (still above). The median is taken over all seeds with those ranks, so it is
/// exact as long as the middle seed crossed. Dropping such seeds instead would bias the
/// median towards the side that was measured better (an adaptive search that starts small
/// sees the fast seeds cross and not the slow ones). When fewer than half of the seeds
/// crossed, or the median lands on a seed that did not, there is no estimate.
///
/// The interval resamples the per-seed values with replacement `resamples` times (the
/// percentile bootstrap), seeded by `seed` so that reruns agree. It assumes nothing about
/// the shape of the P* distribution, which is unknown and skewed.
pub fn p_star_over_seeds(
    curves: &[Vec<(f64, f64)>],
    threshold: f64,
    resamples: usize,
    seed: u64,
) -> Result<PStarEstimate> {
    check_threshold(threshold)?;
    check_resamples(resamples)?;
    if curves.is_empty() {
        return Err(ScalingError::invalid("curves", "no curves"));
    }
    let per_seed = curves
        .iter()
        .enumerate()
        .map(|(i, curve)| {
            let sorted = sorted_curve(curve, "curves").map_err(|e| {
                ScalingError::invalid("curves", format!("seed {i}: {}", reason_of(e)))
            })?;
            Ok(crossing_sorted(&sorted, threshold))
        })
        .collect::<Result<Vec<_>>>()?;
    let ranked: Vec<f64> = per_seed
        .iter()
        .map(|o| match o {
            Outcome::Crossed(c) => c.p_star,
            Outcome::AlreadyBelow { .. } => f64::NEG_INFINITY,
            Outcome::StillAbove { .. } => f64::INFINITY,
        })
        .collect();
    let crossed = ranked.iter().filter(|v| v.is_finite()).count();
    let n = curves.len();
    let censored_reason = || {
        let below = ranked.iter().filter(|&&v| v == f64::NEG_INFINITY).count();
        let above = n - crossed - below;
        format!(
            "{below} seeds already below the threshold {threshold} at their smallest P, \
             {above} still above it at their largest P"
        )
    };
    let (estimate, reason) = if 2 * crossed < n {
        let reason = format!(
            "only {crossed} of {n} seeds cross the threshold; at least half must ({})",
            censored_reason()
        );
        (None, Some(reason))
    } else {
        let interval = bootstrap_ranked(&ranked, resamples, seed);
        if interval.median.is_finite() {
            (Some(interval), None)
        } else {
            let reason = format!(
                "the median falls on a seed that did not cross ({})",
                censored_reason()
            );
            (None, Some(reason))
        }
    };
    Ok(PStarEstimate {
        estimate,
        reason,
        per_seed,
        crossed,
    })
}

/// The median of `values` and the 2.5th and 97.5th percentiles of the medians of
/// `resamples` resamples drawn with replacement (Xoshiro256++ seeded by `seed`).
pub fn bootstrap_median(values: &[f64], resamples: usize, seed: u64) -> Result<MedianInterval> {
    check_resamples(resamples)?;
    if values.is_empty() {
        return Err(ScalingError::invalid("values", "no values"));
    }
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(ScalingError::invalid(
            "values",
            format!("must be finite, got {v}"),
        ));
    }
    Ok(bootstrap_ranked(values, resamples, seed))
}

/// The bootstrap on values that may be ±∞ (censored seeds: only their rank is known).
fn bootstrap_ranked(values: &[f64], resamples: usize, seed: u64) -> MedianInterval {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut resample = vec![0.0; values.len()];
    let mut medians: Vec<f64> = (0..resamples)
        .map(|_| {
            for slot in resample.iter_mut() {
                *slot = values[rng.random_range(0..values.len())];
            }
            median(&mut resample)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    MedianInterval {
        median: median(&mut values.to_vec()),
        // P* > 0, so "no lower bound" is 0.
        lo: percentile_sorted(&medians, 0.025, Tail::Lower).max(0.0),
        hi: percentile_sorted(&medians, 0.975, Tail::Upper),
    }
}

fn check_resamples(resamples: usize) -> Result<()> {
    if resamples == 0 {
        return Err(ScalingError::invalid("resamples", "must be at least 1"));
    }
    Ok(())
}

fn reason_of(e: ScalingError) -> String {
    match e {
        ScalingError::InvalidParam { reason, .. } => reason,
    }
}

fn null_as_infinity<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
}

/// Median of a non-empty slice (reordered in place); the mean of the middle two for even
/// lengths. Values may be ±∞ (censored): a middle pair with an infinite member has that
/// member as its median (+∞ if both are infinite), never NaN.
pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        return values[n / 2];
    }
    let (a, b) = (values[n / 2 - 1], values[n / 2]);
    match (a.is_finite(), b.is_finite()) {
        (true, true) => 0.5 * (a + b),
        (_, false) => b,
        (false, true) => a,
    }
}

#[derive(Clone, Copy)]
enum Tail {
    Lower,
    Upper,
}

/// Quantile `q` of sorted, non-empty values, interpolating linearly between order
/// statistics (the usual "type 7" definition, numpy's default). Between a finite and an
/// infinite value there is nothing to interpolate: the end of the interval takes the
/// outer one, so a censored neighbour widens the interval rather than inventing a number.
fn percentile_sorted(sorted: &[f64], q: f64, tail: Tail) -> f64 {
    let h = q * (sorted.len() - 1) as f64;
    let i = h.floor() as usize;
    let frac = h - i as f64;
    let a = sorted[i];
    let Some(&b) = sorted.get(i + 1) else {
        return a;
    };
    if frac == 0.0 || a == b {
        a
    } else if a.is_finite() && b.is_finite() {
        a + frac * (b - a)
    } else {
        match tail {
            Tail::Lower => a,
            Tail::Upper => b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    #[test]
    fn median_of_odd_and_even_lengths() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn median_of_censored_values_is_never_nan() {
        assert_eq!(median(&mut [INF, 1.0, -INF]), 1.0);
        assert_eq!(median(&mut [INF, 1.0, 2.0, INF]), INF);
        assert_eq!(median(&mut [-INF, 1.0, -INF, 5.0]), -INF);
        assert_eq!(median(&mut [-INF, INF]), INF);
    }

    #[test]
    fn percentile_interpolates_between_order_statistics() {
        let sorted = [10.0, 20.0, 30.0, 40.0, 50.0];
        assert_eq!(percentile_sorted(&sorted, 0.0, Tail::Lower), 10.0);
        assert_eq!(percentile_sorted(&sorted, 1.0, Tail::Upper), 50.0);
        assert_eq!(percentile_sorted(&sorted, 0.5, Tail::Lower), 30.0);
        assert!((percentile_sorted(&sorted, 0.1, Tail::Lower) - 14.0).abs() < 1e-12);
    }

    #[test]
    fn percentile_next_to_a_censored_value_takes_the_outer_one() {
        let sorted = [-INF, 10.0, 20.0, INF];
        assert_eq!(percentile_sorted(&sorted, 0.1, Tail::Lower), -INF);
        assert_eq!(percentile_sorted(&sorted, 0.9, Tail::Upper), INF);
        assert_eq!(percentile_sorted(&[INF, INF], 0.5, Tail::Upper), INF);
    }
}
