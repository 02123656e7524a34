//! Known answers for the observables.

use ndarray::{Array2, array};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use srhm_metrics::{
    MetricError, matched_noise, ratio_of_means, relative_stability, sensitivity, squared_distances,
    test_error,
};

#[test]
fn test_error_counts_mistakes_exactly() {
    assert_eq!(test_error(&[0, 1, 2, 3], &[0, 1, 2, 0]).unwrap(), 0.25);
    assert_eq!(test_error(&[5; 3], &[5; 3]).unwrap(), 0.0);
    assert_eq!(
        test_error(&[0, 1], &[0]).unwrap_err().param(),
        Some("predicted")
    );
    assert_eq!(test_error(&[], &[]).unwrap_err().param(), Some("labels"));
}

#[test]
fn an_operator_that_changes_nothing_has_sensitivity_zero() {
    let x = array![[1.0f32, 0.0, 2.0], [0.5, 0.5, 0.0], [3.0, 1.0, 1.0]];
    let shifted = array![[0.5f32, 0.5, 0.0], [3.0, 1.0, 1.0], [1.0, 0.0, 2.0]];
    let s = sensitivity(x.view(), x.view(), x.view(), shifted.view()).unwrap();
    assert_eq!((s.value, s.stderr, s.n), (0.0, 0.0, 3));
}

#[test]
fn a_map_that_ignores_its_input_is_an_error_not_nan() {
    let constant = Array2::<f32>::ones((4, 5));
    let moved = Array2::<f32>::zeros((4, 5));
    let error = sensitivity(
        constant.view(),
        moved.view(),
        constant.view(),
        constant.view(),
    )
    .unwrap_err();
    assert!(matches!(error, MetricError::Undefined { .. }), "{error}");
    assert!(
        relative_stability(constant.view(), moved.view(), constant.view()).is_err(),
        "0/0 must not be a number"
    );
}

#[test]
fn a_known_geometry_gives_its_ratio_exactly() {
    // Every T x is at squared distance 1 from x, every independent pair at 4: S = 1/4.
    let x = array![[0.0f32, 0.0], [10.0, 0.0], [0.0, 10.0]];
    let tx = array![[1.0f32, 0.0], [10.0, 1.0], [0.0, 9.0]];
    let x1 = x.clone();
    let x2 = array![[2.0f32, 0.0], [10.0, 2.0], [-2.0, 10.0]];
    assert_eq!(
        squared_distances(x.view(), tx.view()).unwrap(),
        [1.0, 1.0, 1.0]
    );
    let s = sensitivity(x.view(), tx.view(), x1.view(), x2.view()).unwrap();
    assert_eq!((s.value, s.stderr), (0.25, 0.0));
}

#[test]
fn the_delta_method_error_matches_the_spread_over_replicas() {
    // a_i = 2·b_i·u_i with b_i ~ U(1, 3), u_i ~ U(0, 1): correlated pairs, true ratio 1.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let n = 400;
    let (mut values, mut errors) = (Vec::new(), Vec::new());
    for _ in 0..400 {
        let b: Vec<f64> = (0..n).map(|_| rng.random_range(1.0..3.0)).collect();
        let a: Vec<f64> = b.iter().map(|b| 2.0 * b * rng.random::<f64>()).collect();
        let estimate = ratio_of_means(&a, &b).unwrap();
        values.push(estimate.value);
        errors.push(estimate.stderr);
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let spread =
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt();
    let typical = errors.iter().sum::<f64>() / errors.len() as f64;
    assert!((mean - 1.0).abs() < 0.01, "mean ratio {mean}");
    assert!(
        (typical / spread - 1.0).abs() < 0.15,
        "stderr {typical} vs spread {spread}"
    );
}

#[test]
fn matched_noise_has_the_norm_of_the_transformation() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let x = Array2::from_shape_fn((50, 30), |_| rng.random::<f32>());
    let tx = Array2::from_shape_fn((50, 30), |_| rng.random::<f32>());
    let noisy = matched_noise(x.view(), tx.view(), 9).unwrap();
    let want = squared_distances(x.view(), tx.view()).unwrap();
    let got = squared_distances(x.view(), noisy.view()).unwrap();
    for (w, g) in want.iter().zip(&got) {
        assert!((w - g).abs() < 1e-4 * w, "{w} vs {g}");
    }
    // Isotropic: the noise is not the transformation's direction.
    let along: f64 = (0..50)
        .map(|i| {
            let (d, e) = (&tx.row(i) - &x.row(i), &noisy.row(i) - &x.row(i));
            (d.dot(&e) as f64) / (want[i]).max(1e-12)
        })
        .sum::<f64>()
        / 50.0;
    assert!(along.abs() < 0.2, "mean cosine-like overlap {along}");
    assert_eq!(noisy, matched_noise(x.view(), tx.view(), 9).unwrap());
    assert_eq!(
        matched_noise(x.view(), tx.slice(ndarray::s![..3, ..]), 0)
            .unwrap_err()
            .param(),
        Some("tx")
    );
}

#[test]
fn bad_samples_are_refused_by_name() {
    assert_eq!(
        ratio_of_means(&[1.0], &[1.0]).unwrap_err().param(),
        Some("numerators")
    );
    assert_eq!(
        ratio_of_means(&[1.0, 2.0], &[1.0]).unwrap_err().param(),
        Some("numerators")
    );
    assert_eq!(
        ratio_of_means(&[1.0, 2.0], &[1.0, f64::NAN])
            .unwrap_err()
            .param(),
        Some("denominators")
    );
}

proptest! {
    #[test]
    fn the_ratio_is_scale_free_and_non_negative(
        pairs in prop::collection::vec((0.0f64..10.0, 0.1f64..10.0), 2..40),
        scale in 0.01f64..100.0,
    ) {
        let (a, b): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        let r = ratio_of_means(&a, &b).unwrap();
        let scaled_a: Vec<f64> = a.iter().map(|x| x * scale).collect();
        let scaled_b: Vec<f64> = b.iter().map(|x| x * scale).collect();
        let s = ratio_of_means(&scaled_a, &scaled_b).unwrap();
        prop_assert!(r.value >= 0.0 && r.stderr >= 0.0);
        prop_assert!((r.value - s.value).abs() <= 1e-9 * (1.0 + r.value));
        prop_assert!((r.stderr - s.stderr).abs() <= 1e-6 * (1.0 + r.stderr));
    }
}
