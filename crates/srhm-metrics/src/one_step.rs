//! The first gradient step of a wide LCN on the SRHM (paper, Appendix C).
//!
//! With infinitely many channels, readout weights fixed and every filter started
//! at the same constant, the first gradient-descent step moves the bottom-layer
//! weight that reads token `c` at input position `z` by (Eq. 12)
//!
//! ```text
//! ΔW[c, z] ∝ Σ_α a_α · U[α, c, z],   U[α, c, z] = (1/P) Σ_k (1[y_k = α] − 1/nc) · 1[x_k,z = c]
//! ```
//!
//! where `a_α` depends only on the readout. `U` is the whole update, class by class;
//! this module computes it from a sample (its *empirical* value, [`UpdateCounts`]) and
//! exactly from the rules (its expectation over training sets, [`PopulationUpdate`]).
//! The signal is ‖E U‖, the noise ‖U − E U‖. A position z carries a token only with
//! probability (s0+1)^(−L) per datum, so the signal shrinks by (s0+1)^L while the noise
//! per datum does not: the noise-to-signal ratio reaches 1 at a P larger by (s0+1)^L
//! than without sparsity, the paper's explanation of Eq. 3.

use ndarray::Array3;
use srhm_grammar::{BLANK, Params, Rules, Sparsity};

use crate::error::{MetricError, Result};

/// E U exactly, and what a single datum adds to its variance.
#[derive(Debug, Clone)]
pub struct PopulationUpdate {
    /// E U[α, c, z] (classes × vocabulary × input positions).
    pub mean: Array3<f64>,
    /// P(x_z = c | y = α) (classes × vocabulary × input positions): the input's
    /// one-hot marginals given the class; zero where position z is blank.
    pub conditional: Array3<f64>,
    /// Σ over (α, c, z) of E[(1[y = α] − 1/nc)² 1[x_z = c]]: a datum's summed second moment.
    pub second_moment: f64,
}

impl PopulationUpdate {
    /// Computes the marginals level by level: a node at slot q of its patch is the
    /// parent's k-th child with the probability the sparsity gives (`slot_weights`),
    /// and that child is symbol b with the production rules' frequency.
    pub fn exact(rules: &Rules) -> Result<Self> {
        let params = *rules.params();
        let nc = params.classes as usize;
        let v = params.vocab as usize;
        let m = params.synonyms as f64;
        let s = params.patch as usize;
        let slots = params.slots_per_patch() as usize;
        let weights = slot_weights(&params);
        // marginals[p][α][b]: P(the node at position prefix p holds symbol b | class α).
        let mut marginals: Vec<Vec<f64>> = vec![identity(nc)];
        let mut symbols = nc;
        for level in (1..=params.levels).rev() {
            let level_rules = rules
                .level(level)
                .map_err(|e| MetricError::invalid("rules", e.to_string()))?;
            // child[k][a][b] = P(child k of a is b) = #{productions of a with b at k} / m.
            let mut child = vec![vec![0.0; symbols * v]; s];
            for (parent, _, children) in level_rules.iter() {
                for (k, &b) in children.iter().enumerate() {
                    child[k][parent as usize * v + b as usize] += 1.0 / m;
                }
            }
            // transfer[q] = Σ_k weights[q][k] · child[k]: symbols × v.
            let transfer: Vec<Vec<f64>> = (0..slots)
                .map(|q| {
                    let mut t = vec![0.0; symbols * v];
                    for (k, c) in child.iter().enumerate() {
                        let w = weights[q * s + k];
                        if w > 0.0 {
                            t.iter_mut().zip(c).for_each(|(t, c)| *t += w * c);
                        }
                    }
                    t
                })
                .collect();
            let mut next = Vec::with_capacity(marginals.len() * slots);
            for prefix in &marginals {
                for t in &transfer {
                    let mut out = vec![0.0; nc * v];
                    for alpha in 0..nc {
                        for a in 0..symbols {
                            let pa = prefix[alpha * symbols + a];
                            if pa > 0.0 {
                                let row = &t[a * v..(a + 1) * v];
                                let dst = &mut out[alpha * v..(alpha + 1) * v];
                                dst.iter_mut().zip(row).for_each(|(d, r)| *d += pa * r);
                            }
                        }
                    }
                    next.push(out);
                }
            }
            marginals = next;
            symbols = v;
        }
        let d = marginals.len();
        let conditional =
            Array3::from_shape_fn((nc, v, d), |(alpha, c, z)| marginals[z][alpha * v + c]);
        let mean = centred_by_class(&conditional, 1.0);
        // Σ_α (δ_αβ − 1/nc)² = (nc − 1)/nc for every β, classes uniform.
        let spread = (nc as f64 - 1.0) / nc as f64;
        let second_moment = conditional.sum() / nc as f64 * spread;
        Ok(PopulationUpdate {
            mean,
            conditional,
            second_moment,
        })
    }

