use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use srhm_scaling::{collapse, fit_power_law, fit_prefactor};

fn standard_normal(rng: &mut impl Rng) -> f64 {
    // Box–Muller; 1 − u keeps the logarithm finite.
    let (u, v): (f64, f64) = (rng.random(), rng.random());
    (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// 20 sizes spread evenly in log from 10 to 10^4.
fn log_grid() -> Vec<f64> {
    (0..20)
        .map(|i| 10f64.powf(1.0 + 3.0 * i as f64 / 19.0))
        .collect()
}

#[test]
fn exact_power_law_is_recovered() {
    let (a, b) = (1.3, 0.8);
    let x = log_grid();
    let y: Vec<f64> = x.iter().map(|x| (a + b * x.ln()).exp()).collect();
    let fit = fit_power_law(&x, &y).unwrap();
    assert!((fit.intercept - a).abs() < 1e-9);
    assert!((fit.slope - b).abs() < 1e-9);
    assert!((fit.r_squared - 1.0).abs() < 1e-12);
    assert!(fit.slope_se < 1e-9 && fit.intercept_se < 1e-9);
    assert_eq!(fit.n, 20);
    assert!((fit.predict(123.0) / (a.exp() * 123f64.powf(b)) - 1.0).abs() < 1e-9);
    assert!((fit.prefactor() - a.exp()).abs() < 1e-9);
}

#[test]
fn slope_interval_has_its_nominal_coverage() {
    // Planted log y = 1.3 + 0.8 log x + N(0, 0.1²) on 20 points. The t interval is exact
    // for Gaussian noise, so its coverage is Binomial(replicas, 0.95). With 100 replicas a
    // bound of ≥ 93 would fail for about one seed in eight however correct the code, so
    // this uses 1000 replicas (sd ≈ 6.9): [930, 970] is ±2.9 sd, and the upper end also
    // catches intervals that are too wide. The mean half-width must match the theory,
    // t(0.975, 18) · σ · c4(19) / √Sxx, within 5% (its own sd is ≈ 0.5%).
    let (a, b, sigma) = (1.3, 0.8, 0.1);
    let x = log_grid();
    let mean_lx = x.iter().map(|v| v.ln()).sum::<f64>() / 20.0;
    let sxx: f64 = x.iter().map(|v| (v.ln() - mean_lx).powi(2)).sum();
    let (t_18, c4_19) = (2.100_922, 0.986_21);
    let expected_half_width = t_18 * sigma * c4_19 / sxx.sqrt();

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x5eed_2024);
    let replicas = 1000;
    let (mut covered, mut half_widths) = (0, 0.0);
    for _ in 0..replicas {
        let y: Vec<f64> = x
            .iter()
            .map(|x| (a + b * x.ln() + sigma * standard_normal(&mut rng)).exp())
            .collect();
        let fit = fit_power_law(&x, &y).unwrap();
        if fit.slope_is(b) {
            covered += 1;
        }
        half_widths += 0.5 * (fit.slope_ci.1 - fit.slope_ci.0);
    }
    let mean_half_width = half_widths / replicas as f64;
    assert!(
        (930..=970).contains(&covered),
        "covered {covered} of {replicas}"
    );
    assert!(mean_half_width < 0.2);
    assert!(
        (mean_half_width / expected_half_width - 1.0).abs() < 0.05,
        "{mean_half_width} vs {expected_half_width}"
    );
}

#[test]
fn invalid_fits_name_the_parameter() {
    let ok = [1.0, 2.0, 3.0];
    assert_eq!(fit_power_law(&ok, &[1.0, 2.0]).unwrap_err().param(), "y");
    assert_eq!(
        fit_power_law(&[1.0, 2.0], &[1.0, 2.0]).unwrap_err().param(),
        "x"
    );
    assert_eq!(
        fit_power_law(&[1.0, 0.0, 3.0], &ok).unwrap_err().param(),
        "x"
    );
    assert_eq!(
        fit_power_law(&[1.0, f64::NAN, 3.0], &ok)
            .unwrap_err()
            .param(),
        "x"
    );
    assert_eq!(
        fit_power_law(&ok, &[1.0, -2.0, 3.0]).unwrap_err().param(),
        "y"
    );
    assert_eq!(
        fit_power_law(&ok, &[1.0, f64::INFINITY, 3.0])
            .unwrap_err()
            .param(),
        "y"
    );
    let err = fit_power_law(&[2.0, 2.0, 2.0], &ok).unwrap_err();
    assert_eq!(err.param(), "x");
    assert!(err.to_string().contains("equal"));

    assert_eq!(
        collapse(&ok, &[1.0, 0.0, 3.0]).unwrap_err().param(),
        "predicted"
    );
    assert_eq!(
        collapse(&[1.0, 0.0, 3.0], &ok).unwrap_err().param(),
        "measured"
    );
    assert_eq!(
        fit_prefactor(&[1.0], &[1.0]).unwrap_err().param(),
        "predicted"
    );
    assert_eq!(
        fit_prefactor(&[1.0, -1.0], &[1.0, 2.0])
            .unwrap_err()
            .param(),
        "measured"
    );
}

#[test]
fn planted_prefactor_is_recovered() {
    let predicted: Vec<f64> = log_grid();
    // Exact: C to rounding, a zero-width interval.
    let measured: Vec<f64> = predicted.iter().map(|p| 2.5 * p).collect();
    let pf = fit_prefactor(&measured, &predicted).unwrap();
    assert!((pf.c - 2.5).abs() < 1e-12);
    assert!((pf.ci.0 - 2.5).abs() < 1e-9 && (pf.ci.1 - 2.5).abs() < 1e-9);

    // Noisy, by hand: log ratios ln 2 ± 0.1 with mean ln 2, sd 0.1·√(4/3), n = 4, t3 = 3.182.
    let ratios = [0.1, -0.1, 0.1, -0.1].map(|d: f64| (2f64.ln() + d).exp());
    let predicted = [10.0, 100.0, 1000.0, 10000.0];
    let measured: Vec<f64> = predicted.iter().zip(ratios).map(|(p, r)| p * r).collect();
    let pf = fit_prefactor(&measured, &predicted).unwrap();
    assert!((pf.c - 2.0).abs() < 1e-12);
    let se = 0.1 * (4.0f64 / 3.0).sqrt() / 2.0;
    assert!((pf.log_se - se).abs() < 1e-12);
    let t3 = 3.182_446;
    assert!((pf.ci.0 - 2.0 * (-t3 * se).exp()).abs() < 1e-5);
    assert!((pf.ci.1 - 2.0 * (t3 * se).exp()).abs() < 1e-5);
}

#[test]
fn collapse_holds_for_slope_one_and_fails_for_slope_two() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let predicted = log_grid();
    let noisy = |slope: f64, rng: &mut Xoshiro256PlusPlus| -> Vec<f64> {
        predicted
            .iter()
            .map(|p| 3.0 * p.powf(slope) * (0.05 * standard_normal(rng)).exp())
            .collect()
    };
    let good = collapse(&noisy(1.0, &mut rng), &predicted).unwrap();
    assert!(good.holds, "{good:?}");
    assert!(good.slope_ci.0 <= 1.0 && 1.0 <= good.slope_ci.1);
    assert!(
        good.prefactor_ci.0 <= 3.0 && 3.0 <= good.prefactor_ci.1,
        "{good:?}"
    );
    assert!((good.prefactor / 3.0 - 1.0).abs() < 0.2);

    let bad = collapse(&noisy(2.0, &mut rng), &predicted).unwrap();
    assert!(!bad.holds);
    assert!(bad.fit.slope_is(2.0) || (bad.slope - 2.0).abs() < 0.05);
}
