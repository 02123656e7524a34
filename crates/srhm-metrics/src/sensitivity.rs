//! The sensitivities S_{k,l} and D_{k,l} (Eq. 13–14) of representations to a transform,
//! and the relative stability D/G against isotropic noise.

use ndarray::{Array2, ArrayView2, Axis, Zip};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{MetricError, Result};
use crate::ratio::{Estimate, ratio_of_means};

/// ‖a_i − b_i‖² for every row i (rows are flattened representations).
pub fn squared_distances(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Result<Vec<f64>> {
    if a.dim() != b.dim() {
        return Err(MetricError::invalid(
            "b",
            format!("shape {:?} differs from {:?}", b.dim(), a.dim()),
        ));
    }
    Ok(a.outer_iter()
        .zip(b.outer_iter())
        .map(|(x, y)| {
            x.iter()
                .zip(y)
                .map(|(&p, &q)| {
                    let d = p as f64 - q as f64;
                    d * d
                })
                .sum()
        })
        .collect())
}

/// Eq. 13/14: ⟨‖f(x) − f(T x)‖²⟩ / ⟨‖f(x1) − f(x2)‖²⟩, with `f_x`, `f_tx` the
/// representations of test inputs and of their transformed versions (row i of one
/// is the image of row i of the other) and `f_x1`, `f_x2` those of independent pairs
/// of test inputs. S_{k,l} when T = p_l, D_{k,l} when T = τ_l.
pub fn sensitivity(
    f_x: ArrayView2<f32>,
    f_tx: ArrayView2<f32>,
    f_x1: ArrayView2<f32>,
    f_x2: ArrayView2<f32>,
) -> Result<Estimate> {
    let changed = squared_distances(f_x, f_tx)?;
    let apart = squared_distances(f_x1, f_x2)?;
    ratio_of_means(&changed, &apart)
}

/// D/G of diffeo-sota (Petrini et al. 2021): the change under T relative to the change
/// under isotropic noise of the same norm, ⟨‖f(x) − f(T x)‖²⟩ / ⟨‖f(x) − f(x + η)‖²⟩,
/// with `f_noisy` the representations of [`matched_noise`] inputs.
pub fn relative_stability(
    f_x: ArrayView2<f32>,
    f_tx: ArrayView2<f32>,
    f_noisy: ArrayView2<f32>,
) -> Result<Estimate> {
    let changed = squared_distances(f_x, f_tx)?;
    let noised = squared_distances(f_x, f_noisy)?;
    ratio_of_means(&changed, &noised)
}

/// x + η for every row, η isotropic (a Gaussian direction) with ‖η_i‖ = ‖T x_i − x_i‖,
/// drawn from `seed`: the inputs against which [`relative_stability`] compares T.
pub fn matched_noise(x: ArrayView2<f32>, tx: ArrayView2<f32>, seed: u64) -> Result<Array2<f32>> {
    if x.dim() != tx.dim() {
        return Err(MetricError::invalid(
            "tx",
            format!("shape {:?} differs from {:?}", tx.dim(), x.dim()),
        ));
    }
    if x.ncols() == 0 {
        return Err(MetricError::invalid("x", "rows are empty"));
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = x.to_owned();
    Zip::from(out.axis_iter_mut(Axis(0)))
        .and(x.axis_iter(Axis(0)))
        .and(tx.axis_iter(Axis(0)))
        .for_each(|mut row, x, tx| {
            let norm: f64 = x
                .iter()
                .zip(tx)
                .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            let direction: Vec<f64> = (0..row.len())
                .map(|_| StandardNormal.sample(&mut rng))
                .collect();
            let length = direction.iter().map(|d| d * d).sum::<f64>().sqrt();
            for (value, d) in row.iter_mut().zip(direction) {
                *value += (norm * d / length) as f32;
            }
        });
    Ok(out)
}