    /// ‖E U‖ over all (α, c, z).
    pub fn signal(&self) -> f64 {
        self.mean.iter().map(|x| x * x).sum::<f64>().sqrt()
    }

    /// E‖u − E U‖² for one datum's term u: the noise of P independent data is √(this / P).
    pub fn variance_per_datum(&self) -> f64 {
        let signal = self.signal();
        (self.second_moment - signal * signal).max(0.0)
    }

    /// The expected noise-to-signal ratio at P independent data, √(variance / P) / signal.
    pub fn expected_noise_to_signal(&self, p: u64) -> Result<f64> {
        if p == 0 {
            return Err(MetricError::invalid("p", "needs at least one datum"));
        }
        let signal = self.signal();
        if signal == 0.0 {
            return Err(MetricError::Undefined {
                reason: "the rules give no correlation between tokens and classes".into(),
            });
        }
        Ok((self.variance_per_datum() / p as f64).sqrt() / signal)
    }
}

/// (1/nc)(x[α] − mean over classes of x): the class-centred expectation of
/// (1[y = α] − 1/nc)·x under uniform classes, scaled by `scale`.
fn centred_by_class(x: &Array3<f64>, scale: f64) -> Array3<f64> {
    let nc = x.dim().0 as f64;
    let class_mean = x.mean_axis(ndarray::Axis(0)).expect("at least one class");
    let mut out = x.clone();
    for mut per_class in out.outer_iter_mut() {
        per_class -= &class_mean;
    }
    out * (scale / nc)
}

fn identity(n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    (0..n).for_each(|i| out[i * n + i] = 1.0);
    out
}

/// weights[q·s + k] = P(slot q of a patch holds the production's k-th child).
fn slot_weights(params: &Params) -> Vec<f64> {
    let s = params.patch as usize;
    let slots = params.slots_per_patch() as usize;
    let mut w = vec![0.0; slots * s];
    match params.sparsity {
        Sparsity::None => (0..s).for_each(|k| w[k * s + k] = 1.0),
        Sparsity::A { s0 } => {
            let block = s0 as usize + 1;
            for q in 0..slots {
                w[q * s + q / block] = 1.0 / block as f64;
            }
        }
        Sparsity::B { .. } => {
            // The children occupy a uniform s-subset of the slots, in order: child k at
            // slot q needs k children before q and s − 1 − k after it.
            let total = choose(slots, s);
            for q in 0..slots {
                for k in 0..s {
                    if k <= q && s - 1 - k < slots - q {
                        let before = choose(q, k);
                        let after = choose(slots - 1 - q, s - 1 - k);
                        w[q * s + k] = before * after / total;
                    }
                }
            }
        }
    }
    w
}

/// C(n, k) as a float (patches have few slots: exact well within f64's 2^53).
fn choose(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// How often each (class, token, position) occurred in a sample: the empirical U
/// without storing the data.
#[derive(Debug, Clone)]
pub struct UpdateCounts {
    classes: usize,
    vocab: usize,
    positions: usize,
    counts: Vec<u64>,
    data: u64,
}

impl UpdateCounts {
    pub fn new(params: &Params) -> Result<Self> {
        params
            .validate()
            .map_err(|e| MetricError::invalid("params", e.to_string()))?;
        let (classes, vocab, positions) = (
            params.classes as usize,
            params.vocab as usize,
            params.input_len(),
        );
        Ok(UpdateCounts {
            classes,
            vocab,
            positions,
            counts: vec![0; classes * vocab * positions],
            data: 0,
        })
    }

    /// Adds one datum: its class and its d input tokens ([`BLANK`] where uninformative).
    pub fn add(&mut self, label: u32, tokens: &[i32]) -> Result<()> {
        if label as usize >= self.classes {
            return Err(MetricError::invalid(
                "label",
                format!("{label} is not below nc = {}", self.classes),
            ));
        }
        if tokens.len() != self.positions {
            return Err(MetricError::invalid(
                "tokens",
                format!(
                    "{} tokens for input length {}",
                    tokens.len(),
                    self.positions
                ),
            ));
        }
        let base = label as usize * self.vocab * self.positions;
        for (z, &token) in tokens.iter().enumerate() {
            if token == BLANK {
                continue;
            }
            if token < 0 || token as usize >= self.vocab {
                return Err(MetricError::invalid(
                    "tokens",
                    format!("token {token} at position {z} is outside 0..{}", self.vocab),
                ));
            }
            self.counts[base + token as usize * self.positions + z] += 1;
        }
        self.data += 1;
        Ok(())
    }

    pub fn data(&self) -> u64 {
        self.data
    }

    /// The empirical U[α, c, z] of the data added so far.
    pub fn update(&self) -> Result<Array3<f64>> {
        if self.data == 0 {
            return Err(MetricError::invalid("counts", "no data added"));
        }
        let nc = self.classes as f64;
        let p = self.data as f64;
        let counts =
            Array3::from_shape_fn((self.classes, self.vocab, self.positions), |(a, c, z)| {
                self.counts[(a * self.vocab + c) * self.positions + z] as f64
            });
        // (1/P) Σ_k (1[y_k = α] − 1/nc) 1[x_kz = c] = (count[α] − Σ_β count[β]/nc) / P.
        Ok(centred_by_class(&counts, nc / p))
    }
}

/// Signal, noise and their ratio for one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneStepMeasurement {
    pub p: u64,
    /// ‖E U‖.
    pub signal: f64,
    /// ‖U − E U‖ of this sample.
    pub noise: f64,
    /// √(E‖U − E U‖²) over samples of this size: √(variance per datum / P).
    pub expected_noise: f64,
}

