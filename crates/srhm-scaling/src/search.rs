//! The adaptive search for P*: geometric bracketing, then bisection in log P.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::crossing::{check_threshold, interpolate};
use crate::error::{Result, ScalingError, SearchError};
use crate::seeds::{PStarEstimate, median, p_star_over_seeds};

/// Finds P* by evaluating the error only where it is needed.
///
/// Each evaluation trains networks, so a fixed grid of training-set sizes wastes most of its
/// work far from P*. The search first brackets P* geometrically (×`growth` or ÷`growth`
/// from `start`), then bisects the bracket in log P (P* spans decades, so halving the ratio
/// hi/lo is what narrows it) until hi/lo ≤ 1 + `rel_precision`. P* is then read off the
/// bracket ends as in [`crate::crossing()`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdaptiveSearch {
    /// The error level that defines P* (the error must fall to it or below).
    pub threshold: f64,
    /// Stop when the bracket's ratio hi/lo is at most 1 + this (0.1: within 10%).
    pub rel_precision: f64,
    /// Smallest P worth trying (≥ 1).
    pub p_min: u64,
    /// Largest P that may be tried: the data or the compute available.
    pub p_max: u64,
    /// First P to evaluate, in [p_min, p_max].
    pub start: u64,
    /// Factor (> 1) between successive sizes while bracketing.
    pub growth: f64,
    /// Most evaluations in all: a hard cap on the compute spent.
    pub max_evaluations: usize,
}

impl AdaptiveSearch {
    /// A search over [p_min, p_max] starting at `p_min` (small training sets are cheap, so
    /// the bracketing costs little compared to the final evaluations), growth 4, 10%
    /// precision and at most 30 evaluations, which covers a range of 10⁹ with room for
    /// the bisection. Change fields with struct update syntax.
    pub fn new(threshold: f64, p_min: u64, p_max: u64) -> Self {
        AdaptiveSearch {
            threshold,
            rel_precision: 0.1,
            p_min,
            p_max,
            start: p_min,
            growth: 4.0,
            max_evaluations: 30,
        }
    }

