//! The rules that turn a measurement into "holds", "does not hold" or "undecided", in one
//! place so that every figure applies the same ones and the index page can state them.
//!
//! Every rule can fail: an interval that lies away from the law is "does not hold", not
//! quietly "undecided". And every rule demands precision before it says "holds": an
//! interval wide enough to contain the law *and* its rivals has not tested the law.
//! "Undecided" always says why.

use crate::Verdict;

/// The widest 95% interval (half-width) of a log–log slope that may decide a slope-1
/// check. A slope of 1 ± 0.35 still tells P* ∝ prediction from P* ∝ prediction^(2/3) or
/// ^(4/3), the difference between Eq. 3 and Eq. 4 at L = 3 on most grids; a wider interval
/// contains those rivals too.
pub const MAX_SLOPE_HALF_WIDTH: f64 = 0.35;

/// The widest 95% interval (half-width, strictly below) of the exponent of (s0+1) that may
/// decide the exponent check: the laws to tell apart (L = 3 against 2) are 1 apart, so an
/// interval narrower than ±0.4 cannot contain both.
pub const MAX_EXPONENT_HALF_WIDTH: f64 = 0.4;

/// How far P* and P*_S (or P*_D) may differ, as a factor either way, for the two to count as
/// "the same sample complexity".
pub const RATIO_FACTOR: f64 = 2.0;

/// The fewest seeds a verdict on a per-network property may rest on: with one or two
/// networks a lucky or unlucky initialisation decides the outcome.
pub const MIN_SEEDS: usize = 3;

/// A 95% interval around an estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub fn new(estimate: f64, (lo, hi): (f64, f64)) -> Self {
        Interval { estimate, lo, hi }
    }

    pub fn half_width(&self) -> f64 {
        0.5 * (self.hi - self.lo)
    }

    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// "1.02 [0.91, 1.13]".
    pub fn show(&self) -> String {
        format!("{:.2} [{:.2}, {:.2}]", self.estimate, self.lo, self.hi)
    }
}

/// What a rule decided, with the words that say so ("holds", "does not hold",
/// "undecided (why)").
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub holds: Option<bool>,
    pub outcome: String,
}

impl Decision {
    pub fn holds() -> Self {
        Decision {
            holds: Some(true),
            outcome: "holds".into(),
        }
    }

    pub fn fails(why: impl AsRef<str>) -> Self {
        let why = why.as_ref();
        Decision {
            holds: Some(false),
            outcome: if why.is_empty() {
                "does not hold".into()
            } else {
                format!("does not hold ({why})")
            },
        }
    }

    pub fn undecided(why: impl Into<String>) -> Self {
        Decision {
            holds: None,
            outcome: format!("undecided ({})", why.into()),
        }
    }

    /// A short line for the chart's notes box: "slope 1.02 [0.91, 1.13] → holds", without
    /// the reason, which the verdict on the page gives with the full method.
    pub fn note(&self, short: impl AsRef<str>) -> String {
        let outcome = match self.holds {
            Some(true) => "holds",
            Some(false) => "does not hold",
            None => "undecided",
        };
        format!("{} → {outcome}", short.as_ref())
    }

    /// The verdict whose measured text ends in this decision: "slope 1.02 [...] → holds".
    pub fn verdict(self, claim: impl Into<String>, measured: impl AsRef<str>) -> Verdict {
        Verdict {
            claim: claim.into(),
            measured: format!("{} → {}", measured.as_ref(), self.outcome),
            holds: self.holds,
        }
    }
}