impl OneStepMeasurement {
    pub fn noise_to_signal(&self) -> f64 {
        self.noise / self.signal
    }
}

/// Compares a sample's update with the exact expectation.
pub fn measure_update(
    population: &PopulationUpdate,
    counts: &UpdateCounts,
) -> Result<OneStepMeasurement> {
    let update = counts.update()?;
    if update.dim() != population.mean.dim() {
        return Err(MetricError::invalid(
            "counts",
            format!(
                "shape {:?} differs from the population's {:?}",
                update.dim(),
                population.mean.dim()
            ),
        ));
    }
    let noise = (&update - &population.mean)
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt();
    let signal = population.signal();
    if signal == 0.0 {
        return Err(MetricError::Undefined {
            reason: "the rules give no correlation between tokens and classes".into(),
        });
    }
    Ok(OneStepMeasurement {
        p: counts.data(),
        signal,
        noise,
        expected_noise: (population.variance_per_datum() / counts.data() as f64).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use srhm_grammar::{Datum, Sampler, SamplingMode};

    fn params(levels: u32, vocab: u32, sparsity: Sparsity) -> Params {
        Params {
            levels,
            patch: 2,
            vocab,
            synonyms: vocab,
            classes: vocab,
            sparsity,
        }
    }

    /// The marginals over the whole data space, datum by datum (every datum is equally
    /// likely), against the level-by-level computation: they must agree exactly.
    #[test]
    fn exact_marginals_equal_an_enumeration_of_every_datum() {
        for sparsity in [Sparsity::None, Sparsity::A { s0: 1 }, Sparsity::B { s0: 1 }] {
            let params = Params {
                synonyms: 2,
                ..params(2, 3, sparsity)
            };
            let rules = Rules::sample(&params, 7).unwrap();
            let exact = PopulationUpdate::exact(&rules).unwrap();
            let total = params.count_total_u128().unwrap() as u64;
            let per_class = total as f64 / params.classes as f64;
            let mut freq = Array3::<f64>::zeros(exact.conditional.dim());
            for id in 0..total {
                let datum = Datum::from_id(&params, id);
                for (z, &t) in datum.tokens(&rules).iter().enumerate() {
                    if t != BLANK {
                        freq[[datum.label() as usize, t as usize, z]] += 1.0 / per_class;
                    }
                }
            }
            let worst = (&freq - &exact.conditional)
                .iter()
                .fold(0.0f64, |w, x| w.max(x.abs()));
            assert!(worst < 1e-12, "{sparsity:?}: max |Δ| = {worst}");
        }
    }

    #[test]
    fn each_class_places_exactly_s_to_the_l_tokens() {
        let params = params(3, 3, Sparsity::B { s0: 2 });
        let exact = PopulationUpdate::exact(&Rules::sample(&params, 1).unwrap()).unwrap();
        for per_class in exact.conditional.outer_iter() {
            assert!((per_class.sum() - 8.0).abs() < 1e-9);
        }
        // Σ_α (δ − 1/nc)² = (nc − 1)/nc per token: 8 · 2/3.
        assert!((exact.second_moment - 8.0 * 2.0 / 3.0).abs() < 1e-9);
        // E U sums to zero over classes at every (c, z).
        let sum = exact.mean.sum_axis(ndarray::Axis(0));
        assert!(sum.iter().all(|x| x.abs() < 1e-12));
    }

    /// Appendix C as an identity: the same rules with sparsity A spread each token over
    /// (s0+1)^L positions with probability (s0+1)^(−L), so ‖E U‖² shrinks by exactly
    /// (s0+1)^L while a datum's second moment stays s^L (nc−1)/nc.
    #[test]
    fn sparsity_divides_the_squared_signal_by_s0_plus_1_to_the_l() {
        for levels in [1, 2, 3] {
            let dense = params(levels, 4, Sparsity::A { s0: 0 });
            let base = PopulationUpdate::exact(&Rules::sample(&dense, 3).unwrap()).unwrap();
            for s0 in 1..=3u32 {
                let sparse = params(levels, 4, Sparsity::A { s0 });
                let exact = PopulationUpdate::exact(&Rules::sample(&sparse, 3).unwrap()).unwrap();
                let ratio = base.signal().powi(2) / exact.signal().powi(2);
                let expected = f64::from(s0 + 1).powi(levels as i32);
                assert!(
                    (ratio / expected - 1.0).abs() < 1e-9,
                    "L={levels} s0={s0}: {ratio}"
                );
                assert!((exact.second_moment - base.second_moment).abs() < 1e-9);
            }
        }
    }

    fn sample_counts(rules: &Rules, seed: u64, p: u64) -> UpdateCounts {
        let sampler = Sampler::new(rules, seed, SamplingMode::Replacement).unwrap();
        let mut counts = UpdateCounts::new(rules.params()).unwrap();
        for i in 0..p {
            let datum = sampler.datum(i).unwrap();
            counts.add(datum.label(), &datum.tokens(rules)).unwrap();
        }
        counts
    }

    /// The mean squared noise over independent samples is variance / P (the exact
    /// expectation), and the empirical update converges to E U.
    #[test]
    fn sampled_noise_matches_its_expectation() {
        let params = params(2, 3, Sparsity::A { s0: 1 });
        let rules = Rules::sample(&params, 11).unwrap();
        let exact = PopulationUpdate::exact(&rules).unwrap();
        let p = 200;
        let replicas = 300;
        let mean_square: f64 = (0..replicas)
            .map(|r| {
                let m = measure_update(&exact, &sample_counts(&rules, 1000 + r, p)).unwrap();
                m.noise * m.noise
            })
            .sum::<f64>()
            / replicas as f64;
        let expected = exact.variance_per_datum() / p as f64;
        // The mean of 300 squared norms of a many-component noise: a few % spread.
        assert!(
            (mean_square / expected - 1.0).abs() < 0.1,
            "{mean_square} vs {expected}"
        );
        let large = measure_update(&exact, &sample_counts(&rules, 5, 200_000)).unwrap();
        assert!(large.noise_to_signal() < 0.1, "{large:?}");
        let ratio = large.noise / large.expected_noise;
        assert!((0.8..1.2).contains(&ratio), "{large:?}");
    }

    #[test]
    fn refusals_name_the_argument() {
        let params = params(2, 3, Sparsity::A { s0: 1 });
        let rules = Rules::sample(&params, 0).unwrap();
        let exact = PopulationUpdate::exact(&rules).unwrap();
        let mut counts = UpdateCounts::new(&params).unwrap();
        assert_eq!(counts.update().unwrap_err().param(), Some("counts"));
        let d = params.input_len();
        assert_eq!(
            counts.add(3, &vec![BLANK; d]).unwrap_err().param(),
            Some("label")
        );
        assert_eq!(
            counts.add(0, &[BLANK; 3]).unwrap_err().param(),
            Some("tokens")
        );
        assert_eq!(
            counts.add(0, &vec![5; d]).unwrap_err().param(),
            Some("tokens")
        );
        assert_eq!(
            exact.expected_noise_to_signal(0).unwrap_err().param(),
            Some("p")
        );
        let bad = Params { vocab: 0, ..params };
        assert_eq!(UpdateCounts::new(&bad).unwrap_err().param(), Some("params"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Whatever the sample, U sums to zero over classes, and adding data in any
        /// order gives the same U.
        #[test]
        fn update_is_class_centred_and_order_free(seed in 0u64..1000, p in 1u64..60, b in any::<bool>()) {
            let sparsity = if b { Sparsity::B { s0: 1 } } else { Sparsity::A { s0: 2 } };
            let params = params(2, 3, sparsity);
            let rules = Rules::sample(&params, seed).unwrap();
            let sampler = Sampler::new(&rules, seed, SamplingMode::Replacement).unwrap();
            let data: Vec<_> = (0..p).map(|i| sampler.datum(i).unwrap()).collect();
            let mut forward = UpdateCounts::new(&params).unwrap();
            let mut backward = UpdateCounts::new(&params).unwrap();
            for d in &data {
                forward.add(d.label(), &d.tokens(&rules)).unwrap();
            }
            for d in data.iter().rev() {
                backward.add(d.label(), &d.tokens(&rules)).unwrap();
            }
            let u = forward.update().unwrap();
            prop_assert_eq!(&u, &backward.update().unwrap());
            prop_assert!(u.sum_axis(ndarray::Axis(0)).iter().all(|x| x.abs() < 1e-12));
        }
    }
}
