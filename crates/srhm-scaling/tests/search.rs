use std::collections::BTreeSet;

use proptest::prelude::*;
use srhm_scaling::{AdaptiveSearch, SearchError, SearchResult};

const TRUE_P_STAR: f64 = 1234.0;

/// Reaches the threshold 0.1 exactly at P = 1234.
fn learning_curve(p: u64) -> f64 {
    0.1 * (p as f64 / TRUE_P_STAR).powf(-0.7)
}

/// Runs `search` on `curve`, checking that the result lists exactly the calls made,
/// in order, with no P twice.
fn run_recorded(search: &AdaptiveSearch, curve: impl Fn(u64) -> f64) -> SearchResult {
    let mut calls = Vec::new();
    let result = search
        .run(|p| {
            calls.push(p);
            Ok::<_, String>(curve(p))
        })
        .unwrap();
    let listed: Vec<u64> = result.points.iter().map(|&(p, _)| p).collect();
    assert_eq!(listed, calls, "every evaluation is reported, in order");
    let distinct: BTreeSet<u64> = calls.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        calls.len(),
        "a P was evaluated twice: {calls:?}"
    );
    for &(p, e) in &result.points {
        assert_eq!(e, curve(p));
        assert!((search.p_min..=search.p_max).contains(&p));
    }
    result
}

#[test]
fn finds_a_known_p_star_with_few_evaluations() {
    for start in [1, 10, 1234, 5000, 1_000_000] {
        let search = AdaptiveSearch {
            start,
            ..AdaptiveSearch::new(0.1, 1, 1_000_000_000)
        };
        let result = run_recorded(&search, learning_curve);
        let p_star = result.p_star.unwrap();
        assert!(
            (p_star / TRUE_P_STAR - 1.0).abs() < 1e-9,
            "start {start}: {p_star}"
        );
        assert_eq!(result.reason, None);
        let (lo, hi) = result.bracket.unwrap();
        assert!((lo as f64) < TRUE_P_STAR && TRUE_P_STAR <= hi as f64);
        assert!(
            hi as f64 <= 1.1 * lo as f64,
            "bracket [{lo}, {hi}] wider than 10%"
        );

        // Bound: 1 evaluation at `start`, k = ⌈|log_4(P*/start)|⌉ (at least 1) steps to
        // bracket, then the bracket ratio ≤ 4 must shrink to ≤ 1.1 by halving its log:
        // ⌈log2(ln 4 / ln 1.1)⌉ = 4 bisections, plus 1 for rounding mid to an integer.
        let k = ((TRUE_P_STAR / start as f64).ln().abs() / 4f64.ln())
            .ceil()
            .max(1.0) as usize;
        let bisections = (4f64.ln() / 1.1f64.ln()).log2().ceil() as usize;
        assert_eq!(bisections, 4);
        let bound = 1 + k + bisections + 1;
        let used = result.points.len();
        assert!(
            used <= bound,
            "start {start}: {used} evaluations > bound {bound}"
        );
        if start == 1 {
            assert!(used <= 12, "{used}");
        }
    }
}

#[test]
fn no_p_star_when_the_curve_never_crosses_within_p_max() {
    let search = AdaptiveSearch::new(0.1, 10, 100_000);
    // Would cross at 10^7, beyond p_max.
    let result = run_recorded(&search, |p| 0.1 * (p as f64 / 1e7).powf(-0.5));
    assert_eq!(result.p_star, None);
    assert_eq!(result.bracket, None);
    assert!(result.reason.as_deref().unwrap().contains("p_max = 100000"));
    assert_eq!(result.points.last().unwrap().0, 100_000);
    // 10, 40, ..., 40960 (7 sizes), then p_max itself.
    assert_eq!(result.points.len(), 8);
}

#[test]
fn no_p_star_when_already_below_at_p_min() {
    let search = AdaptiveSearch {
        start: 5000,
        ..AdaptiveSearch::new(0.1, 100, 100_000)
    };
    let result = run_recorded(&search, |_| 0.01);
    assert_eq!(result.p_star, None);
    assert!(result.reason.as_deref().unwrap().contains("p_min = 100"));
    assert_eq!(result.points.last().unwrap().0, 100);
}

