//! Power-law fits in log–log with Student t intervals: slopes, prefactors, collapses onto
//! a prediction, exponents through the origin and means over seeds.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::error::{Result, ScalingError};

/// y = exp(a) · x^b, fitted by least squares on log y = a + b log x (natural logs).
///
/// Scaling laws are fitted in logs because the data span decades and their noise is
/// multiplicative; a linear fit would be dominated by the largest points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PowerLawFit {
    /// a: the intercept of log y against log x.
    pub intercept: f64,
    /// b: the exponent.
    pub slope: f64,
    pub intercept_se: f64,
    pub slope_se: f64,
    /// 95% confidence interval of a (Student's t, n − 2 degrees of freedom).
    pub intercept_ci: (f64, f64),
    /// 95% confidence interval of b (Student's t, n − 2 degrees of freedom).
    pub slope_ci: (f64, f64),
    /// Fraction of the variance of log y explained (1 when log y is constant and fitted).
    pub r_squared: f64,
    pub n: usize,
}

impl PowerLawFit {
    /// exp(a) · x^b.
    pub fn predict(&self, x: f64) -> f64 {
        (self.intercept + self.slope * x.ln()).exp()
    }

    /// The prefactor exp(a).
    pub fn prefactor(&self) -> f64 {
        self.intercept.exp()
    }

    /// Whether the data are consistent with exponent `value`: it lies in the slope's 95%
    /// interval. A theory "holds" in this sense when its exponent cannot be rejected.
    pub fn slope_is(&self, value: f64) -> bool {
        self.slope_ci.0 <= value && value <= self.slope_ci.1
    }
}

/// Fits y = exp(a) · x^b by ordinary least squares in logs. Needs at least 3 points (one
/// degree of freedom for the uncertainties), positive finite values, and two distinct x.
pub fn fit_power_law(x: &[f64], y: &[f64]) -> Result<PowerLawFit> {
    fit_logs(x, y, "x", "y")
}

/// Measured against predicted values of some quantity (P* against Eq. 3, say).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Collapse {
    /// The fit of log measured against log predicted.
    pub fit: PowerLawFit,
    pub slope: f64,
    pub slope_ci: (f64, f64),
    /// exp(a): the constant the prediction leaves out.
    pub prefactor: f64,
    pub prefactor_ci: (f64, f64),
    /// Slope 1 is inside its 95% interval: measured ∝ predicted cannot be rejected.
    pub holds: bool,
}

/// Does a prediction collapse the data? A prediction up to a constant is right when
/// measured = C · predicted^1, i.e. the log-log slope is 1, whatever C is.
pub fn collapse(measured: &[f64], predicted: &[f64]) -> Result<Collapse> {
    let fit = fit_logs(predicted, measured, "predicted", "measured")?;
    Ok(Collapse {
        fit,
        slope: fit.slope,
        slope_ci: fit.slope_ci,
        prefactor: fit.prefactor(),
        prefactor_ci: (fit.intercept_ci.0.exp(), fit.intercept_ci.1.exp()),
        holds: fit.slope_is(1.0),
    })
}

/// measured ≈ C · predicted with the exponent fixed at 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prefactor {
    /// C = exp(mean of log(measured / predicted)): the geometric mean ratio.
    pub c: f64,
    /// 95% interval of C (Student's t on the log ratios, n − 1 degrees of freedom).
    pub ci: (f64, f64),
    /// Standard error of log C.
    pub log_se: f64,
    pub n: usize,
}

/// The constant in front of a prediction, once the exponent is taken as right. Fixing the
/// slope spends no degree of freedom on it, so two points suffice and the interval is
/// tighter than the free fit's intercept.
pub fn fit_prefactor(measured: &[f64], predicted: &[f64]) -> Result<Prefactor> {
    check_pair(predicted, measured, "predicted", "measured", 2)?;
    let n = measured.len();
    let ratios: Vec<f64> = measured
        .iter()
        .zip(predicted)
        .map(|(m, p)| m.ln() - p.ln())
        .collect();
    let mean = ratios.iter().sum::<f64>() / n as f64;
    let var = ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let log_se = (var / n as f64).sqrt();
    let t = t_975(n - 1);
    Ok(Prefactor {
        c: mean.exp(),
        ci: ((mean - t * log_se).exp(), (mean + t * log_se).exp()),
        log_se,
        n,
    })
}

/// A mean with its 95% Student-t interval: what several independent repeats (seeds) of one
/// measurement say about its expected value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanInterval {
    pub mean: f64,
    /// Standard error of the mean: the sample standard deviation over √n.
    pub se: f64,
    /// mean ± t(0.975, n − 1) · se.
    pub ci: (f64, f64),
    pub n: usize,
}

impl MeanInterval {
    /// Half the interval's width, the number a verdict holds against a precision limit.
    pub fn half_width(&self) -> f64 {
        0.5 * (self.ci.1 - self.ci.0)
    }
}

/// The mean of `values` with a 95% Student-t interval (n − 1 degrees of freedom).
///
/// Student's t rather than a bootstrap because the repeats are few (3–5 seeds): a
/// bootstrap over 3 values has only 10 distinct resamples and an interval far too narrow,
/// while t widens the interval honestly for small n. Needs at least 2 finite values.
pub fn mean_interval(values: &[f64]) -> Result<MeanInterval> {
    if values.len() < 2 {
        return Err(ScalingError::invalid(
            "values",
            format!("needs at least 2 values, got {}", values.len()),
        ));
    }
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(ScalingError::invalid(
            "values",
            format!("must be finite, got {v}"),
        ));
    }
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let se = (var / n as f64).sqrt();
    let t = t_975(n - 1);
    Ok(MeanInterval {
        mean,
        se,
        ci: (mean - t * se, mean + t * se),
        n,
    })
}

