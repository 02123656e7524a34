use proptest::prelude::*;
use srhm_scaling::{Outcome, crossing};

fn rel(a: f64, b: f64) -> f64 {
    (a / b - 1.0).abs()
}

#[test]
fn exact_power_law_crossing_is_recovered() {
    // ε = (P/P0)^(−α) reaches t at P* = P0 · t^(−1/α).
    let (p0, alpha, t) = (50.0_f64, 0.6_f64, 0.1_f64);
    let expected = p0 * t.powf(-1.0 / alpha);
    let points: Vec<(f64, f64)> = (0..12)
        .map(|k| {
            let p = 10.0 * 2f64.powi(k);
            (p, (p / p0).powf(-alpha))
        })
        .collect();
    let c = *crossing(&points, t).unwrap().crossing().unwrap();
    assert!(rel(c.p_star, expected) < 1e-9, "{} vs {expected}", c.p_star);
    assert_eq!(c.above.0, 1280.0);
    assert_eq!(c.below.0, 2560.0);
    assert!(c.above.1 > t && c.below.1 <= t);
}

#[test]
fn zero_error_endpoint_interpolates_linearly_in_error() {
    // log P* = ln 100 + (0.1 − 0.3)/(0 − 0.3) · ln 4  ⇒  P* = 100 · 4^(2/3).
    let c = crossing(&[(100.0, 0.3), (400.0, 0.0)], 0.1).unwrap();
    let expected = 100.0 * 4f64.powf(2.0 / 3.0);
    assert!(rel(c.p_star().unwrap(), expected) < 1e-12);
    // The log-log rule would instead be undefined (ln 0).
    assert!(c.p_star().unwrap().is_finite());
}

#[test]
fn threshold_met_exactly_gives_that_p() {
    let c = crossing(&[(100.0, 0.3), (400.0, 0.1), (800.0, 0.05)], 0.1).unwrap();
    assert!(rel(c.p_star().unwrap(), 400.0) < 1e-12);
}

#[test]
fn input_order_does_not_matter() {
    let sorted = [(10.0, 0.6), (100.0, 0.3), (1000.0, 0.08), (10000.0, 0.01)];
    let shuffled = [sorted[2], sorted[0], sorted[3], sorted[1]];
    let a = crossing(&sorted, 0.1).unwrap();
    let b = crossing(&shuffled, 0.1).unwrap();
    assert_eq!(a, b);
    let c = a.crossing().unwrap();
    assert_eq!((c.above, c.below), ((100.0, 0.3), (1000.0, 0.08)));
}

#[test]
fn the_last_point_above_the_threshold_is_used() {
    // A noisy dip at P = 200 does not count: the error comes back above at P = 400.
    let curve = [(100.0, 0.5), (200.0, 0.05), (400.0, 0.2), (800.0, 0.02)];
    let c = *crossing(&curve, 0.1).unwrap().crossing().unwrap();
    assert_eq!(c.above, (400.0, 0.2));
    assert_eq!(c.below, (800.0, 0.02));
    assert!(c.p_star > 400.0 && c.p_star < 800.0);
}

#[test]
fn curves_that_do_not_cross_give_reasons() {
    let below = crossing(&[(100.0, 0.05), (1000.0, 0.01)], 0.1).unwrap();
    assert!(matches!(below, Outcome::AlreadyBelow { .. }));
    let reason = below.reason().unwrap();
    assert!(reason.contains("smallest P = 100"), "{reason}");

    let above = crossing(&[(1000.0, 0.4), (100.0, 0.5)], 0.1).unwrap();
    assert!(matches!(above, Outcome::StillAbove { .. }));
    let reason = above.reason().unwrap();
    assert!(reason.contains("largest P = 1000"), "{reason}");

    let single = crossing(&[(100.0, 0.5)], 0.1).unwrap();
    assert!(single.reason().unwrap().contains("still above"));
}

#[test]
fn invalid_inputs_name_the_parameter() {
    let good = [(100.0, 0.3), (400.0, 0.05)];
    let bad_points: [&[(f64, f64)]; 7] = [
        &[],
        &[(0.0, 0.3), (400.0, 0.05)],
        &[(-1.0, 0.3), (400.0, 0.05)],
        &[(f64::NAN, 0.3), (400.0, 0.05)],
        &[(100.0, -0.1), (400.0, 0.05)],
        &[(100.0, f64::INFINITY), (400.0, 0.05)],
        &[(100.0, 0.3), (100.0, 0.05)],
    ];
    for points in bad_points {
        let err = crossing(points, 0.1).unwrap_err();
        assert_eq!(err.param(), "points", "{points:?}: {err}");
    }
    for t in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        assert_eq!(crossing(&good, t).unwrap_err().param(), "threshold");
    }
}

type Curve = Vec<(f64, f64)>;

/// Curves with distinct P (some errors exactly 0), a shuffled copy, and a threshold.
fn curve_and_shuffle() -> impl Strategy<Value = (Curve, Curve, f64)> {
    let points =
        prop::collection::btree_map(1u32..1_000_000, prop_oneof![Just(0.0), 0.0..1.0f64], 1..20)
            .prop_map(|m| {
                m.into_iter()
                    .map(|(p, e)| (f64::from(p), e))
                    .collect::<Vec<_>>()
            });
    (points, 0.01..0.99f64)
        .prop_flat_map(|(points, t)| (Just(points.clone()), Just(points).prop_shuffle(), Just(t)))
}

proptest! {
    #[test]
    fn crossing_is_invariant_to_input_order((points, shuffled, t) in curve_and_shuffle()) {
        prop_assert_eq!(crossing(&points, t).unwrap(), crossing(&shuffled, t).unwrap());
    }

    #[test]
    fn p_star_lies_between_the_bracketing_points((points, _, t) in curve_and_shuffle()) {
        if let Outcome::Crossed(c) = crossing(&points, t).unwrap() {
            prop_assert!(c.above.0 < c.below.0);
            prop_assert!(c.above.0 <= c.p_star && c.p_star <= c.below.0);
            prop_assert!(c.above.1 > t && c.below.1 <= t);
            // No point after `above` is above the threshold.
            prop_assert!(points.iter().all(|&(p, e)| p <= c.above.0 || e <= t));
        }
    }
}
