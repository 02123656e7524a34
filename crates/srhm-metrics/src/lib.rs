//! Observables of trained networks (SPEC §5), on plain slices and ndarray views, so that
//! any framework can feed them: test error, the sensitivity ratios S_{k,l} and D_{k,l}
//! of Eq. 13/14 with their standard errors, and the relative stability D/G; and
//! ([`one_step`]) the signal and noise of the first gradient step of a wide LCN
//! (the paper's Appendix C), exactly from the rules and empirically from a sample.
//!
//! The functions take *representations* (one row per input) or per-input squared
//! distances; running the network is the caller's job (`srhm-runner` does it for
//! `srhm-models`).

mod error;
pub mod one_step;
mod ratio;
mod sensitivity;

pub use error::{MetricError, Result};
pub use one_step::{OneStepMeasurement, PopulationUpdate, UpdateCounts, measure_update};
pub use ratio::{Estimate, ratio_of_means};
pub use sensitivity::{matched_noise, relative_stability, sensitivity, squared_distances};

/// Fraction of `predicted` labels that differ from `labels`, counted exactly.
pub fn test_error(predicted: &[u32], labels: &[u32]) -> Result<f64> {
    if predicted.len() != labels.len() {
        return Err(MetricError::invalid(
            "predicted",
            format!(
                "{} predictions for {} labels",
                predicted.len(),
                labels.len()
            ),
        ));
    }
    if labels.is_empty() {
        return Err(MetricError::invalid("labels", "no test data"));
    }
    let wrong = predicted.iter().zip(labels).filter(|(p, l)| p != l).count();
    Ok(wrong as f64 / labels.len() as f64)
}