    /// Checks every setting; the error names the first offending field.
    pub fn validate(&self) -> Result<()> {
        check_threshold(self.threshold)?;
        if !(self.rel_precision.is_finite() && self.rel_precision > 0.0) {
            return Err(ScalingError::invalid(
                "rel_precision",
                format!("must be finite and > 0, got {}", self.rel_precision),
            ));
        }
        if self.p_min == 0 {
            return Err(ScalingError::invalid("p_min", "must be at least 1"));
        }
        if self.p_max < self.p_min {
            return Err(ScalingError::invalid(
                "p_max",
                format!("{} is below p_min = {}", self.p_max, self.p_min),
            ));
        }
        if !(self.p_min..=self.p_max).contains(&self.start) {
            return Err(ScalingError::invalid(
                "start",
                format!(
                    "{} is outside [p_min, p_max] = [{}, {}]",
                    self.start, self.p_min, self.p_max
                ),
            ));
        }
        if !(self.growth.is_finite() && self.growth > 1.0) {
            return Err(ScalingError::invalid(
                "growth",
                format!("must be finite and > 1, got {}", self.growth),
            ));
        }
        if self.max_evaluations == 0 {
            return Err(ScalingError::invalid(
                "max_evaluations",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// Runs the search. `error_at(P)` returns the error after training on P data; its own
    /// errors are passed back as [`SearchError::Evaluation`] and end the search.
    pub fn run<F, E>(&self, mut error_at: F) -> Result<SearchResult, SearchError<E>>
    where
        F: FnMut(u64) -> std::result::Result<f64, E>,
    {
        self.validate()?;
        self.search(|p| {
            let e = error_at(p).map_err(|source| SearchError::Evaluation { p, source })?;
            check_error("error_at", p, e)?;
            Ok(e)
        })
    }

    /// Runs the search over several seeds at once. `errors_at(P)` returns one error per
    /// seed (always the same number of seeds). The search steers by the median error over
    /// seeds, which one bad seed cannot move; the final P* is the median of the per-seed
    /// P* over every point each seed was evaluated at, with a bootstrap interval
    /// ([`p_star_over_seeds`] with `resamples` and `bootstrap_seed`).
    pub fn run_seeds<F, E>(
        &self,
        resamples: usize,
        bootstrap_seed: u64,
        mut errors_at: F,
    ) -> Result<SeedsSearchResult, SearchError<E>>
    where
        F: FnMut(u64) -> std::result::Result<Vec<f64>, E>,
    {
        self.validate()?;
        if resamples == 0 {
            return Err(ScalingError::invalid("resamples", "must be at least 1").into());
        }
        let mut per_seed: Vec<Vec<(u64, f64)>> = Vec::new();
        let search = self.search(|p| {
            let errors = errors_at(p).map_err(|source| SearchError::Evaluation { p, source })?;
            if errors.is_empty() {
                return Err(ScalingError::invalid(
                    "errors_at",
                    format!("returned no errors at P = {p}"),
                )
                .into());
            }
            if per_seed.is_empty() {
                per_seed = vec![Vec::new(); errors.len()];
            } else if errors.len() != per_seed.len() {
                return Err(ScalingError::invalid(
                    "errors_at",
                    format!(
                        "returned {} errors at P = {p} but {} before",
                        errors.len(),
                        per_seed.len()
                    ),
                )
                .into());
            }
            for (curve, &e) in per_seed.iter_mut().zip(&errors) {
                check_error("errors_at", p, e)?;
                curve.push((p, e));
            }
            Ok(median(&mut errors.clone()))
        })?;
        let curves: Vec<Vec<(f64, f64)>> = per_seed
            .iter()
            .map(|curve| curve.iter().map(|&(p, e)| (p as f64, e)).collect())
            .collect();
        let estimate = p_star_over_seeds(&curves, self.threshold, resamples, bootstrap_seed)?;
        Ok(SeedsSearchResult {
            search,
            per_seed,
            estimate,
        })
    }

    /// Bracketing then bisection, on a validated search, with an evaluator that already
    /// checks its values.
    fn search<E>(
        &self,
        evaluate: impl FnMut(u64) -> std::result::Result<f64, SearchError<E>>,
    ) -> Result<SearchResult, SearchError<E>> {
        let t = self.threshold;
        let mut ev = Evaluations {
            evaluate,
            cache: BTreeMap::new(),
            points: Vec::new(),
            max: self.max_evaluations,
        };
        let first = (self.start, ev.at(self.start)?);
        // (P, error) with error above the threshold, and a larger P with error at or below.
        let (mut above, mut below) = if first.1 > t {
            let mut above = first;
            loop {
                if above.0 == self.p_max {
                    let reason = format!(
                        "error {} is still above the threshold {t} at p_max = {}",
                        above.1, self.p_max
                    );
                    return Ok(ev.without_p_star(reason));
                }
                if ev.exhausted() {
                    let reason = format!(
                        "max_evaluations = {} reached before bracketing the threshold \
                         (error {} still above it at P = {})",
                        self.max_evaluations, above.1, above.0
                    );
                    return Ok(ev.without_p_star(reason));
                }
                let next = self.grow(above.0);
                let e = ev.at(next)?;
                if e <= t {
                    break (above, (next, e));
                }
                above = (next, e);
            }
        } else {
            let mut below = first;
            loop {
                if below.0 == self.p_min {
                    let reason = format!(
                        "error {} is already at or below the threshold {t} at p_min = {}",
                        below.1, self.p_min
                    );
                    return Ok(ev.without_p_star(reason));
                }
                if ev.exhausted() {
                    let reason = format!(
                        "max_evaluations = {} reached before bracketing the threshold \
                         (error {} still at or below it at P = {})",
                        self.max_evaluations, below.1, below.0
                    );
                    return Ok(ev.without_p_star(reason));
                }
                let next = self.shrink(below.0);
                let e = ev.at(next)?;
                if e > t {
                    break ((next, e), below);
                }
                below = (next, e);
            }
        };

        let mut reason = None;
        while below.0 as f64 > above.0 as f64 * (1.0 + self.rel_precision) {
            let mid = (above.0 as f64 * below.0 as f64).sqrt().round() as u64;
            if mid <= above.0 || mid >= below.0 {
                break; // adjacent integers: as precise as P can be
            }
            if ev.exhausted() {
                reason = Some(format!(
                    "max_evaluations = {} reached with the bracket [{}, {}], wider than asked",
                    self.max_evaluations, above.0, below.0
                ));
                break;
            }
            let e = ev.at(mid)?;
            if e > t {
                above = (mid, e);
            } else {
                below = (mid, e);
            }
        }
        let p_star = interpolate((above.0 as f64, above.1), (below.0 as f64, below.1), t);
        Ok(SearchResult {
            p_star: Some(p_star),
            reason,
            bracket: Some((above.0, below.0)),
            points: ev.points,
        })
    }

    fn grow(&self, p: u64) -> u64 {
        let next = (p as f64 * self.growth).round() as u64;
        next.max(p + 1).min(self.p_max)
    }

    fn shrink(&self, p: u64) -> u64 {
        let next = (p as f64 / self.growth).round() as u64;
        next.min(p - 1).max(self.p_min)
    }
}

/// What an adaptive search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// The interpolated P*, or `None` when the threshold was never bracketed.
    pub p_star: Option<f64>,
    /// Why `p_star` is `None`, or why it is less precise than asked (evaluations ran out).
    pub reason: Option<String>,
    /// (P above the threshold, P at or below it) that P* was read from.
    pub bracket: Option<(u64, u64)>,
    /// Every (P, error) evaluated, in the order evaluated; no P appears twice.
    pub points: Vec<(u64, f64)>,
}

/// What a search over several seeds found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedsSearchResult {
    /// The search itself, on the median error over seeds (`points` holds those medians).
    pub search: SearchResult,
    /// Every (P, error) of each seed, in the order evaluated.
    pub per_seed: Vec<Vec<(u64, f64)>>,
    /// Median P* over seeds with its bootstrap interval: the number to report.
    pub estimate: PStarEstimate,
}

/// Evaluations made so far; never calls the closure twice for one P.
struct Evaluations<F> {
    evaluate: F,
    cache: BTreeMap<u64, f64>,
    points: Vec<(u64, f64)>,
    max: usize,
}

impl<F> Evaluations<F> {
    fn exhausted(&self) -> bool {
        self.points.len() >= self.max
    }

    fn without_p_star(self, reason: String) -> SearchResult {
        SearchResult {
            p_star: None,
            reason: Some(reason),
            bracket: None,
            points: self.points,
        }
    }

    fn at<E>(&mut self, p: u64) -> std::result::Result<f64, SearchError<E>>
    where
        F: FnMut(u64) -> std::result::Result<f64, SearchError<E>>,
    {
        if let Some(&e) = self.cache.get(&p) {
            return Ok(e);
        }
        let e = (self.evaluate)(p)?;
        self.cache.insert(p, e);
        self.points.push((p, e));
        Ok(e)
    }
}

fn check_error(param: &'static str, p: u64, e: f64) -> Result<()> {
    if !(e.is_finite() && e >= 0.0) {
        return Err(ScalingError::invalid(
            param,
            format!("returned {e} at P = {p}; errors must be finite and >= 0"),
        ));
    }
    Ok(())
}