/// A slope-1 check (measured ∝ predicted): holds when 1 is inside the interval and its
/// half-width is at most [`MAX_SLOPE_HALF_WIDTH`]; does not hold when the interval excludes
/// 1 and is that narrow; undecided otherwise, and always when the interval reaches 0 (it
/// cannot then tell the law from no dependence at all).
pub fn slope_one(slope: Interval) -> Decision {
    if slope.lo <= 0.0 {
        return Decision::undecided(
            "the interval reaches 0: too few or too close configurations to tell the law \
             from no dependence",
        );
    }
    let width = slope.half_width();
    let limit = MAX_SLOPE_HALF_WIDTH;
    match (slope.contains(1.0), width <= limit) {
        (true, true) => Decision::holds(),
        (true, false) => Decision::undecided(format!(
            "interval too wide: half-width {width:.2} > {limit}"
        )),
        (false, true) => Decision::fails("1 is outside the interval"),
        (false, false) => Decision::undecided(format!(
            "1 is outside the interval, but it is too wide to decide: half-width {width:.2} > \
             {limit}"
        )),
    }
}

/// The exponent of (s0+1): holds when the interval contains `own` (the model's law),
/// excludes `rival` (the other model's law) and has half-width below
/// [`MAX_EXPONENT_HALF_WIDTH`]; does not hold when it excludes `own` and is that narrow;
/// undecided otherwise, with the reason. When `own == rival` (L = 2) the check is a
/// control: it holds when the interval contains the common exponent and is narrow.
pub fn exponent(b: Interval, own: f64, rival: f64) -> Decision {
    let width = b.half_width();
    let limit = MAX_EXPONENT_HALF_WIDTH;
    let narrow = width < limit;
    let too_wide = format!("interval too wide: half-width {width:.2} ≥ {limit}");
    if !b.contains(own) {
        return if narrow {
            Decision::fails(format!("{own} is outside the interval"))
        } else {
            Decision::undecided(format!("{own} is outside the interval, but {too_wide}"))
        };
    }
    let mut reasons = Vec::new();
    if own != rival && b.contains(rival) {
        reasons.push(format!(
            "the interval also contains the other law's {rival}: it cannot tell the laws apart"
        ));
    }
    if !narrow {
        reasons.push(too_wide);
    }
    if reasons.is_empty() {
        Decision::holds()
    } else {
        Decision::undecided(reasons.join("; "))
    }
}

/// A ratio held to [`RATIO_FACTOR`]: holds when its whole interval lies in
/// [1/factor, factor], does not hold when the whole interval lies outside, undecided when
/// the interval straddles an edge.
pub fn within_factor(ratio: Interval) -> Decision {
    let (low, high) = (1.0 / RATIO_FACTOR, RATIO_FACTOR);
    if ratio.lo >= low && ratio.hi <= high {
        Decision::holds()
    } else if ratio.hi < low || ratio.lo > high {
        Decision::fails(format!("the whole interval is outside [{low}, {high}]"))
    } else {
        Decision::undecided(format!(
            "the interval reaches past the band [{low}, {high}]"
        ))
    }
}

/// A property checked network by network: holds when every one of at least [`MIN_SEEDS`]
/// seeds shows it, does not hold when none does, undecided when some do ("k of n") or
/// when fewer than [`MIN_SEEDS`] seeds could be checked.
pub fn every_seed(shown: usize, checked: usize) -> Decision {
    if checked < MIN_SEEDS {
        return Decision::undecided(format!(
            "only {checked} seed{} checked; at least {MIN_SEEDS} needed",
            if checked == 1 { "" } else { "s" }
        ));
    }
    if shown == checked {
        Decision::holds()
    } else if shown == 0 {
        Decision::fails(format!("no seed of {checked} shows it"))
    } else {
        Decision::undecided(format!("{shown} of {checked} seeds show it"))
    }
}

