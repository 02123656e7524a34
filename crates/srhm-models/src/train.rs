//! Training an ensemble with SGD to the loss threshold, each member stopping on its own,
//! and the test error of trained members.

use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use srhm_grammar::seeding::stream_seed;
use tch::{Device, Kind, Tensor};

use crate::data::LabelledSet;
use crate::error::{ModelError, Result};
use crate::net::{Architecture, Ensemble, NetConfig};
use crate::sgd::Sgd;

/// How to train (SPEC §4 defaults: SGD momentum 0.9, batch 4, stop at loss 1e-3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Learning rate before the parametrisation's scaling (× H in mean field).
    pub lr: f64,
    pub momentum: f64,
    pub batch: usize,
    /// A member stops once the mean minibatch loss over its last epoch is at most this.
    pub loss_threshold: f64,
    /// A member still above the threshold after this many steps stops, flagged.
    pub max_steps: u64,
    /// Measure the test error every this many steps (None: only at the end).
    pub eval_every: Option<u64>,
    /// Weights + momentum of the members trained together, in bytes; `None`:
    /// [`CPU_GROUP_BYTES`] on the CPU, every member at once on a GPU. Results do not
    /// depend on it, only speed does.
    #[serde(default)]
    pub group_bytes: Option<u64>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            lr: 0.01,
            momentum: 0.9,
            batch: 4,
            loss_threshold: 1e-3,
            max_steps: 1_000_000,
            eval_every: None,
            group_bytes: None,
        }
    }
}

impl TrainConfig {
    /// SPEC §4's learning rate (before the parametrisation's scaling), as the paper's
    /// appendices set it: LCN and CNN by patch size alone, 0.01 for s = 2 and 0.003 for
    /// s ≥ 3 whatever L (Appendix D, E); the FCN by depth, 0.01 for L = 2 and 0.003 for
    /// L ≥ 3 (Appendix F). Cases the paper does not train (s = 1, as image patches are
    /// encoded, or an FCN with L = 1) take 0.01, the rate of the nearest trained case.
    pub fn paper_lr(architecture: Architecture, params: &srhm_grammar::Params) -> f64 {
        let large = match architecture {
            Architecture::Lcn | Architecture::Cnn => params.patch <= 2,
            Architecture::Fcn => params.levels <= 2,
        };
        if large { 0.01 } else { 0.003 }
    }

    pub fn validate(&self) -> Result<()> {
        let positive = |name, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(ModelError::invalid(
                    name,
                    format!("must be a positive number, got {x}"),
                ))
            }
        };
        positive("lr", self.lr)?;
        positive("loss_threshold", self.loss_threshold)?;
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(ModelError::invalid(
                "momentum",
                format!("must be in [0, 1), got {}", self.momentum),
            ));
        }
        if self.batch == 0 {
            return Err(ModelError::invalid("batch", "must be at least 1"));
        }
        if self.max_steps == 0 {
            return Err(ModelError::invalid("max_steps", "must be at least 1"));
        }
        if self.eval_every == Some(0) {
            return Err(ModelError::invalid("eval_every", "must be at least 1"));
        }
        Ok(())
    }
}

/// One network of an ensemble: its seed (initialisation and minibatch order), the
/// training set it uses (an index into the sets given to [`train_ensemble`]) and how
/// many of that set's first rows it trains on (training sets are nested prefixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSpec {
    pub seed: u64,
    pub set: usize,
    pub train_size: usize,
}

/// What one network's training did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberResult {
    pub seed: u64,
    pub train_size: usize,
    pub steps: u64,
    pub epochs: u64,
    /// Mean minibatch loss over the last complete epoch (over the steps so far if none).
    pub train_loss: f64,
    pub test_error: Option<f64>,
    pub hit_step_cap: bool,
    /// (step, test error) every `eval_every` steps.
    pub history: Vec<(u64, f64)>,
    /// Wall time from the start of this member's group (see [`CPU_GROUP_BYTES`]) until
    /// it stopped.
    pub wall_s: f64,
}

/// Progress of a training, reported every few steps.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Steps done so far, summed over members.
    pub member_steps: u64,
    /// Members of the group in training now still above the threshold.
    pub active: usize,
    /// Members that have stopped, of `members`.
    pub finished: usize,
    pub members: usize,
    /// Mean batch loss of the active members at the last step.
    pub mean_loss: f64,
}

struct MemberState {
    offset: i64,
    rng: Xoshiro256PlusPlus,
    order: Vec<i64>,
    cursor: usize,
    epoch_loss: f64,
    epoch_batches: u64,
    result: MemberResult,
    active: bool,
}

