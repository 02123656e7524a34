use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use srhm_scaling::{MedianInterval, Outcome, bootstrap_median, p_star_over_seeds};

/// A learning curve that crosses `t` = 0.1 exactly at `p_star` (a power law, so the
/// log-log interpolation is exact whatever the grid).
fn curve_crossing_at(p_star: f64) -> Vec<(f64, f64)> {
    (0..16)
        .map(|k| {
            let p = 8.0 * 2f64.powi(k);
            (p, 0.1 * (p / p_star).powf(-0.8))
        })
        .collect()
}

fn standard_normal(rng: &mut impl Rng) -> f64 {
    // Box–Muller; 1 − u keeps the logarithm finite.
    let (u, v): (f64, f64) = (rng.random(), rng.random());
    (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[test]
fn bootstrap_interval_covers_the_true_median() {
    // Per-seed P* are log-normal around a true median of 1000 (σ = 0.5 in log, about the
    // seed-to-seed spread of real runs). With 9 seeds the percentile bootstrap of the median
    // takes its ends from the order statistics: P(resampled median ≤ X(2)) =
    // P(Bin(9, 2/9) ≥ 5) ≈ 0.030 > 0.025, so the interval is usually [X(2), X(8)], whose
    // exact coverage is 1 − 2·P(Bin(9, ½) ≤ 1) ≈ 0.961, and sometimes (resampling noise)
    // [X(3), X(7)], coverage ≈ 0.82. Expect ≈ 95 of 100; 85 leaves ≈ 4 standard deviations
    // and still fails if the interval were, say, [X(3), X(7)] always.
    let true_median = 1000.0;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20240611);
    let mut covered = 0;
    for replica in 0..100 {
        let p_stars: Vec<f64> = (0..9)
            .map(|_| true_median * (0.5 * standard_normal(&mut rng)).exp())
            .collect();
        let curves: Vec<_> = p_stars.iter().map(|&p| curve_crossing_at(p)).collect();
        let est = p_star_over_seeds(&curves, 0.1, 2000, replica).unwrap();
        assert_eq!(est.crossed, 9);
        for (got, want) in est.p_stars().iter().zip(&p_stars) {
            assert!((got / want - 1.0).abs() < 1e-9);
        }
        let e = est.estimate.unwrap();
        let (min, max) = p_stars
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), &p| {
                (lo.min(p), hi.max(p))
            });
        assert!(min <= e.lo && e.lo <= e.median && e.median <= e.hi && e.hi <= max);
        if e.lo <= true_median && true_median <= e.hi {
            covered += 1;
        }
    }
    assert!(covered >= 85, "covered {covered} of 100");
}

fn never_crossing() -> Vec<(f64, f64)> {
    vec![(10.0, 0.9), (100.0, 0.8)]
}

fn already_below() -> Vec<(f64, f64)> {
    vec![(10.0, 0.05), (100.0, 0.01)]
}

#[test]
fn seeds_that_do_not_cross_keep_their_rank() {
    let mut curves: Vec<_> = [1000.0, 2000.0, 3000.0].map(curve_crossing_at).into();
    curves.push(never_crossing());
    curves.push(never_crossing());
    let est = p_star_over_seeds(&curves, 0.1, 500, 1).unwrap();
    assert_eq!(est.crossed, 3);
    // Ranks: 1000 < 2000 < 3000 < P*_4, P*_5, so the median is 3000 (dropping the two
    // slow seeds would give 2000).
    assert!((est.median().unwrap() / 3000.0 - 1.0).abs() < 1e-9);
    assert!(est.reason.is_none());
    assert!(matches!(est.per_seed[3], Outcome::StillAbove { .. }));
    assert!(est.per_seed[4].reason().unwrap().contains("still above"));
    let e = est.estimate.unwrap();
    assert!(e.lo >= 1000.0 * (1.0 - 1e-9));
    // Resamples with three slow seeds of five have a censored median: no upper bound.
    assert_eq!(e.hi, f64::INFINITY);

    let mut curves: Vec<_> = [1000.0, 2000.0, 4000.0].map(curve_crossing_at).into();
    curves.push(already_below());
    curves.push(already_below());
    let est = p_star_over_seeds(&curves, 0.1, 500, 1).unwrap();
    assert!((est.median().unwrap() / 1000.0 - 1.0).abs() < 1e-9);
    assert!(matches!(est.per_seed[3], Outcome::AlreadyBelow { .. }));
    assert_eq!(est.estimate.unwrap().lo, 0.0);
}

#[test]
fn fewer_than_half_crossing_is_not_crossed() {
    let curves = vec![curve_crossing_at(1000.0), never_crossing(), already_below()];
    let est = p_star_over_seeds(&curves, 0.1, 500, 1).unwrap();
    assert_eq!(est.crossed, 1);
    assert_eq!(est.estimate, None);
    let reason = est.reason.unwrap();
    assert!(reason.contains("only 1 of 3"), "{reason}");
    assert!(reason.contains("1 seeds already below") && reason.contains("1 still above"));
}

#[test]
fn a_median_on_a_censored_seed_is_not_crossed() {
    // Half crossed, but the middle pair is (2000, P* > 100): the median is unknown.
    let curves = vec![
        curve_crossing_at(1000.0),
        curve_crossing_at(2000.0),
        never_crossing(),
        never_crossing(),
    ];
    let est = p_star_over_seeds(&curves, 0.1, 500, 1).unwrap();
    assert_eq!(est.crossed, 2);
    assert_eq!(est.estimate, None);
    assert!(est.reason.unwrap().contains("median falls on a seed"));
}

#[test]
fn an_unbounded_interval_survives_json() {
    let e = MedianInterval {
        median: 2.0,
        lo: 0.0,
        hi: f64::INFINITY,
    };
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(serde_json::from_str::<MedianInterval>(&json).unwrap(), e);
}

#[test]
fn bootstrap_is_reproducible_and_degenerate_for_equal_values() {
    let values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
    assert_eq!(
        bootstrap_median(&values, 1000, 7).unwrap(),
        bootstrap_median(&values, 1000, 7).unwrap()
    );
    assert_eq!(bootstrap_median(&values, 1000, 7).unwrap().median, 3.5);
    let e = bootstrap_median(&[42.0; 5], 100, 0).unwrap();
    assert_eq!((e.median, e.lo, e.hi), (42.0, 42.0, 42.0));
}

#[test]
fn invalid_inputs_name_the_parameter() {
    let curves = vec![curve_crossing_at(1000.0)];
    assert_eq!(
        p_star_over_seeds(&curves, 0.1, 0, 1).unwrap_err().param(),
        "resamples"
    );
    assert_eq!(
        p_star_over_seeds(&curves, -1.0, 10, 1).unwrap_err().param(),
        "threshold"
    );
    assert_eq!(
        p_star_over_seeds(&[], 0.1, 10, 1).unwrap_err().param(),
        "curves"
    );
    let bad = vec![curve_crossing_at(1000.0), vec![(10.0, f64::NAN)]];
    let err = p_star_over_seeds(&bad, 0.1, 10, 1).unwrap_err();
    assert_eq!(err.param(), "curves");
    assert!(err.to_string().contains("seed 1"), "{err}");
    assert_eq!(bootstrap_median(&[], 10, 1).unwrap_err().param(), "values");
    assert_eq!(
        bootstrap_median(&[f64::NAN], 10, 1).unwrap_err().param(),
        "values"
    );
}