#[test]
fn running_out_of_evaluations_is_reported() {
    let search = AdaptiveSearch {
        max_evaluations: 3,
        ..AdaptiveSearch::new(0.1, 1, 1 << 30)
    };
    let result = run_recorded(&search, learning_curve);
    assert_eq!(result.points.len(), 3);
    assert_eq!(result.p_star, None);
    assert!(result.reason.unwrap().contains("max_evaluations = 3"));

    // Bracketed after 7, then cut during the bisection: a P* from a wide bracket.
    let search = AdaptiveSearch {
        max_evaluations: 8,
        ..AdaptiveSearch::new(0.1, 1, 1 << 30)
    };
    let result = run_recorded(&search, learning_curve);
    assert_eq!(result.points.len(), 8);
    assert!(result.p_star.is_some());
    assert!(result.reason.unwrap().contains("wider than asked"));
}

#[test]
fn bisection_stops_at_adjacent_integers() {
    // Crosses between 3 and 4; 1% precision is impossible in integers.
    let search = AdaptiveSearch {
        rel_precision: 0.01,
        ..AdaptiveSearch::new(0.1, 1, 1000)
    };
    let result = run_recorded(&search, |p| 0.1 * (p as f64 / 3.5).powf(-1.0));
    assert_eq!(result.bracket, Some((3, 4)));
    assert!((result.p_star.unwrap() / 3.5 - 1.0).abs() < 1e-9);
}

#[test]
fn the_callers_error_is_propagated() {
    let search = AdaptiveSearch::new(0.1, 1, 1 << 20);
    let err = search
        .run(|p| {
            if p >= 100 {
                Err(format!("out of memory at {p}"))
            } else {
                Ok(learning_curve(p))
            }
        })
        .unwrap_err();
    assert_eq!(
        err,
        SearchError::Evaluation {
            p: 256,
            source: "out of memory at 256".to_string()
        }
    );
    assert_eq!(err.param(), None);
    assert!(err.to_string().contains("P = 256"));
}

#[test]
fn unusable_errors_from_the_closure_are_rejected() {
    let search = AdaptiveSearch::new(0.1, 1, 1 << 20);
    for bad in [f64::NAN, -0.5, f64::INFINITY] {
        let err = search.run(|_| Ok::<_, String>(bad)).unwrap_err();
        assert_eq!(err.param(), Some("error_at"));
    }
}

#[test]
fn invalid_settings_name_the_field() {
    let ok = AdaptiveSearch {
        start: 10,
        ..AdaptiveSearch::new(0.1, 1, 1000)
    };
    assert!(ok.validate().is_ok());
    let cases = [
        (
            "threshold",
            AdaptiveSearch {
                threshold: 0.0,
                ..ok
            },
        ),
        (
            "threshold",
            AdaptiveSearch {
                threshold: f64::NAN,
                ..ok
            },
        ),
        (
            "rel_precision",
            AdaptiveSearch {
                rel_precision: 0.0,
                ..ok
            },
        ),
        ("p_min", AdaptiveSearch { p_min: 0, ..ok }),
        (
            "p_max",
            AdaptiveSearch {
                p_max: 5,
                start: 5,
                p_min: 6,
                ..ok
            },
        ),
        ("start", AdaptiveSearch { start: 2000, ..ok }),
        (
            "start",
            AdaptiveSearch {
                start: 0,
                p_min: 1,
                ..ok
            },
        ),
        ("growth", AdaptiveSearch { growth: 1.0, ..ok }),
        (
            "growth",
            AdaptiveSearch {
                growth: f64::INFINITY,
                ..ok
            },
        ),
        (
            "max_evaluations",
            AdaptiveSearch {
                max_evaluations: 0,
                ..ok
            },
        ),
    ];
    for (param, search) in cases {
        assert_eq!(search.validate().unwrap_err().param(), param);
        let mut called = false;
        let err = search
            .run(|_| {
                called = true;
                Ok::<_, String>(0.5)
            })
            .unwrap_err();
        assert_eq!(err.param(), Some(param));
        assert!(!called, "{param}: evaluated before validating");
    }
}