impl MemberState {
    /// Books one step's loss; returns whether the member stops here (converged at
    /// the end of an epoch, or at the step cap).
    fn record_step(&mut self, loss: f64, epoch_ended: bool, config: &TrainConfig) -> bool {
        let r = &mut self.result;
        r.steps += 1;
        self.epoch_loss += loss;
        self.epoch_batches += 1;
        if epoch_ended {
            r.epochs += 1;
            r.train_loss = self.epoch_loss / self.epoch_batches as f64;
            self.epoch_loss = 0.0;
            self.epoch_batches = 0;
        }
        let converged = epoch_ended && r.train_loss <= config.loss_threshold;
        let capped = !converged && r.steps >= config.max_steps;
        if converged || capped {
            if r.epochs == 0 {
                r.train_loss = self.epoch_loss / self.epoch_batches as f64;
            }
            r.hit_step_cap = capped;
            self.active = false;
        }
        !self.active
    }

    /// The next `batch` global row indices; reshuffles when the epoch's order runs out.
    /// Returns whether an epoch ended inside this batch.
    fn next_batch(&mut self, batch: usize, out: &mut Vec<i64>) -> bool {
        let mut ended = false;
        for _ in 0..batch {
            if self.cursor == self.order.len() {
                self.order.shuffle(&mut self.rng);
                self.cursor = 0;
                ended = true;
            }
            out.push(self.offset + self.order[self.cursor]);
            self.cursor += 1;
        }
        ended || self.cursor == self.order.len()
    }
}

/// Trains one network per member as a single batched model. Each member draws its own
/// minibatches from its own training set and stops on its own: once the mean loss of
/// an epoch is at most the threshold (or at the step cap) its weights and momentum are
/// frozen while the others go on. Returns the trained ensemble and one result per member.
pub fn train_ensemble(
    net: NetConfig,
    config: &TrainConfig,
    members: &[MemberSpec],
    sets: &[LabelledSet],
    test: Option<&LabelledSet>,
    device: Device,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Ensemble, Vec<MemberResult>)> {
    config.validate()?;
    for (i, m) in members.iter().enumerate() {
        let set = sets.get(m.set).ok_or_else(|| {
            ModelError::invalid(
                "set",
                format!("member {i} uses set {} of {}", m.set, sets.len()),
            )
        })?;
        if m.train_size == 0 || m.train_size > set.len() {
            return Err(ModelError::invalid(
                "train_size",
                format!(
                    "member {i} asks for {} rows of a set of {}",
                    m.train_size,
                    set.len()
                ),
            ));
        }
    }
    let seeds: Vec<u64> = members.iter().map(|m| m.seed).collect();
    let ensemble = Ensemble::new(net, &seeds, device)?;
    let (x_all, y_all) = if sets.len() == 1 {
        (sets[0].x.shallow_clone(), sets[0].y.shallow_clone())
    } else {
        (
            Tensor::cat(&sets.iter().map(|s| &s.x).collect::<Vec<_>>(), 0),
            Tensor::cat(&sets.iter().map(|s| &s.y).collect::<Vec<_>>(), 0),
        )
    };
    let mut offsets = vec![0i64; sets.len()];
    for i in 1..sets.len() {
        offsets[i] = offsets[i - 1] + sets[i - 1].len() as i64;
    }
    let mut states: Vec<MemberState> = members
        .iter()
        .map(|&spec| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream_seed(spec.seed, 0x5348_5546, 0));
            let mut order: Vec<i64> = (0..spec.train_size as i64).collect();
            order.shuffle(&mut rng);
            MemberState {
                offset: offsets[spec.set],
                rng,
                order,
                cursor: 0,
                epoch_loss: 0.0,
                epoch_batches: 0,
                result: MemberResult {
                    seed: spec.seed,
                    train_size: spec.train_size,
                    steps: 0,
                    epochs: 0,
                    train_loss: f64::NAN,
                    test_error: None,
                    hit_step_cap: false,
                    history: Vec::new(),
                    wall_s: 0.0,
                },
                active: true,
            }
        })
        .collect();

    let group = group_size(&ensemble, config, device);
    let total = states.len();
    let mut finished = 0;
    let mut member_steps = 0;
    let mut start = 0;
    while start < total {
        let len = group.min(total - start);
        let mut run = GroupRun {
            ensemble: ensemble.member_range(start, len),
            states: &mut states[start..start + len],
            config,
            lr: config.lr * net.learning_rate_scale(),
            x_all: &x_all,
            y_all: &y_all,
            test,
            device,
            finished_before: finished,
            members: total,
        };
        member_steps = run.train(member_steps, progress)?;
        finished += len;
        start += len;
    }
    if let Some(test) = test {
        let errors = test_errors(&ensemble, test)?;
        for (state, error) in states.iter_mut().zip(errors) {
            state.result.test_error = Some(error);
        }
    }
    Ok((ensemble, states.into_iter().map(|s| s.result).collect()))
}

/// Working set (weights + momentum) of the members trained together on the CPU when
/// [`TrainConfig::group_bytes`] is not given. A step is memory-bound: a group that stays
/// in cache from one step to the next runs several times faster per network than a
/// large ensemble streaming its weights from memory, so wide networks train in turn
/// and narrow ones together. On a GPU every member trains at once.
pub const CPU_GROUP_BYTES: u64 = 32 << 20;

