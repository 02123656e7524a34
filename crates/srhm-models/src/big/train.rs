//! Training one big net: autograd and SGD with momentum (SPEC §4: lr 1e-4, batch 4,
//! stop at loss 1e-2), optionally in mixed precision on CUDA.

use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use tch::nn::OptimizerConfig;
use tch::{Device, Kind, Tensor, nn};

use super::BigNet;
use crate::data::LabelledSet;
use crate::error::{ModelError, Result};
use crate::train::MemberResult;

/// Arithmetic of the forward and backward passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    /// CUDA autocast (half precision where safe) with dynamic loss scaling.
    Mixed,
}

impl Precision {
    pub fn is_f32(&self) -> bool {
        *self == Precision::F32
    }
}

/// How a big net trains.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BigTrainConfig {
    pub lr: f64,
    pub momentum: f64,
    pub batch: usize,
    /// Stop once the mean minibatch loss over the last epoch is at most this.
    pub loss_threshold: f64,
    pub max_steps: u64,
    pub precision: Precision,
}

impl Default for BigTrainConfig {
    fn default() -> Self {
        BigTrainConfig {
            lr: 1e-4,
            momentum: 0.9,
            batch: 4,
            loss_threshold: 1e-2,
            max_steps: 1_000_000,
            precision: Precision::F32,
        }
    }
}

impl BigTrainConfig {
    pub fn validate(&self, device: Device) -> Result<()> {
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(ModelError::invalid(
                "lr",
                format!("{} is not a positive number", self.lr),
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(ModelError::invalid("momentum", "must be in [0, 1)"));
        }
        if self.batch == 0 {
            return Err(ModelError::invalid("batch", "must be at least 1"));
        }
        if self.loss_threshold.is_nan() || self.loss_threshold <= 0.0 {
            return Err(ModelError::invalid("loss_threshold", "must be positive"));
        }
        if self.max_steps == 0 {
            return Err(ModelError::invalid("max_steps", "must be at least 1"));
        }
        if self.precision == Precision::Mixed && !device.is_cuda() {
            return Err(ModelError::invalid(
                "precision",
                "mixed precision needs a CUDA device",
            ));
        }
        Ok(())
    }
}

/// Trains `net` on the first `train_size` points of `set`; epochs reshuffled from `seed`.
pub fn train_big(
    net: &mut BigNet,
    config: &BigTrainConfig,
    set: &LabelledSet,
    train_size: usize,
    seed: u64,
    progress: &mut dyn FnMut(u64, f64),
) -> Result<MemberResult> {
    let device = net.device();
    config.validate(device)?;
    if train_size == 0 || train_size > set.len() {
        return Err(ModelError::invalid(
            "train_size",
            format!("{train_size} is not in 1..={}", set.len()),
        ));
    }
    let started = Instant::now();
    let mut optimizer = nn::Sgd {
        momentum: config.momentum,
        ..Default::default()
    }
    .build(net.var_store(), config.lr)?;
    let x = set.x.narrow(0, 0, train_size as i64).to_device(device);
    let y = set.y.narrow(0, 0, train_size as i64).to_device(device);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut order: Vec<i64> = (0..train_size as i64).collect();
    let mut scale = LossScale::new(config.precision);
    let (mut steps, mut epochs) = (0u64, 0u64);
    let mut last_epoch_loss = f64::INFINITY;
    let mut running = (0.0, 0u64);
    'training: loop {
        order.shuffle(&mut rng);
        let (mut sum, mut count) = (0.0, 0u64);
        for chunk in order.chunks(config.batch) {
            let index = Tensor::from_slice(chunk).to_device(device);
            let (xb, yb) = (x.index_select(0, &index), y.index_select(0, &index));
            let loss = tch::autocast(config.precision == Precision::Mixed, || {
                net.forward_t(&xb, true)
                    .to_kind(Kind::Float)
                    .cross_entropy_for_logits(&yb)
            });
            let value = loss.double_value(&[]);
            optimizer.zero_grad();
            (&loss * scale.factor).backward();
            if scale.unscale(net.var_store()) {
                optimizer.step();
            }
            steps += 1;
            sum += value;
            count += 1;
            running = (running.0 + value, running.1 + 1);
            if steps % 100 == 0 {
                progress(steps, running.0 / running.1 as f64);
                running = (0.0, 0);
            }
            if steps >= config.max_steps {
                break 'training;
            }
        }
        epochs += 1;
        last_epoch_loss = sum / count as f64;
        if last_epoch_loss <= config.loss_threshold {
            break;
        }
    }
    let train_loss = if last_epoch_loss.is_finite() {
        last_epoch_loss
    } else {
        running.0 / running.1.max(1) as f64
    };
    Ok(MemberResult {
        seed,
        train_size,
        steps,
        epochs,
        train_loss,
        test_error: None,
        hit_step_cap: last_epoch_loss.is_nan() || last_epoch_loss > config.loss_threshold,
        history: Vec::new(),
        wall_s: started.elapsed().as_secs_f64(),
    })
}

/// Dynamic loss scaling for mixed precision: gradients are computed at `factor` × the
/// loss so that half-precision gradients do not underflow, divided back before the
/// step; a step with an overflow is skipped and the factor halved, and it doubles
/// after 2000 good steps (PyTorch's GradScaler rule).
struct LossScale {
    factor: f64,
    good: u32,
    enabled: bool,
}

impl LossScale {
    fn new(precision: Precision) -> Self {
        let enabled = precision == Precision::Mixed;
        LossScale {
            factor: if enabled { 65536.0 } else { 1.0 },
            good: 0,
            enabled,
        }
    }

    /// Unscales the gradients; false when they overflowed (skip the step).
    fn unscale(&mut self, vs: &nn::VarStore) -> bool {
        if !self.enabled {
            return true;
        }
        let variables = vs.trainable_variables();
        let mut finite = true;
        tch::no_grad(|| {
            for v in &variables {
                let mut g = v.grad();
                if g.defined() {
                    let _ = g.divide_scalar_(self.factor);
                    finite &= bool::try_from(g.isfinite().all()).unwrap_or(false);
                }
            }
        });
        if finite {
            self.good += 1;
            if self.good >= 2000 {
                self.factor *= 2.0;
                self.good = 0;
            }
        } else {
            self.factor /= 2.0;
            self.good = 0;
        }
        finite
    }
}

/// Test error of `net` (eval mode) on `test`, in chunks.
pub fn big_test_error(net: &BigNet, test: &LabelledSet) -> Result<f64> {
    let device = net.device();
    let n = test.len() as i64;
    if n == 0 {
        return Err(ModelError::invalid("test", "no test data"));
    }
    let wrong = tch::no_grad(|| -> Result<i64> {
        let mut wrong = 0;
        let mut start = 0;
        while start < n {
            let len = 1024.min(n - start);
            let x = test.x.narrow(0, start, len).to_device(device);
            let y = test.y.narrow(0, start, len).to_device(device);
            let predicted = net.forward_t(&x, false).argmax(-1, false);
            wrong += predicted.ne_tensor(&y).sum(Kind::Int64).int64_value(&[]);
            start += len;
        }
        Ok(wrong)
    })?;
    Ok(wrong as f64 / n as f64)
}