#[test]
fn several_seeds_steer_by_the_median_and_report_the_median_p_star() {
    // Five seeds crossing at different P*; the median seed crosses at 1234.
    let seed_p_stars = [400.0, 900.0, 1234.0, 3000.0, 20000.0];
    let search = AdaptiveSearch {
        start: 10,
        ..AdaptiveSearch::new(0.1, 1, 1 << 30)
    };
    let mut calls = Vec::new();
    let result = search
        .run_seeds(1000, 3, |p| {
            calls.push(p);
            Ok::<_, String>(
                seed_p_stars
                    .iter()
                    .map(|&ps| 0.1 * (p as f64 / ps).powf(-0.7))
                    .collect(),
            )
        })
        .unwrap();
    // The median of the errors is the median seed's error (same exponent for all).
    assert!((result.search.p_star.unwrap() / 1234.0 - 1.0).abs() < 1e-9);
    let distinct: BTreeSet<u64> = calls.iter().copied().collect();
    assert_eq!(distinct.len(), calls.len());
    assert_eq!(result.per_seed.len(), 5);
    for curve in &result.per_seed {
        let ps: Vec<u64> = curve.iter().map(|&(p, _)| p).collect();
        assert_eq!(ps, calls);
    }
    // Only the seeds whose P* lies within the evaluated sizes cross; the two slow ones are
    // still above at the largest P tried, and count above the median.
    let largest = *calls.iter().max().unwrap() as f64;
    let est = &result.estimate;
    let crossing: Vec<f64> = seed_p_stars.into_iter().filter(|&p| p < largest).collect();
    assert_eq!(est.crossed, crossing.len());
    assert!(est.crossed >= 3);
    for (got, want) in est.p_stars().iter().zip(&crossing) {
        assert!((got / want - 1.0).abs() < 1e-9, "{got} vs {want}");
    }
    let e = est.estimate.unwrap();
    assert!((e.median / 1234.0 - 1.0).abs() < 1e-9, "{}", e.median);
    assert!(e.lo >= 400.0 * (1.0 - 1e-9));
    assert!(e.lo <= e.median && e.median <= e.hi);
}

#[test]
fn several_seeds_must_keep_their_number() {
    let search = AdaptiveSearch::new(0.1, 1, 1 << 20);
    let err = search
        .run_seeds(100, 0, |p| {
            Ok::<_, String>(if p == 1 { vec![0.5, 0.5] } else { vec![0.5] })
        })
        .unwrap_err();
    assert_eq!(err.param(), Some("errors_at"));
    let err = search
        .run_seeds(100, 0, |_| Ok::<_, String>(vec![]))
        .unwrap_err();
    assert_eq!(err.param(), Some("errors_at"));
    let err = search
        .run_seeds(0, 0, |_| Ok::<_, String>(vec![0.5]))
        .unwrap_err();
    assert_eq!(err.param(), Some("resamples"));
}

proptest! {
    #[test]
    fn search_brackets_any_power_law(
        p0 in 2.0..1e6f64,
        alpha in 0.2..2.0f64,
        start in 1u64..10_000_000,
        growth in 1.5..8.0f64,
    ) {
        let search = AdaptiveSearch { start, growth, ..AdaptiveSearch::new(0.1, 1, 100_000_000) };
        let result = run_recorded(&search, |p| 0.1 * (p as f64 / p0).powf(-alpha));
        let (lo, hi) = result.bracket.unwrap();
        prop_assert!((lo as f64) < p0 && p0 <= hi as f64);
        prop_assert!(hi as f64 <= 1.1 * lo as f64 || hi == lo + 1);
        let p_star = result.p_star.unwrap();
        prop_assert!((p_star / p0 - 1.0).abs() < 1e-9);
    }
}