/// A monotone trend (the error grows with a sensitivity): holds when the slope's interval
/// lies above 0, does not hold when it lies below, undecided when it contains 0.
pub fn positive_slope(slope: Interval) -> Decision {
    if slope.lo > 0.0 {
        Decision::holds()
    } else if slope.hi < 0.0 {
        Decision::fails("the slope is negative")
    } else {
        Decision::undecided("the interval contains 0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn around(estimate: f64, half_width: f64) -> Interval {
        Interval::new(estimate, (estimate - half_width, estimate + half_width))
    }

    #[test]
    fn slope_one_holds_only_when_precise() {
        assert_eq!(slope_one(around(1.05, 0.2)).holds, Some(true));
        let wide = slope_one(around(1.2, 0.6));
        assert_eq!(wide.holds, None);
        assert!(wide.outcome.contains("half-width 0.60 > 0.35"), "{wide:?}");
        assert_eq!(slope_one(around(1.6, 0.2)).holds, Some(false));
        assert_eq!(slope_one(around(0.5, 0.3)).holds, Some(false));
        let wide_out = slope_one(around(2.5, 1.0));
        assert_eq!(wide_out.holds, None);
        assert!(wide_out.outcome.contains("outside"), "{wide_out:?}");
        let zero = slope_one(around(0.8, 0.9));
        assert_eq!(zero.holds, None);
        assert!(zero.outcome.contains("reaches 0"), "{zero:?}");
    }

    #[test]
    fn exponent_must_contain_its_law_and_exclude_the_other() {
        assert_eq!(exponent(around(2.9, 0.2), 3.0, 2.0).holds, Some(true));
        // The CNN law at L = 3 on LCN-like data: 2 is excluded by a narrow interval.
        let fails = exponent(around(3.0, 0.2), 2.0, 3.0);
        assert_eq!(fails.holds, Some(false), "{fails:?}");
        let both = exponent(around(2.5, 0.6), 3.0, 2.0);
        assert_eq!(both.holds, None);
        assert!(both.outcome.contains("other law's 2"), "{both:?}");
        assert!(both.outcome.contains("too wide"), "{both:?}");
        // Laws closer than the interval's width (here 2.3 against 2) cannot both be told
        // apart, however narrow the interval.
        let close = exponent(around(2.2, 0.3), 2.3, 2.0);
        assert_eq!(close.holds, None);
        assert!(
            close.outcome.contains("cannot tell the laws apart"),
            "{close:?}"
        );
        let wide_out = exponent(around(5.0, 1.5), 3.0, 2.0);
        assert_eq!(wide_out.holds, None);
        // The control at L = 2: one law.
        assert_eq!(exponent(around(2.1, 0.3), 2.0, 2.0).holds, Some(true));
        assert_eq!(exponent(around(2.1, 0.5), 2.0, 2.0).holds, None);
        assert_eq!(exponent(around(3.0, 0.3), 2.0, 2.0).holds, Some(false));
    }

    #[test]
    fn ratios_are_held_to_a_factor_two() {
        assert_eq!(
            within_factor(Interval::new(1.2, (0.8, 1.7))).holds,
            Some(true)
        );
        assert_eq!(
            within_factor(Interval::new(4.0, (3.0, 5.5))).holds,
            Some(false)
        );
        assert_eq!(
            within_factor(Interval::new(0.2, (0.1, 0.4))).holds,
            Some(false)
        );
        assert_eq!(within_factor(Interval::new(1.5, (0.9, 2.6))).holds, None);
    }

    #[test]
    fn per_seed_checks_need_three_seeds_that_agree() {
        assert_eq!(every_seed(3, 3).holds, Some(true));
        assert_eq!(every_seed(0, 4).holds, Some(false));
        let mixed = every_seed(2, 3);
        assert_eq!(mixed.holds, None);
        assert!(mixed.outcome.contains("2 of 3"), "{mixed:?}");
        let few = every_seed(2, 2);
        assert_eq!(few.holds, None);
        assert!(few.outcome.contains("only 2 seeds"), "{few:?}");
    }

    #[test]
    fn a_trend_needs_its_interval_off_zero() {
        assert_eq!(positive_slope(around(1.0, 0.5)).holds, Some(true));
        assert_eq!(positive_slope(around(-1.0, 0.5)).holds, Some(false));
        assert_eq!(positive_slope(around(0.2, 0.5)).holds, None);
    }

    #[test]
    fn decisions_end_the_measured_text() {
        let v = slope_one(around(1.0, 0.1)).verdict("claim", "slope 1.00");
        assert_eq!(v.measured, "slope 1.00 → holds");
        assert_eq!(v.holds, Some(true));
    }
}