/// How many members one group holds.
fn group_size(ensemble: &Ensemble, config: &TrainConfig, device: Device) -> usize {
    let budget = match (config.group_bytes, device) {
        (Some(bytes), _) => bytes,
        (None, Device::Cpu) => CPU_GROUP_BYTES,
        (None, _) => u64::MAX,
    };
    let per_member: u64 = ensemble
        .weights()
        .iter()
        .map(|w| 2 * 4 * w.size()[1..].iter().product::<i64>() as u64)
        .sum();
    ((budget / per_member.max(1)) as usize).clamp(1, ensemble.members())
}

/// One group of members trained in lock step until each has stopped.
struct GroupRun<'a> {
    /// The group's members, sharing storage with the whole ensemble.
    ensemble: Ensemble,
    states: &'a mut [MemberState],
    config: &'a TrainConfig,
    lr: f64,
    x_all: &'a Tensor,
    y_all: &'a Tensor,
    test: Option<&'a LabelledSet>,
    device: Device,
    finished_before: usize,
    members: usize,
}

impl GroupRun<'_> {
    /// Trains the group; returns the member-steps done so far in the whole training.
    fn train(&mut self, mut member_steps: u64, progress: &mut dyn FnMut(Progress)) -> Result<u64> {
        let (config, device) = (self.config, self.device);
        let started = Instant::now();
        let e = self.states.len() as i64;
        let b = config.batch as i64;
        let mut sgd = Sgd::new(&self.ensemble, self.lr, config.momentum)?;
        let mut batch_shape = vec![e, b];
        batch_shape.extend_from_slice(&self.x_all.size()[1..]);
        let mut indices = Vec::with_capacity((e * b) as usize);
        let mut step = 0u64;
        while self.states.iter().any(|s| s.active) {
            step += 1;
            let active_before: Vec<bool> = self.states.iter().map(|s| s.active).collect();
            member_steps += active_before.iter().filter(|&&a| a).count() as u64;
            indices.clear();
            let mut epoch_ended = vec![false; self.states.len()];
            for (state, ended) in self.states.iter_mut().zip(&mut epoch_ended) {
                *ended = state.next_batch(config.batch, &mut indices);
            }
            let index = Tensor::from_slice(&indices).to_device(device);
            let x = self
                .x_all
                .index_select(0, &index)
                .reshape(batch_shape.as_slice());
            let y = self.y_all.index_select(0, &index).reshape([e, b]);
            let losses = sgd.step(&self.ensemble, &x, &y);
            let losses: Vec<f64> =
                Vec::<f64>::try_from(losses.to_kind(Kind::Double).to_device(Device::Cpu))
                    .map_err(ModelError::from)?;
            for (i, state) in self.states.iter_mut().enumerate() {
                if state.active && state.record_step(losses[i], epoch_ended[i], config) {
                    state.result.wall_s = started.elapsed().as_secs_f64();
                    sgd.freeze(i);
                }
            }
            if let (Some(every), Some(test)) = (config.eval_every, self.test)
                && step.is_multiple_of(every)
            {
                let errors = test_errors(&self.ensemble, test)?;
                for ((state, error), was_active) in
                    self.states.iter_mut().zip(errors).zip(&active_before)
                {
                    if *was_active {
                        state.result.history.push((step, error));
                    }
                }
            }
            let done = self.states.iter().all(|s| !s.active);
            if step.is_multiple_of(50) || done {
                let active: Vec<f64> = self
                    .states
                    .iter()
                    .zip(&losses)
                    .filter(|(s, _)| s.active)
                    .map(|(_, &l)| l)
                    .collect();
                let finished = self.states.iter().filter(|s| !s.active).count();
                progress(Progress {
                    member_steps,
                    active: active.len(),
                    finished: self.finished_before + finished,
                    members: self.members,
                    mean_loss: active.iter().sum::<f64>() / active.len().max(1) as f64,
                });
            }
        }
        Ok(member_steps)
    }
}

/// Fraction of misclassified test points, per member (counted exactly, then divided).
pub fn test_errors(ensemble: &Ensemble, test: &LabelledSet) -> Result<Vec<f64>> {
    let n = test.len() as i64;
    let chunk = 4096i64;
    let mut wrong = Tensor::zeros(
        [ensemble.members() as i64],
        (Kind::Int64, ensemble.device()),
    );
    tch::no_grad(|| {
        let mut start = 0;
        while start < n {
            let len = chunk.min(n - start);
            let x = test.x.narrow(0, start, len);
            let y = test.y.narrow(0, start, len);
            let predicted = ensemble.forward(&x).argmax(-1, false);
            wrong += predicted.ne_tensor(&y.unsqueeze(0)).sum_dim_intlist(
                [1i64].as_slice(),
                false,
                Kind::Int64,
            );
            start += len;
        }
    });
    let wrong = Vec::<i64>::try_from(wrong.to_device(Device::Cpu))?;
    Ok(wrong
        .into_iter()
        .map(|w| w as f64 / n.max(1) as f64)
        .collect())
}