/// The exponent b of y = x^b with the prefactor fixed at 1: least squares on
/// log y = b · log x, through the origin.
///
/// This is the fit for ratios to a reference, y = Q(x)/Q(1): at x = 1 the ratio is 1 by
/// construction, so a free intercept would spend a degree of freedom on a known number.
/// One point with x ≠ 1 suffices; values must be finite and > 0.
pub fn fit_exponent_through_origin(x: &[f64], y: &[f64]) -> Result<f64> {
    check_pair(x, y, "x", "y", 1)?;
    let sxx: f64 = x.iter().map(|v| v.ln().powi(2)).sum();
    if sxx == 0.0 {
        return Err(ScalingError::invalid(
            "x",
            "every value is 1: the exponent is undetermined",
        ));
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| a.ln() * b.ln()).sum();
    Ok(sxy / sxx)
}

fn fit_logs(
    x: &[f64],
    y: &[f64],
    x_name: &'static str,
    y_name: &'static str,
) -> Result<PowerLawFit> {
    check_pair(x, y, x_name, y_name, 3)?;
    let n = x.len();
    let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = y.iter().map(|v| v.ln()).collect();
    let mean_x = lx.iter().sum::<f64>() / n as f64;
    let mean_y = ly.iter().sum::<f64>() / n as f64;
    // Centred sums: the raw sums of squares of logs lose digits when x spans few decades
    // far from 1.
    let sxx: f64 = lx.iter().map(|v| (v - mean_x).powi(2)).sum();
    let sxy: f64 = lx
        .iter()
        .zip(&ly)
        .map(|(a, b)| (a - mean_x) * (b - mean_y))
        .sum();
    let syy: f64 = ly.iter().map(|v| (v - mean_y).powi(2)).sum();
    if sxx == 0.0 {
        return Err(ScalingError::invalid(
            x_name,
            "all values are equal: the exponent is undetermined",
        ));
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let ssr: f64 = lx
        .iter()
        .zip(&ly)
        .map(|(a, b)| (b - intercept - slope * a).powi(2))
        .sum();
    let s2 = ssr / (n - 2) as f64;
    let slope_se = (s2 / sxx).sqrt();
    let intercept_se = (s2 * (1.0 / n as f64 + mean_x * mean_x / sxx)).sqrt();
    let t = t_975(n - 2);
    Ok(PowerLawFit {
        intercept,
        slope,
        intercept_se,
        slope_se,
        intercept_ci: (intercept - t * intercept_se, intercept + t * intercept_se),
        slope_ci: (slope - t * slope_se, slope + t * slope_se),
        r_squared: if syy > 0.0 { 1.0 - ssr / syy } else { 1.0 },
        n,
    })
}

/// Same lengths, at least `min_n` values, all finite and > 0 (they are logged).
fn check_pair(
    x: &[f64],
    y: &[f64],
    x_name: &'static str,
    y_name: &'static str,
    min_n: usize,
) -> Result<()> {
    if x.len() != y.len() {
        return Err(ScalingError::invalid(
            y_name,
            format!("has {} values but `{x_name}` has {}", y.len(), x.len()),
        ));
    }
    if x.len() < min_n {
        return Err(ScalingError::invalid(
            x_name,
            format!("needs at least {min_n} values, got {}", x.len()),
        ));
    }
    for (values, name) in [(x, x_name), (y, y_name)] {
        if let Some(v) = values.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
            return Err(ScalingError::invalid(
                name,
                format!("values must be finite and > 0, got {v}"),
            ));
        }
    }
    Ok(())
}

/// The 97.5% quantile of Student's t with `dof` ≥ 1 degrees of freedom: the half-width of
/// a 95% interval in standard errors.
fn t_975(dof: usize) -> f64 {
    StudentsT::new(0.0, 1.0, dof as f64)
        .expect("dof >= 1 is a valid Student's t")
        .inverse_cdf(0.975)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_interval_uses_student_t() {
        let m = mean_interval(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(m.mean, 2.0);
        // sd = 1, se = 1/√3, t(0.975, 2) = 4.303.
        assert!((m.half_width() - 4.303 / 3f64.sqrt()).abs() < 1e-3, "{m:?}");
        assert!(mean_interval(&[1.0]).is_err());
        assert!(mean_interval(&[1.0, f64::NAN]).is_err());
    }

    #[test]
    fn exponent_through_origin_recovers_a_planted_power() {
        let x = [2.0, 3.0, 4.0];
        let y: Vec<f64> = x.iter().map(|v: &f64| v.powf(2.7)).collect();
        assert!((fit_exponent_through_origin(&x, &y).unwrap() - 2.7).abs() < 1e-12);
        assert!((fit_exponent_through_origin(&[3.0], &[9.0]).unwrap() - 2.0).abs() < 1e-12);
        assert!(fit_exponent_through_origin(&[1.0], &[2.0]).is_err());
        assert!(fit_exponent_through_origin(&[2.0], &[0.0]).is_err());
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Standard two-sided 95% table values.
        for (dof, expected) in [
            (1, 12.706),
            (2, 4.303),
            (10, 2.228),
            (18, 2.101),
            (100, 1.984),
        ] {
            assert!(
                (t_975(dof) - expected).abs() < 1e-3,
                "dof {dof}: {}",
                t_975(dof)
            );
        }
    }
}
